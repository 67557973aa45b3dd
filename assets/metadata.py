"""Metadata every table asset reports, so the UI shows what each table holds."""

from __future__ import annotations

import dagster as dg
import duckdb
import pyarrow as pa

from pipeline.publish.preview import markdown_preview
from pipeline.publish.parquet import redact_table
from pipeline.publish.redaction import ContactRedaction
from pipeline.registry.tables import PERSONAL_COLUMNS, TABLES_BY_NAME
from pipeline.store.warehouse import row_count, schema_of

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
    """Row count, column schema and a preview of the first rows, read from the warehouse.

    The UI's storage is not the warehouse: the preview never shows a phone or
    an email, whether or not the published files are redacted.
    """
    total = row_count(conn, table_name)
    head = conn.sql(f'SELECT * FROM "{table_name}" ORDER BY ALL LIMIT {_PREVIEW_ROWS}').to_arrow_table()
    head = redact_table(table_name, head.cast(schema_of(table_name)), _preview_redaction(conn, head))
    shown = [c for c in head.schema.names if c not in PERSONAL_COLUMNS.get(table_name, ())]
    preview = markdown_preview(head, limit=_PREVIEW_ROWS, columns=shown)
    if total > _PREVIEW_ROWS:
        preview += f"\n\n_{_PREVIEW_ROWS} of {total} rows_"
    return {
        "dagster/row_count": dg.MetadataValue.int(total),
        "dagster/column_schema": dg.MetadataValue.table_schema(column_schema(table_name)),
        "preview": dg.MetadataValue.md(preview),
    }


def _preview_redaction(conn: duckdb.DuckDBPyConnection, head: pa.Table) -> ContactRedaction:
    """The redaction of the contacts of the trials a preview shows (their phones, in any grouping)."""
    if "nct_id" not in head.schema.names:
        return ContactRedaction()
    nct_ids = [n for n in head.column("nct_id").to_pylist() if n is not None]
    return ContactRedaction.from_warehouse(conn, nct_ids)


# Lists of documents in a run's metadata (quarantined, removed) are cut
# here: the full lists are in the log and the warehouse, and a panel of
# 50,000 names helps nobody.
_LISTED_DOCUMENTS = 100


def document_list(name: str, documents: list[str] | dict[str, str]) -> dict[str, dg.MetadataValue]:
    """`name`: the first documents (with their reasons, for a dict) as JSON; `name_count`: how many in all."""
    first = sorted(documents)[:_LISTED_DOCUMENTS]
    shown = {document: documents[document] for document in first} if isinstance(documents, dict) else first
    return {name: dg.MetadataValue.json(shown), f"{name}_count": dg.MetadataValue.int(len(documents))}


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
# The documents with the most errors, then warnings: at registry scale
# tens of thousands of documents have a finding, far more than a metadata
# panel can show (the whole list is `quality_summary`).
_SHOWN_DOCUMENTS = 25
_BY_DOCUMENT_SQL = """
SELECT coalesce(source_file, '(whole tables)') AS document, nct_id,
       CAST(coalesce(sum(findings) FILTER (WHERE severity = 'ERROR'), 0) AS BIGINT) AS errors,
       CAST(coalesce(sum(findings) FILTER (WHERE severity = 'WARNING'), 0) AS BIGINT) AS warnings,
       CAST(coalesce(sum(findings) FILTER (WHERE severity = 'INFO'), 0) AS BIGINT) AS info,
       count(*) OVER () AS documents
FROM quality_summary GROUP BY ALL
ORDER BY errors DESC, warnings DESC, info DESC, document, nct_id
LIMIT ?
"""


def quality_summary_metadata(conn: duckdb.DuckDBPyConnection) -> dict[str, dg.MetadataValue]:
    """The findings by category and severity, and the documents with the most, as markdown for the UI."""
    by_category = conn.sql(_BY_CATEGORY_SQL).to_arrow_table()
    by_document = conn.sql(_BY_DOCUMENT_SQL, params=[_SHOWN_DOCUMENTS]).to_arrow_table()
    documents = by_document.column("documents")[0].as_py() if by_document.num_rows else 0
    shown = by_document.drop_columns(["documents"])
    heading = (f"### The {shown.num_rows} of {documents} documents with the most findings"
               if documents > shown.num_rows else "### Findings by document")
    summary = (
        "### Findings by category and severity\n\n"
        + markdown_preview(by_category, limit=by_category.num_rows)
        + f"\n\n{heading}\n\n"
        + markdown_preview(shown, limit=shown.num_rows)
    )
    if documents > shown.num_rows:
        summary += "\n\n_Every document's findings: the `quality_summary` table._"
    return {
        "dagster/row_count": dg.MetadataValue.int(row_count(conn, "quality_summary")),
        "documents_with_findings": dg.MetadataValue.int(documents),
        "summary": dg.MetadataValue.md(summary),
    }
