"""Gathering every finding into `quality_findings`."""

from __future__ import annotations

import duckdb

from pipeline.warehouse import PARSED_FINDINGS, replace_table


def rebuild_quality_findings(conn: duckdb.DuckDBPyConnection) -> int:
    """The findings raised while reading the documents still in the source folder."""
    return replace_table(conn, "quality_findings", f"SELECT * FROM {PARSED_FINDINGS.name}")
