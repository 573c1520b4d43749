"""The record of one agreement document (DESIGN.md, "The record"), shared by extract and search."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Model = Literal["JEM", "WSO", "TFM"]
MODELS: tuple[str, ...] = ("JEM", "WSO", "TFM")
MODEL_NAMES = {
    "JEM": "Jail Enforcement Model",
    "WSO": "Warrant Service Officer",
    "TFM": "Task Force Model",
}


@dataclass
class Agency:
    name: str | None
    state: str | None  # two-letter postal code
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Signatory:
    party: Literal["lea", "ice"]
    name: str | None
    title: str | None
    date: str | None  # YYYY-MM-DD
    page: int | None
    confidence: float = 0.0
    date_source: str | None = None  # typed | handwritten | stamped | digital-signature
    reasons: list[str] = field(default_factory=list)  # why a value is null or uncertain


@dataclass
class Subsection:
    letter: str
    title: str
    key: str
    page_start: int
    text: str
    page_end: int | None = None


@dataclass
class Section:
    number: str  # roman numeral as printed
    title: str
    key: str
    page_start: int
    page_end: int
    text: str
    subsections: list[Subsection] = field(default_factory=list)


@dataclass
class Appendix:
    letter: str
    title: str
    page_start: int
    page_end: int | None = None
    text: str = ""


@dataclass
class PageInfo:
    number: int
    method: Literal["text", "ocr", "none"]
    chars: int
    quality: float
    reason: str = ""
    text: str = ""


@dataclass
class Record:
    sha256: str
    file: str
    page_count: int
    model: str | None
    agency: Agency
    signatories: list[Signatory]
    template_revision: str | None
    sections: list[Section]
    appendices: list[Appendix]
    pages: list[PageInfo]
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, with_page_text: bool = False) -> dict[str, Any]:
        d = asdict(self)
        extra = d.pop("extra")
        if not with_page_text:
            for p in d["pages"]:
                p.pop("text", None)
        d.update(extra)
        return d
