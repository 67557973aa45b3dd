"""Which asset checks trialflow runs, and which of them stop publishing.

Blocking guards only what a defect of trialflow's own would break, never a
property of a source document: one document must not keep every other
trial from being published. The blocking checks are the schema checks of
the tables built together with the findings (studies and its child tables,
evidence links, provenance), and their only ERROR findings are such
defects: a published NCT id that is malformed (layouts refuse those), an
empty nct_id, source_file or position, two rows for one key (a child
row's key is its trial, document and position, which trialflow numbers),
a row whose trial has no studies row, a value of the wrong type. Each
names the documents involved. Everything about a document's content
(vocabularies, odd values, exact repeats, dates, enrollment, swaps,
consistency, conflicts between documents) is a WARNING or INFO finding,
or an ERROR of a check that does not block: reported, never blocking.
"""

from __future__ import annotations

import dagster as dg

from checks.factory import QualityCheck, build_asset_checks
from pipeline.quality.findings import TRIAL_ROW_TABLES, VALIDATED_TABLES

# Built upstream of the findings: their checks cannot block the op that writes them.
_UPSTREAM_OF_FINDINGS = {"documents", "evidence", "evidence_findings"}

RULE_CHECKS: tuple[QualityCheck, ...] = (
    QualityCheck("studies", "date_order", "Start <= primary completion <= completion; first submitted <= "
                 "first posted <= last update; month-only dates compared by their whole month.",
                 ("check_date_order",)),
    QualityCheck("studies", "enrollment", "Enrollment present for interventional studies, above 0, "
                 "plausible for the phase, and not ACTUAL before recruiting starts.", ("check_enrollment",)),
    QualityCheck("studies", "field_swap", "Sibling fields whose values were exchanged (ages and sex, "
                 "minimum and maximum age, phone and email, city and country), found and put back.",
                 ("check_field_swap",)),
    QualityCheck("studies", "consistency", "Criteria ages against structured ages, ECOG in the title "
                 "against the criteria, randomization wording in a non-randomized study.", ("check_consistency",)),
    QualityCheck("studies", "duplicate_conflict", "Documents about the same trial that disagree on a field.",
                 ("check_duplicate_conflict",)),
    QualityCheck("evidence_findings", "percentages", "Each percentage is a whole number of its cohort, "
                 "and one figure per measure and cohort.", ("check_evidence_percentages",)),
    QualityCheck("dosing", "drug_names", "Every dosed drug is in the curated vocabulary "
                 "(pipeline/data/drugs.csv); unknown names are kept as written and listed here.",
                 ("check_drug_names", "extract_dosing")),
    QualityCheck("dosing", "dose_steps", "Doses above zero, ranges from low to high, and each drug's "
                 "steps numbered 1, 2, 3 without gaps.", ("check_dose_steps",)),
    QualityCheck("documents", "repeated_rows", "Rows a document states more than once, equal in every column: "
                 "each kept once, with an INFO finding; rows that differ in any column are all kept.",
                 ("check_repeated_rows",)),
    QualityCheck("documents", "readable", "Every document decoded, recognised and read: quarantined files, "
                 "sections or values a parser could not read.",
                 ("check_document_readable", "check_study_fields", "parse_mirror_page", "parse_ctgov_text",
                  "parse_veeva_page", "parse_news_article", "parse_ctgov_json", "parse_ctgov_xml")),
)


def schema_checks() -> tuple[QualityCheck, ...]:
    """A check per table from its pandera model."""
    return tuple(
        QualityCheck(
            table,
            "schema",
            f"{table} matches its pandera model: types, vocabularies, NCT id format, bounds, unique keys"
            + (", and every row's trial has a studies row." if table in TRIAL_ROW_TABLES else "."),
            (f"schema_{table}",),
            blocking=table not in _UPSTREAM_OF_FINDINGS,
        )
        for table in VALIDATED_TABLES
    )


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    return [build_asset_checks([*schema_checks(), *RULE_CHECKS])]
