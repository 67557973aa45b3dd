"""One source document in, its rows for every per-document table out, whatever it holds.

This is the only place that decides a document's status: a document that
cannot be decoded, recognised or parsed is QUARANTINED with the reason, and
never stops the others.
"""

from __future__ import annotations

import functools
import hashlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.extract.free_text.dosing import extract_dosing
from pipeline.extract.decoding import UnreadableDocument, decode_document
from pipeline.extract.document import FieldSource, Finding, ParsedDocument, SourceText
from pipeline.extract.formats import detect_layout, unknown_layout_reason
from pipeline.extract.repeated_rows import number_rows
from pipeline.extract.fields.study_fields import build_study_row
from pipeline.extract.fields.swaps import repair_child_rows
from pipeline.extract.free_text.thresholds import extract_thresholds
from pipeline.orchestration.settings import DEFAULT_TIME_BUDGET_SECONDS
from pipeline.registry.checks import DOCUMENT_READABLE
from pipeline.registry.tables import PARSED_FINDINGS, PARSED_STUDY_FIELD_SOURCES, STUDIES
from pipeline.store.warehouse import rows_to_arrow

_PIPELINE_DIR = Path(__file__).resolve().parents[1]
# What decides a document's rows: everything under extract/ (layouts, field
# readers, free-text extractors, their data) and the registry's declarations
# (columns, vocabularies). A change to any of it reparses every document.
_PARSING_SOURCES = ("extract/**/*.py", "extract/data/*", "registry/*.py")


@functools.cache
def parser_version() -> str:
    """A fingerprint of the parsing code and its vocabularies.

    Stored with each document so that a change to any layout or rule makes
    the next run reparse every document from its stored bytes, instead of
    leaving tables built by two versions of the code side by side.
    """
    digest = hashlib.sha256()
    for pattern in _PARSING_SOURCES:
        for path in sorted(_PIPELINE_DIR.glob(pattern)):
            digest.update(path.relative_to(_PIPELINE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class DocumentResult:
    """What one document contributes: its `documents` row, table rows and findings."""

    document: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # The decoded text and where each study field stood in it, to place the findings.
    source: SourceText | None = field(default=None, repr=False)
    field_sources: dict[str, FieldSource] = field(default_factory=dict, repr=False)

    @property
    def status(self) -> str:
        return self.document["status"]


def _document_row(source_file: str, sha256: str, size: int, run_id: str | None) -> dict[str, Any]:
    return {
        "encoding": None,
        "source_file": source_file,
        "sha256": sha256,
        "bytes": size,
        "format": None,
        "status": "QUARANTINED",
        "nct_id": None,
        "error": None,
        "parser_version": parser_version(),
        "parsed_run_id": run_id,
    }


def _quarantine(result: DocumentResult, reason: str) -> DocumentResult:
    result.document["status"] = "QUARANTINED"
    result.document["error"] = reason
    result.findings.append(
        Finding(
            check_name=DOCUMENT_READABLE,
            category="parse",
            severity="ERROR",
            message=f"quarantined: {reason}",
            source_file=result.document["source_file"],
            nct_id=result.document["nct_id"],
        )
    )
    return result


def _attach(rows: list[dict[str, Any]], **columns: Any) -> list[dict[str, Any]]:
    return [{**columns, **row} for row in rows]


class _FreeTextAllowance:
    """How much of a document's prose the free-text extractors may still read.

    Real records write at most a few tens of KB of criteria, descriptions
    and summaries together (23 KB for the largest of the 419 real and
    rendered records in tests/fixtures; the registry caps each field at
    20,000 to 32,000 characters). The extractors do some microseconds of work
    per number they meet, so a field filled with millions of numbers would
    take tens of seconds: beyond `FREE_TEXT_LIMIT` the text is still stored,
    but not read for doses and thresholds, and a finding says so.
    """

    def __init__(self, limit: int) -> None:
        self.remaining = limit
        self.skipped = 0

    def take(self, text: str | None) -> str | None:
        if not text or len(text) <= self.remaining:
            self.remaining -= len(text or "")
            return text
        cut = text.rfind(" ", 0, self.remaining) if self.remaining > 0 else 0
        kept = text[: max(cut, 0)]
        self.skipped += len(text) - len(kept)
        self.remaining = 0
        return kept

    def rows(self, rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
        """The rows as the extractors see them: only a row whose text was cut is copied."""
        return [self._row(row, column) for row in rows]

    def _row(self, row: dict[str, Any], column: str) -> dict[str, Any]:
        text = row.get(column)
        kept = self.take(text)
        return row if kept is text else {**row, column: kept}


FREE_TEXT_LIMIT = 256 * 1024


def _extract_from_free_text(parsed: ParsedDocument, result: DocumentResult) -> None:
    """Dose steps and eligibility thresholds, which registries keep only as prose."""
    allowance = _FreeTextAllowance(FREE_TEXT_LIMIT)
    thresholds = extract_thresholds(allowance.rows(parsed.rows.get("eligibility_criteria", []), "text"))
    if thresholds:
        parsed.rows["eligibility_thresholds"] = thresholds
    interventions = allowance.rows(parsed.rows.get("interventions", []), "description")
    arms = allowance.rows(parsed.rows.get("arm_groups", []), "description")
    study_texts = [allowance.take(parsed.study.get(name)) for name in ("brief_summary", "detailed_description")]
    dosing, findings = extract_dosing(interventions, arms, [text for text in study_texts if text])
    if dosing:
        parsed.rows["dosing"] = dosing
    result.findings.extend(findings)
    if allowance.skipped:
        result.findings.append(Finding(
            DOCUMENT_READABLE, "parse", "WARNING",
            f"the criteria, descriptions and summaries hold {allowance.skipped / 1024:,.0f} KiB beyond the "
            f"{FREE_TEXT_LIMIT // 1024} KiB read for doses and thresholds: that text is stored but not read for them"))


# The studies columns a study field as written fills: an age range gives both ends.
_STUDY_COLUMNS_OF_FIELD: dict[str, tuple[str, ...]] = {
    "age_range": ("min_age_years", "max_age_years"),
    "min_age": ("min_age_years",),
    "max_age": ("max_age_years",),
}
_STUDIES_COLUMNS = frozenset(STUDIES.column_names)
# A finding about a typed column is about the field it was typed from.
_FIELDS_OF_COLUMN: dict[str, tuple[str, ...]] = {
    "min_age_years": ("min_age", "age_range"),
    "max_age_years": ("max_age", "age_range"),
}


def _field_source_rows(sources: dict[str, FieldSource], nct_id: str, source_file: str) -> list[dict[str, Any]]:
    """One provenance row per studies column the document fills; an explicit age wins over a range, as in typing."""
    by_column: dict[str, dict[str, Any]] = {}
    for name in sorted(sources, key=lambda name: name != "age_range"):
        for column in _STUDY_COLUMNS_OF_FIELD.get(name, (name,)):
            if column in _STUDIES_COLUMNS:
                by_column[column] = {"nct_id": nct_id, "source_file": source_file, "field": column,
                                     "line": sources[name].line, "record_path": sources[name].record_path,
                                     "value": sources[name].value, "rank": None, "chosen": None}
    return list(by_column.values())


def _follow_repairs(sources: dict[str, FieldSource], findings: list[Finding]) -> None:
    """Swapped fields put back take their sources with them: the repaired age comes from the line it stood on."""
    for finding in findings:
        if finding.category != "field_swap" or finding.field is None:
            continue
        first, _, second = finding.field.partition(",")
        first = next((name for name in _FIELDS_OF_COLUMN.get(first, (first,)) if name in sources), first)
        second = next((name for name in _FIELDS_OF_COLUMN.get(second, (second,)) if name in sources), second)
        if first in sources and second in sources and first != second:
            sources[first], sources[second] = sources[second], sources[first]


def _trial_rows(parsed: ParsedDocument, source_file: str, result: DocumentResult) -> None:
    nct_id = parsed.nct_id
    sources = parsed.field_sources(result.source) if result.source is not None else {}
    study, study_findings = build_study_row(nct_id, parsed.study)
    _follow_repairs(sources, study_findings)
    result.field_sources = sources
    result.rows["parsed_studies"] = [{**study, "source_file": source_file}]
    result.rows[PARSED_STUDY_FIELD_SOURCES.name] = _field_source_rows(sources, nct_id, source_file)
    result.findings.extend(study_findings)
    _extract_from_free_text(parsed, result)
    parsed.keep_labels()
    result.findings.extend(number_rows(parsed))
    for table, rows in parsed.rows.items():
        rows, swap_findings = repair_child_rows(table, rows)
        result.findings.extend(swap_findings)
        result.rows[f"parsed_{table}"] = _attach(rows, nct_id=nct_id, source_file=source_file)


def refused_document(source_file: str, sha256: str, size: int, reason: str, run_id: str | None = None) -> DocumentResult:
    """A file staging would not read (a link, an oversized file): quarantined with the reason."""
    return _quarantine(DocumentResult(_document_row(source_file, sha256, size, run_id)), reason)


class TimeBudgetSpent(Exception):
    """Raised inside a document's parse when its time budget runs out."""


@contextmanager
def _time_budget(seconds: float | None) -> Iterator[None]:
    """Interrupt the code inside after `seconds` of wall time.

    SIGALRM reaches Python code and the regular-expression engine alike, so
    even a pattern that backtracks is stopped. Signals are delivered to the
    main thread only: parser workers and `dagster asset materialize` parse
    there; elsewhere (a thread of a host process) the budget cannot be
    enforced and the document is parsed without one.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def spent(signum: int, frame: Any) -> None:
        raise TimeBudgetSpent

    previous = signal.signal(signal.SIGALRM, spent)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parse_document(source_file: str, data: bytes, sha256: str, run_id: str | None = None,
                   time_budget: float | None = DEFAULT_TIME_BUDGET_SECONDS) -> DocumentResult:
    """Decode, recognise and parse one document; never raises for anything the document holds.

    This is the document's one guard: whatever goes wrong while it is read
    (an exception in any reader, its time budget spent) quarantines this
    document alone, with what went wrong, and the run goes on with the
    others; `make_storable` does the same for a value its column cannot
    hold, once the document's rows meet their Arrow types.

    Every finding names the document, and its trial once known, whatever
    became of the document: a layout's own finding about a quarantined file
    (a JSON record cut short) would otherwise read as a finding about the
    whole warehouse.
    """
    result = DocumentResult(_document_row(source_file, sha256, len(data), run_id))
    try:
        with _time_budget(time_budget):
            _read_document(result, data)
    except TimeBudgetSpent:
        _discard_rows(result)
        _quarantine(result, f"reading it took longer than its {time_budget:g} s budget "
                            "(TRIALS_DOCUMENT_TIME_BUDGET): a pathological or oversized page")
    except Exception as error:  # noqa: BLE001 - the document's guard: a defect costs this document only
        _discard_rows(result)
        _quarantine(result, f"trialflow could not read it ({type(error).__name__}: {_shown(str(error))})")
    for finding in result.findings:
        finding.source_file = source_file
        finding.nct_id = finding.nct_id or result.document["nct_id"]
        if result.source is not None and finding.line is None:
            _place(finding, result.source, result.field_sources)
    return result


def _place(finding: Finding, source: SourceText, field_sources: dict[str, FieldSource]) -> None:
    """The finding's line and record path: those of the study field it is about, else of the value it quotes.

    A finding about two fields ("age_range,sex") is placed at the first,
    the one a repair or a comparison is about.
    """
    if finding.record_path is not None:
        finding.line = source.locate(finding.observed, path=finding.record_path)[0].line
        return
    named = (finding.field or "").split(",")[0]
    for name in _FIELDS_OF_COLUMN.get(named, (named,)):
        if name in field_sources:
            finding.line, finding.record_path = field_sources[name].line, field_sources[name].record_path
            return
    if finding.observed:
        offset = source.value_offset(finding.observed)
        finding.line = None if offset is None else source.line_at(offset)


def _discard_rows(result: DocumentResult) -> None:
    """Forget what a failed read produced: half a document is never stored."""
    result.rows.clear()
    result.findings.clear()


def _shown(text: str, limit: int = 200) -> str:
    """A value for a message: escaped (no lone surrogates or control characters), and short."""
    shown = text if len(text) <= limit else text[:limit] + "..."
    return shown.encode("unicode_escape", "backslashreplace").decode("ascii")


# The layouts whose fields have a path in their record.
_MARKUP = {"ctgov_json": "json", "ctgov_xml": "xml"}


def _read_document(result: DocumentResult, data: bytes) -> None:
    try:
        decoded = decode_document(data)
    except UnreadableDocument as error:
        _quarantine(result, str(error))
        return
    text = decoded.text
    result.document["encoding"] = decoded.encoding
    for note in decoded.notes:
        result.findings.append(Finding(DOCUMENT_READABLE, "parse", "INFO", note))

    layout = detect_layout(text)
    if layout is None:
        _quarantine(result, unknown_layout_reason(text))
        return
    result.document["format"] = layout.FORMAT

    result.source = SourceText(text, _MARKUP.get(layout.FORMAT))
    try:
        parsed: ParsedDocument = layout.parse(text)
    except TimeBudgetSpent:
        raise
    except Exception as error:  # a parser bug must cost one document, not the run
        _quarantine(result, f"the {layout.FORMAT} parser failed: {type(error).__name__}: {_shown(str(error))}")
        return

    result.document["nct_id"] = parsed.nct_id
    result.findings.extend(parsed.findings)

    if parsed.rows.get("evidence"):
        for table in ("evidence", "evidence_findings"):
            result.rows[table] = _attach(parsed.rows.get(table, []), source_file=result.document["source_file"])
    elif parsed.nct_id is None:
        errors = [f.message for f in parsed.findings if f.severity == "ERROR"]
        reason = f"{layout.FORMAT}: {errors[0]}" if errors else f"looks like a {layout.FORMAT} but holds no NCT id"
        _quarantine(result, reason)
        return
    else:
        _trial_rows(parsed, result.document["source_file"], result)

    result.document["status"] = "PARSED"


def _tables_of(result: DocumentResult) -> dict[str, list[dict[str, Any]]]:
    return {**result.rows, "documents": [result.document], PARSED_FINDINGS.name: [f.as_row() for f in result.findings]}


def _unstorable(result: DocumentResult) -> str | None:
    """Why some row of the document does not convert to its table's Arrow types; None when all do."""
    for table, rows in _tables_of(result).items():
        try:
            rows_to_arrow(table, rows)
        except (pa.ArrowException, UnicodeError, OverflowError, ValueError, TypeError) as error:
            return f"a {table} value does not fit its column ({type(error).__name__}: {_shown(str(error))})"
    return None


def _without_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    return value


def _replace_lone_surrogates(result: DocumentResult) -> None:
    for rows in result.rows.values():
        for row in rows:
            for column, value in row.items():
                row[column] = _without_lone_surrogates(value)
    for finding in result.findings:
        finding.message = _without_lone_surrogates(finding.message)
        finding.observed = _without_lone_surrogates(finding.observed)
        finding.field = _without_lone_surrogates(finding.field)


def make_storable(result: DocumentResult) -> DocumentResult:
    """The document with every row converting to its table's Arrow types, or quarantined saying which did not.

    Called for the documents of a chunk whose rows did not convert together,
    so the common case pays for one conversion per chunk. Readers bound the
    numbers they read; this is the net under them. An unpaired UTF-16
    surrogate (a JSON escape such as \\ud800) cannot be stored as UTF-8: it
    is replaced by U+FFFD with a finding, so one odd character does not cost
    the record. Anything else that does not fit (an integer beyond BIGINT)
    quarantines the document, naming the table and column.
    """
    reason = _unstorable(result)
    if reason is None:
        return result
    if "surrogate" in reason:
        _replace_lone_surrogates(result)
        result.findings.append(Finding(
            DOCUMENT_READABLE, "parse", "WARNING",
            "the document holds unpaired UTF-16 surrogates (escapes such as \\ud800 that encode no "
            "character); each was replaced by U+FFFD", source_file=result.document["source_file"],
            nct_id=result.document["nct_id"]))
        reason = _unstorable(result)
    if reason is not None:
        _discard_rows(result)
        _quarantine(result, reason)
    return result
