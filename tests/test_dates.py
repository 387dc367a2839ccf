"""UK dates as the clerk types them, and the working-day clock (models/dates.py)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clerkdesk.models.core import dates
from clerkdesk.models.core.dates import (
    DateInputError,
    add_working_days,
    fmt,
    is_working_day,
    parse,
    working_days_between,
)

D = dt.date
FRIDAY = D(2026, 11, 27)


# --- parsing ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("23/11/2026", D(2026, 11, 23)),
    ("1/2/26", D(2026, 2, 1)),  # day first, two-digit year
    ("01.02.2026", D(2026, 2, 1)),
    ("  23/11/2026  ", D(2026, 11, 23)),
    ("today", FRIDAY),
    ("TODAY", FRIDAY),
    ("tomorrow", D(2026, 11, 28)),
    ("yesterday", D(2026, 11, 26)),
    ("+3", D(2026, 11, 30)),  # calendar days
    ("-2", D(2026, 11, 25)),
    ("+1w", D(2026, 12, 4)),
    ("+3wd", D(2026, 12, 2)),  # working days: Mon, Tue, Wed
    ("-1wd", D(2026, 11, 26)),
    ("23 Nov 2026", D(2026, 11, 23)),
    ("23 November 2026", D(2026, 11, 23)),
    ("3 Feb 2027", D(2027, 2, 3)),  # never read month first
])
def test_parse_uk_dates(text, expected):
    assert parse(text, today=FRIDAY) == expected


def test_parse_defaults_to_dates_today(monkeypatch):
    monkeypatch.setenv("CLERKDESK_TODAY", "14/02/2022")
    assert parse("today") == D(2022, 2, 14)
    assert parse("+1wd") == D(2022, 2, 15)


@pytest.mark.parametrize("text, words", [
    ("31/02/2026", "not a real date"),
    ("30/02/2026", "not a real date"),
    ("29/02/2026", "not a real date"),  # 2026 is not a leap year
    ("13/13/2026", "no month 13"),
    ("01/00/2026", "no month 0"),
    ("", "Enter a date"),
    ("   ", "Enter a date"),
    ("banana", "is not a date"),
    ("23/11", "is not a date"),
    ("2026-11-23x", "is not a date"),
    ("32 Nov 2026", "is not a date"),
])
def test_parse_rejects_with_a_sentence(text, words):
    with pytest.raises(DateInputError) as err:
        parse(text, today=FRIDAY)
    assert words in str(err.value)


def test_leap_day_is_accepted_in_a_leap_year():
    assert parse("29/02/2028") == D(2028, 2, 29)


def test_very_long_text_gives_a_short_message():
    with pytest.raises(DateInputError) as err:
        parse("x" * 10_000, today=FRIDAY)
    message = str(err.value)
    assert "is not a date" in message and len(message) < 200


def test_fmt_is_the_uk_way():
    assert fmt(D(2027, 1, 5)) == "05/01/2027"
    assert fmt(None) == ""


# --- the working-day clock ----------------------------------------------------------------

def test_day_zero_is_the_start_and_weekends_are_skipped():
    assert add_working_days(FRIDAY, 0) == FRIDAY
    assert add_working_days(FRIDAY, 1) == D(2026, 11, 30)
    assert add_working_days(D(2026, 11, 28), 1) == D(2026, 11, 30)  # from a Saturday
    assert add_working_days(D(2026, 11, 30), -1) == FRIDAY
    assert working_days_between(FRIDAY, D(2026, 11, 30)) == 1
    assert working_days_between(D(2026, 11, 30), FRIDAY) == -1
    assert working_days_between(FRIDAY, FRIDAY) == 0


def test_seven_working_days_over_christmas_2026():
    # 25/12 Fri, Boxing Day on Sat 26/12 so Mon 28/12 is its substitute, 1/1 Fri.
    assert add_working_days(D(2026, 12, 23), 7) == D(2027, 1, 6)
    assert add_working_days(D(2026, 12, 23), 6) == D(2027, 1, 5)


@pytest.mark.parametrize("start, n, expected", [
    (D(2026, 4, 2), 1, D(2026, 4, 7)),  # Good Friday 3/4 and Easter Monday 6/4 2026
    (D(2027, 3, 25), 1, D(2027, 3, 30)),  # Good Friday 26/3 and Easter Monday 29/3 2027
    (D(2026, 4, 7), -1, D(2026, 4, 2)),
    (D(2027, 12, 24), 1, D(2027, 12, 29)),  # Christmas and Boxing Day on a weekend: 27 and 28
    (D(2032, 12, 24), 1, D(2032, 12, 29)),  # the same shape in 2032
    (D(2022, 9, 16), 1, D(2022, 9, 20)),  # the Queen's state funeral, Mon 19/9/2022
    (D(2023, 5, 5), 1, D(2023, 5, 9)),  # the coronation, Mon 8/5/2023
])
def test_bank_holidays_of_england_and_wales(start, n, expected):
    assert add_working_days(start, n) == expected
    assert add_working_days(start, n, nation="wales") == expected


@pytest.mark.parametrize("day", [
    D(2027, 12, 27), D(2027, 12, 28), D(2032, 12, 27), D(2032, 12, 28), D(2026, 12, 28),
    D(2022, 9, 19), D(2023, 5, 8), D(2026, 4, 3), D(2026, 4, 6), D(2027, 3, 26), D(2027, 3, 29),
])
def test_not_working_days_in_england(day):
    assert day.weekday() < 5
    assert not is_working_day(day)


def test_scotland_has_2_january_and_st_andrews_day_but_no_easter_monday():
    assert not is_working_day(D(2026, 1, 2), nation="scotland")
    assert is_working_day(D(2026, 1, 2), nation="england")
    assert not is_working_day(D(2026, 11, 30), nation="scotland")  # St Andrew's Day, a Monday
    assert is_working_day(D(2026, 11, 30), nation="england")
    # 30/11/2025 was a Sunday: Monday 1 December was the substitute
    assert not is_working_day(D(2025, 12, 1), nation="scotland")
    assert is_working_day(D(2025, 12, 1), nation="england")
    assert is_working_day(D(2026, 4, 6), nation="scotland")  # no Easter Monday in Scotland
    assert add_working_days(D(2025, 12, 31), 1, nation="scotland") == D(2026, 1, 5)
    assert add_working_days(D(2025, 12, 31), 1, nation="england") == D(2026, 1, 2)


def test_northern_ireland_has_17_march_and_12_july():
    assert not is_working_day(D(2026, 3, 17), nation="northern-ireland")
    assert is_working_day(D(2026, 3, 17), nation="england")
    assert not is_working_day(D(2025, 7, 14), nation="northern-ireland")  # 12/7/2025 a Saturday
    assert not is_working_day(D(2026, 7, 13), nation="northern-ireland")  # 12/7/2026 a Sunday
    assert not is_working_day(D(2027, 7, 12), nation="northern-ireland")  # a Monday
    assert is_working_day(D(2027, 7, 12), nation="england")
    assert add_working_days(D(2026, 3, 16), 1, nation="northern-ireland") == D(2026, 3, 18)


def test_council_closure_days_are_skipped_too():
    closures = dates.parse_closures("29/12/2026, 30/12/2026")
    assert add_working_days(D(2026, 12, 24), 1, closures=closures) == D(2026, 12, 31)
    assert working_days_between(D(2026, 12, 24), D(2026, 12, 31), closures=closures) == 1


def test_unknown_nation_is_refused():
    with pytest.raises(ValueError, match="Unknown nation"):
        add_working_days(FRIDAY, 1, nation="narnia")


# --- properties ------------------------------------------------------------------------------

days = st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31))
counts = st.integers(min_value=-60, max_value=60)
nations = st.sampled_from(list(dates.NATIONS))


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(min_value=0, max_value=60), nation=nations)
def test_forward_round_trip(start, n, nation):
    end = add_working_days(start, n, nation=nation)
    assert working_days_between(start, end, nation=nation) == n


@settings(max_examples=200, deadline=None)
@given(start=days, n=counts, nation=nations)
def test_round_trip_from_a_working_day(start, n, nation):
    if not is_working_day(start, nation=nation):
        start = add_working_days(start, 1, nation=nation)
    end = add_working_days(start, n, nation=nation)
    assert working_days_between(start, end, nation=nation) == n


@settings(max_examples=200, deadline=None)
@given(start=days, n=counts.filter(bool), nation=nations)
def test_never_lands_on_a_weekend_or_holiday(start, n, nation):
    end = add_working_days(start, n, nation=nation)
    assert end.weekday() < 5
    assert end not in dates.bank_holidays(nation, [end.year])
    assert is_working_day(end, nation=nation)
    assert (end > start) if n > 0 else (end < start)


@settings(max_examples=200, deadline=None)
@given(start=days, a=counts, b=counts, nation=nations)
def test_monotonic_in_n(start, a, b, nation):
    lo, hi = sorted((a, b))
    assert add_working_days(start, lo, nation=nation) <= add_working_days(start, hi, nation=nation)
    if lo < hi:
        assert add_working_days(start, lo, nation=nation) < add_working_days(start, hi, nation=nation)


@settings(max_examples=200, deadline=None)
@given(a=days, b=days, n=st.integers(min_value=0, max_value=60))
def test_monotonic_in_start(a, b, n):
    lo, hi = sorted((a, b))
    assert add_working_days(lo, n) <= add_working_days(hi, n)


@settings(max_examples=200, deadline=None)
@given(a=days, b=days, nation=nations)
def test_between_is_antisymmetric_and_additive(a, b, nation):
    assert working_days_between(a, b, nation=nation) == -working_days_between(b, a, nation=nation)
    mid = a + (b - a) / 2
    assert (working_days_between(a, mid, nation=nation) + working_days_between(mid, b, nation=nation)
            == working_days_between(a, b, nation=nation))
