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
    # Where in the document: the line of the decoded text (1-based) and, for a
    # JSON or XML record, the path of the value in the record.
    line: int | None = None
    record_path: str | None = None

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
            "line": self.line,
            "record_path": self.record_path,
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

    # Where each study field was read: the label it stood under in a page, the path of
    # a JSON or XML record. Lines are found once the layout is done (`field_sources`),
    # so a field set twice or a document quarantined costs no search.
    wheres: dict[str, tuple[str | None, str | None]] = field(default_factory=dict, repr=False)

    def set_study_field(self, name: str, text: str | None, *, label: str | None = None,
                        path: str | None = None) -> None:
        """Record a study field; blank text counts as not stated.

        `label` is the page's label the value stands under, `path` the
        record's path to it; either tells where the value came from.
        """
        if name not in STUDY_FIELDS:
            raise KeyError(f"unknown study field {name!r}")
        if text is not None and text.strip():
            self.study[name] = text.strip()
            self.wheres[name] = (label, path)

    def field_sources(self, source: SourceText) -> dict[str, FieldSource]:
        """The line and record path of every study field the layout set.

        Two fields holding the same text (a primary completion and a
        completion on the same day) are looked for one after the other, as
        layouts set fields in the order the page prints them.
        """
        sources, placed = {}, {}
        for name, (label, path) in self.wheres.items():
            value = self.study[name]
            sources[name], placed[value] = source.locate(value, label, path, after=placed.get(value))
        return sources

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
               observed: str | None = None, check_name: str | None = None, record_path: str | None = None,
               line: int | None = None) -> None:
        """A finding; its line, when not given, is found after parsing from its field or observed value."""
        self.findings.append(
            Finding(
                check_name=check_name or parse_check(self.format),
                category=category,
                severity=severity,
                message=message,
                field=field,
                observed=observed,
                record_path=record_path,
                line=line,
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


@dataclass(frozen=True)
class FieldSource:
    """Where one value stands in its document: a line of the decoded text, a record path."""

    line: int | None
    record_path: str | None = None
    value: str | None = None  # as written


# How many occurrences of a value are looked at for one standing on its own
# (a whole word, under its label) before the first occurrence is taken:
# bounds the search on a value repeated all over a large page.
_OCCURRENCES_LOOKED_AT = 50
# A value is looked for by its first line, cut to this length: layouts join
# a section's lines, so a long value rarely stands whole in the text.
_NEEDLE_CHARACTERS = 80


class SourceText:
    """The decoded text of one document, to say on which line a value, a label or a record path stands.

    Lines are counted on "\n" (the decoded text's only line break), from 1,
    as an editor and `sed -n 47p` count them. Layouts set fields in the
    order the page prints them, so lines are counted on from the last
    offset asked (`str.count`, at memory speed): a document's values cost
    about one pass over its text, and a value each a few `str.find` calls.
    Building a table of line starts for a bisection cost more (a Python step
    per line) than the whole counting on the registry's records.
    """

    def __init__(self, text: str, markup: str | None = None) -> None:
        self.text = text
        self.markup = markup  # "json", "xml", or None for a page
        self._counted = (0, 1)  # an offset, and the line it is on
        self._path_offsets: dict[str, int | None] = {"": 0}

    def line_at(self, offset: int) -> int:
        counted, line = self._counted if offset >= self._counted[0] else (0, 1)
        line += self.text.count("\n", counted, offset)
        self._counted = (offset, line)
        return line

    def locate(self, value: str | None, label: str | None = None, path: str | None = None,
               after: int | None = None) -> tuple[FieldSource, int | None]:
        """The line of a value (and its offset): at its record path, else after its label, else where it
        first stands alone; `after` the offset of the same value placed before."""
        if path is not None and self.markup is not None:
            offset = self.path_offset(path)
            return FieldSource(None if offset is None else self.line_at(offset), path, value), offset
        start = 0 if after is None else after + 1
        if label:
            found = self.value_offset(label, start)
            start = found + len(label) if found is not None else start
        offset = self.value_offset(value, start) if value else None
        if offset is None and start:
            offset = self.value_offset(value, 0)
        return FieldSource(None if offset is None else self.line_at(offset), path, value), offset

    def value_offset(self, value: str, start: int = 0) -> int | None:
        """Where the value first stands on a line of its own from `start`, else as a whole word, else at all.

        "Na" is the allocation on its own line, not the start of "National";
        "2025-09" is a month of its own, not the start of "2025-09-02".
        """
        needle = next((line.strip() for line in value.split("\n") if line.strip()), "")[:_NEEDLE_CHARACTERS]
        if not needle:
            return None
        text, first, first_word = self.text, None, None
        position = text.find(needle, start)
        for _ in range(_OCCURRENCES_LOOKED_AT):
            if position == -1:
                break
            if first is None:
                first = position
            end = position + len(needle)
            if self._bounded_before(position) and self._bounded_after(end):
                line_start = text.rfind("\n", 0, position) + 1
                line_end = text.find("\n", end)
                rest = text[end: len(text) if line_end == -1 else line_end].strip()
                if not text[line_start:position].strip(" \t*-•") and rest in ("", ":"):
                    return position
                if first_word is None:
                    first_word = position
            position = text.find(needle, position + 1)
        return first_word if first_word is not None else first

    def _bounded_before(self, position: int) -> bool:
        return position == 0 or not self.text[position - 1].isalnum()

    def _bounded_after(self, end: int) -> bool:
        text = self.text
        if end >= len(text):
            return True
        if text[end].isalnum():
            return False
        # "2025-09" inside "2025-09-02", "18" inside "18.5": the same token goes on.
        return not (text[end] in "-/.," and end + 1 < len(text) and text[end + 1].isalnum())

    def path_offset(self, path: str) -> int | None:
        """Where a record path's last key or element opens, found key by key from its parent's place.

        Each prefix is remembered, so the fields of one module search from
        the module's place and the text is not scanned again from the top.
        """
        if path in self._path_offsets:
            return self._path_offsets[path]
        separator = "/" if self.markup == "xml" else "."
        parent, _, step = path.rpartition(separator)
        start = self.path_offset(parent)
        offset = None if start is None else self._step_offset(step, start)
        self._path_offsets[path] = offset
        return offset

    def _step_offset(self, step: str, start: int) -> int | None:
        if step.startswith("@"):  # an XML attribute stands on its element's line
            return start
        name, _, index = step.partition("[")
        if self.markup == "xml":
            needle, position = f"<{name}", self.text.find(f"<{name}", start)
            while position != -1 and self.text[position + len(needle): position + len(needle) + 1] not in (">", " ", "/", "\n", "\t"):
                position = self.text.find(needle, position + 1)
        else:
            position = self.text.find(f'"{name}"', start)
        if position == -1:
            return None
        return self._nth_item(position, int(index.rstrip("]"))) if index else position

    def _nth_item(self, position: int, index: int) -> int:
        """The place of item `index` of the list opening after `position`: counted by the items' first key.

        Every item of a registry list is an object whose members repeat in
        each item, so the n-th occurrence of the first item's first key is
        the n-th item; anything else stays at the list's own line.
        """
        if self.markup != "json":
            return position
        opening = self.text.find("{", position)
        key_start = self.text.find('"', opening)
        key_end = self.text.find('"', key_start + 1)
        if min(opening, key_start, key_end) == -1:
            return position
        key, found = self.text[key_start: key_end + 1], key_start
        for _ in range(index):
            found = self.text.find(key, found + 1)
            if found == -1:
                return position
        return found
