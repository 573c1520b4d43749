"""Write files so that a crash leaves either the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_writer(dest: Path, tmp_dir: Path | None = None) -> Iterator[BinaryIO]:
    """Yield a binary file; on success it is fsynced and renamed onto `dest`, on error removed."""
    dest = Path(dest)
    tmp_dir = Path(tmp_dir or dest.parent)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=tmp_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_bytes(dest: Path, data: bytes, tmp_dir: Path | None = None) -> None:
    with atomic_writer(dest, tmp_dir) as fh:
        fh.write(data)
