import sqlite3
import threading

from moa import catalog
from moa.blobs import BlobStore, sniff
from moa.files import register_blob, register_file, resolve_sha


def test_connect_migrates_and_uses_wal(data_dir):
    conn = catalog.connect(data_dir)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    assert version == len(catalog.migrations()) >= 1
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # a second connect applies nothing and keeps the version
    conn2 = catalog.connect(data_dir)
    assert conn2.execute("PRAGMA user_version").fetchone()[0] == version


def test_blob_store_is_content_addressed_and_atomic(data_dir):
    store = BlobStore(data_dir)
    sha = store.put_bytes(b"%PDF-1.4 hello")
    assert store.path(sha).read_bytes() == b"%PDF-1.4 hello"
    assert store.put_bytes(b"%PDF-1.4 hello") == sha
    assert list((data_dir / "tmp").iterdir()) == []


def test_sniff_tells_html_from_pdf_and_xlsx(corpus):
    assert sniff(b"<!DOCTYPE html><html><body>Access Denied</body></html>") == "text/html"
    pdf = next((corpus / "moa").glob("*.pdf")).read_bytes()
    assert sniff(pdf) == "application/pdf"
    xlsx = next((corpus / "sheets" / "ice").glob("*.xlsx")).read_bytes()
    assert sniff(xlsx).endswith("spreadsheetml.sheet")


def test_register_file_and_resolve(data_dir, corpus):
    conn = catalog.connect(data_dir)
    pdf = sorted((corpus / "moa").glob("*.pdf"))[0]
    with catalog.transaction(conn):
        sha = register_file(conn, pdf)
        assert register_file(conn, pdf) == sha
    assert resolve_sha(conn, sha[:10]) == sha
    assert resolve_sha(conn, pdf.name) == sha
    assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 1


def test_transaction_rolls_back_on_error(data_dir):
    conn = catalog.connect(data_dir)
    try:
        with catalog.transaction(conn):
            register_blob(conn, b"x")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert conn.execute("SELECT count(*) FROM blobs").fetchone()[0] == 0


def test_concurrent_writers_wait_instead_of_failing(data_dir):
    catalog.connect(data_dir)
    errors: list[Exception] = []

    def work(i: int) -> None:
        try:
            conn = catalog.connect(data_dir)
            with catalog.transaction(conn):
                register_blob(conn, f"blob {i}".encode())
        except sqlite3.Error as e:  # pragma: no cover - what we assert does not happen
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert catalog.connect(data_dir).execute("SELECT count(*) FROM blobs").fetchone()[0] == 8
