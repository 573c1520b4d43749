"""What only the Elasticsearch backend does: bulk counts, the alias swapped atomically on rebuild, and a clear
error when the cluster is down. Runs against a real node the test session starts (tests/es_node.py); the
shared behaviour of both backends is tests/test_search_behaviour.py."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from es_node import free_port
from search_support import copy_catalog

from moa.errors import ExternalError
from search.es_backend import ElasticsearchBackend
from search.index_docs import LEVELS, IndexDoc, index_doc
from search.query import parse

pytestmark = pytest.mark.es


@pytest.fixture(scope="module")
def docs(small_catalog, tmp_path_factory) -> list[IndexDoc]:
    conn, _ = copy_catalog(small_catalog, tmp_path_factory.mktemp("es") / "data")
    from agreements.documents import iter_documents as iter_records

    out = [index_doc(r) for r in iter_records(conn, with_text=True)]
    conn.close()
    assert len(out) >= 6
    return out


@pytest.fixture
def backend(es_url, request):
    alias = "moa-test-" + request.node.name.lower().replace("_", "-")[:40]
    b = ElasticsearchBackend(None, es_url, alias=alias)
    yield b
    b.finish()
    names = list(b.client.indices.get(index=f"{alias}-*", expand_wildcards="all"))
    if names:
        b.client.indices.delete(index=",".join(names))
    b.client.close()


def unit_counts(docs: list[IndexDoc]) -> dict[str, int]:
    c = Counter(u.level for d in docs for u in d.units)
    return {lv: c.get(lv, 0) for lv in LEVELS}


def test_bulk_index_counts_and_replacement(backend, docs):
    want = unit_counts(docs)
    assert backend.index(docs) == sum(want.values())
    s = backend.stats()
    assert s["units"] == want and s["documents"] == len(docs)
    # stemmed by Elasticsearch where the node has analysis-common (a full distribution), else by moa
    info = backend.client.nodes.info(metric="plugins")["nodes"]
    modules = {m["name"] for n in info.values() for m in n.get("modules", [])}
    assert s["analysis"] == ("server" if "analysis-common" in modules else "client")

    # indexing the same documents again replaces their units: nothing doubles
    assert backend.index(docs) == sum(want.values())
    assert backend.stats()["units"] == want

    # a document re-extracted with fewer units loses the ones it no longer has
    first = docs[0]
    pages = [u for u in first.units if u.level == "page"]
    shorter = dataclasses.replace(first, units=[u for u in first.units if u is not pages[-1]])
    assert backend.index([shorter]) == len(first.units) - 1
    assert backend.stats()["units"]["page"] == want["page"] - 1

    assert backend.delete([first.sha256, "0" * 64]) == 1
    after = backend.stats()
    assert after["documents"] == len(docs) - 1
    assert after["units"] == {lv: want[lv] - sum(u.level == lv for u in first.units) for lv in LEVELS}
    assert backend.search(parse(f"sha:{first.sha256[:12]}"), "page")["total"] == 0


def test_rebuild_swaps_alias_atomically(backend, docs, es_url):
    backend.index(docs)
    old_index = backend.live_index()
    query = parse("overtime")
    old_total = backend.search(query)["total"]
    assert old_total == len([d for d in docs if any("overtime" in u.text.lower() for u in d.units)])
    keep = docs[: len(docs) // 2]
    new_total = len([d for d in keep if any("overtime" in u.text.lower() for u in d.units)])
    assert new_total != old_total

    # another reader (its own client) searches all through the rebuild
    reader = ElasticsearchBackend(None, es_url, alias=backend.alias)
    seen: list[tuple[float, int]] = []
    stop = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not stop.is_set():
                seen.append((time.monotonic(), reader.search(query)["total"]))
        except BaseException as e:  # surfaced below
            errors.append(e)

    t = threading.Thread(target=read)
    t.start()
    try:
        backend.reset()
        staged = backend.stats()["index"]
        assert staged != old_index and backend.live_index() == old_index
        for d in keep:  # one batch at a time: a non-atomic rebuild would show readers every step
            backend.index([d])
            time.sleep(0.1)
        assert backend.live_index() == old_index, "nothing is live before the rebuild finishes"
        swapped_at = time.monotonic()
        backend.finish()
        finished_at = time.monotonic()
        deadline = finished_at + 30
        while sum(at > finished_at for at, _ in seen) < 3 and time.monotonic() < deadline and t.is_alive():
            time.sleep(0.05)
    finally:
        stop.set()
        t.join(30)
        reader.close()
    assert not errors, errors
    assert {total for _, total in seen} <= {old_total, new_total}
    before = [total for at, total in seen if at < swapped_at]
    assert before and set(before) == {old_total}
    assert seen[-1][1] == new_total
    assert backend.live_index() == staged
    assert not backend.client.indices.exists(index=old_index), "the old index is deleted after the swap"
    assert backend.stats()["documents"] == len(keep)


def test_unfinished_rebuild_is_cleaned_up(backend, docs, es_url):
    backend.index(docs[:2])
    live = backend.live_index()
    crashed = ElasticsearchBackend(None, es_url, alias=backend.alias)
    crashed.reset()
    crashed.index(docs[2:3])
    orphan = crashed._staged
    crashed.client.close()  # gone without finishing: the live index is untouched
    assert backend.live_index() == live and backend.stats()["documents"] == 2

    backend.reset()  # the next rebuild drops the orphan
    assert not backend.client.indices.exists(index=orphan)
    backend.index(docs[:1])
    backend.finish()
    assert backend.stats()["documents"] == 1


def test_rebuild_leaves_other_aliases_alone(backend, docs, es_url):
    """A rebuild of alias `a` drops only a's own unfinished indices, not those of an alias `a-other` that
    'a-*' also matches (the tests' 'moa' rebuild deleted the fuzz bench's 'moa-query-fuzz')."""
    other = ElasticsearchBackend(None, es_url, alias=backend.alias + "-other")
    try:
        other.index(docs[:1])
        other.finish()
        kept = other.live_index()
        backend.reset()
        assert other.client.indices.exists(index=kept) and other.stats()["documents"] == 1
    finally:
        other.client.indices.delete(index=f"{other.alias}-*", expand_wildcards="all")
        other.client.close()


def test_clear_error_when_cluster_is_down(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    b = ElasticsearchBackend(None, url)
    with pytest.raises(ExternalError, match=f"Elasticsearch at {url} is not reachable"):
        b.search(parse("overtime"))
    with pytest.raises(ExternalError, match="is not reachable"):
        b.stats()
    b.client.close()

    env = {**os.environ, "MOA_ES_URL": url}
    for args in (["search", "overtime"], ["index"]):
        proc = subprocess.run([sys.executable, "-m", "moa", *args, "--backend", "elasticsearch",
                               "--data", str(tmp_path / "data")], capture_output=True, text=True, env=env,
                              timeout=120)
        assert proc.returncode == 1, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and f"Elasticsearch at {url} is not reachable" in lines[0], proc.stderr
