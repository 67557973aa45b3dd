"""Which trials a news article is about: those sharing a drug and a condition family with it.

An article about tarlatamab toxicity in SCLC concerns the tarlatamab SCLC
trials, not every SCLC trial and not tarlatamab's trials in other diseases,
so a link needs both a drug (normalized, so AMG 757 is tarlatamab) and a
condition family in common.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from pipeline.conditions import condition_families
from pipeline.drugs import find_drugs, normalize_drug
from pipeline.scope import TrialScope
from pipeline.warehouse import insert_arrow, rows_to_arrow

_TRIAL_TEXTS_SQL = """
SELECT * FROM (
    SELECT nct_id, brief_title AS text FROM studies WHERE brief_title IS NOT NULL
    UNION ALL SELECT nct_id, official_title FROM studies WHERE official_title IS NOT NULL
    UNION ALL SELECT nct_id, condition FROM conditions
) WHERE {scope}
"""
_TRIAL_DRUGS_SQL = """
SELECT * FROM (
    SELECT nct_id, drug AS name FROM dosing
    UNION ALL SELECT nct_id, name FROM interventions
    UNION ALL SELECT nct_id, unnest(intervention_names) FROM arm_groups
) WHERE {scope}
"""


def _trial_drugs(conn: duckdb.DuckDBPyConnection, scope: str) -> dict[str, set[str]]:
    drugs: dict[str, set[str]] = defaultdict(set)
    for nct_id, name in conn.execute(_TRIAL_DRUGS_SQL.format(scope=scope)).fetchall():
        if name:
            canonical = normalize_drug(name)
            drugs[nct_id].update([canonical] if canonical else find_drugs(name))
    return drugs


def _trial_families(conn: duckdb.DuckDBPyConnection, scope: str) -> dict[str, set[str]]:
    families: dict[str, set[str]] = defaultdict(set)
    for nct_id, text in conn.execute(_TRIAL_TEXTS_SQL.format(scope=scope)).fetchall():
        families[nct_id].update(condition_families(text))
    return families


def evidence_links(conn: duckdb.DuckDBPyConnection, trials_sql: str = "TRUE") -> list[dict]:
    """One row per (article, trial in scope) sharing a drug and a condition family, with the shared terms."""
    articles = conn.execute("SELECT source_file, drugs, conditions FROM evidence ORDER BY source_file").fetchall()
    if not articles:
        return []
    trial_drugs, trial_families = _trial_drugs(conn, trials_sql), _trial_families(conn, trials_sql)
    links = []
    for source_file, drugs, conditions in articles:
        for nct_id in sorted(trial_drugs):
            shared_drugs = [d for d in drugs or [] if d in trial_drugs[nct_id]]
            shared_conditions = [c for c in conditions or [] if c in trial_families.get(nct_id, set())]
            if shared_drugs and shared_conditions:
                links.append(
                    {"source_file": source_file, "nct_id": nct_id,
                     "shared_drugs": shared_drugs, "shared_conditions": shared_conditions}
                )
    return links


_ARTICLES_CHANGED_SQL = """
SELECT EXISTS (SELECT 1 FROM evidence_trial_links WHERE source_file IN (SELECT source_file FROM pending_documents))
    OR EXISTS (SELECT 1 FROM evidence WHERE source_file IN (SELECT source_file FROM pending_documents))
"""


def rebuild_evidence_links(conn: duckdb.DuckDBPyConnection, scope: TrialScope) -> int:
    """Relink the trials in scope; an article added, changed or removed relinks every trial."""
    articles_changed = conn.execute(_ARTICLES_CHANGED_SQL).fetchall()[0][0]
    trials = "TRUE" if scope.full or articles_changed else scope.trials_sql()
    links = evidence_links(conn, trials)
    conn.execute(f"DELETE FROM evidence_trial_links WHERE {trials}")
    insert_arrow(conn, "evidence_trial_links", rows_to_arrow("evidence_trial_links", links))
    return conn.execute("SELECT count(*) FROM evidence_trial_links").fetchall()[0][0]
