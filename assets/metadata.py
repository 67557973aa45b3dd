"""Metadata every table asset reports, so the UI shows what each table holds."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipeline.preview import markdown_preview
from pipeline.publish import PERSONAL_COLUMNS
from pipeline.tables import TABLES_BY_NAME
from pipeline.warehouse import row_count, schema_of

_PREVIEW_ROWS = 5


def column_schema(table_name: str) -> dg.TableSchema:
    table = TABLES_BY_NAME[table_name]
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, str(c.type), description=c.description or None)
            for c in table.columns
        ]
    )


def table_metadata(conn: duckdb.DuckDBPyConnection, table_name: str) -> dict[str, dg.MetadataValue]:
    """Row count, column schema and a preview of the first rows, read from the warehouse."""
    total = row_count(conn, table_name)
    head = conn.sql(f'SELECT * FROM "{table_name}" ORDER BY ALL LIMIT {_PREVIEW_ROWS}').to_arrow_table()
    shown = [c for c in head.schema.names if c not in PERSONAL_COLUMNS.get(table_name, ())]
    preview = markdown_preview(head.cast(schema_of(table_name)), limit=_PREVIEW_ROWS, columns=shown)
    if total > _PREVIEW_ROWS:
        preview += f"\n\n_{_PREVIEW_ROWS} of {total} rows_"
    return {
        "dagster/row_count": dg.MetadataValue.int(total),
        "dagster/column_schema": dg.MetadataValue.table_schema(column_schema(table_name)),
        "preview": dg.MetadataValue.md(preview),
    }


def table_spec(table_name: str, group_name: str, deps: list[str] | None = None) -> dg.AssetSpec:
    """An AssetSpec for a declared table, described from its declaration."""
    table = TABLES_BY_NAME[table_name]
    return dg.AssetSpec(
        table_name,
        group_name=group_name,
        description=table.description,
        kinds={"duckdb"},
        deps=deps or [],
        metadata={"dagster/column_schema": column_schema(table_name)},
    )


_BY_CATEGORY_SQL = """
SELECT category, severity, CAST(sum(findings) AS BIGINT) AS findings
FROM quality_summary GROUP BY ALL ORDER BY ALL
"""
_BY_DOCUMENT_SQL = """
SELECT coalesce(source_file, '(whole tables)') AS document, nct_id,
       CAST(sum(findings) FILTER (WHERE severity = 'ERROR') AS BIGINT) AS errors,
       CAST(sum(findings) FILTER (WHERE severity = 'WARNING') AS BIGINT) AS warnings,
       CAST(sum(findings) FILTER (WHERE severity = 'INFO') AS BIGINT) AS info
FROM quality_summary GROUP BY ALL ORDER BY ALL
"""


def quality_summary_metadata(conn: duckdb.DuckDBPyConnection) -> dict[str, dg.MetadataValue]:
    """The findings by category and severity, and by document, as markdown for the UI."""
    by_category = conn.sql(_BY_CATEGORY_SQL).to_arrow_table()
    by_document = conn.sql(_BY_DOCUMENT_SQL).to_arrow_table()
    summary = (
        "### Findings by category and severity\n\n"
        + markdown_preview(by_category, limit=by_category.num_rows)
        + "\n\n### Findings by document\n\n"
        + markdown_preview(by_document, limit=by_document.num_rows)
    )
    return {
        "dagster/row_count": dg.MetadataValue.int(row_count(conn, "quality_summary")),
        "summary": dg.MetadataValue.md(summary),
    }
