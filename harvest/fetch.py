"""A polite HTTP client: one session, a User-Agent naming the tool, a timeout on every request, a delay
between requests, retries with backoff on 5xx and timeouts, conditional requests, and a polite stop on
403/429.

Every request actually sent is counted (`Fetcher.requests`), so a run can report how much it asked of ICE.
"""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from moa import USER_AGENT

log = logging.getLogger("moa.harvest")

# Statuses after which asking again soon will not help: the URL is gone.
PERMANENT = {404, 410}
# Statuses that mean "you are asking too much / not welcome": stop the whole run.
STOP = {403, 429}
MAX_BODY = 512 * 1024 * 1024


@dataclass
class Response:
    """One answered request (2xx or 304)."""

    url: str                 # the URL requested
    final_url: str           # after redirects
    status: int
    headers: dict[str, str]
    body: bytes = b""
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass
class FetchError(Exception):
    """A request that did not give a usable answer, after any retries."""

    url: str
    reason: str
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    permanent: bool = False  # 404/410: retrying soon is pointless

    def __str__(self) -> str:
        code = f"HTTP {self.status}" if self.status else "no response"
        return f"{code}: {self.reason}"


@dataclass
class PoliteStop(FetchError):
    """The server said stop (403 Forbidden, 429 Too Many Requests): the run must make no more requests."""

    retry_after: float | None = None

    def __str__(self) -> str:
        wait = f"; it asks to wait {self.retry_after:.0f} s" if self.retry_after is not None else ""
        return f"HTTP {self.status} for {self.url}: server refused ({self.reason}){wait}"


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Fetcher:
    """GET with politeness built in. `delay` seconds are left between the starts of consecutive requests."""

    def __init__(self, *, delay: float = 1.0, timeout: float = 30.0, retries: int = 3, backoff: float = 2.0,
                 max_wait: float = 60.0, user_agent: str = USER_AGENT,
                 session: requests.Session | None = None):
        self.delay = delay
        self.timeout = timeout
        self.retries = retries          # extra attempts after the first, for 5xx/timeouts/cut connections
        self.backoff = backoff          # seconds before the first retry, doubled each time
        self.max_wait = max_wait        # longest Retry-After we wait out instead of stopping
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.requests = 0               # requests actually sent
        self._last = 0.0

    def close(self) -> None:
        self.session.close()

    def _pause(self) -> None:
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        self._pause()
        self.requests += 1
        start = time.monotonic()
        with self.session.get(url, headers=headers, timeout=self.timeout, stream=True,
                              allow_redirects=True) as r:
            hdrs = {k.lower(): v for k, v in r.headers.items()}
            body = bytearray()
            if r.status_code != 304:
                # urllib3 raises when the connection closes before Content-Length bytes came.
                for chunk in r.iter_content(1 << 16):
                    body += chunk
                    if len(body) > MAX_BODY:
                        raise FetchError(url, f"body larger than {MAX_BODY} bytes", r.status_code, r.url, hdrs)
            return Response(url, r.url, r.status_code, hdrs, bytes(body), time.monotonic() - start)

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET url (conditionally when etag/last_modified are given). Returns a 2xx or 304 Response;
        raises PoliteStop on 403/429, FetchError on anything else that is not a usable answer."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                resp = self._once(url, headers)
            except FetchError:
                raise
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as e:
                reason = "timed out" if isinstance(e, requests.Timeout) else f"connection failed ({type(e).__name__})"
                if attempt < self.retries:
                    attempt += 1
                    self._sleep_backoff(attempt, url, reason)
                    continue
                raise FetchError(url, f"{reason} after {attempt + 1} attempts") from None
            except requests.RequestException as e:
                raise FetchError(url, f"request failed: {e}") from None
            status = resp.status
            if 200 <= status < 300 or status == 304:
                return resp
            reason = _reason(status)
            if status in STOP:
                wait = parse_retry_after(resp.headers.get("retry-after"))
                if status == 429 and wait is not None and wait <= self.max_wait and attempt < self.retries:
                    attempt += 1
                    log.info("429 for %s: waiting %.0f s as asked (Retry-After)", url, wait)
                    time.sleep(wait)
                    continue
                raise PoliteStop(url, reason, status, resp.final_url, resp.headers, retry_after=wait)
            if status >= 500 and attempt < self.retries:
                attempt += 1
                self._sleep_backoff(attempt, url, f"HTTP {status}")
                continue
            if status >= 500:
                reason = f"{reason} after {attempt + 1} attempts"
            raise FetchError(url, reason, status, resp.final_url, resp.headers, permanent=status in PERMANENT)

    def _sleep_backoff(self, attempt: int, url: str, reason: str) -> None:
        wait = self.backoff * (2 ** (attempt - 1))
        log.debug("%s for %s: retry %d/%d in %.1f s", reason, url, attempt, self.retries, wait)
        if wait > 0:
            time.sleep(wait)


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"status {status}"
