"""Fuzz the query layer (issue 18): 100,000 queries through the parser, 5,000 through each search backend.

Queries come from the hypothesis strategies the tests use (tests/query_strategies.py: any text, the
language's pieces in any order, well-formed queries over the corpus's words, pieces repeated a thousand times)
plus the issue's table of hostile queries. Prints: tracebacks (anything but a QuerySyntaxError from the
parser, or anything but a QuerySyntaxError or QueryTooExpensive from a backend: must be 0), unstable
parse → print → parse, results that differ between SQLite and Elasticsearch on queries both accept, the
slowest queries and how many went over their time budget, and the command that reproduces the run.

    python3 bench/query_fuzz.py                              # small real catalog built from ../shared/corpus
    python3 bench/query_fuzz.py --data /tmp/copy-of-data     # a catalog of your own (its index is rebuilt)
    python3 bench/query_fuzz.py --es-url http://127.0.0.1:9200   # or --start-es (a node like the tests'), --no-es
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from query_strategies import ADVERSARIAL, queries  # noqa: E402

from moa.catalog import connect  # noqa: E402
from moa.config import shared_corpus  # noqa: E402
from moa.errors import UserError  # noqa: E402
from search.api import run_search  # noqa: E402
from search.backend import get_backend, query_budget  # noqa: E402
from search.index import update_index  # noqa: E402
from search.index_docs import LEVELS  # noqa: E402
from search.query import MAX_QUERY_CHARS, QuerySyntaxError, QueryTooExpensive, parse, to_string  # noqa: E402

SLACK_S = 0.25  # a search stopped at its budget answers within this much after it (the clock is read between steps)


def short(q: str, n: int = 90) -> str:
    r = repr(q)
    return r if len(r) <= n else r[:n] + f"… ({len(q)} chars)"


class Tally:
    """What one run saw: counts, the first few of each kind of failure, the slowest queries."""

    def __init__(self) -> None:
        self.n = 0
        self.answers: dict[str, int] = {}
        self.failures: dict[str, list[str]] = {}
        self.slowest: list[tuple[float, str]] = []

    def count(self, what: str) -> None:
        self.answers[what] = self.answers.get(what, 0) + 1

    def fail(self, kind: str, text: str) -> None:
        self.failures.setdefault(kind, []).append(text)

    def time(self, seconds: float, label: str) -> None:
        self.slowest.append((seconds, label))
        if len(self.slowest) > 50:
            self.slowest = sorted(self.slowest, reverse=True)[:5]

    def report(self, title: str, kinds: tuple[str, ...]) -> None:
        print(f"\n{title}: {self.n} queries; answers: "
              + ", ".join(f"{k} {v}" for k, v in sorted(self.answers.items())))
        for kind in kinds:
            got = self.failures.get(kind, [])
            print(f"  {kind}: {len(got)}")
            for text in got[:3]:
                print("    " + text.replace("\n", "\n    "))
        print("  slowest:" if self.slowest else "", end="\n" if self.slowest else "")
        for s, label in sorted(self.slowest, reverse=True)[:5]:
            print(f"    {s * 1000:8.1f} ms  {label}")


def fuzz(strategy, n: int, seed_value: int, body) -> None:
    """Run `body` on `n` examples of `strategy` (generation only: nothing fails, so nothing shrinks)."""

    @seed(seed_value)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(example) -> None:
        body(example)

    run()


def parser_run(n: int, seed_value: int) -> Tally:
    t = Tally()

    def one(q: str) -> None:
        t.n += 1
        # CPU time, the collector paused: wall time on a shared machine and a full collection of hypothesis's
        # heap (up to a second) are not the query's cost
        gc.disable()
        start = time.thread_time()
        try:
            tree = parse(q)
        except QuerySyntaxError as e:
            t.count(type(e).__name__)
            if not 0 <= e.position <= len(q):
                t.fail("positions outside the query", f"{short(q)}: {e.position}")
            return
        except Exception:
            t.fail("tracebacks", f"{short(q)}\n{traceback.format_exc(limit=4)}")
            return
        finally:
            t.time(time.thread_time() - start, short(q))
            gc.enable()
        t.count("tree")
        printed = to_string(tree)
        if len(printed) <= MAX_QUERY_CHARS:
            try:
                again = parse(printed)
            except Exception as e:  # noqa: BLE001 - any failure to read the canonical form back is counted
                t.fail("unstable parse → print → parse", f"{short(q)} → {short(printed)}: {e}")
                return
            if again != tree:
                t.fail("unstable parse → print → parse", f"{short(q)} → {short(printed)}")

    for q in ADVERSARIAL.values():
        one(q)
    fuzz(queries(), n, seed_value, one)
    return t


HITS = 100


def identity(result: dict) -> tuple[int, dict, list]:
    """Total, facets and, where they all fit in one answer, the hits as a set (bm25 orders differently)."""
    hits = sorted(repr((h.get("agreement_id"), h["sha256"], h["page"], (h["section"] or {}).get("number")))
                  for h in result["hits"]) if result["total"] <= HITS else []
    return result["total"], result["facets"], hits


def backend_run(conn, backends: dict, n: int, seed_value: int, budget: float) -> dict[str, Tally]:
    tallies = {name: Tally() for name in backends}
    both = Tally()

    def ask(name: str, q: str, level: str):
        t = tallies[name]
        t.n += 1
        start = time.perf_counter()
        out: object
        try:
            out = run_search(conn, q, level, backends[name], limit=HITS)
            t.count("result")
        except (QuerySyntaxError, QueryTooExpensive) as e:
            out = e
            t.count(type(e).__name__)
        except UserError as e:
            out = e
            t.fail("tracebacks", f"{short(q)} at {level}: a UserError the query layer does not name: {e}")
        except Exception:
            out = None
            t.fail("tracebacks", f"{short(q)} at {level}\n{traceback.format_exc(limit=4)}")
        took = time.perf_counter() - start
        t.time(took, f"{short(q)} at {level}")
        if took > budget + SLACK_S:
            t.fail("over the time budget", f"{took:.2f} s: {short(q)} at {level}")
        return out

    def one(example) -> None:
        q, level = example
        got = {name: ask(name, q, level) for name in backends}
        if len(got) == 2 and all(isinstance(r, dict) for r in got.values()):
            both.n += 1
            a, b = (identity(r) for r in got.values())  # type: ignore[arg-type]
            if a != b:
                what = "totals" if a[0] != b[0] else "facets" if a[1] != b[1] else "hits"
                both.fail("results that differ", f"{short(q)} at {level}: {what} differ (totals {a[0]}, {b[0]})")

    for q in ADVERSARIAL.values():
        one((q, "page"))
    fuzz(st.tuples(queries(), st.sampled_from(LEVELS)), n, seed_value, one)
    if len(backends) == 2:
        tallies["both accepted"] = both
    return tallies


@contextlib.contextmanager
def es_node(url: str | None, start: bool):
    if url or not start:
        yield url
        return
    from es_node import EsNode, es_home, node_dir

    home = es_home()
    if home is None:
        raise SystemExit("no Elasticsearch distribution (run .ci/setup.d/elasticsearch.sh) and no --es-url")
    base = node_dir("moa-bench-es-")
    node = EsNode(home, base, "moa-bench", f"moa-bench-{int(time.time())}", heap="1g", quick_jit=False)
    try:
        node.start()
        node.wait_until_up()
        yield node.url
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)


def catalog(data: Path | None, work: Path):
    if data is not None:
        return connect(data), str(data)
    from search_support import build_catalog

    conn, _ = build_catalog(work / "data", shared_corpus())
    return conn, "the small catalog of tests/search_support.py"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--parser", type=int, default=100_000, help="queries through the parser (default 100,000)")
    p.add_argument("--backend", type=int, default=5_000, help="queries through each backend (default 5,000)")
    p.add_argument("--seed", type=int, default=18)
    p.add_argument("--data", type=Path, help="a catalog to search (its search index is rebuilt: use a copy)")
    p.add_argument("--es-url", help="an Elasticsearch node to index into and search (else --start-es)")
    p.add_argument("--start-es", action="store_true", help="start a node from the distribution the tests use")
    p.add_argument("--budget", type=float, default=None, help="seconds per search (default: $MOA_QUERY_BUDGET or 5)")
    args = p.parse_args(argv)
    budget = query_budget(args.budget)

    cmd = " ".join(["python3 bench/query_fuzz.py", *(argv if argv is not None else sys.argv[1:])])
    t0 = time.monotonic()
    t = parser_run(args.parser, args.seed)
    t.report(f"parser ({time.monotonic() - t0:.0f} s; slowest by CPU time)", ("tracebacks", "positions outside the query",
                                                          "unstable parse → print → parse"))
    failures = sum(len(v) for v in t.failures.values())
    if args.backend:
        with tempfile.TemporaryDirectory(prefix="moa-query-fuzz-") as tmp, es_node(args.es_url, args.start_es) as url:
            conn, where = catalog(args.data, Path(tmp))
            backends = {"sqlite": get_backend("sqlite", conn)}
            if url:
                from search.es_backend import ElasticsearchBackend

                backends["elasticsearch"] = ElasticsearchBackend(conn, url, alias="moa-query-fuzz")
            for b in backends.values():
                b.budget_s = budget
                report = update_index(conn, b, rebuild=True)
                print(f"{b.name}: indexed {report['indexed']} from {where}")
            t0 = time.monotonic()
            tallies = backend_run(conn, backends, args.backend, args.seed, budget)
            for name, tally in tallies.items():
                tally.report(f"{name} ({time.monotonic() - t0:.0f} s, budget {budget:g} s)",
                             ("tracebacks", "over the time budget", "results that differ"))
                failures += sum(len(v) for v in tally.failures.values())
            for b in backends.values():
                b.close()
            conn.close()
    print(f"\nfailures: {failures}\nreproduce: {cmd}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
