"""UK dates and the working-day clock.

Dates are typed and shown the UK way (23/11/2026); `today`, `tomorrow`, `yesterday`,
`+3` / `-2` (calendar days) and `+3wd` (working days) are accepted too. Working days skip
weekends, the bank holidays of the council's nation (the `holidays` package, offline,
kept in the cache folder: `bank_holidays.py`) and the council's own closure days.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
import re
from collections.abc import Iterable

from clerkdesk.models.core import bank_holidays as holiday_file

UK_FORMAT = "%d/%m/%Y"


#: nation setting -> the `holidays` package's UK subdivision code
NATIONS = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}


NATION_LABELS = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}


class DateInputError(ValueError):
    """A date the clerk typed that cannot be understood; the message says why."""


#: the environment variable that pins today's date
TODAY_ENV = "CLERKDESK_TODAY"


def today() -> dt.date:
    """Today's date; $CLERKDESK_TODAY (dd/mm/yyyy) pins it, for demos, snapshots and tests.
    A value that is not such a date raises DateInputError, saying so."""
    pinned = os.environ.get(TODAY_ENV, "").strip()
    if pinned:
        try:
            return dt.datetime.strptime(pinned, UK_FORMAT).date()
        except ValueError:
            shown = "".join(ch if ch.isprintable() else "?" for ch in pinned[:20])
            raise DateInputError(f"${TODAY_ENV} is '{shown}', which is not a date: set it as "
                                 "dd/mm/yyyy (e.g. 23/11/2026), or unset it to use today."
                                 ) from None
    return dt.date.today()


_today = today


def fmt(value: dt.date | None) -> str:
    """23/11/2026, or an empty string for no date (years before 1000 with four digits
    too: 01/01/0001, which strftime would print as 01/01/1)."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}" if value else ""


def from_db(value) -> dt.date | None:
    """A date column's value read past Peewee, as a date: SQLite gives its ISO text (a
    datetime column's has a time after it), PostgreSQL a date already."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


_RELATIVE = re.compile(r"^([+-])\s*(\d{1,4})\s*(d|wd|w)?$")


_UK = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")


def parse(text: str, *, today: dt.date | None = None, nation: str = "england") -> dt.date:
    """Read a date typed the UK way; raise DateInputError with a sentence otherwise."""
    today = today or _today()
    raw = (text or "").strip().lower()
    if not raw:
        raise DateInputError("Enter a date, e.g. 23/11/2026, today or +3.")
    if raw in ("today", "t", "now"):
        return today
    if raw in ("tomorrow", "tom"):
        return today + dt.timedelta(days=1)
    if raw == "yesterday":
        return today - dt.timedelta(days=1)
    m = _RELATIVE.match(raw)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        n = int(m.group(2))
        unit = m.group(3) or "d"
        if unit == "wd":
            return add_working_days(today, sign * n, nation=nation)
        days = n * (7 if unit == "w" else 1)
        return today + dt.timedelta(days=sign * days)
    m = _UK.match(raw)
    if m:
        day, month, year = (int(g) for g in m.groups())
        if len(m.group(3)) == 2:  # 23/11/26; a year typed with four digits is that year
            year += 2000
        if not 1 <= month <= 12:
            raise DateInputError(f"There is no month {month}: type day/month/year, e.g. 23/11/2026.")
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise DateInputError(f"{text.strip()} is not a real date (day {day} of month {month}).") from None
    # Month names ("23 Nov 2026") through dateutil, day first as in the UK.
    if re.search(r"[a-z]{3}", raw) and re.search(r"\d", raw):
        from dateutil import parser as du

        try:
            return du.parse(raw, dayfirst=True, default=dt.datetime(today.year, 1, 1)).date()
        except (ValueError, OverflowError):
            pass
    raise DateInputError(
        f"'{text.strip()[:40]}' is not a date: type it as 23/11/2026, or today, tomorrow, +3."
    )


@functools.lru_cache(maxsize=32)
def _holiday_set(nation: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    subdiv = NATIONS.get(nation)
    if subdiv is None:
        raise ValueError(f"Unknown nation {nation!r}: choose one of {', '.join(NATIONS)}.")
    return holiday_file.between(subdiv, first_year, last_year)


def bank_holidays(nation: str, years: Iterable[int]) -> frozenset[dt.date]:
    years = list(years)
    return _holiday_set(nation, min(years), max(years))


def is_working_day(day: dt.date, *, nation: str = "england",
                   closures: frozenset[dt.date] = frozenset()) -> bool:
    if day.weekday() >= 5 or day in closures:
        return False
    return day not in _holiday_set(nation, day.year - 1, day.year + 1)


def add_working_days(start: dt.date, n: int, *, nation: str = "england",
                     closures: Iterable[dt.date] = ()) -> dt.date:
    """The date *n* working days after *start* (before it when n < 0).

    Day 0 is *start* itself; "within 7 working days of receipt" is add_working_days(received, 7).
    """
    closures = frozenset(closures)
    if nation not in NATIONS:
        raise ValueError(f"Unknown nation {nation!r}: choose one of {', '.join(NATIONS)}.")
    step = 1 if n >= 0 else -1
    day = start
    remaining = abs(n)
    try:
        while remaining:
            day += dt.timedelta(days=step)
            if is_working_day(day, nation=nation, closures=closures):
                remaining -= 1
    except (OverflowError, ValueError, KeyError, NotImplementedError):
        # past 31/12/9999 or before 01/01/0001, or a year the bank holidays do not know
        raise DateInputError(f"{abs(n)} working day{'s' if abs(n) != 1 else ''} "
                             f"{'after' if n >= 0 else 'before'} {fmt(start)} runs off the "
                             "calendar.") from None
    return day


def working_days_between(start: dt.date, end: dt.date, *, nation: str = "england",
                         closures: Iterable[dt.date] = ()) -> int:
    """How many working days after *start* *end* falls (negative when before).

    Counted arithmetically, not day by day: the weekdays in the span (whole weeks of five,
    then the days left over), less the bank holidays and closure days among them that fall
    on a weekday (each year's, found by bisection)."""
    if end == start:
        return 0
    if nation not in NATIONS:
        raise ValueError(f"Unknown nation {nation!r}: choose one of {', '.join(NATIONS)}.")
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign > 0 else (end, start)
    count = _weekdays_after(lo, hi)
    closures = frozenset(closures)
    for year in range(lo.year, hi.year + 1):
        off = _days_off(nation, year, closures if closures else _NONE)
        count -= bisect.bisect_right(off, hi) - bisect.bisect_right(off, lo)
    return sign * count


_NONE: frozenset = frozenset()


def _weekdays_after(lo: dt.date, hi: dt.date) -> int:
    """The Mondays to Fridays after *lo* up to and including *hi*."""
    weeks, rest = divmod((hi - lo).days, 7)
    first = lo.weekday()  # 0 = Monday
    return weeks * 5 + sum(1 for i in range(1, rest + 1) if (first + i) % 7 < 5)


@functools.lru_cache(maxsize=256)
def _days_off(nation: str, year: int, closures: frozenset) -> tuple[dt.date, ...]:
    """The weekdays of *year* that are not working days (its bank holidays, as
    `is_working_day` sees them, and the closure days), sorted."""
    holidays = _holiday_set(nation, year - 1, year + 1)
    return tuple(sorted(d for d in holidays | closures
                        if d.year == year and d.weekday() < 5))


def parse_closures(text: str) -> frozenset[dt.date]:
    """The council's closure days setting: UK dates separated by commas."""
    out = set()
    for part in (text or "").replace(";", ",").split(","):
        if part.strip():
            out.add(parse(part))
    return frozenset(out)
