"""Which library entries are stale: their ``as_of`` (the date a curator last checked the entry against
its sources) is older than an age such as "6m". A pending case moves on; an entry nobody has checked
for months may no longer say where it stands.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

_AGE = re.compile(r"^\s*(\d{1,4})\s*([dwmy])\s*$", re.IGNORECASE)
UNIT_NAMES = {"d": "day", "w": "week", "m": "month", "y": "year"}


def parse_age(text: str) -> tuple[int, str]:
    """"6m" -> (6, "m"): days, weeks, months or years. Raises ValueError with the accepted forms."""
    match = _AGE.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"age {text!r} is not a number of days, weeks, months or years such as 90d, 6m or 1y")
    return int(match.group(1)), match.group(2).lower()


def describe_age(text: str) -> str:
    """"6m" -> "6 months"."""
    count, unit = parse_age(text)
    return f"{count} {UNIT_NAMES[unit]}{'' if count == 1 else 's'}"


def cutoff(age: str, today: dt.date | None = None) -> dt.date:
    """The day ``age`` before ``today``: an entry checked before it is stale. Months and years are
    calendar ones (31 August minus 6 months is 28 or 29 February)."""
    today = today or dt.date.today()
    count, unit = parse_age(age)
    if unit in "dw":
        return today - dt.timedelta(days=count * (7 if unit == "w" else 1))
    months = today.year * 12 + today.month - 1 - count * (12 if unit == "y" else 1)
    year, month = divmod(months, 12)
    month += 1
    return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def as_of(entry: dict[str, Any]) -> dt.date | None:
    """A manifest entry's as-of date, or None when it has none (most uploads)."""
    value = (entry.get("meta") or {}).get("as_of")
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def is_stale(entry: dict[str, Any], before: dt.date) -> bool:
    """Whether an entry was last checked before ``before``; an entry without an as-of date is not
    called stale (nothing says when it was checked), and is reported apart by the CLI."""
    checked = as_of(entry)
    return checked is not None and checked < before


def stale_entries(documents: dict[str, dict[str, Any]], before: dt.date) -> list[tuple[str, dict[str, Any]]]:
    """The stale entries, oldest check first."""
    stale = [(source_id, entry) for source_id, entry in documents.items() if is_stale(entry, before)]
    return sorted(stale, key=lambda row: (as_of(row[1]), row[0]))
