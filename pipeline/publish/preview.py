"""Small markdown previews of tables, for the Dagster UI's metadata panel."""

from __future__ import annotations

import pyarrow as pa

_MAX_CELL = 60


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ").replace("|", "\\|")
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def markdown_preview(table: pa.Table, limit: int = 5, columns: list[str] | None = None) -> str:
    """The first rows of a table as a markdown table (long cells cut short)."""
    names = columns or table.schema.names
    head = table.select(names).slice(0, limit).to_pylist()
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_cell(row[name]) for name in names) + " |" for row in head]
    return "\n".join(lines)
