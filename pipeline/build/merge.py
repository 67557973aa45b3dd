"""One trial, many documents: the queries that merge them into the published tables.

Analysts collect the same trial from several places. Each document is kept
as read (`parsed_*` tables); the published tables take, per trial, the
documents in order of their last update (newest first):

* `studies`: each field from the newest document that states it. Fields
  that only make sense together (a date with its precision, a count with
  its type, the two ends of an age range, a vocabulary value and its label
  as written) come from the same document.
* child tables (sites, criteria, ...): all rows of the newest document that
  has any rows for that table, so lists from two documents are never mixed
  into duplicates. Each row keeps its (nct_id, source_file, position): the
  table's key, unique because one document numbers its own rows.

Disagreements between the documents are reported by the quality checks.
"""

from __future__ import annotations

import duckdb

from pipeline.registry.tables import (
    PARSED_STUDIES,
    PARSED_STUDY_FIELD_SOURCES,
    STUDY_DATE_FIELDS,
    STUDY_FIELD_SOURCES,
    TRIAL_CHILD_TABLES,
    Table,
    parsed_table_name,
    qualified,
)
from pipeline.build.evidence_links import rebuild_evidence_links
from pipeline.store.scope import TrialScope
from pipeline.store.warehouse import replace_table

STUDY_SOURCES_SQL = """
SELECT
    p.nct_id,
    p.source_file,
    d.format,
    p.last_update_posted_date,
    CAST(row_number() OVER (
        PARTITION BY p.nct_id
        ORDER BY p.last_update_posted_date DESC NULLS LAST, p.source_file DESC
    ) AS BIGINT) AS rank
FROM {parsed_studies} AS p
JOIN documents AS d USING (source_file)
WHERE d.status = 'PARSED' AND {scope}
"""


def _field_groups() -> dict[str, str]:
    """For each study column, the condition under which a document 'states' it."""
    stated = {}
    for name in STUDY_DATE_FIELDS:
        condition = f"p.{name}_date IS NOT NULL OR p.{name}_date_raw IS NOT NULL"
        for suffix in ("", "_precision", "_raw"):
            stated[f"{name}_date{suffix}"] = condition
    for column in ("enrollment", "enrollment_type"):
        stated[column] = "p.enrollment IS NOT NULL"
    for column in ("min_age_years", "max_age_years"):
        stated[column] = "p.min_age_years IS NOT NULL OR p.max_age_years IS NOT NULL"
    # A vocabulary value and its label as written: a label outside the vocabulary
    # (a null value) is still what that document states.
    for column in PARSED_STUDIES.as_written_columns:
        condition = stated.get(column.name, f"p.{column.name} IS NOT NULL OR p.{column.raw_name} IS NOT NULL")
        stated[column.name] = stated[column.raw_name] = condition
    return stated


def studies_sql(scope: str = "TRUE") -> str:
    """One row per trial, each field from the newest document stating it.

    `arg_min_null` (the value at the lowest rank, NULL included) makes the
    same choice as `first(... ORDER BY rank)` without an ordered aggregate
    per column (about 15% less time at 100,000 trials). Its NULL handling
    matters for grouped fields: a precision that is NULL in the chosen
    document must stay NULL, not come from another document.
    """
    stated = _field_groups()
    merged = []
    for column in PARSED_STUDIES.column_names:
        if column in ("nct_id", "source_file"):
            continue
        condition = stated.get(column, f"p.{column} IS NOT NULL")
        merged.append(f"arg_min_null(p.{column}, s.rank) FILTER (WHERE {condition}) AS {column}")
    columns = ",\n    ".join(merged)
    return f"""
SELECT
    p.nct_id,
    {columns},
    arg_min(p.source_file, s.rank) AS source_file,
    list(p.source_file ORDER BY s.rank) AS source_files
FROM {PARSED_STUDIES.qualified_name} AS p
JOIN study_sources AS s USING (nct_id, source_file)
WHERE {scope}
GROUP BY p.nct_id
"""


def field_sources_sql(scope: TrialScope) -> str:
    """Every document's source of every studies field, marking the one `studies` took.

    The choice is made again with the merge's own conditions (`_field_groups`),
    so `chosen` names the document whose value `studies` holds, even when a
    document states a field as written that its type could not hold.
    """
    stated = _field_groups()
    # A precision or a label as written is chosen with its value: one row per value.
    fields = [c.name for c in PARSED_STUDIES.columns if c.name not in ("nct_id", "source_file")
              and c.raw_of is None and not c.name.endswith(("_date_precision", "_date_raw"))]
    choices = ",\n        ".join(
        f"arg_min(p.source_file, s.rank) FILTER (WHERE {stated.get(name, f'p.{name} IS NOT NULL')}) AS {name}"
        for name in fields)
    return f"""
WITH choice AS (
    SELECT p.nct_id,
        {choices}
    FROM {qualified(PARSED_STUDIES.name)} AS p
    JOIN study_sources AS s USING (nct_id, source_file)
    WHERE {scope.trials_sql("p.nct_id")}
    GROUP BY p.nct_id
),
chosen AS (UNPIVOT choice ON COLUMNS(* EXCLUDE (nct_id)) INTO NAME field VALUE source_file)
SELECT f.nct_id, f.field, f.source_file, f.line, f.record_path, f.value, s.rank,
       c.source_file IS NOT NULL AS chosen
FROM {qualified(PARSED_STUDY_FIELD_SOURCES.name)} AS f
JOIN study_sources AS s USING (nct_id, source_file)
LEFT JOIN chosen AS c USING (nct_id, field, source_file)
WHERE {scope.trials_sql("f.nct_id")}
"""


def child_table_sql(table: Table, scope: str = "TRUE") -> str:
    """A trial's rows from the newest document that has rows for this table."""
    parsed = qualified(parsed_table_name(table))
    return f"""
WITH chosen AS (
    SELECT c.nct_id, arg_min(c.source_file, s.rank) AS source_file
    FROM (SELECT DISTINCT nct_id, source_file FROM {parsed} AS p WHERE {scope}) AS c
    JOIN study_sources AS s USING (nct_id, source_file)
    GROUP BY c.nct_id
)
SELECT t.* FROM {parsed} AS t JOIN chosen USING (nct_id, source_file)
"""



def rebuild_merged_tables(conn: duckdb.DuckDBPyConnection, scope: TrialScope) -> dict[str, int]:
    """Rebuild study_sources, studies, every child table and the article links for the trials in scope."""
    trials = scope.trials_sql("p.nct_id")
    counts = {"study_sources": replace_table(conn, "study_sources", STUDY_SOURCES_SQL.format(parsed_studies=PARSED_STUDIES.qualified_name, scope=trials), scope.trials_sql())}
    counts["studies"] = replace_table(conn, "studies", studies_sql(trials), scope.trials_sql())
    counts[STUDY_FIELD_SOURCES.name] = replace_table(conn, STUDY_FIELD_SOURCES.name, field_sources_sql(scope),
                                                     scope.trials_sql())
    for table in TRIAL_CHILD_TABLES:
        counts[table.name] = replace_table(conn, table.name, child_table_sql(table, trials), scope.trials_sql())
    counts["evidence_trial_links"] = rebuild_evidence_links(conn, scope)
    return counts
