"""Load for `moa serve`: N clients in parallel on 127.0.0.1, each on its own keep-alive connection, for a fixed
time, recording every request's route, status and latency (tests/test_serve_load.py, bench/serve_load.py).

A client is a thread with an `http.client` connection: sockets release the GIL, so 50 of them stay cheap
beside the server, which runs in its own process. A connection error or a timeout is recorded and the
client reconnects; nothing is retried.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Sample:
    route: str
    status: int        # 0: no answer (connection error or timeout)
    seconds: float
    error: str = ""


@dataclass
class LoadResult:
    clients: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)

    def routes(self) -> list[str]:
        return sorted({s.route for s in self.samples})

    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.status == 0]

    def server_errors(self) -> list[Sample]:
        return [s for s in self.samples if s.status >= 500]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def _client(base: str, work: list[tuple[str, str]], start: int, stop_at: float, headers: dict[str, str],
            timeout: float, out: list[Sample], think: float) -> None:
    parts = urlsplit(base)
    conn: http.client.HTTPConnection | None = None
    i = start
    while time.monotonic() < stop_at:
        route, path = work[i % len(work)]
        i += 1
        if conn is None:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            out.append(Sample(route, resp.status, time.perf_counter() - t0))
            if resp.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            out.append(Sample(route, 0, time.perf_counter() - t0, f"{type(e).__name__}: {e}"))
            conn.close()
            conn = None
        if think:
            time.sleep(think)
    if conn is not None:
        conn.close()


def run_load(base: str, work: list[tuple[str, str]], clients: int, seconds: float,
             headers: dict[str, str] | None = None, timeout: float = 60.0, think: float = 0.0) -> LoadResult:
    """`clients` threads cycle through `work` ((route name, path) pairs, each from its own start) for
    `seconds`; with `think`, each client pauses that long between requests (a reader, not a script)."""
    result = LoadResult(clients, seconds)
    per_client: list[list[Sample]] = [[] for _ in range(clients)]
    stop_at = time.monotonic() + seconds
    step = max(1, len(work) // max(1, clients))
    threads = [threading.Thread(target=_client, args=(base, work, c * step, stop_at, headers or {}, timeout,
                                                      per_client[c], think), daemon=True)
               for c in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + timeout + 10)
    result.seconds = time.monotonic() - t0
    result.samples = [s for samples in per_client for s in samples]
    return result


def table(result: LoadResult) -> str:
    """Per route: requests, p50/p95/p99 in ms, 5xx, connection errors; then all routes together."""
    lines = [f"{'route':<16} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
             f"{'5xx':>5} {'errors':>6}"]
    for route in [*result.routes(), "all"]:
        rows = [s for s in result.samples if route in ("all", s.route)]
        ms = [s.seconds * 1000 for s in rows if s.status]
        lines.append(f"{route:<16} {len(rows):>8} {percentile(ms, 50):>8.1f} {percentile(ms, 95):>8.1f} "
                     f"{percentile(ms, 99):>8.1f} {max(ms, default=0):>8.1f} "
                     f"{sum(s.status >= 500 for s in rows):>5} {sum(s.status == 0 for s in rows):>6}")
    rate = len(result.samples) / result.seconds if result.seconds else 0
    lines.append(f"{result.clients} clients, {result.seconds:.1f} s, {len(result.samples)} requests, "
                 f"{rate:.0f}/s; statuses {dict(sorted(_counts(result).items()))}")
    return "\n".join(lines)


def _counts(result: LoadResult) -> dict[int, int]:
    out: dict[int, int] = {}
    for s in result.samples:
        out[s.status] = out.get(s.status, 0) + 1
    return out


# The hostile queries of issue 18's table: each must get a clean answer (a result, or a 4xx saying why), never
# a 5xx, a dropped connection or a worker held for long.
ADVERSARIAL = (
    ("nested (", "(" * 200 + "overtime" + ")" * 200),
    ("1000 NOT", "NOT " * 1000 + "overtime"),
    ("5000-digit NEAR", "NEAR(overtime costs, " + "9" * 5000 + ")"),
    ("superscript NEAR", "overtime /\u00b2 costs"),
    ("superscript page", "overtime page:\u00b2"),
    ("huge page", "page:99999999999999999999"),
    ("NEAR 2^32", "NEAR(overtime costs, 4294967296)"),
    ("38 NOT", "NOT " * 38 + "overtime"),
    ("26 nested OR", "(" * 26 + "overtime" + " OR costs)" * 26),
    ("1000 filters", " ".join(f"state:FL model:TFM year:{2000 + i % 26}" for i in range(334))),
    ('"287(g)" x 2000', '"287(g)" ' * 2000),
    ('"287(g)" x 600', '"287(g)" ' * 600),
    ('"287(g)" x 220', '"287(g)" ' * 220),  # just under the parser's length bound
    ("15 nested NOT", "NOT (" * 15 + "overtime" + ")" * 15),
    ("wide OR", " OR ".join(f'"{w} {v}"' for w in ("the", "law", "ice", "lea") for v in ("of", "and", "to"))),
    ("unbalanced quote", '"overtime AND'),
    ("markup", '<script>alert(1)</script> "x'),
)
