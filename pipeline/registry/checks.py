"""Every asset check trialflow runs, declared once, with the findings each one reports.

A finding carries a check name (`quality_findings.check_name`) saying what
raised it: a layout, a field reader, a rule, a table's model. Each such name
belongs to exactly one asset check, which reports its findings in the UI and
may block publishing. The engine modules take their check names from the
constants here, and `Finding` refuses any other name, so a finding can never
be written that no asset check reports.

The schema checks are derived from the table declarations
(`pipeline.registry.tables`): one per validated table. Plain Python; the
Dagster checks are built from these declarations in `checks/catalog.py`.

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

from dataclasses import dataclass

from pipeline.registry.tables import Role, Table, tables_with
from pipeline.registry.vocabularies import DOCUMENT_FORMAT

# Check names the engine writes on its findings.
DOCUMENT_READABLE = "check_document_readable"
STUDY_FIELDS_CHECK = "check_study_fields"
REPEATED_ROWS = "check_repeated_rows"
FIELD_SWAP = "check_field_swap"
DATE_ORDER = "check_date_order"
ENROLLMENT = "check_enrollment"
CONSISTENCY = "check_consistency"
DUPLICATE_CONFLICT = "check_duplicate_conflict"
EVIDENCE_PERCENTAGES = "check_evidence_percentages"
DOSE_STEPS = "check_dose_steps"
DRUG_NAMES = "check_drug_names"
DOSING_EXTRACTION = "extract_dosing"


def parse_check(document_format: str) -> str:
    """The check name of what a layout reports while reading a document of its format."""
    return f"parse_{document_format}"


def schema_check(table_name: str) -> str:
    """The check name of a table's model failures and of its rows without a trial."""
    return f"schema_{table_name}"


@dataclass(frozen=True)
class AssetCheck:
    """A check on one asset, fed by the findings whose check_name it lists.

    `blocking` checks stop publishing when they fail with ERROR severity;
    a failure whose worst finding is a WARNING never blocks.

    `repairs` marks a check whose findings each record a defect trialflow
    put right (swapped fields put back): they stay WARNING findings, but
    the published values are correct, so the check passes and says what
    it repaired rather than showing as failed.
    """

    asset: str
    name: str
    description: str
    finding_checks: tuple[str, ...]
    blocking: bool = False
    repairs: bool = False


def _schema_check(table: Table) -> AssetCheck:
    """A table's pandera model; it blocks only when written with the findings (see `Table.built_with_findings`)."""
    return AssetCheck(
        table.name,
        "schema",
        f"{table.name} matches its pandera model: types, vocabularies, NCT id format, bounds, unique keys"
        + (", and every row's trial has a studies row." if Role.TRIAL_ROWS in table.roles else "."),
        (schema_check(table.name),),
        blocking=table.built_with_findings,
    )


RULE_CHECKS: tuple[AssetCheck, ...] = (
    AssetCheck("studies", "date_order", "Start <= primary completion <= completion; first submitted <= "
               "first posted <= last update; month-only dates compared by their whole month.", (DATE_ORDER,)),
    AssetCheck("studies", "enrollment", "Enrollment present for interventional studies, above 0, "
               "plausible for the phase, and not ACTUAL before recruiting starts.", (ENROLLMENT,)),
    AssetCheck("studies", "field_swap", "Sibling fields whose values were exchanged (ages and sex, "
               "minimum and maximum age, phone and email, city and country), found and put back: each repair is "
               "a WARNING finding, and the check passes.", (FIELD_SWAP,), repairs=True),
    AssetCheck("studies", "consistency", "Criteria ages against structured ages, ECOG in the title "
               "against the criteria, randomization wording in a non-randomized study.", (CONSISTENCY,)),
    AssetCheck("studies", "duplicate_conflict", "Documents about the same trial that disagree on a field.",
               (DUPLICATE_CONFLICT,)),
    AssetCheck("evidence_findings", "percentages", "Each percentage is a whole number of its cohort, "
               "and one figure per measure and cohort.", (EVIDENCE_PERCENTAGES,)),
    AssetCheck("dosing", "drug_names", "Every dosed drug is in the curated vocabulary "
               "(pipeline/extract/data/drugs.csv); unknown names are kept as written and listed here.",
               (DRUG_NAMES, DOSING_EXTRACTION)),
    AssetCheck("dosing", "dose_steps", "Doses above zero, ranges from low to high, and each drug's "
               "steps numbered 1, 2, 3 without gaps.", (DOSE_STEPS,)),
    AssetCheck("documents", "repeated_rows", "Rows a document states more than once, equal in every column: "
               "each kept once, with an INFO finding; rows that differ in any column are all kept.",
               (REPEATED_ROWS,)),
    AssetCheck("documents", "readable", "Every document decoded, recognised and read: quarantined files, "
               "sections or values a parser could not read.",
               (DOCUMENT_READABLE, STUDY_FIELDS_CHECK, *(parse_check(f) for f in DOCUMENT_FORMAT))),
)

SCHEMA_CHECKS: tuple[AssetCheck, ...] = tuple(_schema_check(t) for t in tables_with(Role.VALIDATED))

ASSET_CHECKS: tuple[AssetCheck, ...] = (*SCHEMA_CHECKS, *RULE_CHECKS)

# Each finding check name and the one asset check that reports it.
OWNERS: dict[str, AssetCheck] = {name: check for check in ASSET_CHECKS for name in check.finding_checks}


def require_registered(check_name: str) -> None:
    """Refuse a check name no asset check reports: its findings would be written and never shown."""
    if check_name not in OWNERS:
        raise ValueError(f"{check_name!r} is not a check name of pipeline/registry/checks.py")
