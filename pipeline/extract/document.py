"""What a layout parser returns: one document's facts, before they are typed.

Layouts only read; they do not decide how a status or an age is spelled in
the warehouse. They hand over the study's fields as the document wrote them
(so swapped or odd values can still be recognised and repaired in one place,
`pipeline.extract.fields.study_fields`) and child-table rows already in the contract's
vocabulary, each with the label it was read from (`vocabulary_value`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.registry.checks import parse_check, require_registered
from pipeline.registry.tables import TABLES_BY_NAME, Column
from pipeline.registry.vocabularies import to_vocabulary

# The study fields a layout may fill, with the text exactly as written.
STUDY_FIELDS = (
    "brief_title",
    "official_title",
    "acronym",
    "overall_status",
    "phase",
    "study_type",
    "enrollment",  # "48 participants", "25 estimated patients", "60"
    "enrollment_type",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "first_submitted_date",
    "first_posted_date",
    "last_update_posted_date",
    "last_verified_date",
    "min_age",  # "18 Years"
    "max_age",
    "age_range",  # one field holding both ends: "18 to 75 years old", "18 Years and older"
    "sex",
    "healthy_volunteers",
    "allocation",
    "intervention_model",
    "primary_purpose",
    "masking",
    "lead_sponsor",
    "brief_summary",
    "detailed_description",
)


@dataclass
class Finding:
    """A defect found while reading or checking a document, for `quality_findings`."""

    check_name: str
    category: str
    severity: str
    message: str
    field: str | None = None
    observed: str | None = None
    nct_id: str | None = None
    source_file: str | None = None

    def as_row(self) -> dict[str, Any]:
        return {
            "check_name": self.check_name,
            "category": self.category,
            "severity": self.severity,
            "nct_id": self.nct_id,
            "source_file": self.source_file,
            "field": self.field,
            "observed": self.observed,
            "message": self.message,
        }

    def __post_init__(self) -> None:
        # A typo'd check name fails where it is written, not as findings no asset check shows.
        require_registered(self.check_name)


@dataclass
class ParsedDocument:
    """One document's content.

    `study` holds raw texts keyed by STUDY_FIELDS (trial layouts only).
    `rows` maps a table name (conditions, sites, evidence, ...) to its rows,
    without nct_id and source_file, which the caller adds.
    """

    format: str
    nct_id: str | None = None
    study: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # `labels[table][i]` holds the labels as written of `rows[table][i]`'s vocabulary columns
    # (`<column>_raw`), kept apart until `keep_labels` so layouts and their tests see rows in
    # the contract's vocabulary only.
    labels: dict[str, list[dict[str, str | None]]] = field(default_factory=dict, repr=False)
    # The label each vocabulary value was last read from, by (vocabulary, value), until the
    # row holding the value is added: layouts build a row from `vocabulary_value` and add it
    # at once, so the label is recorded here instead of by every layout.
    _last_labels: dict[tuple[tuple[str, ...], str | None], str | None] = field(default_factory=dict, repr=False)

    def set_study_field(self, name: str, text: str | None) -> None:
        """Record a study field; blank text counts as not stated."""
        if name not in STUDY_FIELDS:
            raise KeyError(f"unknown study field {name!r}")
        if text is not None and text.strip():
            self.study[name] = text.strip()

    def add_row(self, table: str, row: dict[str, Any]) -> None:
        """Add a row, and the labels its vocabulary values were read from by `vocabulary_value`."""
        self.rows.setdefault(table, []).append(row)
        declared = TABLES_BY_NAME.get(table)
        if declared is not None and declared.as_written_columns:
            self.labels.setdefault(table, []).append({
                column.raw_name: self._label_of(column, row.get(column.name))
                for column in declared.as_written_columns
            })

    def _label_of(self, column: Column, value: str | None) -> str | None:
        return self._last_labels.pop((column.vocabulary, value), None)

    def keep_labels(self) -> None:
        """Put each row's labels as written beside its values, as the published tables hold them."""
        for table, labels in self.labels.items():
            self.rows[table] = [{**row, **written} for row, written in zip(self.rows[table], labels, strict=True)]
        self.labels = {}

    def report(self, category: str, severity: str, message: str, *, field: str | None = None,
               observed: str | None = None, check_name: str | None = None) -> None:
        self.findings.append(
            Finding(
                check_name=check_name or parse_check(self.format),
                category=category,
                severity=severity,
                message=message,
                field=field,
                observed=observed,
            )
        )

    def vocabulary_value(self, label: str | None, vocabulary: tuple[str, ...], field: str) -> str | None:
        """A child-table value in the contract's vocabulary.

        The label is remembered and becomes the row's `<column>_raw` when the
        row is added (see `keep_labels`). A label outside the vocabulary gives
        a null value, kept as written there, plus a `domain` finding that
        quotes it, so nothing the document said is lost or goes unseen.
        """
        stated = label.strip() if label is not None and label.strip() else None
        value = to_vocabulary(stated, vocabulary) if stated is not None else None
        self._last_labels[(vocabulary, value)] = stated
        if stated is not None and value is None:
            self.report(
                "domain",
                "WARNING",
                f"{field} {stated!r} is not one of {', '.join(vocabulary)}: kept as written beside the empty value",
                field=field,
                observed=stated,
            )
        return value
