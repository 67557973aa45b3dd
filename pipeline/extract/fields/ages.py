"""Eligible ages, in years, from the ways registries write them."""

from __future__ import annotations

import re

_UNIT_YEARS = {
    "year": 1.0,
    "years": 1.0,
    "yr": 1.0,
    "yrs": 1.0,
    "y": 1.0,
    "month": 1 / 12,
    "months": 1 / 12,
    "week": 1 / 52.1775,
    "weeks": 1 / 52.1775,
    "day": 1 / 365.25,
    "days": 1 / 365.25,
    "hour": 1 / 8766,
    "hours": 1 / 8766,
    "minute": 1 / 525960,
    "minutes": 1 / 525960,
}

_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s*([A-Za-z]+)?(?:\s+old)?\.?$")
_RANGE = re.compile(
    r"^(\d+(?:\.\d+)?)\s*(?:to|-|–|—)\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)?(?:\s+old)?\.?$"
)
_OPEN_ENDED = re.compile(r"^(\d+(?:\.\d+)?)\s*\+\s*([A-Za-z]+)?(?:\s+old)?\.?$")
_NO_LIMIT = {"N/A", "NA", "NONE", "NO LIMIT", "NOT APPLICABLE"}


def _years(number: str, unit: str | None) -> float | None:
    factor = _UNIT_YEARS.get((unit or "years").lower())
    if factor is None:
        return None
    return round(float(number) * factor, 4)


def is_no_limit(text: str | None) -> bool:
    """"N/A" in an age field means no limit, which is a value, not a gap."""
    return text is not None and text.strip().upper() in _NO_LIMIT


def parse_age_years(text: str | None) -> float | None:
    """One age in years: "19 Years" -> 19.0, "6 Months" -> 0.5; None otherwise."""
    if text is None:
        return None
    match = _AGE.match(text.strip())
    if not match:
        return None
    return _years(match.group(1), match.group(2))


_BOTH_UNITS = re.compile(
    r"^(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s+(?:to|-|–)\s+(\d+(?:\.\d+)?)\s*([A-Za-z]+)(?:\s+old)?$", re.IGNORECASE
)
_AND_OLDER = re.compile(r"^(.+?)\s+(?:and|or)\s+(?:older|over|above)$", re.IGNORECASE)
_UP_TO = re.compile(r"^(?:up to|under|<=?)\s+(.+)$", re.IGNORECASE)


def parse_age_range(text: str | None) -> tuple[float | None, float | None] | None:
    """Minimum and maximum age from one field: "18 to 75 years old" -> (18, 75).

    Also "18 Years to 75 Years", "18 Years and older (Adult, Older Adult)",
    "65+ years" (no maximum) and "up to 18 Years" (no minimum); a single age
    is the minimum. None when the text is not an age at all.
    """
    if text is None:
        return None
    cleaned = re.sub(r"\(.*?\)", "", text).strip().rstrip(".")
    if match := _BOTH_UNITS.match(cleaned):
        low, high = _years(match.group(1), match.group(2)), _years(match.group(3), match.group(4))
        return None if low is None or high is None else (low, high)
    if match := _AND_OLDER.match(cleaned):
        low = parse_age_years(match.group(1))
        return None if low is None else (low, None)
    if match := _UP_TO.match(cleaned):
        high = parse_age_years(match.group(1))
        return None if high is None else (None, high)
    if match := _RANGE.match(cleaned):
        low, high, unit = match.groups()
        low_years, high_years = _years(low, unit), _years(high, unit)
        if low_years is None or high_years is None:
            return None
        return low_years, high_years
    if match := _OPEN_ENDED.match(cleaned):
        return _years(match.group(1), match.group(2)), None
    single = parse_age_years(cleaned)
    if single is not None:
        return single, None
    return None
