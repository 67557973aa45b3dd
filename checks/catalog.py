"""Which asset checks trialflow runs, and which of them stop publishing.

Blocking: the schema check of every table built together with the findings
(studies and its child tables, evidence links, provenance). Their ERROR
findings are a malformed NCT id, a required key left empty, or two rows
claiming the same key: data that would join to the wrong trial or count a
trial twice, so the previous Parquet is kept rather than replaced.
Everything else (vocabularies, dates, enrollment, swaps, consistency,
conflicts between documents) is reported and never blocks: the data is
usable, and an analyst reads the finding.
"""

from __future__ import annotations

import dagster as dg

from checks.factory import QualityCheck, build_asset_checks
from pipeline.quality.findings import VALIDATED_TABLES

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
            f"{table} matches its pandera model: types, vocabularies, NCT id format, bounds, unique keys.",
            (f"schema_{table}",),
            blocking=table not in _UPSTREAM_OF_FINDINGS,
        )
        for table in VALIDATED_TABLES
    )


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    return [build_asset_checks([*schema_checks(), *RULE_CHECKS])]
