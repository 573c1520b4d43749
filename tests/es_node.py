"""Real Elasticsearch nodes for the tests: a pytest plugin with the session fixture `es_url`.

The node is Elastic's minimal distribution that `.ci/setup.d/elasticsearch.sh` unpacks (default
/opt/moa-es/elasticsearch-*, or $MOA_ES_HOME). Each node gets its own config, data and log folders under a
temporary directory, binds to 127.0.0.1 on free ports, runs as a non-root user (Elasticsearch refuses root),
and is stopped when the session ends. $MOA_ES_URL points the tests at a cluster you run yourself instead.

Without the distribution the Elasticsearch tests skip, unless $MOA_REQUIRE_ES or $CI is set: then they fail,
so CI cannot pass by silently not testing Elasticsearch.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ES_USER = os.environ.get("MOA_ES_USER", "moaes")
START_TIMEOUT = float(os.environ.get("MOA_ES_START_TIMEOUT", "240"))
JAVA_CANDIDATES = (
    "/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/java-21-openjdk-amd64",
    "/usr/lib/jvm/java-17-openjdk-arm64", "/usr/lib/jvm/java-21-openjdk-arm64",
)


def es_home() -> Path | None:
    """The unpacked distribution, or None when it is not installed."""
    env = os.environ.get("MOA_ES_HOME")
    candidates = [env] if env else sorted(glob.glob("/opt/moa-es/elasticsearch-*"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "bin" / "elasticsearch").is_file():
            return Path(c)
    return None


def java_home() -> str | None:
    """A JDK that Elasticsearch 8 runs on ($ES_JAVA_HOME first)."""
    env = os.environ.get("ES_JAVA_HOME")
    if env:
        return env
    for c in [*JAVA_CANDIDATES, *sorted(glob.glob("/usr/lib/jvm/temurin-*"))]:
        if Path(c, "bin", "java").is_file():
            return c
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_es() -> bool:
    """True where a missing node must fail the run rather than skip (CI, or asked for)."""
    return bool(os.environ.get("MOA_REQUIRE_ES")) or os.environ.get("CI", "").lower() in ("1", "true", "yes")


def node_user() -> pwd.struct_passwd:
    """The non-root user nodes run as when the tests run as root (Elasticsearch refuses root)."""
    try:
        return pwd.getpwnam(ES_USER)
    except KeyError:
        raise RuntimeError(f"no user {ES_USER!r} to run Elasticsearch as; run .ci/setup.d/elasticsearch.sh") from None


def http_json(url: str, timeout: float = 5.0) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return json.loads(r.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


class EsNode:
    """One Elasticsearch node process on 127.0.0.1 (own config, data and logs under `base`)."""

    def __init__(self, home: Path, base: Path, name: str, cluster: str, *, seeds: list[int] | None = None,
                 masters: list[str] | None = None, heap: str = "512m", quick_jit: bool = True) -> None:
        self.home, self.base, self.name, self.cluster = home, base, name, cluster
        self.http_port, self.transport_port = free_port(), free_port()
        self.seeds, self.masters, self.heap = seeds, masters, heap
        # C1 only: a test node starts in about half the time; its steady-state speed does not matter here
        self.quick_jit = quick_jit
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.http_port}"

    def _settings(self) -> dict:
        s = {
            "cluster.name": self.cluster, "node.name": self.name, "network.host": "127.0.0.1",
            "http.port": self.http_port, "transport.port": self.transport_port,
            "path.data": str(self.base / "data"), "path.logs": str(self.base / "logs"),
            "xpack.security.enabled": False,
            # A nearly full disk must not stop shards from being allocated on a test machine.
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
        }
        if self.seeds is None:
            s["discovery.type"] = "single-node"
        else:
            s["discovery.seed_hosts"] = [f"127.0.0.1:{p}" for p in self.seeds]
            s["cluster.initial_master_nodes"] = self.masters or []
        return s

    def prepare(self) -> None:
        conf = self.base / "config"
        shutil.copytree(self.home / "config", conf)
        for d in ("data", "logs", "tmp"):
            (self.base / d).mkdir(parents=True, exist_ok=True)
        with open(conf / "elasticsearch.yml", "w") as f:
            for k, v in self._settings().items():
                f.write(f"{k}: {json.dumps(v)}\n")
        opts = [f"-Xms{self.heap}", f"-Xmx{self.heap}"] + (["-XX:TieredStopAtLevel=1"] if self.quick_jit else [])
        (conf / "jvm.options.d" / "moa.options").write_text("".join(o + "\n" for o in opts))
        if os.geteuid() == 0:
            pw = node_user()
            for p in [self.base, *self.base.rglob("*")]:
                os.chown(p, pw.pw_uid, pw.pw_gid)
        os.chmod(self.base, 0o755)

    def start(self) -> None:
        jh = java_home()
        if jh is None:
            raise RuntimeError("no JDK 17+ found for Elasticsearch (set ES_JAVA_HOME)")
        self.prepare()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ES_JAVA_HOME": jh,
               "ES_PATH_CONF": str(self.base / "config"), "ES_TMPDIR": str(self.base / "tmp"),
               "HOME": str(self.base), "LANG": "C.UTF-8"}
        kwargs: dict = {}
        if os.geteuid() == 0:
            pw = node_user()
            kwargs = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        out = open(self.base / "console.log", "wb")  # noqa: SIM115 - the node writes to it while it runs
        # A session of its own, so stop()/kill() reach the launcher and the server JVM it starts.
        self.proc = subprocess.Popen([str(self.home / "bin" / "elasticsearch")], cwd=self.base, env=env,
                                     stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True, **kwargs)
        out.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def health(self, params: str = "") -> dict | None:
        return http_json(f"{self.url}/_cluster/health{params}")

    def wait_until_up(self, nodes: int = 1, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"Elasticsearch node {self.name} exited early:\n{self.log_tail()}")
            h = self.health()
            if h and h.get("number_of_nodes", 0) >= nodes and h.get("status") in ("green", "yellow"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"Elasticsearch node {self.name} not up after {timeout:.0f}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = (self.base / "console.log").read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])

    def _signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL the node's process group: what a crash looks like to the rest of the cluster."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(30)

    def stop(self, timeout: float = 30) -> None:
        if self.proc is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        # the server JVM may outlive the launcher for a moment; make sure the whole group is gone
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)


def node_dir(prefix: str) -> Path:
    """A fresh folder the node's user can enter (pytest's tmp folders are private to root)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def missing_es(reason: str) -> None:
    if require_es():
        pytest.fail(f"Elasticsearch is required here (CI or MOA_REQUIRE_ES) but {reason}; "
                    "run `bash .ci/setup.d/elasticsearch.sh`", pytrace=False)
    pytest.skip(f"{reason}; run `bash .ci/setup.d/elasticsearch.sh` (or set MOA_ES_URL)")


@pytest.fixture(scope="session")
def es_url():
    """The URL of a real Elasticsearch node this test session started (or $MOA_ES_URL)."""
    if os.environ.get("MOA_ES_URL"):
        yield os.environ["MOA_ES_URL"]
        return
    home = es_home()
    if home is None:
        missing_es("the Elasticsearch distribution is not installed")
    base = node_dir("moa-es-node-")
    node = EsNode(home, base, "moa-test", f"moa-test-{os.getpid()}")
    try:
        node.start()
        node.wait_until_up()
    except (RuntimeError, OSError, KeyError) as e:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"the Elasticsearch node at {home} did not start: {e}", pytrace=False)
    try:
        yield node.url
    finally:
        node.stop()
        shutil.rmtree(base, ignore_errors=True)
