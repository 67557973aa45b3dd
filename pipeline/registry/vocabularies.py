"""The contract's vocabularies and the labels each source layout uses for them.

Every layout writes the same facts differently ("Not yet enrolling",
"NOT_YET_RECRUITING", "Not yet recruiting"); mapping them here, once, keeps
the layouts from each inventing their own spelling of the vocabulary.
"""

from __future__ import annotations

import functools
import re

OVERALL_STATUS = (
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
    "COMPLETED",
    "SUSPENDED",
    "TERMINATED",
    "WITHDRAWN",
    "UNKNOWN",
    # Expanded access programmes say whether a patient can get the drug, not whether a trial recruits.
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
)
PHASE = (
    "EARLY_PHASE1",
    "PHASE1",
    "PHASE1/PHASE2",
    "PHASE2",
    "PHASE2/PHASE3",
    "PHASE3",
    "PHASE4",
    "NA",
)
STUDY_TYPE = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
ENROLLMENT_TYPE = ("ESTIMATED", "ACTUAL")
SEX = ("ALL", "FEMALE", "MALE")
ALLOCATION = ("RANDOMIZED", "NON_RANDOMIZED", "NA")
INTERVENTION_MODEL = ("SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL")
MASKING = ("NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE")
PRIMARY_PURPOSE = (
    "TREATMENT",
    "PREVENTION",
    "DIAGNOSTIC",
    "ECT",
    "SUPPORTIVE_CARE",
    "SCREENING",
    "HEALTH_SERVICES_RESEARCH",
    "BASIC_SCIENCE",
    "DEVICE_FEASIBILITY",
    "OTHER",
)
CRITERION_TYPE = ("INCLUSION", "EXCLUSION")
OUTCOME_TYPE = ("PRIMARY", "SECONDARY", "OTHER")
SPONSOR_ROLE = ("LEAD", "COLLABORATOR")
AGENCY_CLASS = ("NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN")
OFFICIAL_ROLE = ("STUDY_CHAIR", "STUDY_DIRECTOR", "PRINCIPAL_INVESTIGATOR", "SUB_INVESTIGATOR")
INTERVENTION_TYPE = (
    "BEHAVIORAL",
    "BIOLOGICAL",
    "COMBINATION_PRODUCT",
    "DEVICE",
    "DIAGNOSTIC_TEST",
    "DIETARY_SUPPLEMENT",
    "DRUG",
    "GENETIC",
    "PROCEDURE",
    "RADIATION",
    "OTHER",
)
ARM_GROUP_TYPE = (
    "EXPERIMENTAL",
    "ACTIVE_COMPARATOR",
    "PLACEBO_COMPARATOR",
    "SHAM_COMPARATOR",
    "NO_INTERVENTION",
    "OTHER",
)
# Sites share the study statuses, expanded access's included (a site of a programme is AVAILABLE).
SITE_STATUS = OVERALL_STATUS
COMPARATOR = (">=", ">", "<=", "<", "=")
DOSE_UNIT = ("mg", "g", "mcg", "ug", "mg/kg", "mcg/kg", "ug/kg", "mg/m2", "g/m2", "mcg/m2", "AUC", "Gy", "cGy", "IU", "U", "mL", "%")
ROUTE = ("IV", "PO", "SC", "IM", "IT", "INHALED", "TOPICAL", "RADIOTHERAPY", "OTHER")
DATE_PRECISION = ("DAY", "MONTH", "YEAR")
DOCUMENT_STATUS = ("PARSED", "QUARANTINED")
DOCUMENT_FORMAT = ("mirror_page", "ctgov_text", "veeva_page", "news_article", "ctgov_json", "ctgov_xml")
# What eligibility thresholds measure, in upper snake case, and every unit a
# threshold is stored in; `pipeline.extract.free_text.thresholds` says which
# words name each analyte and which units it accepts.
ANALYTES = (
    "ANC",
    "PLATELETS",
    "WBC",
    "LYMPHOCYTES",
    "HEMOGLOBIN",
    "ALBUMIN",
    "CREATININE_CLEARANCE",
    "GFR",
    "CREATININE",
    "BILIRUBIN",
    "DIRECT_BILIRUBIN",
    "AST",
    "ALT",
    "INR",
    "PT",
    "APTT",
    "LVEF",
    "SPO2",
    "QTC",
    "SYSTOLIC_BP",
    "DIASTOLIC_BP",
    "URINE_PROTEIN",
    "URINE_PROTEIN_24H",
    "ECOG",
    "KARNOFSKY",
    "AGE",
    "LIFE_EXPECTANCY",
    "BMI",
    "WEIGHT",
    "HBA1C",
    "GLUCOSE",
    "POTASSIUM",
    "MAGNESIUM",
    "CALCIUM",
    "CD4",
)
THRESHOLD_UNITS = (
    "%", "+", "/mm3", "/uL", "IU/L", "U/L", "ULN", "days", "g/24h", "g/L", "g/dL", "hours", "kg", "kg/m2", "lb",
    "mEq/L", "mL/min", "mL/min/1.73m2", "mg/24h", "mg/dL", "mmHg", "mmol/L", "mmol/mol", "months", "ms", "seconds",
    "umol/L", "weeks", "x10^3/mm3", "x10^3/uL", "x10^9/L", "years",
)
FINDING_SEVERITY = ("ERROR", "WARNING", "INFO")
FINDING_CATEGORY = (
    "parse",
    "identifier",
    "domain",
    "date_order",
    "enrollment",
    "field_swap",
    "consistency",
    "duplicate_conflict",
)


# Documents repeat a handful of labels on every row (site status, contact
# role), so the pure functions below remember their last few thousand answers.
_REMEMBERED_LABELS = 4096
_NOT_KEY_CHARACTERS = re.compile(r"[^A-Z0-9/]+")


@functools.lru_cache(maxsize=_REMEMBERED_LABELS)
def label_key(label: str) -> str:
    """Upper snake case of a label, the form every vocabulary uses.

    "Not yet recruiting" -> NOT_YET_RECRUITING, "Single Group" -> SINGLE_GROUP.
    """
    return _NOT_KEY_CHARACTERS.sub("_", label.strip().upper()).strip("_")


# Labels that do not become their vocabulary value by label_key alone.
_SYNONYMS: dict[tuple[str, ...], dict[str, str]] = {
    OVERALL_STATUS: {
        "NOT_YET_ENROLLING": "NOT_YET_RECRUITING",
        "ACTIVE_NOT_ENROLLING": "ACTIVE_NOT_RECRUITING",
        "ENROLLING": "RECRUITING",
        "ENROLLING_BY_INVITATION_ONLY": "ENROLLING_BY_INVITATION",
        "UNKNOWN_STATUS": "UNKNOWN",
    },
    PHASE: {
        "EARLY_PHASE_1": "EARLY_PHASE1",
        "PHASE_0": "EARLY_PHASE1",
        "PHASE_1": "PHASE1",
        "PHASE_2": "PHASE2",
        "PHASE_3": "PHASE3",
        "PHASE_4": "PHASE4",
        "PHASE_1/PHASE_2": "PHASE1/PHASE2",
        "PHASE_1/2": "PHASE1/PHASE2",
        "PHASE1/2": "PHASE1/PHASE2",
        "PHASE_2/PHASE_3": "PHASE2/PHASE3",
        "PHASE_2/3": "PHASE2/PHASE3",
        "PHASE2/3": "PHASE2/PHASE3",
        "PHASE_I": "PHASE1",
        "PHASE_II": "PHASE2",
        "PHASE_III": "PHASE3",
        "PHASE_IV": "PHASE4",
        "N/A": "NA",
        "NOT_APPLICABLE": "NA",
    },
    STUDY_TYPE: {"EXPANDED_ACCESS_PROGRAM": "EXPANDED_ACCESS"},
    ENROLLMENT_TYPE: {"ESTIMATE": "ESTIMATED", "ANTICIPATED": "ESTIMATED"},
    SEX: {"BOTH": "ALL", "ALL_SEXES": "ALL", "FEMALES": "FEMALE", "MALES": "MALE"},
    ALLOCATION: {
        "N/A": "NA",
        "NOT_APPLICABLE": "NA",
        "NON_RANDOMISED": "NON_RANDOMIZED",
        "NONRANDOMIZED": "NON_RANDOMIZED",
        "RANDOMISED": "RANDOMIZED",
    },
    INTERVENTION_MODEL: {
        "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP",
        "PARALLEL_ASSIGNMENT": "PARALLEL",
        "CROSSOVER_ASSIGNMENT": "CROSSOVER",
        "FACTORIAL_ASSIGNMENT": "FACTORIAL",
        "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
    },
    MASKING: {
        "NONE_OPEN_LABEL": "NONE",
        "OPEN_LABEL": "NONE",
        "NO_MASKING": "NONE",
        "SINGLE_BLIND": "SINGLE",
        "DOUBLE_BLIND": "DOUBLE",
        "TRIPLE_BLIND": "TRIPLE",
        "QUADRUPLE_BLIND": "QUADRUPLE",
    },
    PRIMARY_PURPOSE: {"SUPPORTIVE": "SUPPORTIVE_CARE", "PREVENTIVE": "PREVENTION"},
    SPONSOR_ROLE: {"LEAD_SPONSOR": "LEAD", "SPONSOR": "LEAD", "COLLABORATORS": "COLLABORATOR"},
    AGENCY_CLASS: {"U_S_FED": "FED", "INDUSTRY_SPONSOR": "INDUSTRY", "OTHER_GOVERNMENT": "OTHER_GOV"},
    OFFICIAL_ROLE: {"PRINCIPAL_INVESTIGATOR_PI": "PRINCIPAL_INVESTIGATOR"},
    ARM_GROUP_TYPE: {"NO_INTERVENTION_ARM": "NO_INTERVENTION"},
}


@functools.lru_cache(maxsize=_REMEMBERED_LABELS)
def to_vocabulary(label: str | None, vocabulary: tuple[str, ...]) -> str | None:
    """The vocabulary value a label stands for, or None when it stands for none.

    Unknown labels return None rather than a guess; callers keep the raw text
    and report it, so a new spelling is seen and added here, not silently lost.
    """
    if label is None:
        return None
    key = label_key(label)
    if not key:
        return None
    if key in vocabulary:
        return key
    synonyms = _SYNONYMS.get(vocabulary, {})
    if key in synonyms:
        return synonyms[key]
    compact = key.replace("_", "")
    for value in vocabulary:
        if value.replace("_", "") == compact:
            return value
    return None
