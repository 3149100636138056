"""Ages like 6m, 1y or 90d, and which library entries they make stale."""

import datetime as dt

import pytest

from assistant.staleness import cutoff, describe_age, parse_age, stale_entries

TODAY = dt.date(2026, 8, 31)


@pytest.mark.parametrize(("age", "expected"), [
    ("90d", dt.date(2026, 6, 2)),
    ("2w", dt.date(2026, 8, 17)),
    ("6m", dt.date(2026, 2, 28)),  # calendar months: 31 August minus 6 months is the end of February
    ("1y", dt.date(2025, 8, 31)),
    (" 18M ", dt.date(2025, 2, 28)),
])
def test_an_age_counts_back_from_today(age: str, expected: dt.date) -> None:
    assert cutoff(age, TODAY) == expected


@pytest.mark.parametrize("age", ["", "6", "m", "6 months", "0d", "-3m", "1.5y"])
def test_a_bad_age_names_the_accepted_forms(age: str) -> None:
    with pytest.raises(ValueError, match="such as 90d, 6m or 1y"):
        parse_age(age)


def test_stale_entries_are_those_checked_before_the_cutoff_oldest_first() -> None:
    documents = {
        "fresh": {"meta": {"as_of": "2026-08-01"}},
        "old": {"meta": {"as_of": "2025-01-10"}},
        "older": {"meta": {"as_of": "2024-05-02"}},
        "on-the-day": {"meta": {"as_of": "2026-02-28"}},
        "upload": {"meta": {"as_of": None}},  # no as-of date: not called stale
    }
    assert [sid for sid, _ in stale_entries(documents, cutoff("6m", TODAY))] == ["older", "old"]
    assert describe_age("1y") == "1 year" and describe_age("6m") == "6 months"
