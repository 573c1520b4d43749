"""The ledger on a run of real snapshots: order by the publication rule, idempotent import, counts as of a
date, events, the swapped file and a truncated list flagged. Expected JSON in tests/expected/ledger/
(regenerate with MOA_REGEN_EXPECTED=1 after a deliberate change, then review the diff)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import openpyxl
import pytest

from harvest import ledger
from moa import cli
from moa.catalog import connect

EXPECTED = Path(__file__).parent / "expected" / "ledger"

FILES = [
    "wayback-html-tables/ParticipatingEntities-20250219163339.xlsx",
    "ice/participatingAgencies-20250221214937.xlsx",
    "ice/pendingAgencies-20250221214937.xlsx",
    "ice/participatingAgencies-20250226183848.xlsx",
    "ice/participatingAgencies03062025am.xlsx",
    "ice/participatingAgencies09182025pm.xlsx",
    "ice/pendingAgencies09222025am.xlsx",
    "ice/participatingAgencies09222025pm.xlsx",   # holds the pending list
    "ice/pendingAgencies09232025am.xlsx",
    "ice/participatingAgencies09242025am.xlsx",
    "ice/pendingAgencies09242025am.xlsx",
    "ice/participatingAgencies12302025am.xlsx",
    "ice/pendingAgencies12312025am.xlsx",
    "ice/participatingAgencies01052025pm.xlsx",   # named 2025, a January 2026 list
    "ice/participatingAgencies01062025pm.xlsx",
    "ice/participatingAgencies01072026am.xlsx",
    "ice/pendingAgencies01072026am.xlsx",
]
DATES = ["2025-02-20", "2025-02-28", "2025-09-22", "2025-09-30", "2026-01-06", "2026-01-31"]


def check_expected(name: str, got) -> None:
    got = json.loads(json.dumps(got, default=str))
    path = EXPECTED / name
    if os.environ.get("MOA_REGEN_EXPECTED"):
        path.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8"))


def _import(conn, corpus: Path, files: list[str]) -> list[dict]:
    out = [ledger.import_snapshot(conn, (corpus / "sheets" / f).read_bytes(), Path(f).name, source=f,
                                  rebuild_after=False) for f in files]
    ledger.rebuild(conn)
    return out


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory):
    data = tmp_path_factory.mktemp("ledger")
    conn = connect(data)
    first = _import(conn, corpus, FILES)
    return conn, data, first


def _stable(snapshots: list[dict]) -> list[dict]:
    return [{k: s[k] for k in ("kind", "name", "published", "basis", "status", "flags", "agreements", "agencies")}
            for s in snapshots]


def test_snapshots_are_ordered_by_the_publication_rule(built):
    conn, _, first = built
    assert all(r["status"] == "imported" for r in first)
    snaps = ledger.snapshots(conn)
    check_expected("snapshots.json", _stable(snaps))
    names = [s["name"] for s in snaps if s["kind"] == "participating"]
    # the misnamed January 2026 files sort after December 2025, not in January 2025
    assert names.index("participatingAgencies01052025pm.xlsx") > names.index("participatingAgencies12302025am.xlsx")


def test_second_import_is_a_no_op(built, corpus):
    conn, _, _ = built
    before = conn.execute("SELECT count(*) FROM ledger_snapshots").fetchone()[0]
    again = [ledger.import_snapshot(conn, (corpus / "sheets" / f).read_bytes(), Path(f).name, rebuild_after=False)
             for f in FILES]
    assert {r["status"] for r in again} == {"known"}
    assert conn.execute("SELECT count(*) FROM ledger_snapshots").fetchone()[0] == before


def test_counts_as_of_dates(built):
    conn, _, _ = built
    check_expected("counts.json", {d: ledger.counts_as_of(conn, d) for d in DATES})
    c = ledger.counts_as_of(conn, "2025-09-22")
    # the 09-22 pm "participating" file holds the pending list: it stands for pending, not participating
    assert c["snapshot"]["source"] == "participatingAgencies09182025pm.xlsx"
    assert c["pending"]["snapshot"]["source"] == "participatingAgencies09222025pm.xlsx"
    assert c["pending"]["snapshot"]["flags"][0].startswith("swapped")


def test_events_since(built):
    conn, _, _ = built
    got = ledger.events_since(conn, "2025-09-01")
    check_expected("events-since-2025-09-01.json", got)
    assert got["totals"]["added"] > 30
    assert any(m["source"] == "participatingAgencies09222025pm.xlsx" for m in got["malformed"])
    # the swapped file never reads as participating: 09-24 follows 09-18 directly, no mass removal or re-adding
    [after] = [s for s in got["snapshots"] if s["source"] == "participatingAgencies09242025am.xlsx"]
    assert after["previous"] == "participatingAgencies09182025pm.xlsx"
    assert after["removed"] < 10 and after["added"] < 50
    # pending agreements that leave the pending list as they join the participating list were signed
    signed = [e for e in got["events"] if e["event"] == "removed" and e["changes"].get("to_participating")]
    assert got["totals"]["pending_signed"] == len(signed) > 20
    assert {e["changes"]["to_participating"] for e in signed if e["snapshot"] == "pendingAgencies01072026am.xlsx"} \
        == {"participatingAgencies01072026am.xlsx"}


def test_listings_for_document(built):
    conn, _, _ = built
    found = ledger.listings_for_document(conn, "AutaugaCoSheriffsOfficeAL_JEM_MOA_09222025.pdf")
    assert [(x["state"], x["model"], x["signed"], x["listed"]) for x in found] == [("AL", "JEM", "2025-09-22", True)]
    assert found[0]["first_seen"]["snapshot"] == "participatingAgencies09242025am.xlsx"
    url = "https://www.ice.gov/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf"
    assert ledger.listings_for_document(conn, "287gJEM_ etowahCoAL_06-09-2020.pdf", url)
    assert ledger.agreement_status(conn, "AutaugaCoSheriffsOfficeAL_JEM_MOA_09222025.pdf") == "active"
    assert ledger.agreement_status(conn, "no-such.pdf") is None
    current = ledger.current_agreements(conn)
    assert len(current) == ledger.counts_as_of(conn, "2026-01-07")["agreements"]
    assert all(a["status"] == "active" for a in current)


def test_import_order_does_not_matter(corpus, tmp_path, built):
    conn, _, _ = built
    other = connect(tmp_path / "reversed")
    _import(other, corpus, list(reversed(FILES)))
    for d in DATES:
        assert ledger.counts_as_of(other, d) | {"snapshot": None, "pending": None} == \
            ledger.counts_as_of(conn, d) | {"snapshot": None, "pending": None}
    assert ledger.events_since(other)["totals"] == ledger.events_since(conn)["totals"]


def test_truncated_list_is_flagged_not_read_as_cancellations(corpus, tmp_path):
    """A real list cut to a fifth (as when ICE's list loses most agencies for a day) is flagged malformed:
    no removal events, and "as of" that day still answers with the last good list."""
    conn = connect(tmp_path / "d")
    _import(conn, corpus, ["ice/participatingAgencies12302025am.xlsx", "ice/participatingAgencies01072026am.xlsx"])
    wb = openpyxl.load_workbook(corpus / "sheets/ice/participatingAgencies01072026am.xlsx")
    ws = wb.worksheets[0]
    ws.delete_rows(300, ws.max_row)
    buf = io.BytesIO()
    wb.save(buf)
    ledger.import_snapshot(conn, buf.getvalue(), "participatingAgencies01082026am.xlsx",
                           published_hint="2026-01-08T15:00:00-05:00")
    snap = ledger.snapshots(conn, "participating")[-1]
    assert snap["status"] == "malformed" and "drops" in snap["flags"][0]
    c = ledger.counts_as_of(conn, "2026-01-08")
    assert c["snapshot"]["source"] == "participatingAgencies01072026am.xlsx"
    assert c["skipped"][0]["source"] == "participatingAgencies01082026am.xlsx"
    assert ledger.events_since(conn, "2026-01-08")["totals"]["removed"] == 0


def test_cli_counts_and_errors(built, capsys):
    _, data, _ = built
    assert cli.main(["ledger", "counts", "--as-of", "2026-01-06", "--json", "--data", str(data)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"as_of", "snapshot", "agreements", "agencies", "by_model", "states", "states_by_model", "by_state",
            "pending"} <= set(out)
    assert cli.main(["ledger", "counts", "--as-of", "Jan 6", "--data", str(data)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert cli.main(["ledger", "events", "--since", "2026-01-01", "--data", str(data)]) == 0
    assert "participatingAgencies01072026am.xlsx" in capsys.readouterr().out
