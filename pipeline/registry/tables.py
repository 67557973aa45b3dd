"""Every table trialflow writes, declared once.

The Arrow schema (used to load DuckDB and to write Parquet) and the pandera
model (used by the quality checks) are both derived from these declarations,
so a column added here appears everywhere and the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from pipeline.registry import vocabularies as vocab
from pipeline.extract.free_text.thresholds import ANALYTES, THRESHOLD_UNITS

# ASCII digits only: Python's \d matches every script's (pipeline/nct_ids.py).
NCT_ID_PATTERN = r"^NCT[0-9]{8}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
PHONE_PATTERN = r"^\+?[\d\s().\-/]{5,}(?:\s*(?:[Ee]xt\.?|[Xx])\s*\d+)?$"

STRING = pa.string()
INTEGER = pa.int64()
DOUBLE = pa.float64()
BOOLEAN = pa.bool_()
DATE = pa.date32()
TIMESTAMP = pa.timestamp("us", tz="UTC")
BINARY = pa.large_binary()
STRING_LIST = pa.list_(pa.string())


@dataclass(frozen=True)
class Column:
    """One column: its Arrow type and the rules its values must follow.

    `vocabulary`, `pattern` and the numeric bounds are what the pandera model
    checks; `nullable=False` marks columns every row must fill.
    """

    name: str
    type: pa.DataType
    description: str = ""
    nullable: bool = True
    vocabulary: tuple[str, ...] | None = None
    pattern: str | None = None
    min_value: float | None = None
    max_value: float | None = None


@dataclass(frozen=True)
class Table:
    """A table, its columns, and the columns that identify one row."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns]
        )

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


def _nct_id(nullable: bool = False) -> Column:
    return Column(
        "nct_id",
        STRING,
        "ClinicalTrials.gov identifier, NCT followed by 8 digits",
        nullable=nullable,
        pattern=NCT_ID_PATTERN,
    )


def _source_file() -> Column:
    return Column(
        "source_file",
        STRING,
        "document the row was read from, relative to the source directory",
        nullable=False,
    )


def _position() -> Column:
    return Column(
        "position",
        INTEGER,
        "order of the row among its document's rows of this table, from 1",
        nullable=False,
        min_value=1,
    )


# A child row is what one document states, in its order: real records break
# every natural key (several sites share a name in one city, a contact is
# listed twice), so a row is identified by where it stands.
_CHILD_KEY = ("nct_id", "source_file", "position")


def _dated(name: str, description: str) -> tuple[Column, ...]:
    """A DATE plus the precision and raw text it was read from.

    Registries publish month-only dates ("2025-09"); the DATE holds the first
    day of that month and the precision column says the day was not given,
    so nothing downstream mistakes a defaulted day for a real one.
    """
    return (
        Column(f"{name}_date", DATE, description),
        Column(
            f"{name}_date_precision",
            STRING,
            f"precision of {name}_date: DAY, MONTH or YEAR",
            vocabulary=vocab.DATE_PRECISION,
        ),
        Column(f"{name}_date_raw", STRING, f"{name} date as the document wrote it"),
    )


STUDY_DATE_FIELDS = (
    "start",
    "primary_completion",
    "completion",
    "first_submitted",
    "first_posted",
    "last_update_posted",
    "last_verified",
)

_STUDY_COLUMNS: tuple[Column, ...] = (
    _nct_id(),
    Column("brief_title", STRING),
    Column("official_title", STRING),
    Column("overall_status", STRING, vocabulary=vocab.OVERALL_STATUS),
    Column("phase", STRING, "null when the source does not say", vocabulary=vocab.PHASE),
    Column("study_type", STRING, vocabulary=vocab.STUDY_TYPE),
    Column("enrollment", INTEGER, "number of participants", min_value=0),
    Column("enrollment_type", STRING, vocabulary=vocab.ENROLLMENT_TYPE),
    *_dated("start", "study start"),
    *_dated("primary_completion", "primary completion"),
    *_dated("completion", "study completion"),
    *_dated("first_submitted", "first submitted to the registry"),
    *_dated("first_posted", "first posted by the registry"),
    *_dated("last_update_posted", "last update posted by the registry"),
    *_dated("last_verified", "record last verified by the sponsor"),
    Column("min_age_years", DOUBLE, "null means no lower limit", min_value=0, max_value=120),
    Column("max_age_years", DOUBLE, "null means no upper limit", min_value=0, max_value=120),
    Column("sex", STRING, vocabulary=vocab.SEX),
    Column("healthy_volunteers", BOOLEAN),
    Column("allocation", STRING, vocabulary=vocab.ALLOCATION),
    Column("intervention_model", STRING, vocabulary=vocab.INTERVENTION_MODEL),
    Column("primary_purpose", STRING, vocabulary=vocab.PRIMARY_PURPOSE),
    Column("masking", STRING, vocabulary=vocab.MASKING),
    Column("lead_sponsor", STRING),
    Column("brief_summary", STRING),
    Column("detailed_description", STRING),
)

# Per-document study rows carry their source; the merged `studies` table
# says which document won (source_file) and lists every document seen.
PARSED_STUDIES = Table(
    "parsed_studies",
    "One row per trial per document, before documents about the same trial are merged.",
    (*_STUDY_COLUMNS, _source_file()),
    key=("source_file",),
)

STUDIES = Table(
    "studies",
    "One row per trial. Where several documents describe a trial, each field comes from "
    "the most recently updated document that states it.",
    (
        *_STUDY_COLUMNS,
        Column("source_file", STRING, "most recently updated document about this trial", nullable=False),
        Column("source_files", STRING_LIST, "every document about this trial"),
    ),
    key=("nct_id",),
)

CONDITIONS = Table(
    "conditions",
    "Conditions or diseases a trial studies.",
    (_nct_id(), _position(), Column("condition", STRING, nullable=False), _source_file()),
    key=_CHILD_KEY,
)

INTERVENTIONS = Table(
    "interventions",
    "Drugs, devices, procedures and other interventions a trial gives.",
    (
        _nct_id(),
        _position(),
        Column("intervention_type", STRING, vocabulary=vocab.INTERVENTION_TYPE),
        Column("name", STRING, nullable=False),
        Column("description", STRING),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

ARM_GROUPS = Table(
    "arm_groups",
    "Arms or cohorts of a trial.",
    (
        _nct_id(),
        _position(),
        Column("label", STRING, nullable=False),
        Column("group_type", STRING, vocabulary=vocab.ARM_GROUP_TYPE),
        Column("description", STRING),
        Column("intervention_names", STRING_LIST, "interventions the arm receives"),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

DOSING = Table(
    "dosing",
    "One row per dose step of a regimen read from arm and intervention descriptions.",
    (
        _nct_id(),
        _position(),
        Column("drug", STRING, "normalized drug name (see pipeline/extract/data/drugs.csv)", nullable=False),
        Column("step", INTEGER, "order of the step within the drug's regimen", min_value=1),
        Column("dose_value", DOUBLE, min_value=0),
        Column("dose_value_max", DOUBLE, "upper end when the dose is a range (75-80 mg/m2)", min_value=0),
        Column("dose_unit", STRING, vocabulary=vocab.DOSE_UNIT),
        Column("route", STRING, vocabulary=vocab.ROUTE),
        Column("timing", STRING, "cycle/day (C1D8), frequency (Q2W), days of a cycle, fractions"),
        Column("infusion_minutes", DOUBLE, "infusion duration when stated", min_value=0),
        Column("max_dose_value", DOUBLE, "the most the text allows (a cap or an upward adjustment)", min_value=0),
        Column("max_dose_unit", STRING, vocabulary=vocab.DOSE_UNIT),
        Column("dose_adjustment", STRING, "what the text says about changing the dose"),
        Column("text", STRING, "the sentence the step was read from"),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

ELIGIBILITY_CRITERIA = Table(
    "eligibility_criteria",
    "One row per top-level inclusion or exclusion item; nested items stay in their parent's text.",
    (
        _nct_id(),
        _position(),
        Column("criterion_type", STRING, vocabulary=vocab.CRITERION_TYPE, nullable=False),
        Column("ordinal", INTEGER, "position within its type, from 1", min_value=1, nullable=False),
        Column("text", STRING, nullable=False),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

ELIGIBILITY_THRESHOLDS = Table(
    "eligibility_thresholds",
    "One row per numeric threshold found in an eligibility criterion.",
    (
        _nct_id(),
        _position(),
        Column("criterion_type", STRING, vocabulary=vocab.CRITERION_TYPE),
        Column("criterion_ordinal", INTEGER, min_value=1),
        Column("analyte", STRING, "upper snake case: ANC, PLATELETS, ECOG, AGE, ...", nullable=False,
               vocabulary=ANALYTES),
        Column("comparator", STRING, vocabulary=vocab.COMPARATOR),
        Column("value", DOUBLE),
        Column("unit", STRING, "x10^9/L, g/L, mL/min, ULN (a multiple of the upper limit of normal), %, ...",
               vocabulary=THRESHOLD_UNITS),
        Column("text", STRING),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

SPONSORS = Table(
    "sponsors",
    "Lead sponsor and collaborators.",
    (
        _nct_id(),
        _position(),
        Column("name", STRING, nullable=False),
        Column("role", STRING, vocabulary=vocab.SPONSOR_ROLE, nullable=False),
        Column("agency_class", STRING, vocabulary=vocab.AGENCY_CLASS),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

OFFICIALS = Table(
    "officials",
    "Investigators and study chairs overseeing a trial.",
    (
        _nct_id(),
        _position(),
        Column("name", STRING, nullable=False),
        Column("role", STRING, vocabulary=vocab.OFFICIAL_ROLE),
        Column("affiliation", STRING),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

SITES = Table(
    "sites",
    "Facilities where a trial runs.",
    (
        _nct_id(),
        _position(),
        Column("facility", STRING),
        Column("city", STRING),
        Column("state", STRING),
        Column("zip", STRING, "postal code, which tells apart sites sharing a name in one city"),
        Column("country", STRING),
        Column("status", STRING, vocabulary=vocab.SITE_STATUS),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

CONTACTS = Table(
    "contacts",
    "People to contact about a trial: central contacts (no facility) and site contacts.",
    (
        _nct_id(),
        _position(),
        Column("name", STRING),
        Column("role", STRING),
        Column("phone", STRING, pattern=PHONE_PATTERN),
        Column("email", STRING, pattern=EMAIL_PATTERN),
        Column("facility", STRING, "site the contact belongs to; null for central contacts"),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

OUTCOMES = Table(
    "outcomes",
    "Primary, secondary and other outcome measures.",
    (
        _nct_id(),
        _position(),
        Column("outcome_type", STRING, vocabulary=vocab.OUTCOME_TYPE, nullable=False),
        Column("ordinal", INTEGER, "position within its type, from 1", min_value=1),
        Column("measure", STRING, nullable=False),
        Column("description", STRING),
        Column("time_frame", STRING),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

IDENTIFIERS = Table(
    "identifiers",
    "Other identifiers of a trial: sponsor protocol numbers, secondary registry ids.",
    (
        _nct_id(),
        _position(),
        Column("identifier", STRING, nullable=False),
        Column("identifier_type", STRING),
        _source_file(),
    ),
    key=_CHILD_KEY,
)

EVIDENCE = Table(
    "evidence",
    "Published studies reported in news items, one row per article.",
    (
        _source_file(),
        Column("title", STRING),
        Column("citation", STRING),
        Column("journal", STRING),
        Column("published_date", DATE),
        Column("drugs", STRING_LIST),
        Column("conditions", STRING_LIST),
        Column("design", STRING),
        Column("sample_size", INTEGER, min_value=0),
    ),
    key=("source_file",),
)

EVIDENCE_FINDINGS = Table(
    "evidence_findings",
    "One row per figure an article reports: a share of a cohort and the patients it implies.",
    (
        _source_file(),
        Column("cohort", STRING),
        Column("n", INTEGER, "cohort size", min_value=0),
        Column("measure", STRING, nullable=False),
        Column("percent", DOUBLE, min_value=0, max_value=100),
        Column("count", INTEGER, "patients implied by percent of n, or stated", min_value=0),
    ),
    key=("source_file", "cohort", "measure"),
)

EVIDENCE_TRIAL_LINKS = Table(
    "evidence_trial_links",
    "Articles linked to the trials that share a drug and a condition with them.",
    (
        _source_file(),
        _nct_id(),
        Column("shared_drugs", STRING_LIST),
        Column("shared_conditions", STRING_LIST),
    ),
    key=("source_file", "nct_id"),
)

DOCUMENTS = Table(
    "documents",
    "One row per file in the source directory, parsed or quarantined.",
    (
        _source_file(),
        Column("sha256", STRING, nullable=False, pattern=r"^[0-9a-f]{64}$"),
        Column("bytes", INTEGER, nullable=False, min_value=0),
        Column("format", STRING, vocabulary=vocab.DOCUMENT_FORMAT),
        Column("status", STRING, vocabulary=vocab.DOCUMENT_STATUS, nullable=False),
        _nct_id(nullable=True),
        Column("error", STRING, "why a document was quarantined"),
        Column("encoding", STRING, "the text encoding the document was read in"),
        Column("parser_version", STRING),
        Column("parsed_run_id", STRING, "the run that last parsed this document"),
    ),
    key=("source_file",),
)

QUALITY_FINDINGS = Table(
    "quality_findings",
    "Every defect a check found, written for an analyst.",
    (
        Column("check_name", STRING, nullable=False),
        Column("category", STRING, vocabulary=vocab.FINDING_CATEGORY, nullable=False),
        Column("severity", STRING, vocabulary=vocab.FINDING_SEVERITY, nullable=False),
        _nct_id(nullable=True),
        Column("source_file", STRING),
        Column("field", STRING),
        Column("observed", STRING),
        Column("message", STRING, nullable=False),
    ),
)

QUALITY_SUMMARY = Table(
    "quality_summary",
    "Findings counted by document, category and severity.",
    (
        Column("source_file", STRING),
        Column("nct_id", STRING),
        Column("category", STRING, vocabulary=vocab.FINDING_CATEGORY, nullable=False),
        Column("severity", STRING, vocabulary=vocab.FINDING_SEVERITY, nullable=False),
        Column("findings", INTEGER, min_value=1, nullable=False),
    ),
)

STUDY_SOURCES = Table(
    "study_sources",
    "Which documents describe which trial, most recently updated first.",
    (
        _nct_id(),
        _source_file(),
        Column("format", STRING, vocabulary=vocab.DOCUMENT_FORMAT),
        Column("last_update_posted_date", DATE),
        Column("rank", INTEGER, "1 for the document whose values win", min_value=1),
    ),
    key=("nct_id", "source_file"),
)

RAW_DOCUMENTS = Table(
    "raw_documents",
    "Every source file as received, so a document can be reparsed without its file.",
    (
        _source_file(),
        Column("sha256", STRING, nullable=False),
        Column("bytes", INTEGER, nullable=False),
        Column("modified_ns", INTEGER, "file modification time when staged, to skip rehashing unchanged files"),
        Column("content", BINARY, "the bytes as received; null when they were refused"),
        Column("refused", STRING, "why the bytes were not read: a link, or a file above the size limit"),
        Column("staged_at", TIMESTAMP),
        Column("staged_run_id", STRING),
    ),
    key=("source_file",),
)

# Child tables of a trial, read per document and merged per trial.
TRIAL_CHILD_TABLES: tuple[Table, ...] = (
    CONDITIONS,
    INTERVENTIONS,
    ARM_GROUPS,
    DOSING,
    ELIGIBILITY_CRITERIA,
    ELIGIBILITY_THRESHOLDS,
    SPONSORS,
    OFFICIALS,
    SITES,
    CONTACTS,
    OUTCOMES,
    IDENTIFIERS,
)

EVIDENCE_TABLES: tuple[Table, ...] = (EVIDENCE, EVIDENCE_FINDINGS)

# What the contract promises, in the order it lists them; each is published.
CONTRACT_TABLES: tuple[Table, ...] = (
    STUDIES,
    *TRIAL_CHILD_TABLES,
    EVIDENCE_TRIAL_LINKS,
    EVIDENCE,
    EVIDENCE_FINDINGS,
    DOCUMENTS,
    QUALITY_FINDINGS,
)

# Published beside the contract's tables: provenance and the findings summary.
PUBLISHED_TABLES: tuple[Table, ...] = (*CONTRACT_TABLES, STUDY_SOURCES, QUALITY_SUMMARY)

TABLES_BY_NAME: dict[str, Table] = {
    t.name: t for t in (*PUBLISHED_TABLES, PARSED_STUDIES, RAW_DOCUMENTS)
}


def parsed_table_name(table: Table) -> str:
    """The per-document table a trial child table is merged from."""
    return f"parsed_{table.name}"
