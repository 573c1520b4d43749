"""The Census Bureau's county population estimates (Population Estimates Program, `co-estYYYY-alldata.csv`).

Read from a file the user names (`--census FILE`, `$MOA_CENSUS`), else from `../shared/census/` beside the
checkout; never copied into the repository. Joined on FIPS codes, never on names. Every per-capita figure names
the vintage it divides by (`Estimates.label`).
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from moa.config import shared_corpus
from moa.errors import UserError

_NAME = re.compile(r"co-est(\d{4})-alldata\.csv$", re.I)


def default_dir() -> Path:
    """`../shared/census` beside the checkout (the folder holding the shared corpus)."""
    return shared_corpus().parent / "census"


def locate(path: str | os.PathLike | None = None) -> Path:
    """The estimates file: `path`, else $MOA_CENSUS, else the newest vintage in ../shared/census."""
    given = path or os.environ.get("MOA_CENSUS")
    if given:
        p = Path(given).expanduser()
        if not p.is_file():
            raise UserError(f"Census county estimates not found: {p}")
        return p
    folder = default_dir()
    found = sorted((int(m.group(1)), f) for f in folder.glob("co-est*-alldata.csv") if (m := _NAME.search(f.name)))
    if not found:
        raise UserError(f"Census county estimates (co-estYYYY-alldata.csv) not found in {folder}: "
                        "give --census FILE or set $MOA_CENSUS")
    return found[-1][1]


@dataclass
class Estimates:
    """County and state populations of one vintage, keyed by FIPS (5 digits for a county, 2 for a state)."""

    vintage: int
    year: int                      # the July 1 the estimate is for
    source: str
    counties: dict[str, tuple[str, int]] = field(default_factory=dict)   # fips5 -> (name, population)
    states: dict[str, tuple[str, int]] = field(default_factory=dict)     # fips2 -> (name, population)

    @property
    def label(self) -> str:
        return f"Census Bureau county population estimates, Vintage {self.vintage} (July 1, {self.year})"

    def describe(self) -> dict:
        return {"vintage": self.vintage, "estimate_of": f"{self.year}-07-01", "source": self.source,
                "label": self.label}

    def population(self, fips: str | None) -> int | None:
        if not fips:
            return None
        table = self.counties if len(fips) == 5 else self.states
        hit = table.get(fips)
        return hit[1] if hit else None

    def name(self, fips: str | None) -> str | None:
        if not fips:
            return None
        hit = (self.counties if len(fips) == 5 else self.states).get(fips)
        return hit[0] if hit else None


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # the Bureau publishes these files in Latin-1


def load(path: str | os.PathLike | None = None) -> Estimates:
    """Read the estimates file (see `locate`); the latest POPESTIMATE column is the figure used."""
    p = locate(path)
    reader = csv.DictReader(io.StringIO(_text(p.read_bytes())))
    cols = [c for c in (reader.fieldnames or []) if re.fullmatch(r"POPESTIMATE\d{4}", c)]
    need = {"SUMLEV", "STATE", "COUNTY", "STNAME", "CTYNAME"}
    if not cols or not need <= set(reader.fieldnames or []):
        raise UserError(f"{p} is not a Census county estimates file (no SUMLEV/STATE/COUNTY/POPESTIMATEyyyy columns)")
    col = max(cols)
    year = int(col[-4:])
    m = _NAME.search(p.name)
    est = Estimates(vintage=int(m.group(1)) if m else year, year=year, source=str(p))
    for r in reader:
        st = r["STATE"].strip().zfill(2)
        try:
            pop = int(r[col])
        except ValueError:
            continue
        if r["SUMLEV"].strip() in ("40", "040"):
            est.states[st] = (r["STNAME"], pop)
        elif r["SUMLEV"].strip() in ("50", "050"):
            est.counties[st + r["COUNTY"].strip().zfill(3)] = (r["CTYNAME"], pop)
    return est
