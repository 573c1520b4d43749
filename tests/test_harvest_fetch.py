"""The polite client against the real mirror: retries, backoff, polite stops, timeouts, 304s, User-Agent."""

from __future__ import annotations

import pytest

from harvest.fetch import Fetcher, FetchError, PoliteStop, parse_retry_after
from harvest.mirror import Mirror
from moa import USER_AGENT

BAY = "/doclib/287gMOA/287gWSO_BayCoFl2019-10-15.pdf"


@pytest.fixture(scope="module")
def mirror(corpus):
    with Mirror(corpus) as m:
        yield m


@pytest.fixture
def fetcher():
    f = Fetcher(delay=0, timeout=2, retries=2, backoff=0)
    yield f
    f.close()


def test_get_names_the_tool_and_counts(mirror, fetcher) -> None:
    before = len(mirror.requests)
    r = fetcher.get(mirror.url + BAY)
    assert r.status == 200 and r.body.startswith(b"%PDF") and fetcher.requests == 1
    assert mirror.requests[before][2] == USER_AGENT


def test_conditional_get_gives_304(mirror, fetcher) -> None:
    first = fetcher.get(mirror.url + BAY)
    again = fetcher.get(mirror.url + BAY, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body == b"" and fetcher.requests == 2


def test_5xx_retried_with_backoff_then_succeeds(mirror, fetcher) -> None:
    mirror.set_faults(["5xx:2@*BayCo*"])
    try:
        r = fetcher.get(mirror.url + BAY)
    finally:
        mirror.set_faults([])
    assert r.status == 200 and fetcher.requests == 3


def test_5xx_beyond_retries_fails_transient(mirror, fetcher) -> None:
    mirror.set_faults(["5xx:9@*BayCo*"])
    try:
        with pytest.raises(FetchError) as e:
            fetcher.get(mirror.url + BAY)
    finally:
        mirror.set_faults([])
    assert e.value.status == 503 and not e.value.permanent and fetcher.requests == 3


def test_429_and_403_stop_politely(mirror, fetcher) -> None:
    mirror.set_faults(["429:120@*BayCo*", "403@*PolkCo*"])
    try:
        with pytest.raises(PoliteStop) as e:
            fetcher.get(mirror.url + BAY)
        assert e.value.status == 429 and e.value.retry_after == 120
        with pytest.raises(PoliteStop) as e:
            fetcher.get(mirror.url + "/doclib/287gMOA/287gWSO_PolkCoFl2019-05-06.pdf")
        assert e.value.status == 403
    finally:
        mirror.set_faults([])
    assert fetcher.requests == 2  # no retry hammering


def test_short_retry_after_is_waited_out(mirror, fetcher) -> None:
    mirror.set_faults(["429:1@*BayCo*#1"])
    try:
        r = fetcher.get(mirror.url + BAY)
    finally:
        mirror.set_faults([])
    assert r.status == 200 and fetcher.requests == 2


def test_slow_response_times_out(mirror) -> None:
    f = Fetcher(delay=0, timeout=0.3, retries=1, backoff=0)
    mirror.set_faults(["slow:1.5@*BayCo*"])
    try:
        with pytest.raises(FetchError, match="timed out after 2 attempts"):
            f.get(mirror.url + BAY)
    finally:
        mirror.set_faults([])
        f.close()


def test_cut_connection_is_retried_then_fails(mirror, fetcher) -> None:
    mirror.set_faults(["truncate@*BayCo*"])
    try:
        with pytest.raises(FetchError, match="connection failed"):
            fetcher.get(mirror.url + BAY)
    finally:
        mirror.set_faults([])
    assert fetcher.requests == 3


def test_404_is_permanent(mirror, fetcher) -> None:
    with pytest.raises(FetchError) as e:
        fetcher.get(mirror.url + "/doclib/287gMOA/NoSuchCoXX.pdf")
    assert e.value.status == 404 and e.value.permanent and fetcher.requests == 1


def test_delay_between_requests(mirror) -> None:
    import time

    f = Fetcher(delay=0.2, timeout=5, retries=0)
    start = time.monotonic()
    for _ in range(3):
        f.get(mirror.url + BAY)
    f.close()
    assert time.monotonic() - start >= 0.4


def test_parse_retry_after() -> None:
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None
