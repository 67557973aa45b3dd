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
from pipeline.warehouse import insert_arrow, rows_to_arrow

_TRIAL_TEXTS_SQL = """
SELECT nct_id, brief_title AS text FROM studies WHERE brief_title IS NOT NULL
UNION ALL SELECT nct_id, official_title FROM studies WHERE official_title IS NOT NULL
UNION ALL SELECT nct_id, condition FROM conditions
"""
_TRIAL_DRUGS_SQL = """
SELECT nct_id, drug AS name FROM dosing
UNION ALL SELECT nct_id, name FROM interventions
UNION ALL SELECT nct_id, unnest(intervention_names) FROM arm_groups
"""


def _trial_drugs(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    drugs: dict[str, set[str]] = defaultdict(set)
    for nct_id, name in conn.execute(_TRIAL_DRUGS_SQL).fetchall():
        if name:
            canonical = normalize_drug(name)
            drugs[nct_id].update([canonical] if canonical else find_drugs(name))
    return drugs


def _trial_families(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    families: dict[str, set[str]] = defaultdict(set)
    for nct_id, text in conn.execute(_TRIAL_TEXTS_SQL).fetchall():
        families[nct_id].update(condition_families(text))
    return families


def evidence_links(conn: duckdb.DuckDBPyConnection) -> list[dict]:
    """One row per (article, trial) sharing a drug and a condition family, with the shared terms."""
    articles = conn.execute("SELECT source_file, drugs, conditions FROM evidence ORDER BY source_file").fetchall()
    if not articles:
        return []
    trial_drugs, trial_families = _trial_drugs(conn), _trial_families(conn)
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


def rebuild_evidence_links(conn: duckdb.DuckDBPyConnection) -> int:
    links = evidence_links(conn)
    conn.execute("DELETE FROM evidence_trial_links")
    insert_arrow(conn, "evidence_trial_links", rows_to_arrow("evidence_trial_links", links))
    return len(links)
