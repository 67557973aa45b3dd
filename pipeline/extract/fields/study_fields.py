"""Typing a study's fields, the same way for every layout.

Every layout hands over its study fields as written; this module turns them
into the contract's types and vocabularies. Doing it in one place is what
lets one rule catch a defect in any layout: swapped sibling fields (see
`pipeline.extract.fields.swaps`) are put back before typing, while the raw texts still say
which domain each value belongs to.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.registry import vocabularies as vocab
from pipeline.extract.fields.ages import is_no_limit, parse_age_range, parse_age_years
from pipeline.extract.fields.dates import parse_partial_date
from pipeline.extract.document import STUDY_FIELDS, Finding
from pipeline.extract.fields.numbers import read_count
from pipeline.extract.fields.swaps import STUDY_SIBLINGS, repair_swaps
from pipeline.registry.checks import FIELD_SWAP, STUDY_FIELDS_CHECK
from pipeline.registry.tables import PARSED_STUDIES, STRING, STUDY_DATE_FIELDS

# The study fields a layout states as written that are stored as they are, or
# mapped onto their column's vocabulary: both read off the declaration.
_LAYOUT_COLUMNS = [c for c in PARSED_STUDIES.columns if c.name in STUDY_FIELDS]
_VOCABULARY_FIELDS: dict[str, tuple[str, ...]] = {c.name: c.vocabulary for c in _LAYOUT_COLUMNS if c.vocabulary}
_RAW_COLUMNS: dict[str, str] = {c.name: c.raw_name for c in _LAYOUT_COLUMNS if c.as_written}
_TEXT_FIELDS = tuple(c.name for c in _LAYOUT_COLUMNS if c.type == STRING and c.vocabulary is None)

_ENROLLMENT = re.compile(r"^\s*(-?)([0-9][0-9,]*)", re.IGNORECASE)
_ENROLLMENT_TYPE_WORD = re.compile(r"\b(estimated|actual|anticipated)\b", re.IGNORECASE)
_YES = {"YES", "TRUE", "ACCEPTS_HEALTHY_VOLUNTEERS", "ACCEPTS_HEALTHY_VOLUNTEER"}
_NO = {"NO", "FALSE", "NO_HEALTHY_VOLUNTEERS", "DOES_NOT_ACCEPT_HEALTHY_VOLUNTEERS"}


def repair_swapped_fields(fields: dict[str, str]) -> tuple[dict[str, str], list[Finding]]:
    """Study fields with swapped siblings (ages and sex) put back."""
    return repair_swaps(fields, STUDY_SIBLINGS)


def _repair_age_order(row: dict[str, Any], findings: list[Finding]) -> None:
    """A minimum above the maximum: both ages are valid, only their places are wrong."""
    low, high = row["min_age_years"], row["max_age_years"]
    if low is not None and high is not None and low > high:
        row["min_age_years"], row["max_age_years"] = high, low
        findings.append(
            Finding(
                check_name=FIELD_SWAP,
                category="field_swap",
                severity="WARNING",
                field="min_age_years,max_age_years",
                observed=f"min_age_years={low:g}; max_age_years={high:g}",
                message=(
                    f"minimum age {low:g} was above maximum age {high:g}: the ages were swapped on the page; "
                    f"repaired: the values have been put back"
                ),
            )
        )


def _parse_enrollment(text: str) -> tuple[int | None, str | None]:
    """The count and the word giving its type ("25 estimated patients"); a count beyond BIGINT is no count."""
    match = _ENROLLMENT.match(text)
    count = read_count(match.group(2)) if match else None
    if count is None:
        return None, None
    if match.group(1):
        count = -count
    word = _ENROLLMENT_TYPE_WORD.search(text)
    return count, word.group(1) if word else None


def _parse_healthy_volunteers(text: str) -> bool | None:
    key = vocab.label_key(text)
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


def _domain_finding(field: str, observed: str, message: str, category: str = "domain") -> Finding:
    return Finding(
        check_name=STUDY_FIELDS_CHECK,
        category=category,
        severity="WARNING",
        field=field,
        observed=observed,
        message=message,
    )


def _type_dates(fields: dict[str, str], row: dict[str, Any], findings: list[Finding]) -> None:
    for name in STUDY_DATE_FIELDS:
        column = f"{name}_date"
        text = fields.get(column)
        row[column] = row[f"{column}_precision"] = row[f"{column}_raw"] = None
        if text is None:
            continue
        row[f"{column}_raw"] = text
        parsed = parse_partial_date(text)
        if parsed is None:
            if text.strip().upper() not in {"N/A", "NA", "NONE", "-"}:
                findings.append(
                    _domain_finding(column, text, f"{column} {text!r} is not a date", category="parse")
                )
            continue
        row[column] = parsed.value
        row[f"{column}_precision"] = parsed.precision


def _type_ages(fields: dict[str, str], row: dict[str, Any], findings: list[Finding]) -> None:
    row["min_age_years"] = row["max_age_years"] = None
    if "age_range" in fields:
        bounds = parse_age_range(fields["age_range"])
        if bounds is None:
            findings.append(
                _domain_finding("age_range", fields["age_range"], f"eligible ages {fields['age_range']!r} are not an age range")
            )
        else:
            row["min_age_years"], row["max_age_years"] = bounds
    for name, column in (("min_age", "min_age_years"), ("max_age", "max_age_years")):
        text = fields.get(name)
        if text is None or is_no_limit(text):
            continue
        years = parse_age_years(text)
        if years is None:
            findings.append(_domain_finding(column, text, f"{name.replace('_', ' ')} {text!r} is not an age"))
        else:
            row[column] = years


def build_study_row(nct_id: str, fields: dict[str, str]) -> tuple[dict[str, Any], list[Finding]]:
    """The typed `studies` row for one document, and what could not be typed.

    Values the document does not state stay null; values it states that do
    not fit their field also become null, with a finding that keeps the text.
    A vocabulary field's label is kept as written in its `<field>_raw`
    column whenever the document states one, inside the vocabulary or not.
    """
    fields, findings = repair_swapped_fields(fields)
    row: dict[str, Any] = {"nct_id": nct_id}
    for name in _TEXT_FIELDS:
        row[name] = fields.get(name)
    for name, vocabulary in _VOCABULARY_FIELDS.items():
        text = fields.get(name)
        value = vocab.to_vocabulary(text, vocabulary)
        if text is not None and value is None:
            findings.append(
                _domain_finding(name, text, f"{name} {text!r} is not one of {', '.join(vocabulary)}: "
                                f"kept as written in {_RAW_COLUMNS.get(name, name)}")
            )
        row[name] = value
        if name in _RAW_COLUMNS:
            row[_RAW_COLUMNS[name]] = text

    row["enrollment"] = None
    if "enrollment" in fields:
        count, kind_word = _parse_enrollment(fields["enrollment"])
        kind = vocab.to_vocabulary(kind_word, vocab.ENROLLMENT_TYPE) if kind_word else None
        if count is None:
            findings.append(
                _domain_finding("enrollment", fields["enrollment"], f"enrollment {fields['enrollment']!r} is not a count of participants "
                                "(no digits, or beyond what a 64-bit integer holds)", category="parse")
            )
        row["enrollment"] = count
        # A type the document states, even outside the vocabulary, wins over the word beside the count.
        if row["enrollment_type_raw"] is None and kind is not None:
            row["enrollment_type"], row["enrollment_type_raw"] = kind, kind_word

    row["healthy_volunteers"] = None
    if "healthy_volunteers" in fields:
        row["healthy_volunteers"] = _parse_healthy_volunteers(fields["healthy_volunteers"])
        if row["healthy_volunteers"] is None:
            findings.append(
                _domain_finding("healthy_volunteers", fields["healthy_volunteers"],
                                f"healthy volunteers {fields['healthy_volunteers']!r} is neither yes nor no")
            )

    _type_dates(fields, row, findings)
    _type_ages(fields, row, findings)
    _repair_age_order(row, findings)
    for finding in findings:
        finding.nct_id = nct_id
    return row, findings
