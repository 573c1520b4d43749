"""Content-addressed storage: every file is kept once, named by its sha256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .atomic import atomic_writer

CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff(data: bytes) -> str:
    """What the magic bytes say a file really is (a media type), whatever the server declared."""
    head = data[:1024].lstrip()
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "application/pdf"
    if data.startswith(b"PK\x03\x04"):
        if b"xl/" in data[:4096] or b"[Content_Types].xml" in data[:4096]:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "application/zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "application/vnd.ms-excel"
    low = head[:512].lower()
    if low.startswith(b"<!doctype html") or low.startswith(b"<html") or b"<html" in low:
        return "text/html"
    if low.startswith(b"<?xml"):
        return "application/xml"
    if not data:
        return "application/x-empty"
    try:
        data[:4096].decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"


class BlobStore:
    """Files under <data>/blobs/ab/abcdef…; written to <data>/tmp then renamed."""

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / "blobs"
        self.tmp = Path(data_dir) / "tmp"
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def has(self, sha: str) -> bool:
        return self.path(sha).exists()

    def put_bytes(self, data: bytes) -> str:
        sha = sha256_bytes(data)
        dest = self.path(sha)
        if not dest.exists():
            with atomic_writer(dest, self.tmp) as fh:
                fh.write(data)
        return sha

    def put_file(self, src: Path) -> str:
        sha = sha256_file(src)
        dest = self.path(sha)
        if not dest.exists():
            with atomic_writer(dest, self.tmp) as out, open(src, "rb") as fh:
                for chunk in iter(lambda: fh.read(CHUNK), b""):
                    out.write(chunk)
        return sha

    def read(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def size(self, sha: str) -> int:
        return os.path.getsize(self.path(sha))
