"""Every table trialflow writes, declared once.

The Arrow schema (used to load DuckDB and to write Parquet) and the pandera
model (used by the quality checks) are both derived from these declarations,
so a column added here appears everywhere and the two can never drift apart.
So is every list of tables the pipeline works through: which step writes a
table (`Step`), what else holds for it (`Role`: published, validated, read
by the rules, ...) and which of its columns are personal data are stated
here and nowhere else; other modules ask `tables_with(...)`.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from pipeline.registry import vocabularies as vocab

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

    `as_written` marks a vocabulary column whose label the document states
    ("Active, not recruiting", "Drug"): its table gets a `<name>_raw` column
    beside it (see `Table`), which keeps the label as written, so a value
    outside the vocabulary is kept rather than lost. `raw_of` names the
    column such a companion belongs to.
    """

    name: str
    type: pa.DataType
    description: str = ""
    nullable: bool = True
    vocabulary: tuple[str, ...] | None = None
    pattern: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    as_written: bool = False
    raw_of: str | None = None

    @property
    def raw_name(self) -> str:
        """The companion column keeping the label as written."""
        return f"{self.name}_raw"


def _with_raw_companions(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """Each `as_written` column followed by its `<name>_raw` companion, derived here and nowhere else.

    Deriving the companion from the declaration keeps the Arrow schema, the
    pandera model and the merge in step; a declaration that already holds it
    (a parsed table copied from its merged one) is left as it is.
    """
    declared = {column.name for column in columns}
    expanded: list[Column] = []
    for column in columns:
        expanded.append(column)
        if column.as_written and column.raw_name not in declared:
            expanded.append(Column(column.raw_name, STRING, f"{column.name} as the document wrote it, "
                                   "kept when it is outside the vocabulary", raw_of=column.name))
    return tuple(expanded)


class Step(enum.Enum):
    """The step of a run that writes a table; each table has exactly one."""

    STAGED = "staging: the source files as received"
    PARSED = "parsing: one document's rows, replaced whenever that document changes"
    PENDING = "parsing: what changed since the trial tables were last built"
    MERGED = "merging: one row set per trial, from the rows of all its documents"
    LINKED = "linking: articles to the trials they are about, once the trials are merged"
    QUALITY = "quality: every finding about the tables, computed with them"


class Role(enum.Enum):
    """What else holds for a table, besides the step that writes it."""

    CONTRACT = "promised by the output contract (/work/shared/CONTRACT.md)"
    PUBLISHED = "written to Parquet on every publication"
    TRIAL_CHILD = "a trial's child rows: read per document into parsed_<table>, merged per trial"
    VALIDATED = "checked against its pandera model by the asset check <table>.schema"
    READ_BY_RULES = "read by the rules across fields and documents (pipeline.quality.rules)"
    TRIAL_ROWS = "every row belongs to a trial that has a studies row"


# The schema of the published tables (DuckDB's default, the one SHOW TABLES lists), and of every other table.
DEFAULT_SCHEMA = "main"
INTERNAL_SCHEMA = "internal"


@dataclass(frozen=True)
class Table:
    """A table, its columns, the columns that identify one row, and its place in the pipeline.

    `personal` names the columns that hold people's contact details: they
    are emptied in everything published and never quoted in a log.
    `about_people` names the text columns that name people or the places
    they work, where a run of digits is taken for a phone number sooner
    than elsewhere when published text is scrubbed.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)
    step: Step = Step.PARSED
    roles: frozenset[Role] = frozenset()
    personal: tuple[str, ...] = ()
    about_people: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", _with_raw_companions(self.columns))

    @property
    def schema(self) -> str:
        """The DuckDB schema holding the table: the default one only for what is published.

        `SHOW TABLES` lists the default schema, so an analyst opening the
        warehouse sees the published tables and nothing of the pipeline's
        bookkeeping (raw bytes, per-document rows, pending lists).
        """
        return DEFAULT_SCHEMA if Role.PUBLISHED in self.roles else INTERNAL_SCHEMA

    @property
    def qualified_name(self) -> str:
        """The table's name as SQL writes it, schema included: every statement names tables this way."""
        return f'"{self.schema}"."{self.name}"'

    @functools.cached_property
    def as_written_columns(self) -> tuple[Column, ...]:
        """The vocabulary columns whose labels are also kept as written.

        Cached: every row a layout adds asks for them (8% of parsing a real record when recomputed each time).
        """
        return tuple(column for column in self.columns if column.as_written)

    @property
    def built_with_findings(self) -> bool:
        """Written in the transaction that computes the findings, so a failed check can still block publishing.

        Tables of earlier steps are upstream of the findings: the op that
        wrote them has finished before any check about them can run.
        """
        return self.step in (Step.MERGED, Step.LINKED, Step.QUALITY)

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
    Column("brief_title", STRING, "short title in plain language, as the registry lists it"),
    Column("official_title", STRING, "full scientific title of the protocol"),
    Column("acronym", STRING, "short name the trial goes by (KEYNOTE-189, OMNI), as the registry lists it"),
    Column("overall_status", STRING, "recruitment status of the whole trial", vocabulary=vocab.OVERALL_STATUS,
           as_written=True),
    Column("phase", STRING, "phase of drug development; null when the source does not say",
           vocabulary=vocab.PHASE, as_written=True),
    Column("study_type", STRING, "interventional, observational or expanded access", vocabulary=vocab.STUDY_TYPE,
           as_written=True),
    Column("enrollment", INTEGER, "number of participants", min_value=0),
    Column("enrollment_type", STRING, "whether enrollment is the target (ESTIMATED) or the count reached (ACTUAL)",
           vocabulary=vocab.ENROLLMENT_TYPE, as_written=True),
    *_dated("start", "study start"),
    *_dated("primary_completion", "primary completion"),
    *_dated("completion", "study completion"),
    *_dated("first_submitted", "first submitted to the registry"),
    *_dated("first_posted", "first posted by the registry"),
    *_dated("last_update_posted", "last update posted by the registry"),
    *_dated("last_verified", "record last verified by the sponsor"),
    Column("min_age_years", DOUBLE, "youngest eligible age in years; null means no lower limit",
           min_value=0, max_value=120),
    Column("max_age_years", DOUBLE, "oldest eligible age in years; null means no upper limit",
           min_value=0, max_value=120),
    Column("sex", STRING, "sex of the participants the trial accepts", vocabulary=vocab.SEX, as_written=True),
    Column("healthy_volunteers", BOOLEAN, "whether people without the condition may take part"),
    Column("allocation", STRING, "how participants are assigned to arms: randomized or not",
           vocabulary=vocab.ALLOCATION, as_written=True),
    Column("intervention_model", STRING, "design of the arms: single group, parallel, crossover, ...",
           vocabulary=vocab.INTERVENTION_MODEL, as_written=True),
    Column("primary_purpose", STRING, "main reason for the trial: treatment, prevention, diagnosis, ...",
           vocabulary=vocab.PRIMARY_PURPOSE, as_written=True),
    Column("masking", STRING, "who does not know which intervention a participant gets (blinding)",
           vocabulary=vocab.MASKING, as_written=True),
    Column("lead_sponsor", STRING, "organization responsible for the trial"),
    Column("brief_summary", STRING, "short description of the trial's purpose, in plain language"),
    Column("detailed_description", STRING, "longer technical description of the protocol"),
)

_PUBLISHED_MERGED = frozenset({Role.CONTRACT, Role.PUBLISHED, Role.VALIDATED})
_PUBLISHED_CHILD = frozenset({*_PUBLISHED_MERGED, Role.TRIAL_CHILD, Role.TRIAL_ROWS})


def _trial_child(name: str, description: str, columns: tuple[Column, ...], *,
                 extra_roles: frozenset[Role] = frozenset(), **details: Any) -> Table:
    """A trial's child table: what one document states, each row identified by (trial, document, position).

    Real records repeat natural keys (several sites of one name in one city),
    so where a row stands in its document is its identity.
    """
    return Table(
        name,
        description,
        (_nct_id(), _position(), *columns, _source_file()),
        key=_CHILD_KEY,
        step=Step.MERGED,
        roles=_PUBLISHED_CHILD | extra_roles,
        **details,
    )

# Per-document study rows carry their source; the merged `studies` table
# says which document won (source_file) and lists every document seen.
PARSED_STUDIES = Table(
    "parsed_studies",
    "One row per trial per document, before documents about the same trial are merged.",
    (*_STUDY_COLUMNS, _source_file()),
    key=("source_file",),
    roles=frozenset({Role.READ_BY_RULES}),
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
    step=Step.MERGED,
    roles=_PUBLISHED_MERGED | {Role.READ_BY_RULES},
)

CONDITIONS = _trial_child(
    "conditions",
    "Conditions or diseases a trial studies.",
    (
    Column("condition", STRING, "disease or condition, as the document names it", nullable=False),
    ),
)

INTERVENTIONS = _trial_child(
    "interventions",
    "Drugs, devices, procedures and other interventions a trial gives.",
    (
    Column("intervention_type", STRING, "kind of intervention: drug, biological, device, procedure, ...",
           vocabulary=vocab.INTERVENTION_TYPE, as_written=True),
    Column("name", STRING, "intervention name, as the document writes it", nullable=False),
    Column("description", STRING, "what the intervention is and how it is given"),
    ),
)

ARM_GROUPS = _trial_child(
    "arm_groups",
    "Arms or cohorts of a trial.",
    (
    Column("label", STRING, "name of the arm or cohort", nullable=False),
    Column("group_type", STRING, "role of the arm: experimental, active or placebo comparator, ...",
           vocabulary=vocab.ARM_GROUP_TYPE, as_written=True),
    Column("description", STRING, "what participants in the arm receive"),
    Column("intervention_names", STRING_LIST, "interventions the arm receives"),
    ),
)

DOSING = _trial_child(
    "dosing",
    "One row per dose step of a regimen read from arm and intervention descriptions.",
    (
    Column("drug", STRING, "normalized drug name (see pipeline/extract/data/drugs.csv)", nullable=False),
    Column("step", INTEGER, "order of the step within the drug's regimen", min_value=1),
    Column("dose_value", DOUBLE, "amount given at this step, in dose_unit", min_value=0),
    Column("dose_value_max", DOUBLE, "upper end when the dose is a range (75-80 mg/m2)", min_value=0),
    Column("dose_unit", STRING, "unit of dose_value: mg, mg/kg, mg/m2, AUC, Gy, ...",
           vocabulary=vocab.DOSE_UNIT),
    Column("route", STRING, "how the drug is given: IV, PO (by mouth), SC, ...", vocabulary=vocab.ROUTE),
    Column("timing", STRING, "cycle/day (C1D8), frequency (Q2W), days of a cycle, fractions"),
    Column("infusion_minutes", DOUBLE, "infusion duration when stated", min_value=0),
    Column("max_dose_value", DOUBLE, "the most the text allows (a cap or an upward adjustment)", min_value=0),
    Column("max_dose_unit", STRING, "unit of max_dose_value", vocabulary=vocab.DOSE_UNIT),
    Column("dose_adjustment", STRING, "what the text says about changing the dose"),
    Column("text", STRING, "the sentence the step was read from"),
    ),
    extra_roles=frozenset({Role.READ_BY_RULES}),
)

ELIGIBILITY_CRITERIA = _trial_child(
    "eligibility_criteria",
    "One row per top-level inclusion or exclusion item; nested items stay in their parent's text.",
    (
    Column("criterion_type", STRING, "whether the item admits (INCLUSION) or excludes (EXCLUSION)",
           vocabulary=vocab.CRITERION_TYPE, nullable=False),
    Column("ordinal", INTEGER, "position within its type, from 1", min_value=1, nullable=False),
    Column("text", STRING, "the criterion as written, nested items included", nullable=False),
    ),
    extra_roles=frozenset({Role.READ_BY_RULES}),
)

ELIGIBILITY_THRESHOLDS = _trial_child(
    "eligibility_thresholds",
    "One row per numeric threshold found in an eligibility criterion.",
    (
    Column("criterion_type", STRING, "type of the criterion the threshold was read from",
           vocabulary=vocab.CRITERION_TYPE),
    Column("criterion_ordinal", INTEGER, "ordinal of that criterion within its type", min_value=1),
    Column("analyte", STRING, "upper snake case: ANC, PLATELETS, ECOG, AGE, ...", nullable=False,
           vocabulary=vocab.ANALYTES),
    Column("comparator", STRING, "how a value must compare to the threshold: >=, >, <=, <, =",
           vocabulary=vocab.COMPARATOR),
    Column("value", DOUBLE, "the threshold as written, in unit"),
    Column("unit", STRING, "the unit as written, in one spelling: x10^9/L, g/L, mL/min, ULN (a multiple of the "
           "upper limit of normal), months, ...", vocabulary=vocab.THRESHOLD_UNITS),
    Column("value_canonical", DOUBLE, "the threshold in unit_canonical (a multiple of ULN stays one)"),
    Column("unit_canonical", STRING, "the analyte's one canonical unit: x10^9/L for cell counts, g/dL, years "
           "for ages, months for life expectancy, kg, ...", vocabulary=vocab.THRESHOLD_UNITS),
    Column("condition", STRING, "when the threshold holds, as written: if liver metastases, for females, ..."),
    Column("text", STRING, "the words the threshold was read from"),
    ),
)

SPONSORS = _trial_child(
    "sponsors",
    "Lead sponsor and collaborators.",
    (
    Column("name", STRING, "organization name", nullable=False),
    Column("role", STRING, "LEAD sponsor or COLLABORATOR", vocabulary=vocab.SPONSOR_ROLE, nullable=False),
    Column("agency_class", STRING, "kind of organization: NIH, other US federal, industry, network, ...",
           vocabulary=vocab.AGENCY_CLASS, as_written=True),
    ),
)

OFFICIALS = _trial_child(
    "officials",
    "Investigators and study chairs overseeing a trial.",
    (
    Column("name", STRING, "the official's name", nullable=False),
    Column("role", STRING, "principal investigator, study chair, study director, ...",
           vocabulary=vocab.OFFICIAL_ROLE, as_written=True),
    Column("affiliation", STRING, "institution the official works for"),
    ),
    about_people=("name", "affiliation"),
)

SITES = _trial_child(
    "sites",
    "Facilities where a trial runs.",
    (
    Column("facility", STRING, "hospital, clinic or other facility name"),
    Column("city", STRING, "city of the facility"),
    Column("state", STRING, "state, province or region"),
    Column("zip", STRING, "postal code, which tells apart sites sharing a name in one city"),
    Column("country", STRING, "country of the facility"),
    Column("status", STRING, "recruitment status at this site", vocabulary=vocab.SITE_STATUS,
           as_written=True),
    ),
    about_people=("facility",),
)

CONTACTS = _trial_child(
    "contacts",
    "People to contact about a trial: central contacts (no facility) and site contacts.",
    (
    Column("name", STRING, "the contact's name"),
    Column("role", STRING, "the contact's role, as the document states it"),
    Column("phone", STRING, "telephone number; emptied in the published files", pattern=PHONE_PATTERN),
    Column("email", STRING, "email address; emptied in the published files", pattern=EMAIL_PATTERN),
    Column("facility", STRING, "site the contact belongs to; null for central contacts"),
    ),
    personal=("phone", "email"),
    about_people=("name", "role", "facility"),
)

OUTCOMES = _trial_child(
    "outcomes",
    "Primary, secondary and other outcome measures.",
    (
    Column("outcome_type", STRING, "PRIMARY, SECONDARY or OTHER outcome", vocabulary=vocab.OUTCOME_TYPE,
           nullable=False),
    Column("ordinal", INTEGER, "position within its type, from 1", min_value=1),
    Column("measure", STRING, "what is measured", nullable=False),
    Column("description", STRING, "how the measure is assessed"),
    Column("time_frame", STRING, "when the measure is assessed"),
    ),
    extra_roles=frozenset({Role.READ_BY_RULES}),
)

IDENTIFIERS = _trial_child(
    "identifiers",
    "Other identifiers of a trial: sponsor protocol numbers, secondary registry ids.",
    (
    Column("identifier", STRING, "the identifier as written", nullable=False),
    Column("identifier_type", STRING, "who issued it: sponsor, another registry, a grant, ..."),
    ),
)

EVIDENCE = Table(
    "evidence",
    "Published studies reported in news items, one row per article.",
    (
        _source_file(),
        Column("title", STRING, "headline of the article"),
        Column("citation", STRING, "the study the article reports, as cited"),
        Column("journal", STRING, "journal the study appeared in"),
        Column("published_date", DATE, "when the article was published"),
        Column("drugs", STRING_LIST, "drugs the study is about, normalized"),
        Column("conditions", STRING_LIST, "conditions the study is about"),
        Column("design", STRING, "study design: randomized trial, cohort, meta-analysis, ..."),
        Column("sample_size", INTEGER, "number of patients in the study", min_value=0),
    ),
    key=("source_file",),
    roles=_PUBLISHED_MERGED,
)

EVIDENCE_FINDINGS = Table(
    "evidence_findings",
    "One row per figure an article reports: a share of a cohort and the patients it implies.",
    (
        _source_file(),
        Column("cohort", STRING, "group of patients the figure is about"),
        Column("n", INTEGER, "cohort size", min_value=0),
        Column("measure", STRING, "what the figure measures (response, an adverse event, ...)", nullable=False),
        Column("percent", DOUBLE, "share of the cohort, in percent", min_value=0, max_value=100),
        Column("count", INTEGER, "patients implied by percent of n, or stated", min_value=0),
    ),
    key=("source_file", "cohort", "measure"),
    roles=_PUBLISHED_MERGED | {Role.READ_BY_RULES},
)

EVIDENCE_TRIAL_LINKS = Table(
    "evidence_trial_links",
    "Articles linked to the trials that share a drug and a condition with them.",
    (
        _source_file(),
        _nct_id(),
        Column("shared_drugs", STRING_LIST, "drugs both the article and the trial name"),
        Column("shared_conditions", STRING_LIST, "conditions both the article and the trial name"),
    ),
    key=("source_file", "nct_id"),
    step=Step.LINKED,
    roles=_PUBLISHED_MERGED | {Role.TRIAL_ROWS},
)

DOCUMENTS = Table(
    "documents",
    "One row per file in the source directory, parsed or quarantined.",
    (
        _source_file(),
        Column("sha256", STRING, "SHA-256 of the file's bytes", nullable=False, pattern=r"^[0-9a-f]{64}$"),
        Column("bytes", INTEGER, "file size", nullable=False, min_value=0),
        Column("format", STRING, "layout the document was recognised as", vocabulary=vocab.DOCUMENT_FORMAT),
        Column("status", STRING, "PARSED, or QUARANTINED when it could not be read",
               vocabulary=vocab.DOCUMENT_STATUS, nullable=False),
        _nct_id(nullable=True),
        Column("error", STRING, "why a document was quarantined"),
        Column("encoding", STRING, "the text encoding the document was read in"),
        Column("parser_version", STRING, "version of the parsing code that read it; a new one rereads every document"),
        Column("parsed_run_id", STRING, "the run that last parsed this document"),
    ),
    key=("source_file",),
    roles=_PUBLISHED_MERGED,
)

_FINDING_COLUMNS: tuple[Column, ...] = (
    Column("check_name", STRING, "what raised the finding; each belongs to one asset check "
           "(pipeline/registry/checks.py)", nullable=False),
    Column("category", STRING, "kind of defect: parse, identifier, domain, date_order, ...",
           vocabulary=vocab.FINDING_CATEGORY, nullable=False),
    Column("severity", STRING, "ERROR, WARNING or INFO", vocabulary=vocab.FINDING_SEVERITY, nullable=False),
    _nct_id(nullable=True),
    Column("source_file", STRING, "document the finding is about; null when it is about no single one"),
    Column("field", STRING, "column or field the finding is about"),
    Column("observed", STRING, "the value found, as written"),
    Column("message", STRING, "what is wrong, for an analyst", nullable=False),
    Column("line", INTEGER, "line of the document's decoded text the finding is about, from 1; null when it "
           "is about no single line (a quarantined file, a whole trial)", min_value=1),
    Column("record_path", STRING, "path of the value in a JSON or XML record "
           "(protocolSection.statusModule.startDateStruct.date, clinical_study/start_date)"),
)

QUALITY_FINDINGS = Table(
    "quality_findings",
    "Every defect a check found, written for an analyst.",
    _FINDING_COLUMNS,
    step=Step.QUALITY,
    roles=frozenset({Role.CONTRACT, Role.PUBLISHED}),
)

QUALITY_SUMMARY = Table(
    "quality_summary",
    "Findings counted by document, category and severity.",
    (
        Column("source_file", STRING, "document the findings are about"),
        Column("nct_id", STRING, "trial the findings are about"),
        Column("category", STRING, "kind of defect", vocabulary=vocab.FINDING_CATEGORY, nullable=False),
        Column("severity", STRING, "ERROR, WARNING or INFO", vocabulary=vocab.FINDING_SEVERITY, nullable=False),
        Column("findings", INTEGER, "how many findings", min_value=1, nullable=False),
    ),
    step=Step.QUALITY,
    roles=frozenset({Role.PUBLISHED}),
)

STUDY_SOURCES = Table(
    "study_sources",
    "Which documents describe which trial, most recently updated first.",
    (
        _nct_id(),
        _source_file(),
        Column("format", STRING, "layout of the document", vocabulary=vocab.DOCUMENT_FORMAT),
        Column("last_update_posted_date", DATE, "last update the document says the registry posted"),
        Column("rank", INTEGER, "1 for the document whose values win", min_value=1),
    ),
    key=("nct_id", "source_file"),
    step=Step.MERGED,
    roles=frozenset({Role.PUBLISHED, Role.VALIDATED, Role.READ_BY_RULES, Role.TRIAL_ROWS}),
)

STUDY_FIELD_SOURCES = Table(
    "study_field_sources",
    "Where every studies value came from: one row per field per document stating it, with the line of "
    "the decoded text and, for JSON and XML records, the path in the record; chosen marks the document "
    "studies took the field from.",
    (
        _nct_id(),
        Column("field", STRING, "studies column the value fills", nullable=False),
        _source_file(),
        Column("line", INTEGER, "line of the document's decoded text holding the value, from 1; null when the "
               "value as written is not found in the text (a layout joined or rebuilt it)", min_value=1),
        Column("record_path", STRING, "path of the value in a JSON or XML record "
               "(protocolSection.statusModule.startDateStruct.date, clinical_study/start_date)"),
        Column("value", STRING, "the value as the document wrote it, before it was typed"),
        # Known once the trial's documents are ranked: empty in the per-document rows.
        Column("rank", INTEGER, "the document's rank among the trial's documents (study_sources.rank)", min_value=1),
        Column("chosen", BOOLEAN, "whether studies took this field from this document"),
    ),
    key=("nct_id", "field", "source_file"),
    step=Step.MERGED,
    # Joined to study_sources when built, so every row has its trial; no schema check of its own.
    roles=frozenset({Role.PUBLISHED}),
)

RAW_DOCUMENTS = Table(
    "raw_documents",
    "Every source file as received, so a document can be reparsed without its file.",
    (
        _source_file(),
        Column("sha256", STRING, "SHA-256 of the bytes", nullable=False),
        Column("bytes", INTEGER, "file size", nullable=False),
        Column("modified_ns", INTEGER, "file modification time when staged (an archive member: its archive's), "
               "to skip rehashing unchanged files"),
        Column("content", BINARY, "the bytes as received; null when they were refused"),
        Column("refused", STRING, "why the bytes were not read: a link, or a file above the size limit"),
        Column("crc32", INTEGER, "a zip member's CRC-32 from its archive's directory, to skip decompressing "
               "unchanged members; null for a file"),
        Column("staged_at", TIMESTAMP, "when the file was staged"),
        Column("staged_run_id", STRING, "the run that staged it"),
    ),
    key=("source_file",),
    step=Step.STAGED,
)

PARSED_FINDINGS = Table(
    "parsed_findings",
    "Findings raised while reading each document.",
    _FINDING_COLUMNS,
)

PENDING_TRIALS = Table(
    "pending_trials",
    "Trials whose documents changed since the trial tables were built.",
    (Column("nct_id", STRING, "trial to rebuild"),),
    step=Step.PENDING,
)

PENDING_DOCUMENTS = Table(
    "pending_documents",
    "Documents changed since the trial tables were built.",
    (Column("source_file", STRING, "document to rebuild"),),
    step=Step.PENDING,
)


def parsed_table_name(table: Table) -> str:
    """The per-document table a trial child table is merged from."""
    return f"parsed_{table.name}"


def _parsed(table: Table) -> Table:
    return Table(parsed_table_name(table), f"{table.name} as read from each document", table.columns, table.key,
                 personal=table.personal)


# Where each studies value came from, per document: every document's, so a value
# that lost the merge is found as easily as the one studies kept.
PARSED_STUDY_FIELD_SOURCES = _parsed(STUDY_FIELD_SOURCES)

# The published tables, in the order of the contract's list (the manifest
# follows it), then provenance and the findings summary published beside them.
_PUBLISHED: tuple[Table, ...] = (
    STUDIES,
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
    EVIDENCE_TRIAL_LINKS,
    EVIDENCE,
    EVIDENCE_FINDINGS,
    DOCUMENTS,
    QUALITY_FINDINGS,
    STUDY_SOURCES,
    STUDY_FIELD_SOURCES,
    QUALITY_SUMMARY,
)

# Every table of the warehouse.
TABLES: tuple[Table, ...] = (
    *_PUBLISHED,
    RAW_DOCUMENTS,
    PARSED_STUDIES,
    PARSED_STUDY_FIELD_SOURCES,
    *(_parsed(t) for t in _PUBLISHED if Role.TRIAL_CHILD in t.roles),
    PARSED_FINDINGS,
    PENDING_TRIALS,
    PENDING_DOCUMENTS,
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def tables_with(*roles: Role, step: Step | None = None) -> tuple[Table, ...]:
    """The tables holding every one of `roles` (and written by `step`, when given), in declaration order."""
    return tuple(t for t in TABLES if t.roles.issuperset(roles) and (step is None or t.step is step))


def names(tables: tuple[Table, ...]) -> tuple[str, ...]:
    return tuple(t.name for t in tables)


def qualified(table_name: str) -> str:
    """A declared table's name as SQL writes it; a name that is not declared is an error, never pasted."""
    if table_name not in TABLES_BY_NAME:
        raise KeyError(f"{table_name!r} is not a declared warehouse table")
    return TABLES_BY_NAME[table_name].qualified_name


TRIAL_CHILD_TABLES: tuple[Table, ...] = tables_with(Role.TRIAL_CHILD)
CONTRACT_TABLES: tuple[Table, ...] = tables_with(Role.CONTRACT)
PUBLISHED_TABLES: tuple[Table, ...] = tables_with(Role.PUBLISHED)

# Columns of people's contact details, by table.
PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {t.name: t.personal for t in TABLES if t.personal}
# A finding names the column it is about, or a pair of swapped columns
# joined by a comma ("phone,email"): either way it quotes contact details.
PERSONAL_FINDING_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(
    field for t in TABLES if t.personal for field in (*t.personal, ",".join(t.personal))
))
