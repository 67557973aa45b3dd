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

# Each spelling with its precision and the groups holding year, month and
# day; no day group means the first of the month (MONTH), no month group the
# first of January (YEAR). A month group holds a number or a month's name.
_SPELLINGS = tuple(
    (re.compile(pattern), precision, groups)
    for pattern, precision, groups in (
        (r"^(\d{4})-(\d{1,2})-(\d{1,2})$", "DAY", (1, 2, 3)),  # 2025-09-08
        (r"^(\d{4})-(\d{1,2})$", "MONTH", (1, 2, None)),  # 2025-09
        (r"^(\d{4})$", "YEAR", (1, None, None)),  # 2025
        (r"^([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$", "DAY", (3, 1, 2)),  # September 8, 2025
        (r"^(\d{1,2}) ([A-Za-z]+)\.?,? (\d{4})$", "DAY", (3, 2, 1)),  # 8 September 2025
        (r"^([A-Za-z]+)\.?,? (\d{4})$", "MONTH", (2, 1, None)),  # September 2025
    )
)
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


def _month_number(written: str) -> int | None:
    return int(written) if written.isdigit() else _MONTHS.get(written.lower())


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
    for pattern, precision, (year_at, month_at, day_at) in _SPELLINGS:
        if match := pattern.match(cleaned):
            month = _month_number(match.group(month_at)) if month_at else 1
            if month:
                day = int(match.group(day_at)) if day_at else 1
                return _make(int(match.group(year_at)), month, day, precision, raw)
    return None


def is_definitely_before(later: PartialDate, earlier: PartialDate) -> bool:
    """True when `later` must fall before `earlier` whatever days were left out."""
    return later.bounds()[1] < earlier.bounds()[0]
