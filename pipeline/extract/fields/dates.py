"""Dates as registries write them, with the precision they were given in.

ClinicalTrials.gov mixes full dates (2025-09-08), month-only dates (2025-09,
"July 2001") and, in old records, year-only dates. A month-only date is
stored on the first of its month with precision MONTH: the day is marked as
defaulted, never passed off as real.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}

_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_NAMED_DAY = re.compile(r"^([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$")
_DAY_NAMED = re.compile(r"^(\d{1,2}) ([A-Za-z]+)\.?,? (\d{4})$")
_NAMED_MONTH = re.compile(r"^([A-Za-z]+)\.?,? (\d{4})$")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class PartialDate:
    """A date and how much of it the source actually gave."""

    value: dt.date
    precision: str  # DAY, MONTH or YEAR
    raw: str

    def bounds(self) -> tuple[dt.date, dt.date]:
        """The first and last day the source could have meant.

        Comparing bounds rather than values is what keeps "2025-09" from
        being called earlier than "2025-09-08".
        """
        if self.precision == "DAY":
            return self.value, self.value
        if self.precision == "MONTH":
            # From the month's own length: stepping into the next month overflows in December 9999.
            return self.value, self.value.replace(day=calendar.monthrange(self.value.year, self.value.month)[1])
        return self.value, dt.date(self.value.year, 12, 31)


def _month_number(name: str) -> int | None:
    return _MONTHS.get(name.lower())


def _make(year: int, month: int, day: int, precision: str, raw: str) -> PartialDate | None:
    try:
        return PartialDate(dt.date(year, month, day), precision, raw)
    except ValueError:
        return None


def parse_partial_date(text: str | None) -> PartialDate | None:
    """Read a date in any of the registries' spellings; None when it is not one.

    Accepts 2025-09-08, 2025-09, 2025, "September 8, 2025", "8 September 2025"
    and "September 2025". Anything else (N/A, "TBD", a swapped-in age) is None,
    so the caller can report it instead of storing a guess.
    """
    if text is None:
        return None
    raw = text.strip()
    if not _DIGIT.search(raw):  # every spelling has a year; layouts try many lines that are no date
        return None
    cleaned = _SPACES.sub(" ", raw)
    if match := _ISO_DAY.match(cleaned):
        year, month, day = map(int, match.groups())
        return _make(year, month, day, "DAY", raw)
    if match := _ISO_MONTH.match(cleaned):
        year, month = map(int, match.groups())
        return _make(year, month, 1, "MONTH", raw)
    if match := _YEAR.match(cleaned):
        return _make(int(match.group(1)), 1, 1, "YEAR", raw)
    if match := _NAMED_DAY.match(cleaned):
        month = _month_number(match.group(1))
        if month:
            return _make(int(match.group(3)), month, int(match.group(2)), "DAY", raw)
    if match := _DAY_NAMED.match(cleaned):
        month = _month_number(match.group(2))
        if month:
            return _make(int(match.group(3)), month, int(match.group(1)), "DAY", raw)
    if match := _NAMED_MONTH.match(cleaned):
        month = _month_number(match.group(1))
        if month:
            return _make(int(match.group(2)), month, 1, "MONTH", raw)
    return None


def is_definitely_before(later: PartialDate, earlier: PartialDate) -> bool:
    """True when `later` must fall before `earlier` whatever days were left out."""
    return later.bounds()[1] < earlier.bounds()[0]
