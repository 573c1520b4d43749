"""Alerts and `moa update` (issue 17), against real parts on 127.0.0.1: `moa mirror` serving a real pair of
consecutive ICE lists (day 1, then day 2), a webhook server checking each POST's HMAC, an SMTP server
(aiosmtpd), and the Atom feeds served by `moa serve`, read with feedparser."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import feedparser
import openpyxl
import pytest
from alerts_support import DAY1, DAY2, ROOT, SECRET, Site, Webhook, moa, serve, smtp_server

from alerts.evidence import document_change
from alerts.update import watch_lock
from harvest.ledger import events_since
from moa.catalog import connect
from moa.cli import main

pytestmark = pytest.mark.slow


def update(site: Site, data: Path, *extra: str) -> int:
    return main(["update", "--base-url", site.url, "--delay", "0", "--ocr", "skip", "--data", str(data),
                 "--retry-wait", "0.05", *extra])


def add(data: Path, name: str, *opts: str) -> None:
    assert main(["alerts", "add", name, "--data", str(data), *opts]) == 0


def ledger_events(data: Path) -> list[dict]:
    return events_since(connect(data))["events"]


def ident(e: dict) -> tuple:
    return (e["event"], e["state"], e["model"], e["agency"])


@pytest.fixture(scope="module")
def day1(corpus: Path, tmp_path_factory) -> Path:
    """A catalog after the first `moa update` against the day-1 site: one list, two extracted PDFs."""
    tmp = tmp_path_factory.mktemp("alerts-day1")
    site = Site(corpus, tmp / "site")
    try:
        assert update(site, tmp / "data") == 0
    finally:
        site.stop()
    return tmp / "data"


@pytest.fixture
def catalog(day1: Path, tmp_path: Path) -> Path:
    shutil.copytree(day1, tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def site(corpus: Path, tmp_path: Path):
    s = Site(corpus, tmp_path / "site")
    yield s
    s.stop()


@pytest.fixture
def hook():
    h = Webhook()
    yield h
    h.stop()


@pytest.fixture
def smtp():
    controller, inbox = smtp_server()
    yield f"smtp://127.0.0.1:{controller.port}", inbox
    controller.stop()


def feed(base: str, path: str) -> feedparser.FeedParserDict:
    with urllib.request.urlopen(base + path, timeout=30) as r:
        assert r.headers["Content-Type"].startswith("application/atom+xml")
        parsed = feedparser.parse(r.read())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_day1_day2_each_receiver_gets_each_event_once(catalog: Path, site: Site, hook: Webhook, smtp, capsys,
                                                      tmp_path: Path) -> None:
    smtp_url, inbox = smtp
    add(catalog, "everything", "--webhook", hook.url + "/events", "--secret", SECRET, "--email", "desk@example.org",
        "--digest-over", "1000")
    add(catalog, "daily", "--webhook", hook.url + "/digest", "--secret", SECRET,          # 53 > 20: one digest
        "--email", "editor@example.org")
    add(catalog, "fl-tfm", "--query", "model:TFM state:FL", "--webhook", hook.url + "/search", "--secret", SECRET)
    add(catalog, "fl-tfm-listed", "--query", "model:TFM state:FL", "--level", "agreement", "--webhook",
        hook.url + "/listed", "--secret", SECRET)
    capsys.readouterr()

    site.day2()
    assert update(site, catalog, "--smtp", smtp_url) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("moa update: 1 sheet and 1 PDF new, 53 ledger events, 1 extracted"), line

    expected = ledger_events(catalog)
    assert Counter(e["event"] for e in expected) == {"added": 42, "changed": 10, "removed": 1}
    assert ("removed", "DE", "TFM", "Camden Police Department") in {ident(e) for e in expected}
    hardee = next(e for e in expected if e["agency"] == "Hardee County Sheriff's Office")
    assert hardee["changes"] == {"signed": ["2025-02-26", "2025-05-08"]}

    # the webhook: each event once, signed (a bad signature would have been refused and counted)
    assert hook.bad_signatures == 0
    got = hook.alerts("/events")
    assert sorted(ident(a) for a in got) == sorted(ident(e) for e in expected)
    keys = [a["key"] for a in got]
    assert len(set(keys)) == 53
    assert len({r["delivery"] for r in hook.acked}) == len(hook.acked)
    arcadia = next(a for a in got if a["agency"] == "Arcadia Police Department")
    assert arcadia["changes"] == {"moa_file": [None, "ArcadiaPDFL_TFM_MOA_030425.pdf"]}
    assert arcadia["document_change"]["kind"] == "linked"
    assert arcadia["document_change"]["new"]["extracted"] is True
    # every alert cites its evidence: the snapshots with their publication times, the agreement, the page
    for a in got:
        assert a["snapshot"]["name"] == DAY2 and a["snapshot"]["published"].startswith("2025-05-12")
        assert a["previous"]["name"] == DAY1 and a["snapshot"]["url"].endswith(DAY2)
        assert a["agreement"]["agency"] and a["page"].startswith("https://www.ice.gov/")
        assert DAY2 in a["text"] and "published 2025-05-12" in a["text"]
    hardee_alert = next(a for a in got if a["agency"] == "Hardee County Sheriff's Office")
    assert "signed: 2025-02-26 → 2025-05-08" in hardee_alert["text"]
    assert hardee_alert["document_change"]["kind"] == "re-signed"

    # the digest: one POST with all 53
    digests = [r for r in hook.acked if r["path"] == "/digest"]
    assert len(digests) == 1 and digests[0]["body"]["digest"] is True and digests[0]["body"]["count"] == 53

    # the saved search fires for the newly extracted Florida TFM agreement only (Boca Raton's, FL TFM, matched
    # on day 1 already; Jim Wells's is a Texas WSO one)
    fired = hook.alerts("/search")
    assert [a["file"] for a in fired] == ["ArcadiaPDFL_TFM_MOA_030425.pdf"]
    assert fired[0]["state"] == "FL" and fired[0]["model"] == "TFM" and fired[0]["page"]

    # at the agreement level it fires for the Florida TFM agreements ICE listed on day 2, PDF held or not
    listed = hook.alerts("/listed")
    assert sorted(a["agency"] for a in listed) == sorted(
        e["agency"] for e in expected if e["event"] == "added" and e["state"] == "FL" and e["model"] == "TFM")
    assert len(listed) == 6 and all("/agreement/" in a["link"] for a in listed)   # Boynton Beach PD, St. Cloud PD…

    # e-mail: one plain-text message per event, with links and the same keys; the digest in one message
    desk = [m for m in inbox.messages if m["To"] == "desk@example.org"]
    assert len(desk) == 53 and len(inbox.messages) == 54
    mail_keys = [k for m in desk for k in m["X-Moa-Alerts"].split()]
    assert sorted(mail_keys) == sorted(keys)
    digest = next(m for m in inbox.messages if m["To"] == "editor@example.org")
    assert digest["Subject"] == "moa: 53 alerts for daily (digest)"
    assert sorted(digest["X-Moa-Alerts"].split()) == sorted(keys)
    text = next(m for m in desk if "Arcadia" in m["Subject"]).get_content()
    assert "/doc/" in text and "https://www.ice.gov/doclib/287gMOA/ArcadiaPDFL_TFM_MOA_030425.pdf" in text

    # the Atom feeds, served by `moa serve`: the same events, stable ids
    proc, base = serve(catalog)
    try:
        events = feed(base, "/feeds/events.atom")
        again = feed(base, "/feeds/events.atom")
        search_feed = feed(base, "/feeds/fl-tfm.atom")
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/feeds/nobody.atom", timeout=30)
        assert missing.value.code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert sorted(e.id for e in events.entries) == sorted(f"urn:moa:event:{k}" for k in keys)
    assert [(e.id, e.updated) for e in events.entries] == [(e.id, e.updated) for e in again.entries]
    assert [e.title for e in search_feed.entries] == [
        "new match for 'model:TFM state:FL': Arcadia Police Department (FL, TFM)"]

    # a third run: nothing new, nothing sent
    sent = (len(hook.seen), len(inbox.messages))
    assert update(site, catalog, "--smtp", smtp_url) == 0
    assert capsys.readouterr().out.startswith("moa update: nothing new")
    assert (len(hook.seen), len(inbox.messages)) == sent

    # a malformed list (ICE has published truncated ones) fires no removals and is reported
    wb = openpyxl.load_workbook(site.folder / DAY2)
    ws = wb.worksheets[0]
    ws.delete_rows(40, ws.max_row)
    truncated = tmp_path / "participatingAgencies05132025am.xlsx"
    wb.save(truncated)
    site.put(truncated)
    assert update(site, catalog, "--smtp", smtp_url) == 0
    out = capsys.readouterr().out
    assert "1 malformed snapshot ignored (participatingAgencies05132025am.xlsx)" in out, out
    assert (len(hook.seen), len(inbox.messages)) == sent
    assert len(ledger_events(catalog)) == 53


def test_a_receiver_that_fails_twice_gets_the_event_once(catalog: Path, site: Site) -> None:
    hook = Webhook(lambda n, d: "fail" if n < 2 else "ok")
    try:
        add(catalog, "removals", "--events", "removed", "--webhook", hook.url, "--secret", SECRET)
        site.day2()
        assert update(site, catalog) == 0
        assert [s["answer"] for s in hook.seen] == ["fail", "fail", "ok"]
        assert len({s["delivery"] for s in hook.seen}) == 1          # the same delivery, retried
        assert [a["agency"] for a in hook.alerts()] == ["Camden Police Department"]
        row = connect(catalog).execute("SELECT state, attempts FROM alert_deliveries").fetchall()
        assert [tuple(r) for r in row] == [("sent", 3)]
        assert update(site, catalog) == 0
        assert len(hook.seen) == 3
    finally:
        hook.stop()


def test_a_receiver_down_for_a_whole_run_gets_it_next_run(catalog: Path, site: Site) -> None:
    down = True
    hook = Webhook(lambda n, d: "fail" if down else "ok")
    try:
        add(catalog, "removals", "--events", "removed", "--webhook", hook.url, "--secret", SECRET)
        site.day2()
        assert update(site, catalog, "--retries", "1") == 1          # exit 1: a delivery is waiting
        assert len(hook.acked) == 0 and len(hook.seen) == 2
        down = False
        assert update(site, catalog) == 0
        assert [a["agency"] for a in hook.alerts()] == ["Camden Police Department"]
    finally:
        hook.stop()


def test_sigkill_mid_delivery_neither_loses_nor_repeats(catalog: Path, site: Site) -> None:
    """The 6th delivery hangs; `moa update` is killed with SIGKILL while it waits; the next run sends the rest."""
    hanging = {"on": True}
    hook = Webhook(lambda n, d: "hang" if n == 5 and hanging["on"] else "ok")
    try:
        add(catalog, "everything", "--webhook", hook.url, "--secret", SECRET, "--digest-over", "1000")
        site.day2()
        proc = subprocess.Popen([sys.executable, "-m", "moa", "update", "--base-url", site.url, "--delay", "0",
                                 "--ocr", "skip", "--data", str(catalog)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert hook.hanging.wait(180), "moa update never reached the 6th delivery"
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
        hanging["on"] = False
        hook.release.set()
        acked_before = [r["delivery"] for r in hook.acked]
        assert len(acked_before) == 5
        assert update(site, catalog) == 0
        acked = [r["delivery"] for r in hook.acked]
        assert max(Counter(acked).values()) == 1                       # nothing acknowledged came twice
        assert sorted(ident(a) for a in hook.alerts()) == sorted(ident(e) for e in ledger_events(catalog))
        assert hook.seen[5]["delivery"] in acked[5:]                    # the one in flight was sent again
        states = connect(catalog).execute("SELECT state, COUNT(*) FROM alert_deliveries GROUP BY state").fetchall()
        assert [tuple(r) for r in states] == [("sent", 53)]
    finally:
        hook.stop()


def test_two_runs_never_overlap(catalog: Path, site: Site) -> None:
    with watch_lock(catalog):
        r = moa("update", "--base-url", site.url, "--delay", "0", "--data", str(catalog))
    assert r.returncode == 1
    assert "another `moa update` or `moa alerts run` is running" in r.stderr


def test_saved_search_fires_for_a_newly_extracted_florida_tfm_agreement_only(corpus: Path, data_dir: Path,
                                                                             hook: Webhook) -> None:
    add(data_dir, "fl-tfm", "--query", "model:TFM state:FL", "--webhook", hook.url, "--secret", SECRET)
    pdfs = [corpus / "moa" / n for n in ("bocaRatonPoliceDeptFL_TFM_MOA_03.20.25.pdf",
                                         "SmithCoSheriffsOfficeTX_TFM_MOA_02.18.25.pdf",
                                         "JimWellsCoSO_WSO_MOA_031725.pdf")]
    assert main(["extract", *map(str, pdfs), "--ocr", "skip", "--data", str(data_dir)]) == 0
    assert main(["index", "--data", str(data_dir)]) == 0
    assert main(["alerts", "run", "--data", str(data_dir)]) == 0
    fired = hook.alerts()
    assert [(a["file"], a["state"], a["model"]) for a in fired] == [
        ("bocaRatonPoliceDeptFL_TFM_MOA_03.20.25.pdf", "FL", "TFM")]
    assert main(["alerts", "run", "--data", str(data_dir)]) == 0
    assert len(hook.seen) == 1


def test_first_run_on_an_existing_catalog_does_not_flood(corpus: Path, tmp_path: Path, hook: Webhook) -> None:
    # the pending lists published with the pair: agreements signed between them leave one list for the other
    names = (DAY1, DAY2, "pendingAgencies05022025pm.xlsx", "pendingAgencies05122025pm.xlsx")
    sheets = [str(corpus / "sheets" / "ice" / n) for n in names]
    for name in ("now", "since"):
        data = tmp_path / name
        assert main(["ledger", "import", *sheets, "--data", str(data)]) == 0
        add(data, "desk", "--webhook", f"{hook.url}/{name}", "--secret", SECRET)
    assert main(["alerts", "run", "--data", str(tmp_path / "now")]) == 0
    assert hook.seen == []                                          # earlier events taken as known
    assert main(["alerts", "run", "--data", str(tmp_path / "since"), "--since", "2025-05-10"]) == 0
    expected = events_since(connect(tmp_path / "since"), "2025-05-10")["events"]
    assert len(hook.acked) == 1 and hook.acked[0]["body"]["digest"]
    alerts = hook.alerts()
    assert sorted(ident(a) for a in alerts) == sorted(ident(e) for e in expected)
    assert {a["list"] for a in alerts} == {"participating", "pending"}
    signed = [a for a in alerts if "from_pending" in a["changes"]]
    assert signed and all("was on the pending list" in a["text"] for a in signed)


def test_a_replaced_pdf_comes_with_a_redline(corpus: Path, data_dir: Path) -> None:
    """Two real Idaho WSO agreements, on the 2020 and the 2025 template, stand for the old and the new PDF of one
    listing (the corpus holds no listing whose PDF ICE replaced by another one it also holds)."""
    old, new = "287gWSO_PowerCountyID11-20-2020.pdf", "OwyheeCoSheriffsOfficeID_WSO_MOA_03.07.2025.pdf"
    assert main(["extract", str(corpus / "moa" / old), str(corpus / "moa" / new), "--ocr", "skip",
                 "--data", str(data_dir)]) == 0
    change = document_change(connect(data_dir), {"moa_file": [old, new]})
    assert change["kind"] == "replaced"
    assert change["old"]["file"] == old and change["new"]["file"] == new
    assert change["redline"], "the 2020 and 2025 templates differ"
    assert all(r["status"] != "same" for r in change["redline"])
    assert any("[-" in r["redline"] or "{+" in r["redline"] for r in change["redline"] if r["redline"])


def test_mistakes_exit_2(data_dir: Path) -> None:
    for args in (["alerts", "add", "x", "--query", 'model:TFM "open'], ["alerts", "add", "events"],
                 ["alerts", "add", "x", "--model", "ABC"], ["alerts", "add", "x", "--webhook", "ftp://h/"],
                 ["alerts", "remove", "nobody"], ["update", "--base-url", "nowhere"]):
        r = moa(*args, "--data", str(data_dir))
        assert r.returncode == 2, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert main(["alerts", "add", "x", "--data", str(data_dir)]) == 0
    assert moa("alerts", "add", "x", "--data", str(data_dir)).returncode == 2
    listed = json.loads(moa("alerts", "list", "--json", "--data", str(data_dir)).stdout)
    assert [s["name"] for s in listed] == ["x"] and "webhook_secret" not in listed[0]
