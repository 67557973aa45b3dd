"""One row per table key within a document: the rows that repeat a key are set aside, not loaded.

Registry records list an identifier again as a secondary id, name two sites
alike ("Local Institution", "GSK Investigational Site"), or give one contact
twice; two rows for one key would fail the table's schema check and stop
publishing. Each layout keeps the first row and words the finding its own
way (one per repeat, or one count per table), from what this returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.document import ParsedDocument
from pipeline.tables import TABLES_BY_NAME


@dataclass(frozen=True)
class RepeatedRow:
    """A row left out because an earlier row of its table has the same key."""

    table: str
    key: tuple[str, ...]  # the key's columns, nct_id aside (one document is one trial)
    values: tuple[Any, ...]
    row: dict[str, Any]
    kept: dict[str, Any]  # the earlier row that stays

    @property
    def differs(self) -> bool:
        """Whether the repeat said something the kept row does not."""
        return self.row != self.kept


def drop_repeated_keys(doc: ParsedDocument) -> list[RepeatedRow]:
    """Keep each table's first row per key in `doc.rows`; return the rows left out, in document order."""
    repeats: list[RepeatedRow] = []
    for table, rows in doc.rows.items():
        key = tuple(column for column in TABLES_BY_NAME[table].key if column != "nct_id")
        kept: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in rows:
            values = tuple(map(row.get, key))
            if values in kept:
                repeats.append(RepeatedRow(table, key, values, row, kept[values]))
            else:
                kept[values] = row
        doc.rows[table] = list(kept.values())
    return repeats
