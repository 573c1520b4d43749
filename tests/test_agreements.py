"""The read model on a real catalog: born-digital MOAs of the corpus, two real ICE rosters in the ledger
(tests/search_support.py). Agreements are checked against the ledger's own answers, agencies against ICE's
spellings, the search level `agreement` against the read model on both backends, and the CLI end to end."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from search_support import copy_catalog

from agreements import names
from agreements.join import build
from agreements.query import find_agency, select
from extract.pipeline import run as extract_run
from harvest.ledger_query import agreement_histories, events_since
from moa.errors import UserError
from search.api import run_search
from search.backend import get_backend
from search.index import update_index


@pytest.fixture(scope="module")
def catalog(small_catalog, corpus, tmp_path_factory) -> dict:
    data = tmp_path_factory.mktemp("agreements") / "data"
    conn, ledger = copy_catalog(small_catalog, data)
    assert ledger
    # one text-layer MOA of the corpus that neither roster links: a document ICE's lists never name
    linked = {r[0].lower() for r in conn.execute("SELECT moa_file FROM ledger_agreement_files")}
    manifest = (corpus / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    text = [c[0][4:] for line in manifest if (c := line.split("\t"))[0].startswith("moa/") and c[7] == "text"]
    own = next(n for n in sorted(text) if n.lower() not in linked)
    summary = extract_run(conn, [corpus / "moa" / own], mode="skip", jobs=1)
    assert not summary.errors
    return {"data": data, "conn": conn, "corpus": build(conn), "own": own}


def moa(*args: str, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "moa", *args, "--data", str(data)], capture_output=True,
                          text=True, timeout=300)


def test_every_agreement_the_ledger_traced_is_one_agreement(catalog) -> None:
    corpus, conn = catalog["corpus"], catalog["conn"]
    histories = agreement_histories(conn)
    ids = [a.listing.ledger_id for a in corpus.agreements if a.listing]
    assert len(ids) == len(set(ids))
    folded = {a.listing.ledger_id for a in corpus.agreements if a.listing and a.listing.pending}
    # every ledger agreement is an agreement, except pending ones folded into the participating agreement signed
    missing = {h["agreement_id"] for h in histories} - set(ids)
    assert all(h["list"] == "pending" and h.get("to_participating") for h in histories
               if h["agreement_id"] in missing)
    assert len(missing) == len(folded)
    for a in corpus.agreements:
        if a.listing and a.listing.list == "participating":
            assert a.status == ("active" if a.listing.listed else "removed")
            assert a.sources["state"] == "ice" and a.state == a.listing.state


def test_documents_are_joined_to_their_listing(catalog) -> None:
    corpus, conn = catalog["corpus"], catalog["conn"]
    held = {r[0] for r in conn.execute("SELECT sha256 FROM extract_documents")}
    owner = corpus.by_document()
    assert set(owner) == held  # every extracted document belongs to exactly one agreement
    grayson = [a for a in corpus.agreements if a.moa and a.moa.file == "GraysonCountyDCKY_JEM_MOA_030425.pdf"]
    assert len(grayson) == 1
    a = grayson[0]
    assert (a.state, a.model, a.sources["agency"]) == ("KY", "JEM", "ice")
    assert a.moa.extracted and a.moa.agency and a.moa.provenance["sha256"] == a.moa.sha256
    # an agreement whose PDF we do not hold is an agreement all the same
    assert any(a.listing and not a.moa and a.listing.files for a in corpus.agreements)


def test_a_document_no_list_names_is_an_agreement_from_extraction(catalog) -> None:
    corpus = catalog["corpus"]
    own = [a for a in corpus.agreements if a.status == "unlisted"]
    assert [a.documents[0].file for a in own] == [catalog["own"]]
    a = own[0]
    assert a.listing is None and set(a.sources.values()) == {"document"}
    assert a.model == a.documents[0].model and a.state == a.documents[0].state


def test_one_agency_per_name_but_for_spelling(catalog) -> None:
    corpus = catalog["corpus"]
    owner: dict[tuple, set[str]] = defaultdict(set)
    for a in corpus.agreements:
        if not a.listing:
            continue
        current = names.key(a.listing.agency, a.listing.state)
        for sp in a.listing.spellings:
            k = names.key(sp["agency"], sp["state"])
            if sp["state"] == a.listing.state and names.same_agency(k, current):
                owner[(sp["state"], k)].add(a.agency_id)
    assert all(len(ids) == 1 for ids in owner.values()), {k: v for k, v in owner.items() if len(v) > 1}
    for agency in corpus.agencies.values():
        for aid in agency.agreement_ids:
            assert corpus.agreement(aid).agency_id == agency.id
            assert corpus.agreement(aid).agency == agency.name


def test_spelling_rules() -> None:
    assert names.same_agency(names.key("Waukesha County Sheriff's Department"), names.key("Waukesha County Sheriffs Office"))
    assert names.same_agency(names.key("Greens Fork Police Deparment"), names.key("Green Forks Police Department"))
    assert not names.same_agency(names.key("Escambia County Sheriff's Office"),
                                 names.key("Escambia County Board of County Commissioners"))
    assert not names.same_agency(names.key("Polk County"), names.key("Polk County Sheriff's Office"))
    # a state's own name in front, a state code behind, "Police Department" for "Police": one agency
    assert names.key("Alaska Department of Corrections", "AK") == names.key("Department of Corrections", "AK")
    assert names.key("Arnaudville Police Department, LA", "LA") == names.key("Arnaudville Police Department", "LA")
    assert names.key("Idaho State Police Department", "ID") == names.key("Idaho State Police", "ID")
    # …but a county named after its state keeps its name
    assert names.key("Iowa County Sheriff's Office", "IA") != names.key("County Sheriff's Office", "IA")
    assert names.display_name("Hamilton County Sheriff's Office, TX, TX", "TX") == "Hamilton County Sheriff's Office"
    assert names.display_name("Sheriff's Office of Lee County, FL", "GA") == "Sheriff's Office of Lee County, FL"


def test_removed_since_lists_what_the_ledger_dropped(catalog) -> None:
    conn, data = catalog["conn"], catalog["data"]
    first = conn.execute("SELECT min(published_date) FROM ledger_snapshots").fetchone()[0]
    dropped = {e["agreement_id"] for e in events_since(conn, first)["events"]
               if e["event"] == "removed" and e["list"] == "participating"}
    assert dropped, "the two rosters should differ"
    proc = moa("agreements", "--status", "removed", "--since", first, "--csv", data=data)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    by_ledger = {a.id: a.listing.ledger_id for a in catalog["corpus"].agreements if a.listing}
    assert {by_ledger[r["id"]] for r in rows} == dropped
    for r in rows:
        assert r["off_list"] >= first and r["first_on_list"] and r["model"] and r["agency"]
        assert r["off_list"] > r["last_on_list"]
    bad = moa("agreements", "--since", "last week", data=data)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


def test_agency_command_and_lookup(catalog) -> None:
    corpus, data = catalog["corpus"], catalog["data"]
    g = find_agency(corpus, "Grayson County Detention Center")
    proc = moa("agency", g.id, "--json", data=data)
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert shown["id"] == g.id and {a["id"] for a in shown["agreements"]} == set(g.agreement_ids)
    assert all("history" in a for a in shown["agreements"])
    with pytest.raises(UserError, match="matches"):
        find_agency(corpus, "County")
    unknown = moa("agency", "No Such Agency Anywhere", data=data)
    assert unknown.returncode == 2 and "no agency matches" in unknown.stderr


@pytest.mark.parametrize("kind", ["sqlite", "elasticsearch"])
def test_agreements_are_searchable_by_listing_on_both_backends(catalog, kind, request) -> None:
    conn, corpus = catalog["conn"], catalog["corpus"]
    es_url = request.getfixturevalue("es_url") if kind == "elasticsearch" else None
    backend = get_backend(kind, conn, es_url)
    try:
        report = update_index(conn, backend, rebuild=True)
        assert report["agreements"]["indexed"] == len(corpus.agreements)
        want = select(corpus, model="TFM", state="FL")
        got = run_search(conn, "model:TFM state:FL", level="agreement", backend=backend, limit=1000)
        assert got["total"] == len(want) and {h["agreement_id"] for h in got["hits"]} == {a.id for a in want}
        assert any(h["sha256"] is None for h in got["hits"])  # listed, PDF not held: still found
        removed = run_search(conn, "status:removed", level="agreement", backend=backend, limit=1000)
        assert removed["total"] == len(select(corpus, status="removed"))
        # a document's hits carry the agreement's canonical agency, the document's own reading beside it
        owner = corpus.by_document()
        hits = run_search(conn, "overtime", level="document", backend=backend, limit=50)["hits"]
        assert hits
        for h in hits:
            a = owner[h["sha256"]]
            assert (h["agency"], h["agreement_id"], h["state"]) == (a.agency, a.id, a.state)
            assert h["agency_read"] == a.moa.agency if a.moa and a.moa.sha256 == h["sha256"] else True
    finally:
        backend.close()


def test_search_scores_tell_hits_apart_and_every_listed_page_has_a_snippet(catalog) -> None:
    conn = catalog["conn"]
    backend = get_backend("sqlite", conn)
    try:
        update_index(conn, backend)
        r = run_search(conn, "costs and expenditures", level="document", backend=backend)
    finally:
        backend.close()
    scores = [h["score"] for h in r["hits"]]
    assert len(scores) > 2 and len(set(scores)) > 1 and all(s > 0.1 for s in scores)
    assert scores == sorted(scores, reverse=True)
    for h in r["hits"]:
        assert h["pages"] and all(p["snippet"] for p in h["pages"])
