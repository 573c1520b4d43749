"""The web interface and JSON API (`moa serve`): a Starlette app (web/app.py, its routing table) on uvicorn."""

from .app import ROUTES, create_app

__all__ = ["ROUTES", "create_app"]
