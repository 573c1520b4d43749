"""When was a roster file published? The rule the ledger uses to order snapshots.

ICE's file names carry a date and a slot (`participatingAgencies05192025pm.xlsx`), but the names lie:
`…01052025pm` and `…01092025pm` hold January 2026 lists, `…08022025pm` holds the 2 September 2025 list,
`10223025am` and `11114025am` carry impossible years, `090022025am` has a digit too many, and names ending
`-YYYYMMDDhhmmss` are web-archive capture times, not publication times. The workbook itself records when it
was last saved (docProps `modified`, UTC), and a file cannot be published before it was saved.

The rule, in order:

1. `published_hint` (e.g. the HTTP Last-Modified the harvester saw) is taken as given.
2. A capture-time name (`-YYYYMMDDhhmmss`, UTC) gives the moment the file is known to have been live; it is
   the publication time (the workbook's `modified` is ignored there: for the web-archive HTML tables it is
   the date the table was converted, long after the capture).
3. A dated name (`MMDDYYYY` + `am`/`mid`/`pm`, read as 09:00 / 12:00 / 16:00 US Eastern) is trusted when it is
   consistent with the workbook's `modified` time: no more than a day before it and no more than ten days
   after it. Then publication = the later of the name's slot and `modified` (a file re-saved after its slot
   was published after it was saved). A name that fails the check is tried with `modified`'s year (typos such
   as 2025 for 2026, or 3025); if it still fails, or the date cannot be read, `modified` is used.
   Files in the same slot (`B`, `_b`, `2`, ` copy`, `__v2` variants) are ordered by `modified`, then by
   name: the content agrees with `modified`, not with the suffix (`…07032025pm__v2` holds the older list).
4. Without a usable name or `modified`, the fetch time, else the import time.

Whatever the rule gives is clamped to `fetched_at` when that is earlier (a file cannot be published after it
was fetched). Times are stored in UTC; dates for "as of" questions are US Eastern calendar dates, ICE's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

try:
    from zoneinfo import ZoneInfo

    EASTERN: timezone | ZoneInfo = ZoneInfo("America/New_York")
except Exception:  # no tz database: US Eastern standard time is close enough for calendar dates
    EASTERN = timezone(timedelta(hours=-5))

_SLOTS = {"am": (9, 0), "mid": (12, 0), "pm": (16, 0), "": (12, 0)}
_CAPTURE = re.compile(r"-(\d{14})(?:\D|$)")
_DATED = re.compile(r"(?<!\d)(\d{8,9})(?!\d)\s*(am|mid|pm)?", re.I)


@dataclass(frozen=True)
class Publication:
    published: datetime          # aware, UTC
    basis: str                   # 'hint' | 'capture' | 'name' | 'name+modified' | 'name-year-fixed' | 'modified' | …
    name_date: str | None        # the date the name claims (ISO), when it has one
    note: str | None = None

    @property
    def published_utc(self) -> str:
        return self.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def published_local(self) -> str:
        return self.published.astimezone(EASTERN).isoformat(timespec="seconds")

    @property
    def published_date(self) -> str:
        return self.published.astimezone(EASTERN).date().isoformat()


def parse_time(value: str | datetime | None) -> datetime | None:
    """An ISO time (naive = UTC) → aware datetime; None for None or unreadable text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _candidates(digits: str) -> list[date]:
    """MMDDYYYY dates a run of digits may mean (a 9-digit run: drop one digit)."""
    runs = [digits] if len(digits) == 8 else sorted({digits[:i] + digits[i + 1:] for i in range(len(digits))})
    found = []
    for run in runs:
        try:
            found.append(date(int(run[4:]), int(run[:2]), int(run[2:4])))
        except ValueError:
            continue
    return found


def _slot_time(day: date, slot: str) -> datetime:
    hour, minute = _SLOTS.get(slot.lower(), _SLOTS[""])
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=EASTERN)


def _consistent(day: date, modified: datetime) -> bool:
    saved = modified.astimezone(EASTERN).date()
    return saved - timedelta(days=1) <= day <= saved + timedelta(days=10)


def publication(name: str, modified: str | datetime | None = None, fetched_at: str | datetime | None = None,
                hint: str | datetime | None = None, now: datetime | None = None) -> Publication:
    """Apply the rule in this module's docstring to one file."""
    saved = parse_time(modified)
    fetched = parse_time(fetched_at)
    result: Publication | None = None
    name_date: str | None = None
    hinted = parse_time(hint)
    if hinted:
        result = Publication(hinted, "hint", None)
    m = _CAPTURE.search(name)
    if result is None and m:
        captured = datetime.strptime(m.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        result = Publication(captured, "capture", captured.date().isoformat(), "capture time (UTC) in the name")
    d = _DATED.search(name) if result is None else None
    if d:
        digits, slot = d.group(1), d.group(2) or ""
        days = _candidates(digits)
        name_date = days[0].isoformat() if len(days) == 1 else None
        if saved is None and days:
            result = Publication(_slot_time(days[0], slot), "name", days[0].isoformat())
        elif saved is not None:
            good = [x for x in days if _consistent(x, saved)]
            basis = "name"
            if not good:
                fixed = []
                for x in days:
                    for year in (saved.astimezone(EASTERN).year, saved.astimezone(EASTERN).year + 1):
                        try:
                            fixed.append(x.replace(year=year))
                        except ValueError:
                            continue
                good = [x for x in fixed if _consistent(x, saved)]
                basis = "name-year-fixed"
            if good:
                day = min(good, key=lambda x: abs((x - saved.astimezone(EASTERN).date()).days))
                slot_time = _slot_time(day, slot)
                if saved > slot_time:
                    result = Publication(saved, basis + "+modified",
                                         day.isoformat(), "saved after the name's slot")
                else:
                    result = Publication(slot_time, basis, day.isoformat(),
                                         None if basis == "name" else f"name says {digits}")
            else:
                result = Publication(saved, "modified", name_date,
                                     f"name date {digits} disagrees with workbook saved {saved:%Y-%m-%d}")
    if result is None and saved is not None:
        result = Publication(saved, "modified", name_date, "no date in the name")
    if result is None:
        when = fetched or now or datetime.now(UTC)
        result = Publication(when, "fetched" if fetched else "imported", name_date)
    if fetched is not None and fetched < result.published and result.basis != "hint":
        result = Publication(fetched, result.basis + "+clamped-to-fetch", result.name_date, result.note)
    return result
