"""A document's child rows in its order, each numbered by its place, an exact repeat kept once.

A child row is what the document states, so it is identified by where it
stands (trial, document, position), never by a natural key: real records
list several sites under one name in one city ("GSK Investigational Site",
Amsterdam, three postal codes) and give one contact twice. Only a row that
repeats an earlier one in every column says nothing new; it is kept once,
and an INFO finding keeps the count and the repeated values. The same rule
holds for every layout.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.extract.document import Finding, ParsedDocument
from pipeline.registry.checks import REPEATED_ROWS
from pipeline.registry.tables import PERSONAL_COLUMNS, TABLES_BY_NAME

# Columns the caller adds, equal for every row of one document.
_ADDED_COLUMNS = ("nct_id", "source_file", "position")
_SHOWN_REPEATS = 3


def _comparable(value: Any) -> Any:
    """A value as a dictionary key: lists (an arm's intervention names) become tuples."""
    return tuple(value) if isinstance(value, list) else value


def number_rows(doc: ParsedDocument) -> list[Finding]:
    """Keep each table's rows in document order, an exact repeat once, and give each its `position`.

    Returns one INFO finding per table that repeated rows, saying how many
    and showing the first of them.
    """
    findings = []
    for table, rows in doc.rows.items():
        columns = [name for name in TABLES_BY_NAME[table].column_names if name not in _ADDED_COLUMNS]
        kept: dict[tuple[Any, ...], dict[str, Any]] = {}
        repeated: list[dict[str, Any]] = []
        for row in rows:
            values = tuple(_comparable(row.get(column)) for column in columns)
            if values in kept:
                repeated.append(row)
            else:
                kept[values] = row
        doc.rows[table] = [{**row, "position": position} for position, row in enumerate(kept.values(), start=1)]
        if repeated:
            findings.append(_repeat_finding(table, len(rows), repeated))
    return findings


def _repeat_finding(table: str, stated: int, repeated: list[dict[str, Any]]) -> Finding:
    """Contacts' phones and emails are personal data: the finding shows the rest of the row."""
    personal = PERSONAL_COLUMNS.get(table, ())
    shown = " | ".join(
        json.dumps({column: value for column, value in row.items() if column not in personal},
                   ensure_ascii=False, default=str)
        for row in repeated[:_SHOWN_REPEATS]
    )
    more = f" | ... {len(repeated) - _SHOWN_REPEATS} more" if len(repeated) > _SHOWN_REPEATS else ""
    return Finding(
        check_name=REPEATED_ROWS,
        category="parse",
        severity="INFO",
        message=f"{len(repeated)} of the {stated} {table} rows the document lists repeat an earlier row in every "
                f"column; each is kept once, leaving {stated - len(repeated)}",
        field=table,
        observed=shown + more,
    )
