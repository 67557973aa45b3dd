"""Which trials a news article is about: those sharing a drug and a condition family with it.

An article about tarlatamab toxicity in SCLC concerns the tarlatamab SCLC
trials, not every SCLC trial and not tarlatamab's trials in other diseases,
so a link needs both a drug (normalized, so AMG 757 is tarlatamab) and a
condition family in common.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.extract.free_text.conditions import condition_families
from pipeline.extract.free_text.drugs import find_drugs, normalize_drug
from pipeline.registry.tables import PENDING_DOCUMENTS
from pipeline.store.scope import TrialScope
from pipeline.store.warehouse import insert_arrow, schema_of

_TRIAL_TEXTS_SQL = """
SELECT * FROM (
    SELECT nct_id, brief_title AS text FROM studies WHERE brief_title IS NOT NULL
    UNION ALL SELECT nct_id, official_title FROM studies WHERE official_title IS NOT NULL
    UNION ALL SELECT nct_id, condition FROM conditions
) WHERE {scope}
"""
_TRIAL_DRUGS_SQL = """
SELECT * FROM (
    SELECT nct_id, drug AS text FROM dosing
    UNION ALL SELECT nct_id, name FROM interventions
    UNION ALL SELECT nct_id, unnest(intervention_names) FROM arm_groups
) WHERE text IS NOT NULL AND text <> '' AND {scope}
"""

# An article and a trial are linked when they share a drug and a family;
# the shared terms are listed in the article's order. They are joined on
# (drug, family) pairs, so only pairs sharing both ever meet: joining on a
# family first paired every breast-cancer article with every breast-cancer
# trial, which at 100,000 documents ran DuckDB out of memory. A pair shares
# a (drug, family) exactly when it shares a drug and a family, and then
# every drug and family it shares is in one of the matching pairs.
_LINKS_SQL = """
WITH article_drugs AS (
    SELECT source_file, unnest(drugs) AS drug, generate_subscripts(drugs, 1) AS drug_position FROM evidence
), article_families AS (
    SELECT source_file, unnest(conditions) AS family, generate_subscripts(conditions, 1) AS family_position
    FROM evidence
), trial_pairs AS (
    SELECT DISTINCT d.nct_id, d.term AS drug, f.term AS family
    FROM _trial_drugs AS d JOIN _trial_families AS f USING (nct_id)
    WHERE d.term IN (SELECT drug FROM article_drugs) AND f.term IN (SELECT family FROM article_families)
), matches AS (
    SELECT a.source_file, t.nct_id, a.drug, a.drug_position, f.family, f.family_position
    FROM article_drugs AS a
    JOIN article_families AS f USING (source_file)
    JOIN trial_pairs AS t ON t.drug = a.drug AND t.family = f.family
), shared_drugs AS (
    SELECT source_file, nct_id, list(drug ORDER BY drug_position) AS shared_drugs
    FROM (SELECT DISTINCT source_file, nct_id, drug, drug_position FROM matches)
    GROUP BY ALL
), shared_families AS (
    SELECT source_file, nct_id, list(family ORDER BY family_position) AS shared_conditions
    FROM (SELECT DISTINCT source_file, nct_id, family, family_position FROM matches)
    GROUP BY ALL
)
SELECT source_file, nct_id, shared_drugs, shared_conditions
FROM shared_drugs JOIN shared_families USING (source_file, nct_id)
"""


def _drug_terms(name: str) -> list[str]:
    canonical = normalize_drug(name)
    return [canonical] if canonical else find_drugs(name)


def _trial_terms(
    conn: duckdb.DuckDBPyConnection, texts_sql: str, extract: Callable[[str], Iterable[str]]
) -> pa.Table:
    """(nct_id, term) for every trial text, each distinct text read once.

    Trials repeat the same intervention and condition names many times over,
    so the texts are read once, terms are extracted per distinct text in
    Python, and joined back to the trials in DuckDB.
    """
    texts = conn.sql(texts_sql).to_arrow_table()
    pairs = [(text, term) for text in pc.unique(texts["text"]).to_pylist() if text is not None for term in extract(text)]
    terms = pa.table({"text": [p[0] for p in pairs], "term": [p[1] for p in pairs]},
                     schema=pa.schema([("text", pa.string()), ("term", pa.string())]))
    conn.register("_trial_texts", texts)
    conn.register("_text_terms", terms)
    try:
        return conn.sql("SELECT DISTINCT nct_id, term FROM _trial_texts JOIN _text_terms USING (text)").to_arrow_table()
    finally:
        conn.unregister("_trial_texts")
        conn.unregister("_text_terms")


def evidence_links(conn: duckdb.DuckDBPyConnection, trials_sql: str = "TRUE") -> pa.Table:
    """One row per (article, trial in scope) sharing a drug and a condition family, with the shared terms."""
    trial_drugs = _trial_terms(conn, _TRIAL_DRUGS_SQL.format(scope=trials_sql), _drug_terms)
    trial_families = _trial_terms(conn, _TRIAL_TEXTS_SQL.format(scope=trials_sql), condition_families)
    conn.register("_trial_drugs", trial_drugs)
    conn.register("_trial_families", trial_families)
    try:
        return conn.sql(_LINKS_SQL).to_arrow_table()
    finally:
        conn.unregister("_trial_drugs")
        conn.unregister("_trial_families")


_ARTICLES_CHANGED_SQL = f"""
SELECT EXISTS (SELECT 1 FROM evidence_trial_links WHERE source_file IN (SELECT source_file FROM {PENDING_DOCUMENTS.qualified_name}))
    OR EXISTS (SELECT 1 FROM evidence WHERE source_file IN (SELECT source_file FROM {PENDING_DOCUMENTS.qualified_name}))
"""


def rebuild_evidence_links(conn: duckdb.DuckDBPyConnection, scope: TrialScope) -> int:
    """Relink the trials in scope; an article added, changed or removed relinks every trial."""
    articles_changed = conn.execute(_ARTICLES_CHANGED_SQL).fetchall()[0][0]
    trials = "TRUE" if scope.full or articles_changed else scope.trials_sql()
    links = evidence_links(conn, trials)
    conn.execute(f"DELETE FROM evidence_trial_links WHERE {trials}")
    insert_arrow(conn, "evidence_trial_links", links.cast(schema_of("evidence_trial_links")))
    return conn.execute("SELECT count(*) FROM evidence_trial_links").fetchall()[0][0]
