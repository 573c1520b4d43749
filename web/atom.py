"""The alerts' Atom feeds (alerts/feeds.py): `/feeds/events.atom`, every ledger event moa has taken in, and
`/feeds/<subscription>.atom`, what fired for one subscription (a saved search's new matches)."""

from __future__ import annotations

import os

from starlette.requests import Request
from starlette.responses import Response

from alerts.feeds import events_feed, subscription_feed

from .site import PageError, site

ATOM = "application/atom+xml; charset=utf-8"


def _base(request: Request) -> str:
    """Where links in entries point: $MOA_PUBLIC_URL when the server sits behind a proxy, else this server."""
    return os.environ.get("MOA_PUBLIC_URL") or str(request.base_url)


def events_atom(request: Request) -> Response:
    with site(request).catalog() as conn:
        body = events_feed(conn, _base(request))
    return Response(body, media_type=ATOM)


def subscription_atom(request: Request) -> Response:
    name = request.path_params["name"]
    with site(request).catalog() as conn:
        body = subscription_feed(conn, name, _base(request))
    if body is None:
        raise PageError(404, "Unknown feed", f"No subscription is named {name[:80]!r} (see `moa alerts list`).")
    return Response(body, media_type=ATOM)
