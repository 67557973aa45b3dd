"""Metadata every table asset reports, so the UI shows what each table holds."""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any

import dagster as dg
import duckdb
import pyarrow as pa
# Dagster's own measure of a cron's shortest gap, the one FreshnessPolicy.cron checks its window against.
from dagster._utils.schedules import get_smallest_cron_interval

from pipeline.publish.parquet import redact_table
from pipeline.publish.redaction import ContactRedaction
from pipeline.registry.tables import PERSONAL_COLUMNS, TABLES_BY_NAME, qualified
from pipeline.store.warehouse import row_count, schema_of

_PREVIEW_ROWS = 5
# The UI's tables scroll, so a cell holds its whole value (a criterion, a
# finding's message); only a value no reader would scroll through is cut.
_MAX_CELL = 2_000

OWNER = "team:trialflow"


@functools.cache
def duckdb_types(table_name: str) -> dict[str, str]:
    """Each column's type as DuckDB names it (VARCHAR, DATE, VARCHAR[]), asked of DuckDB itself.

    The declarations are Arrow types; DuckDB's names are the ones an analyst
    meets in `make sql` and in the warehouse, so the UI shows those.
    """
    empty = TABLES_BY_NAME[table_name].arrow_schema().empty_table()
    with duckdb.connect() as conn:
        relation = conn.from_arrow(empty)
        return {name: str(kind) for name, kind in zip(relation.columns, relation.types)}


def column_schema(table_name: str, columns: Iterable[str] | None = None) -> dg.TableSchema:
    """The declared columns (or `columns` of them) with their DuckDB types and descriptions."""
    table = TABLES_BY_NAME[table_name]
    types = duckdb_types(table_name)
    shown = set(columns) if columns is not None else None
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, types[c.name], description=c.description or None)
            for c in table.columns
            if shown is None or c.name in shown
        ]
    )


def cell(value: Any) -> str | int | float | bool | None:
    """A value as a UI table cell holds it: scalars as they are, dates and lists as text, absurd lengths cut."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    text = json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (list, dict)) else str(value)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def metadata_table(rows: Iterable[Mapping[str, Any]], schema: dg.TableSchema) -> dg.TableMetadataValue:
    """Rows as a UI table with its schema; each row keeps the schema's columns, in its order."""
    names = [column.name for column in schema.columns]
    records = [dg.TableRecord({name: cell(row.get(name)) for name in names}) for row in rows]
    return dg.MetadataValue.table(records, schema=schema)


def sql_table(relation: duckdb.DuckDBPyRelation, descriptions: Mapping[str, str]) -> dg.TableMetadataValue:
    """A query's result as a UI table, typed by DuckDB and described by `descriptions`."""
    schema = dg.TableSchema(columns=[
        dg.TableColumn(name, str(kind), description=descriptions.get(name))
        for name, kind in zip(relation.columns, relation.types)
    ])
    return metadata_table((dict(zip(relation.columns, row)) for row in relation.fetchall()), schema)


def table_metadata(conn: duckdb.DuckDBPyConnection, table_name: str) -> dict[str, dg.MetadataValue]:
    """Row count, column schema and a preview of the first rows, read from the warehouse.

    The UI's storage is not the warehouse: the preview never shows a phone or
    an email, whether or not the published files are redacted.
    """
    total = row_count(conn, table_name)
    head = conn.sql(f'SELECT * FROM {qualified(table_name)} ORDER BY ALL LIMIT {_PREVIEW_ROWS}').to_arrow_table()
    head = redact_table(table_name, head.cast(schema_of(table_name)), _preview_redaction(conn, head))
    shown = [c for c in head.schema.names if c not in PERSONAL_COLUMNS.get(table_name, ())]
    return {
        "dagster/row_count": dg.MetadataValue.int(total),
        "dagster/column_schema": dg.MetadataValue.table_schema(column_schema(table_name)),
        "preview": metadata_table(head.to_pylist(), column_schema(table_name, shown)),
        "preview_rows": dg.MetadataValue.text(f"the first {min(total, _PREVIEW_ROWS)} of {total} rows"),
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


def layer_tags(layer: str, *table_names: str) -> dict[str, str]:
    """The tags of an asset holding `table_names`: its layer (staging, parsed, quality, published), and
    `pii` where one holds people's contact details, so `tag:pii` finds them in the UI."""
    tags = {"layer": layer}
    if any(PERSONAL_COLUMNS.get(name) for name in table_names):
        tags["pii"] = "contacts"
    return tags


def published_freshness(cron: str) -> dg.FreshnessPolicy:
    """Fresh when materialized since the schedule's previous tick, checked at each tick (UTC).

    The window is as long as the shortest gap between ticks (a day for the
    default daily 06:00), the longest Dagster accepts: a published table is
    late once a whole scheduled run has gone by without it.
    """
    return dg.FreshnessPolicy.cron(deadline_cron=cron, lower_bound_delta=get_smallest_cron_interval(cron),
                                   timezone="UTC")


def table_spec(table_name: str, group_name: str, deps: list[str] | None = None,
               code_version: str | None = None) -> dg.AssetSpec:
    """An AssetSpec for a declared table, described from its declaration.

    Tables read from the documents carry the parser's version as their code
    version, so the UI marks them changed when the parsing code changes.
    """
    table = TABLES_BY_NAME[table_name]
    return dg.AssetSpec(
        table_name,
        group_name=group_name,
        description=table.description,
        kinds={"duckdb"},
        deps=deps or [],
        metadata={"dagster/column_schema": column_schema(table_name)},
        code_version=code_version,
        owners=[OWNER],
        tags=layer_tags(group_name, table_name),
    )


_SEVERITY_COUNTS = """
       CAST(coalesce(sum(findings) FILTER (WHERE severity = 'ERROR'), 0) AS BIGINT) AS errors,
       CAST(coalesce(sum(findings) FILTER (WHERE severity = 'WARNING'), 0) AS BIGINT) AS warnings,
       CAST(coalesce(sum(findings) FILTER (WHERE severity = 'INFO'), 0) AS BIGINT) AS info"""
_WORST_FIRST = "errors DESC, warnings DESC, info DESC"
# Each finding with the layout of the document it is about; findings about
# the tables as a whole have no document, those of a file no layout read
# have no layout.
_FINDINGS_WITH_LAYOUT = """
SELECT q.*, CASE WHEN q.source_file IS NULL THEN '(whole tables)'
                 ELSE coalesce(d.format, '(no layout)') END AS layout
FROM quality_summary AS q LEFT JOIN documents AS d USING (source_file)
"""
_BY_CATEGORY_SQL = """
SELECT category, severity, CAST(sum(findings) AS BIGINT) AS findings
FROM quality_summary GROUP BY ALL ORDER BY ALL
"""
_BY_LAYOUT_SQL = f"""
SELECT layout, count(DISTINCT nct_id) AS trials, count(DISTINCT source_file) AS documents, {_SEVERITY_COUNTS}
FROM ({_FINDINGS_WITH_LAYOUT}) GROUP BY layout ORDER BY {_WORST_FIRST}, layout
"""
# The trials and documents with the most errors, then warnings: at registry
# scale tens of thousands have a finding, far more than a metadata panel
# can show (the whole list is `quality_summary`).
_SHOWN = 25
_BY_TRIAL_SQL = f"""
SELECT coalesce(nct_id, '(no trial)') AS nct_id, string_agg(DISTINCT layout, ', ' ORDER BY layout) AS layouts,
       count(DISTINCT source_file) AS documents, {_SEVERITY_COUNTS}
FROM ({_FINDINGS_WITH_LAYOUT}) GROUP BY ALL
ORDER BY {_WORST_FIRST}, nct_id LIMIT ?
"""
_BY_DOCUMENT_SQL = f"""
SELECT coalesce(source_file, '(whole tables)') AS document, layout, nct_id, {_SEVERITY_COUNTS}
FROM ({_FINDINGS_WITH_LAYOUT}) GROUP BY ALL
ORDER BY {_WORST_FIRST}, document, nct_id LIMIT ?
"""
_WITH_FINDINGS_SQL = "SELECT count(DISTINCT nct_id), count(DISTINCT source_file) FROM quality_summary"
_DESCRIPTIONS = {
    "category": "what kind of defect (quality_findings.category)",
    "severity": "ERROR, WARNING or INFO",
    "findings": "number of findings",
    "layout": "the layout that read the document (documents.format)",
    "layouts": "the layouts of the trial's documents that have findings",
    "trials": "trials with at least one finding",
    "documents": "documents with at least one finding",
    "document": "the file, relative to the source folder",
    "nct_id": "the trial the findings are about",
    "errors": "ERROR findings",
    "warnings": "WARNING findings",
    "info": "INFO findings",
}


def quality_summary_metadata(conn: duckdb.DuckDBPyConnection) -> dict[str, dg.MetadataValue]:
    """The findings by category and severity, by layout, and the trials and documents with the most."""
    ((trials, documents),) = conn.execute(_WITH_FINDINGS_SQL).fetchall()
    return {
        "dagster/row_count": dg.MetadataValue.int(row_count(conn, "quality_summary")),
        "trials_with_findings": dg.MetadataValue.int(trials),
        "documents_with_findings": dg.MetadataValue.int(documents),
        "findings_by_category": sql_table(conn.sql(_BY_CATEGORY_SQL), _DESCRIPTIONS),
        "findings_by_layout": sql_table(conn.sql(_BY_LAYOUT_SQL), _DESCRIPTIONS),
        "trials_with_most_findings": sql_table(conn.sql(_BY_TRIAL_SQL, params=[_SHOWN]), _DESCRIPTIONS),
        "documents_with_most_findings": sql_table(conn.sql(_BY_DOCUMENT_SQL, params=[_SHOWN]), _DESCRIPTIONS),
        "shown": dg.MetadataValue.text(
            f"the {min(trials, _SHOWN)} of {trials} trials and {min(documents, _SHOWN)} of {documents} documents "
            "with the most errors, then warnings; every one: the quality_summary table"
        ),
    }
