"""One source document in, its rows for every per-document table out, whatever it holds.

This is the only place that decides a document's status: a document that
cannot be decoded, recognised or parsed is QUARANTINED with the reason, and
never stops the others.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.dosing import extract_dosing
from pipeline.decoding import UnreadableDocument, decode_document
from pipeline.document import Finding, ParsedDocument
from pipeline.formats import detect_layout, unknown_layout_reason
from pipeline.study_fields import build_study_row
from pipeline.swaps import repair_child_rows
from pipeline.thresholds import extract_thresholds

_ENGINE_DIR = Path(__file__).resolve().parent
# The code and data that decide a document's rows; a change here reparses everything.
_PARSING_SOURCES = (
    "layouts/*.py",
    "data/*",
    "ages.py",
    "conditions.py",
    "criteria.py",
    "dates.py",
    "decoding.py",
    "document.py",
    "dosing.py",
    "drugs.py",
    "formats.py",
    "parsing.py",
    "patterns.py",
    "repeated_keys.py",
    "study_fields.py",
    "swaps.py",
    "tables.py",
    "thresholds.py",
    "vocabularies.py",
)


@functools.cache
def parser_version() -> str:
    """A fingerprint of the parsing code and its vocabularies.

    Stored with each document so that a change to any layout or rule makes
    the next run reparse every document from its stored bytes, instead of
    leaving tables built by two versions of the code side by side.
    """
    digest = hashlib.sha256()
    for pattern in _PARSING_SOURCES:
        for path in sorted(_ENGINE_DIR.glob(pattern)):
            digest.update(path.relative_to(_ENGINE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class DocumentResult:
    """What one document contributes: its `documents` row, table rows and findings."""

    document: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

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
            check_name="check_document_readable",
            category="parse",
            severity="ERROR",
            message=f"{result.document['source_file']} was quarantined: {reason}",
            source_file=result.document["source_file"],
            nct_id=result.document["nct_id"],
        )
    )
    return result


def _attach(rows: list[dict[str, Any]], **columns: Any) -> list[dict[str, Any]]:
    return [{**columns, **row} for row in rows]


def _extract_from_free_text(parsed: ParsedDocument, result: DocumentResult) -> None:
    """Dose steps and eligibility thresholds, which registries keep only as prose."""
    thresholds = extract_thresholds(parsed.rows.get("eligibility_criteria", []))
    if thresholds:
        parsed.rows["eligibility_thresholds"] = thresholds
    study_texts = [parsed.study.get("brief_summary"), parsed.study.get("detailed_description")]
    dosing, findings = extract_dosing(
        parsed.rows.get("interventions", []),
        parsed.rows.get("arm_groups", []),
        [text for text in study_texts if text],
    )
    if dosing:
        parsed.rows["dosing"] = dosing
    result.findings.extend(findings)


def _trial_rows(parsed: ParsedDocument, source_file: str, result: DocumentResult) -> None:
    nct_id = parsed.nct_id
    study, study_findings = build_study_row(nct_id, parsed.study)
    result.rows["parsed_studies"] = [{**study, "source_file": source_file}]
    result.findings.extend(study_findings)
    _extract_from_free_text(parsed, result)
    for table, rows in parsed.rows.items():
        rows, swap_findings = repair_child_rows(table, rows)
        result.findings.extend(swap_findings)
        result.rows[f"parsed_{table}"] = _attach(rows, nct_id=nct_id, source_file=source_file)


def refused_document(source_file: str, sha256: str, size: int, reason: str, run_id: str | None = None) -> DocumentResult:
    """A file staging would not read (a link, an oversized file): quarantined with the reason."""
    return _quarantine(DocumentResult(_document_row(source_file, sha256, size, run_id)), reason)


def parse_document(source_file: str, data: bytes, sha256: str, run_id: str | None = None) -> DocumentResult:
    """Decode, recognise and parse one document; never raises for bad content.

    Every finding names the document, and its trial once known, whatever
    became of the document: a layout's own finding about a quarantined file
    (a JSON record cut short) would otherwise read as a finding about the
    whole warehouse.
    """
    result = _read_document(source_file, data, sha256, run_id)
    for finding in result.findings:
        finding.source_file = source_file
        finding.nct_id = finding.nct_id or result.document["nct_id"]
    return result


def _read_document(source_file: str, data: bytes, sha256: str, run_id: str | None) -> DocumentResult:
    result = DocumentResult(_document_row(source_file, sha256, len(data), run_id))
    try:
        decoded = decode_document(data)
    except UnreadableDocument as error:
        return _quarantine(result, str(error))
    text = decoded.text
    result.document["encoding"] = decoded.encoding
    for note in decoded.notes:
        result.findings.append(Finding("check_document_readable", "parse", "INFO", note))

    layout = detect_layout(text)
    if layout is None:
        return _quarantine(result, unknown_layout_reason(text))
    result.document["format"] = layout.FORMAT

    try:
        parsed: ParsedDocument = layout.parse(text)
    except Exception as error:  # a parser bug must cost one document, not the run
        return _quarantine(result, f"the {layout.FORMAT} parser failed: {type(error).__name__}: {error}")

    result.document["nct_id"] = parsed.nct_id
    result.findings.extend(parsed.findings)

    if parsed.rows.get("evidence"):
        for table in ("evidence", "evidence_findings"):
            result.rows[table] = _attach(parsed.rows.get(table, []), source_file=source_file)
    elif parsed.nct_id is None:
        errors = [f.message for f in parsed.findings if f.severity == "ERROR"]
        reason = f"{layout.FORMAT}: {errors[0]}" if errors else f"looks like a {layout.FORMAT} but holds no NCT id"
        return _quarantine(result, reason)
    else:
        _trial_rows(parsed, source_file, result)

    result.document["status"] = "PARSED"
    return result
