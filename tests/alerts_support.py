"""Real receivers for the alerts tests, on 127.0.0.1: a webhook server that checks each POST's HMAC and can fail
or hang on cue, an SMTP server (aiosmtpd), and the day-1 / day-2 mirror of ICE's site built from a real pair of
consecutive sheets in the shared corpus (symlinks, never copies)."""

from __future__ import annotations

import email
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

from alerts.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, verify
from harvest.mirror import Library, Mirror

# participatingAgencies05022025pm.xlsx → participatingAgencies05122025amB.xlsx: 42 agreements added, Camden PD (DE)
# removed, 10 changed (Hardee County SO re-signed, nine rows that now link their MOA: Arcadia PD's among them).
DAY1 = "participatingAgencies05022025pm.xlsx"
DAY2 = "participatingAgencies05122025amB.xlsx"
# Text-layer PDFs: two the day-1 list links (a Florida TFM agreement and a Texas WSO one), and Arcadia PD's
# Florida TFM agreement, which the day-2 list links for the first time.
DAY1_PDFS = ("bocaRatonPoliceDeptFL_TFM_MOA_03.20.25.pdf", "JimWellsCoSO_WSO_MOA_031725.pdf")
DAY2_PDFS = ("ArcadiaPDFL_TFM_MOA_030425.pdf",)
SECRET = "s3cret-for-tests"
ROOT = Path(__file__).resolve().parent.parent


class Site:
    """A mirror folder that grows day by day, served by `moa mirror`'s server in this process."""

    def __init__(self, corpus: Path, folder: Path) -> None:
        self.corpus, self.folder = corpus, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.add(DAY1, *DAY1_PDFS)
        self.mirror = Mirror(folder).start()
        self.url = self.mirror.url

    def add(self, *names: str) -> None:
        for n in names:
            src = self.corpus / ("moa" if n.lower().endswith(".pdf") else "sheets/ice") / n
            os.symlink(src, self.folder / n)

    def day2(self) -> None:
        self.add(DAY2, *DAY2_PDFS)
        self.mirror.library = Library(self.folder)   # the site now publishes the day-2 list

    def put(self, path: Path) -> None:
        """Publish a file made by the test (a malformed list)."""
        os.symlink(path, self.folder / path.name)
        self.mirror.library = Library(self.folder)

    def stop(self) -> None:
        self.mirror.stop()


class Webhook:
    """Records every POST; `script(n, delivery_id)` decides the answer: 'ok' (200), 'fail' (500) or 'hang'
    (block until `release`, then drop the connection without answering)."""

    def __init__(self, script: Callable[[int, str], str] | None = None) -> None:
        self.script = script or (lambda n, d: "ok")
        self.lock = threading.Lock()
        self.seen: list[dict] = []        # every request: path, delivery, answer
        self.acked: list[dict] = []       # what was answered 200: path, delivery, body
        self.bad_signatures = 0
        self.hanging = threading.Event()
        self.release = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                delivery = self.headers.get(DELIVERY_HEADER, "")
                if not verify(SECRET, body, self.headers.get(SIGNATURE_HEADER, "")):
                    with hook.lock:
                        hook.bad_signatures += 1
                    return self._answer(401)
                with hook.lock:
                    n = len(hook.seen)
                    answer = hook.script(n, delivery)
                    hook.seen.append({"path": self.path, "delivery": delivery, "answer": answer})
                if answer == "hang":
                    hook.hanging.set()
                    hook.release.wait(120)
                    self.close_connection = True
                    return
                if answer == "ok":
                    with hook.lock:
                        hook.acked.append({"path": self.path, "delivery": delivery, "body": json.loads(body)})
                self._answer(200 if answer == "ok" else 500)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def alerts(self, path: str | None = None) -> list[dict]:
        """Every alert acknowledged (at `path`), in order."""
        return [a for r in self.acked if path is None or r["path"] == path for a in r["body"]["alerts"]]

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Inbox:
    """aiosmtpd's handler: keep every message accepted."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smtp_server() -> tuple[Controller, Inbox]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's INFO line for each connection's end
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox


def moa(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real command in a child process."""
    return subprocess.run([sys.executable, "-m", "moa", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def serve(data: Path) -> tuple[subprocess.Popen, str]:
    """`moa serve --port 0` in a child process and its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "moa", "serve", "--data", str(data), "--port", "0"], cwd=ROOT,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    line = proc.stderr.readline()
    m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
    if not m:
        proc.kill()
        raise AssertionError(f"moa serve did not start: {line!r}")
    return proc, m.group(1)
