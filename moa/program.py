"""The 287(g) program's vocabulary that every stage shares: its three models and their names."""

from __future__ import annotations

from typing import Literal

Model = Literal["JEM", "WSO", "TFM"]
MODELS: tuple[str, ...] = ("JEM", "WSO", "TFM")
MODEL_NAMES = {
    "JEM": "Jail Enforcement Model",
    "WSO": "Warrant Service Officer",
    "TFM": "Task Force Model",
}
