"""Webhook delivery: a JSON POST signed with an HMAC-SHA256 of the body.

Headers: `X-Moa-Signature: sha256=<hex>` (HMAC of the exact body bytes with the subscription's secret),
`X-Moa-Delivery: <id>` (the same on every retry, so a receiver can tell a repeat), `X-Moa-Event`. A 2xx answer
acknowledges; anything else (or no answer) is a failure the caller retries.
"""

from __future__ import annotations

import hashlib
import hmac

import requests

from moa import __version__

SIGNATURE_HEADER = "X-Moa-Signature"
DELIVERY_HEADER = "X-Moa-Delivery"


class DeliveryError(Exception):
    """A receiver did not acknowledge."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: recompute the HMAC and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature or "")


def post(url: str, secret: str, body: bytes, delivery_id: str, event: str, timeout: float = 10.0) -> int:
    """POST once; return the status on a 2xx, else raise DeliveryError."""
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
               DELIVERY_HEADER: delivery_id, "X-Moa-Event": event, "User-Agent": f"moa/{__version__} (alerts)"}
    try:
        r = requests.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as e:
        raise DeliveryError(f"webhook {url}: {type(e).__name__}: {e}") from None
    if not 200 <= r.status_code < 300:
        raise DeliveryError(f"webhook {url}: HTTP {r.status_code}")
    return r.status_code
