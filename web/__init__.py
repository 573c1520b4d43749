"""The web interface (`moa serve`): search, one agreement, comparison, on the standard library's HTTP server."""

from .app import App, make_server

__all__ = ["App", "make_server"]
