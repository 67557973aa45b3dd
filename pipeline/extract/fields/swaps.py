"""Sibling fields whose values were exchanged, found and put back by one rule.

Registries print related fields in adjacent rows (ages beside sex, phone
beside email, city beside country) and scrapes shift them. When each of two
sibling fields holds a value that fits the other's domain and not its own,
the two were swapped, and they are put back with the original values kept in
a finding. A single odd value may be a typo rather than a shift: it is left
alone for the domain checks to report.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from pipeline.registry import vocabularies as vocab
from pipeline.extract.fields.ages import parse_age_range
from pipeline.extract.document import Finding
from pipeline.registry.checks import FIELD_SWAP
from pipeline.registry.tables import EMAIL_PATTERN, PHONE_PATTERN

_EMAIL = re.compile(EMAIL_PATTERN)
_PHONE = re.compile(PHONE_PATTERN)


@functools.cache
def known_countries() -> frozenset[str]:
    text = resources.files("pipeline.extract").joinpath("data/countries.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def is_age(text: str) -> bool:
    return parse_age_range(text) is not None


def is_sex(text: str) -> bool:
    return vocab.to_vocabulary(text, vocab.SEX) is not None


def is_email(text: str) -> bool:
    return _EMAIL.match(text.strip()) is not None


def is_phone(text: str) -> bool:
    return _PHONE.match(text.strip()) is not None and sum(map(str.isdigit, text)) >= 5


def is_country(text: str) -> bool:
    return text.strip().casefold() in known_countries()


def is_city(text: str) -> bool:
    return bool(text.strip()) and not is_country(text) and not any(map(str.isdigit, text))


@dataclass(frozen=True)
class SiblingFields:
    """Two fields printed side by side whose values cannot be confused."""

    first: str
    second: str
    fits_first: Callable[[str], bool]
    fits_second: Callable[[str], bool]

    def swapped(self, record: dict[str, Any]) -> bool:
        first, second = record.get(self.first), record.get(self.second)
        if not isinstance(first, str) or not isinstance(second, str):
            return False
        # The tests are pure, so their order changes nothing but the time: a value
        # rarely fits its sibling's domain, which rules most records out at once.
        return (
            self.fits_second(first)
            and not self.fits_first(first)
            and self.fits_first(second)
            and not self.fits_second(second)
        )


STUDY_SIBLINGS: tuple[SiblingFields, ...] = (
    SiblingFields("age_range", "sex", is_age, is_sex),
    SiblingFields("min_age", "sex", is_age, is_sex),
    SiblingFields("max_age", "sex", is_age, is_sex),
)
CHILD_SIBLINGS: dict[str, tuple[SiblingFields, ...]] = {
    "contacts": (SiblingFields("phone", "email", is_phone, is_email),),
    "sites": (SiblingFields("city", "country", is_city, is_country),),
}


def swap_finding(pair: SiblingFields, first: str, second: str, where: str = "") -> Finding:
    return Finding(
        check_name=FIELD_SWAP,
        category="field_swap",
        severity="WARNING",
        field=f"{pair.first},{pair.second}",
        observed=f"{pair.first}={first!r}; {pair.second}={second!r}",
        message=(
            f"{where}{pair.first} and {pair.second} were swapped on the page ({pair.first} held {first!r}, "
            f"{pair.second} held {second!r}); repaired: the values have been put back "
            f"({pair.first}={second!r}, {pair.second}={first!r})"
        ),
    )


def repair_swaps(record: dict[str, Any], pairs: tuple[SiblingFields, ...], where: str = "") -> tuple[dict[str, Any], list[Finding]]:
    """The record with swapped sibling pairs put back, and a finding per repair."""
    repaired = dict(record)
    findings = []
    for pair in pairs:
        if pair.swapped(repaired):
            first, second = repaired[pair.first], repaired[pair.second]
            repaired[pair.first], repaired[pair.second] = second, first
            findings.append(swap_finding(pair, first, second, where))
    return repaired, findings


def repair_child_rows(table: str, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Finding]]:
    """Child rows of one document (contacts, sites) with swapped siblings put back."""
    pairs = CHILD_SIBLINGS.get(table)
    if not pairs:
        return rows, []
    # A pair is swapped only when its first value fits the second field's domain. Nearly
    # every row is in order, and that one test, in one loop per pair, rules it out; only
    # the rows left pay for the full test, and a row with a swap for its label and copy.
    suspects: set[int] = set()
    for pair in pairs:
        first, fits_second = pair.first, pair.fits_second
        suspects.update(index for index, row in enumerate(rows)
                        if isinstance(value := row.get(first), str) and fits_second(value))
    repaired_rows, findings = list(rows), []
    for index in sorted(suspects):
        row = rows[index]
        if not any(pair.swapped(row) for pair in pairs):
            continue
        label = row.get("name") or row.get("facility") or "a row"
        repaired, row_findings = repair_swaps(row, pairs, where=f"{table} ({label}): ")
        repaired_rows[index] = repaired
        findings.extend(row_findings)
    return repaired_rows, findings
