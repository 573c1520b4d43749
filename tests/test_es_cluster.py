"""Three real Elasticsearch nodes on 127.0.0.1, an index with one replica of every shard, and one node killed
(SIGKILL) while queries stream and documents are being indexed: every query still answers with the complete
result, and every document whose indexing was acknowledged is still there afterwards."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time

import pytest
from es_node import EsNode, es_home, missing_es, node_dir
from search_support import copy_catalog

from moa.errors import ExternalError
from search.es_backend import ElasticsearchBackend
from search.index_docs import IndexDoc, index_doc
from search.query import parse

pytestmark = [pytest.mark.slow, pytest.mark.es]

QUERIES = (
    ("overtime", "document"),
    ("model:TFM section:costs overtime", "document"),
    ('"warrantless arrest" OR "probable cause"', "page"),
    ("NEAR(arrest warrant, 5)", "clause"),
    ("train* AND NOT model:JEM", "page"),
    ("model:WSO", "clause"),
)
STREAM_AFTER_KILL = 8.0  # seconds of queries after the kill (failover and primary promotion happen here)


@pytest.fixture(scope="module")
def cluster():
    home = es_home()
    if home is None:
        missing_es("the Elasticsearch distribution is not installed")
    base = node_dir("moa-es-cluster-")
    base.chmod(0o755)  # each node's user enters its own folder below
    names = ["c1", "c2", "c3"]
    nodes = [EsNode(home, base / n, n, "moa-cluster", heap="384m") for n in names]
    seeds = [n.transport_port for n in nodes]
    for n in nodes:
        n.seeds, n.masters = seeds, names
    try:
        for n in nodes:
            n.start()
        nodes[0].wait_until_up(nodes=3)
    except (RuntimeError, OSError) as e:
        for n in nodes:
            n.stop()
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"the three-node cluster did not form: {e}", pytrace=False)
    yield nodes
    for n in nodes:
        n.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def docs(small_catalog, tmp_path_factory) -> list[IndexDoc]:
    conn, _ = copy_catalog(small_catalog, tmp_path_factory.mktemp("cluster") / "data")
    from agreements.documents import iter_documents as iter_records

    out = [index_doc(r) for r in iter_records(conn, with_text=True)]
    conn.close()
    return out


def copy_of(doc: IndexDoc, n: int) -> IndexDoc:
    """The same agreement under another identity (sha256), so each write adds new units."""
    sha = f"{n:04x}" + doc.sha256[4:]
    units = [dataclasses.replace(u, sha256=sha, uid=u.uid.replace(doc.sha256, sha), file=f"copy{n}-{u.file}")
             for u in doc.units]
    return IndexDoc(sha256=sha, fingerprint=doc.fingerprint, units=units)


def answer(result: dict) -> tuple:
    """What must not change when a node dies: the total, every hit and its place, and the facets."""
    return (result["total"], [(h["sha256"], h["page"], (h["section"] or {}).get("number")) for h in result["hits"]],
            result["facets"])


def test_killing_a_node_loses_nothing(cluster, docs):
    urls = ",".join(n.url for n in cluster)
    b = ElasticsearchBackend(None, urls, alias="moa-cluster", shards=3)
    b.index(docs)
    # writes during the kill go to an index of their own, so the answers read meanwhile must not change
    writer = ElasticsearchBackend(None, urls, alias="moa-cluster-writes", shards=3)
    writer.index([copy_of(docs[0], 0)])
    acked: list[IndexDoc] = [copy_of(docs[0], 0)]
    h = b.client.cluster.health(index="moa-cluster*", wait_for_status="green", timeout="120s")
    assert h["status"] == "green" and h["number_of_nodes"] == 3
    settings = b.client.indices.get_settings(index="moa-cluster", flat_settings=True)
    assert next(iter(settings.values()))["settings"]["index.auto_expand_replicas"] == "0-1"
    shards = b.client.cat.shards(index="moa-cluster", format="json")
    assert len([s for s in shards if s["prirep"] == "r"]) == 3, "one replica of each of the 3 shards"
    before = b.stats()
    reference = {q: answer(b.search(parse(q), level, limit=50)) for q, level in QUERIES}

    # The victim holds shard copies (with 3 nodes and 6 copies every node does); kill the one that is not
    # the elected master, so the cluster keeps answering while it notices.
    master = b.client.cat.master(format="json")[0]["node"]
    victim = next(n for n in cluster if n.name != master)
    reader = ElasticsearchBackend(None, urls, alias="moa-cluster")
    stop = threading.Event()
    answers: list[tuple[float, str, tuple]] = []
    failures: list[BaseException] = []

    def read() -> None:
        i = 0
        while not stop.is_set():
            q, level = QUERIES[i % len(QUERIES)]
            i += 1
            try:
                answers.append((time.monotonic(), q, answer(reader.search(parse(q), level, limit=50))))
            except BaseException as e:  # every query must answer: record and fail below
                failures.append(e)

    def write() -> None:
        n = 1
        while not stop.is_set():
            doc = copy_of(docs[n % len(docs)], n)
            try:
                writer.index([doc])
            except ExternalError:
                continue  # not acknowledged: try the same document again
            acked.append(doc)
            n += 1

    threads = [threading.Thread(target=read), threading.Thread(target=write)]
    for t in threads:
        t.start()
    try:
        time.sleep(2.0)
        killed_at = time.monotonic()
        victim.kill()
        time.sleep(STREAM_AFTER_KILL)
    finally:
        stop.set()
        for t in threads:
            t.join(120)
    assert not failures, failures[:3]
    after_kill = [a for a in answers if a[0] > killed_at]
    assert len(after_kill) >= len(QUERIES), f"only {len(after_kill)} queries answered after the kill"
    for _, q, got in answers:
        assert got == reference[q], f"{q!r} answered differently with a node down"

    # Nothing indexed is lost: the original units and every acknowledged write are all there.
    live = [n for n in cluster if n is not victim]
    b2 = ElasticsearchBackend(None, ",".join(n.url for n in live), alias="moa-cluster")
    health = b2.client.cluster.health(index="moa-cluster*", wait_for_status="yellow", timeout="60s")
    assert health["number_of_nodes"] == 2 and health["status"] in ("yellow", "green")
    after = b2.stats()
    assert (after["documents"], after["units"]) == (before["documents"], before["units"])
    for q, level in QUERIES:
        assert answer(b2.search(parse(q), level, limit=50)) == reference[q]
    w2 = ElasticsearchBackend(None, ",".join(n.url for n in live), alias="moa-cluster-writes")
    w2.client.indices.refresh(index="moa-cluster-writes")
    assert len(acked) > 1, "the writer indexed documents while the node died"
    wstats = w2.stats()
    assert wstats["documents"] == len(acked)
    for level, n in wstats["units"].items():
        assert n == sum(u.level == level for d in acked for u in d.units)
    for client in (reader, b, b2, writer, w2):
        client.client.close()
