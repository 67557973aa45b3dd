"""Numeric thresholds read from eligibility criteria: "ANC ≥ 1.5 × 10^9/L", "ECOG 0-1".

A threshold is a number bound to a named analyte. The analyte must be named
right before the number ("Hemoglobin (HB) ≥ 80 g/L", "AST and ALT ≤ 2.5 ×
ULN"), with nothing between them but filler words ("calculated", "of",
"score", a parenthesised abbreviation); ages may also be named after it ("18
years of age or older"), and scores right after it ("Less than 30 Karnofsky
score"). A comparator may come before the name ("over the age of 60",
"Minimum life expectancy of 3 months"). A number with no analyte named is a
duration, a dose or a grade ("within 14 days", "prednisone ≤10 mg",
"grade ≥2 pneumonitis") and yields no row: a wrong threshold misleads more
than a missing one.

Decisions an analyst should know:

* Ranges give two rows (AGE >= 18, AGE <= 75), except that a score's floor
  is no limit: "ECOG 0-2" gives only ECOG <= 2, while "ECOG 1-2" also gives
  ECOG >= 1; nor is a score's top ("Karnofsky 70-100%" gives only >= 70).
  A bare score ("ECOG Performance Status 2") gives "=". A bare lab
  value ("ANC 1500") is ambiguous and gives nothing.
* Each analyte accepts only its own units; a reading in any other unit is
  dropped ("hemoglobin ≥ 9 days" is not a hemoglobin level). Unit spellings
  are normalised (109/L, 10^9/L, 10⁹/L -> x10^9/L), values are not converted.
* A second form of the same value in parentheses ("1.5 × 10^9/L
  (1,500/mm3)") is the same threshold and gives no second row.
* PTT and aPTT are one analyte, APTT: laboratories report the activated test
  under both names.
* Urine protein by dipstick ("< 2+") is URINE_PROTEIN with unit "+"; a
  24-hour quantity ("24 hour urine protein < 1.0 g") is URINE_PROTEIN_24H in
  g/24h, so both readings of one criterion keep a row each.
* Rows are what the text states, in exclusion criteria too: "QTcF > 470 ms"
  in an exclusion is QTC > 470, and criterion_type says it excludes.
* Blood pressure "> 140/90 mmHg" gives SYSTOLIC_BP > 140 and DIASTOLIC_BP >
  90; a single blood pressure value bounds the pressure named after it ("<
  90 mm Hg systolic") and gives nothing when none is.
* A condition is read after the value ("if liver metastases", "for
  females"), before the name at the start of a clause ("Male subjects weigh
  not less than 50 kg" holds for "Male subjects"; an age never gets one) and
  from a time point heading the values after it ("2 hour: 140 - 199 mg/dl").
* A risk score's items ("1 point each: age>67") and a unit continued by
  another divisor ("500 mg/day/1.73 m2") are no thresholds.
* Within one criterion the first threshold for an analyte and comparator
  wins, since (analyte, comparator) identifies a row of the table.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from typing import NamedTuple

from pipeline.extract.fields.criteria import unescape_markdown
from pipeline.extract.free_text.patterns import grouped_alternation

# Words naming each analyte. A single word with a capital letter is an
# abbreviation and matched in its own case ("PT" is not "pt"); other phrases
# match in any case. Hyphens and spaces inside a phrase are interchangeable
# ("T-Bil", "TBil").
ANALYTE_SYNONYMS: dict[str, tuple[str, ...]] = {
    # older protocols count granulocytes where newer ones count neutrophils, for the same limit
    "ANC": ("absolute neutrophil count", "absolute neutrophils", "neutrophil count", "neutrophils",
            "neutrophil", "ANC", "absolute granulocyte count", "granulocyte count", "granulocytes", "AGC"),
    "PLATELETS": ("platelet count", "platelets", "platelet", "PLT", "thrombocytopenia"),
    "HEMOGLOBIN": ("hemoglobin", "haemoglobin", "HB", "Hb", "Hgb", "HGB"),
    "WBC": ("white blood cell count", "white blood cells", "leukocyte count", "leukocytes", "leukocyte", "WBC"),
    "LYMPHOCYTES": ("absolute lymphocyte count", "lymphocyte count", "lymphocytes", "lymphocyte", "ALC"),
    "CREATININE_CLEARANCE": ("creatinine clearance", "CrCl", "CrCL", "CLcr", "CCr"),
    "GFR": ("estimated glomerular filtration rate", "glomerular filtration rate", "eGFR", "GFR"),
    "CREATININE": ("serum creatinine", "creatinine", "creatinin", "SCr", "Cr"),
    "BILIRUBIN": ("total bilirubin", "bilirubin", "TBil", "TBIL", "TBiL"),
    "DIRECT_BILIRUBIN": ("direct bilirubin", "conjugated bilirubin", "DBil", "DBIL"),
    "AST": ("aspartate aminotransferase", "aspartate transaminase", "AST", "SGOT", "GOT"),
    "ALT": ("alanine aminotransferase", "alanine transaminase", "ALT", "SGPT", "GPT"),
    "ALBUMIN": ("serum albumin", "albumin", "ALB"),
    "INR": ("international normalized ratio", "international normalised ratio", "INR"),
    "PT": ("prothrombin time", "PT"),
    "APTT": ("activated partial thromboplastin time", "partial thromboplastin time", "APTT", "aPTT", "PTT"),
    "LVEF": ("left ventricular ejection fraction", "ejection fraction", "LVEF", "EF"),
    "SPO2": ("peripheral oxygen saturation", "oxygen saturation", "SpO2", "SPO2"),
    "QTC": ("corrected QT interval", "QTc interval", "QTcF", "QTcB", "QTc"),
    "SYSTOLIC_BP": ("systolic blood pressure", "systolic pressure", "systolic BP", "SBP"),
    "DIASTOLIC_BP": ("diastolic blood pressure", "diastolic pressure", "diastolic BP", "DBP"),
    "URINE_PROTEIN": ("urine protein", "urinary protein", "proteinuria"),
    "URINE_PROTEIN_24H": ("24 hour (h) urine protein", "24 hour urine protein", "24 hour urinary protein",
                          "24h urine protein", "24 hours urine protein"),
    "ECOG": ("eastern cooperative oncology group", "ECOG", "Zubrod", "WHO performance status", "performance status",
             "PS"),
    "KARNOFSKY": ("karnofsky performance status", "karnofsky performance score", "karnofsky", "KPS"),
    "AGE": ("age", "aged", "ages"),
    "LIFE_EXPECTANCY": ("life expectancy", "expected survival time", "expected survival",
                        "estimated survival", "predicted survival", "expected lifespan", "expected to live for",
                        "anticipated to live for", "expected to live", "anticipated to live"),
    "BMI": ("body mass index", "BMI"),
    "WEIGHT": ("body weight", "bodyweight", "weighing", "weight", "weigh"),
    "HBA1C": ("glycated hemoglobin", "glycosylated hemoglobin", "hemoglobin A1c", "HbA1c", "HbA1C", "A1c", "A1C"),
    "GLUCOSE": ("fasting plasma glucose", "fasting blood glucose", "fasting glucose", "blood glucose", "glucose", "FPG"),
    "POTASSIUM": ("potassium", "K+"),
    "MAGNESIUM": ("magnesium", "Mg"),
    "CALCIUM": ("corrected calcium", "calcium", "Ca"),
    "CD4": ("CD4+ T-cell count", "CD4+ cell count", "CD4 cell count", "CD4 count", "CD4+", "CD4"),
}

# A phrase naming several analytes at once: "transaminases <= 2.5 x ULN" bounds AST and ALT.
# Blood pressure names both pressures, and each value says which it bounds
# ("> 140/90 mmHg", "< 90 mm Hg systolic"), so it stands for them until then.
_SHARED_NAMES: dict[str, tuple[str, ...]] = {
    "AST": ("hepatic transaminases", "liver transaminases", "transaminases", "aminotransferases", "aminotransferase"),
    "BLOOD_PRESSURE": ("blood pressure", "BP"),
}
_BLOOD_PRESSURE = "BLOOD_PRESSURE"
_SHARED_ANALYTES = {"AST": ("AST", "ALT"), _BLOOD_PRESSURE: (_BLOOD_PRESSURE,)}

_CELL_COUNT_UNITS = {unit: unit for unit in ("x10^9/L", "x10^3/uL", "x10^3/mm3", "/mm3", "/uL")}
_AGE_UNITS = {unit: unit for unit in ("years", "months", "weeks", "days", "hours")}

# The units each analyte is measured in: read unit -> stored unit. None as
# a key means the analyte may be written without a unit (scores, INR). The
# analytes and stored units are the table's vocabularies, declared in
# `pipeline.registry.vocabularies` (ANALYTES, THRESHOLD_UNITS).
_UNITS: dict[str, dict[str | None, str | None]] = {
    "ANC": _CELL_COUNT_UNITS,
    "PLATELETS": _CELL_COUNT_UNITS,
    "WBC": _CELL_COUNT_UNITS,
    "LYMPHOCYTES": _CELL_COUNT_UNITS,
    "HEMOGLOBIN": {"g/L": "g/L", "g/dL": "g/dL", "mmol/L": "mmol/L"},
    "ALBUMIN": {"g/L": "g/L", "g/dL": "g/dL"},
    "CREATININE_CLEARANCE": {"mL/min": "mL/min", "mL/min/1.73m2": "mL/min/1.73m2"},
    "GFR": {"mL/min": "mL/min", "mL/min/1.73m2": "mL/min/1.73m2"},
    "CREATININE": {"ULN": "ULN", "mg/dL": "mg/dL", "umol/L": "umol/L"},
    "BILIRUBIN": {"ULN": "ULN", "mg/dL": "mg/dL", "umol/L": "umol/L"},
    "DIRECT_BILIRUBIN": {"ULN": "ULN", "mg/dL": "mg/dL", "umol/L": "umol/L"},
    "AST": {"ULN": "ULN", "U/L": "U/L", "IU/L": "IU/L"},
    "ALT": {"ULN": "ULN", "U/L": "U/L", "IU/L": "IU/L"},
    "INR": {"ULN": "ULN", None: None},
    "PT": {"ULN": "ULN", "seconds": "seconds"},
    "APTT": {"ULN": "ULN", "seconds": "seconds"},
    "LVEF": {"%": "%"},
    "SPO2": {"%": "%"},
    "QTC": {"ms": "ms"},
    "SYSTOLIC_BP": {"mmHg": "mmHg"},
    "DIASTOLIC_BP": {"mmHg": "mmHg"},
    "URINE_PROTEIN": {"+": "+"},
    "URINE_PROTEIN_24H": {"g/24h": "g/24h", "mg/24h": "mg/24h", "g": "g/24h", "mg": "mg/24h"},
    "ECOG": {None: None},
    "KARNOFSKY": {None: None, "%": "%"},
    "AGE": {**_AGE_UNITS, None: "years"},
    "LIFE_EXPECTANCY": _AGE_UNITS,
    "BMI": {"kg/m2": "kg/m2", None: "kg/m2"},
    "WEIGHT": {"kg": "kg", "lb": "lb"},
    "HBA1C": {"%": "%", "mmol/mol": "mmol/mol"},
    "GLUCOSE": {"mg/dL": "mg/dL", "mmol/L": "mmol/L"},
    "POTASSIUM": {"mmol/L": "mmol/L", "mEq/L": "mEq/L"},
    "MAGNESIUM": {"mg/dL": "mg/dL", "mmol/L": "mmol/L", "mEq/L": "mEq/L"},
    "CALCIUM": {"mg/dL": "mg/dL", "mmol/L": "mmol/L"},
    "CD4": {"/mm3": "/mm3", "/uL": "/uL", "x10^9/L": "x10^9/L"},
}

# The one unit each analyte's value is also given in (value_canonical,
# unit_canonical), and the factor from each other unit it is written in. A
# multiple of the upper limit of normal converts to no absolute unit (each
# laboratory has its own), so ULN stays ULN; an analyte with no unit keeps none.
_HOURS_PER_MONTH = 365.25 * 24 / 12
_CANONICAL: dict[str, tuple[str | None, dict[str | None, float]]] = {
    **dict.fromkeys(("ANC", "PLATELETS", "WBC", "LYMPHOCYTES"), ("x10^9/L", {
        "x10^9/L": 1.0, "x10^3/uL": 1.0, "x10^3/mm3": 1.0, "/mm3": 1e-3, "/uL": 1e-3})),
    "CD4": ("/mm3", {"/mm3": 1.0, "/uL": 1.0, "x10^9/L": 1e3}),
    "HEMOGLOBIN": ("g/dL", {"g/dL": 1.0, "g/L": 0.1, "mmol/L": 1.611}),
    "ALBUMIN": ("g/dL", {"g/dL": 1.0, "g/L": 0.1}),
    "CREATININE_CLEARANCE": ("mL/min", {"mL/min": 1.0, "mL/min/1.73m2": 1.0}),
    "GFR": ("mL/min/1.73m2", {"mL/min": 1.0, "mL/min/1.73m2": 1.0}),
    "CREATININE": ("mg/dL", {"mg/dL": 1.0, "umol/L": 1 / 88.42}),
    **dict.fromkeys(("BILIRUBIN", "DIRECT_BILIRUBIN"), ("mg/dL", {"mg/dL": 1.0, "umol/L": 1 / 17.104})),
    **dict.fromkeys(("AST", "ALT"), ("U/L", {"U/L": 1.0, "IU/L": 1.0})),
    **dict.fromkeys(("PT", "APTT"), ("seconds", {"seconds": 1.0})),
    "URINE_PROTEIN_24H": ("g/24h", {"g/24h": 1.0, "mg/24h": 1e-3}),
    "KARNOFSKY": ("%", {"%": 1.0, None: 1.0}),
    "AGE": ("years", {"years": 1.0, None: 1.0, "months": 1 / 12, "weeks": 7 / 365.25, "days": 1 / 365.25,
                      "hours": 1 / (365.25 * 24)}),
    "LIFE_EXPECTANCY": ("months", {"months": 1.0, "years": 12.0, "weeks": 7 * 24 / _HOURS_PER_MONTH,
                                   "days": 24 / _HOURS_PER_MONTH, "hours": 1 / _HOURS_PER_MONTH}),
    "BMI": ("kg/m2", {"kg/m2": 1.0}),
    "WEIGHT": ("kg", {"kg": 1.0, "lb": 0.45359237}),
    "GLUCOSE": ("mg/dL", {"mg/dL": 1.0, "mmol/L": 18.016}),
    "POTASSIUM": ("mmol/L", {"mmol/L": 1.0, "mEq/L": 1.0}),
    "MAGNESIUM": ("mmol/L", {"mmol/L": 1.0, "mEq/L": 0.5, "mg/dL": 0.4114}),
    "CALCIUM": ("mg/dL", {"mg/dL": 1.0, "mmol/L": 4.008}),
}


def canonical(analyte: str, value: float, unit: str | None) -> tuple[float, str | None]:
    """The value in its analyte's one canonical unit: "4 months" of age is 0.333 years, "1,500/mm3" 1.5 x10^9/L.

    HbA1c in mmol/mol (IFCC) becomes % (NGSP) by the master equation, not a factor.
    """
    if analyte == "HBA1C" and unit == "mmol/mol":
        return round(value * 0.09148 + 2.152, 4), "%"
    if unit == "ULN" or analyte not in _CANONICAL:
        return value, unit
    canonical_unit, factors = _CANONICAL[analyte]
    return round(value * factors[unit], 6), canonical_unit


# Scores whose lowest value is no limit; only these may be written bare.
_SCORE_FLOOR = {"ECOG": 0.0}
# Scores whose highest value is no limit: "Karnofsky 70-100%" bounds it from below only.
_SCORE_CEILING = {"KARNOFSKY": 100.0}

_COMPARATOR_WORDS: dict[str, tuple[str, ...]] = {
    ">=": ("≥", "⩾", "≧", ">=", "=>", ">/=", "=/>", "> or =", "> or equal to", "≥/=", "greater than or equal to",
           "more than or equal to", "greater or equal to", "greater than equal to", "equal to or greater than", "equal to or more than", "at least", "no less than",
           "not less than", "minimum of", "minimum"),
    "<=": ("≤", "⩽", "≦", "<=", "=<", "</=", "=/<", "< or =", "< or equal to", "≤/=", "less than or equal to",
           "less or equal to", "less than equal to",
           "equal to or less than", "no more than", "not more than", "no greater than", "not greater than",
           "not exceeding", "not to exceed", "up to", "maximum of", "maximum"),
    ">": (">", "> than", "greater than", "more than", "higher than", "above", "over", "older than", "exceeding", "exceeds",
          "exceed"),
    "<": ("<", "< than", "less than", "lower than", "below", "under", "younger than"),
    "=": ("=",),
}
_COMPARATORS = {word: comparator for comparator, words in _COMPARATOR_WORDS.items() for word in words}


def _alternation(phrases: list[str]) -> str:
    """Longest first, so "at least" is not read as "<" and "platelet count" not as "platelet"."""
    return "|".join(sorted(phrases, key=len, reverse=True))


def _comparator_pattern() -> str:
    spelled = [r"\s+".join(word.split()) for word in _COMPARATORS if word[0].isalpha()]
    symbols = [re.escape(word) for word in _COMPARATORS if not word[0].isalpha()]
    return rf"(?i:\b(?:{_alternation(spelled)})\b)|{_alternation(symbols)}"


_PHRASE_SEPARATORS = re.compile(r"[\s-]+")


def _phrase_body(phrase: str) -> str:
    return r"[\s-]*".join(re.escape(word) for word in _PHRASE_SEPARATORS.split(phrase))


def _is_abbreviation(phrase: str) -> bool:
    return " " not in phrase and any(char.isupper() for char in phrase)


def _phrase_pattern(phrase: str) -> str:
    return _phrase_body(phrase) if _is_abbreviation(phrase) else f"(?i:{_phrase_body(phrase)})"


def _phrase_key(text: str) -> str:
    return _PHRASE_SEPARATORS.sub("", text).casefold()


_ANALYTE_BY_PHRASE = {
    **{_phrase_key(phrase): (analyte,) for analyte, phrases in ANALYTE_SYNONYMS.items() for phrase in phrases},
    **{_phrase_key(phrase): _SHARED_ANALYTES[key] for key, phrases in _SHARED_NAMES.items() for phrase in phrases},
}
_ANALYTE_PHRASES = [phrase for phrases in [*ANALYTE_SYNONYMS.values(), *_SHARED_NAMES.values()] for phrase in phrases]


def _longest_first(phrases: list[str]) -> list[str]:
    """The phrases in `_alternation`'s order of their patterns."""
    return sorted(phrases, key=lambda phrase: len(_phrase_pattern(phrase)), reverse=True)


def _by_first_character(phrases: list[str]) -> str:
    """The alternation of the phrases' patterns, grouped by first character in any case.

    A group opens with a look-ahead on that character, in any case: every
    phrase opens with a letter or digit, which its pattern starts with.
    """
    branches = ((phrase[0].casefold(), _phrase_pattern(phrase)) for phrase in _longest_first(phrases))
    return grouped_alternation(branches, lambda first: f"(?=(?i:{re.escape(first)}))")


def _ascii_branch(phrase: str) -> str:
    """A phrase's pattern after its first letter; an abbreviation checks, looking back, the case of that letter."""
    rest = _phrase_body(phrase)[1:]
    return f"(?<={phrase[0]}){rest}" if _is_abbreviation(phrase) else f"(?i:{rest})"


def _by_first_letter_in_ascii(phrases: list[str]) -> str:
    """`_by_first_character`'s alternation for ASCII text, where it matches the same and is faster still.

    In ASCII text a letter in any case is one of two, so a group opens with
    them as a character class, which Python checks before it enters a
    branch, instead of a look-ahead it enters for every group.
    """
    branches = ((phrase[0].lower(), _ascii_branch(phrase)) for phrase in _longest_first(phrases))
    return grouped_alternation(branches, lambda first: f"[{first}{first.upper()}]" if first.isalpha() else first)


_MODIFIERS = ("serum", "plasma", "blood", "total", "baseline", "resting", "calculated", "measured", "estimated")


def _openings(words: list[str], length: int) -> str:
    """A pattern for the first `length` characters of the words, in any case.

    A pattern opening with a long alternation is tried in full at every
    position of a line; a look-ahead on the openings first rules most
    positions out with a comparison or two, and matches nothing more or less.
    """
    openings = {_PHRASE_SEPARATORS.split(word)[0][:length] for word in words}
    folded = {opening.lower() if opening.isascii() else opening for opening in openings}
    return "(?i:" + "|".join(re.escape(opening) for opening in sorted(folded)) + ")"


# "Serum total bilirubin (TBil)": modifiers before the name, abbreviations
# after it ("(AST) (SGOT)"), and the footnote star of "Creatinine clearance*".
def _mention_pattern(analyte_name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<!\w)(?={_openings([*_MODIFIERS, *_ANALYTE_PHRASES], 1)})"
        rf"(?:(?i:{'|'.join(_MODIFIERS)})\s+)*"
        rf"(?P<name>{analyte_name})(?!\w)\*?(?:\s*\((?![^()]*\d)[^()]*\))*"
    )


_MENTION = _mention_pattern(_by_first_character(_ANALYTE_PHRASES))
# The same pattern for ASCII lines, most of them.
_MENTION_IN_ASCII = _mention_pattern(_by_first_letter_in_ascii(_ANALYTE_PHRASES))

_COMPARATOR = _comparator_pattern()
_SPELLED_COMPARATORS = [word for word in _COMPARATORS if word[0].isalpha()]
_SYMBOL_COMPARATORS = [word for word in _COMPARATORS if not word[0].isalpha()]
_FIRST_CHARACTERS = "".join(sorted({re.escape(word[0]) for word in [*_COMPARATORS, "between"]}))
# Where a measurement can start: a spelled comparator at a word's start, a
# symbol, "between", or a number that does not continue a word or number.
# One character class is checked first, since most characters start none.
_MEASUREMENT_START = (
    rf"(?=(?i:[{_FIRST_CHARACTERS}\d]))"
    rf"(?=\b{_openings(_SPELLED_COMPARATORS, 2)}|(?i:between)|{_openings(_SYMBOL_COMPARATORS, 1)}|(?<![\w.,])\d)"
)
# "100,000", "1.5", and the European "100.000" (a thousands point) and "2,5" (a decimal comma).
_NUMBER = r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d{1,3}(?:\.\d{3})+(?![\d.])|\d+(?:\.\d+|,\d{1,2}(?![\d,]))?)"
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# "1.5 × 109/L": the superscript of 10^9 was lost in the scrape, so "109"
# after a multiplication sign is read as 10 to the 9.
_PER_VOLUME = (
    r"[xX×*]\s*10\s*(?:\^|\*\*|[eE])?\s*(?P<exponent>[0-9⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})\s*(?:cells\s*)?"
    r"/\s*(?P<volume>[lL](?![a-zA-Z])|[µμu][lL]|mm3|mm³|mm\^3|cumm)"
    r"|(?P<giga>G/L)|(?P<kilo>[kK]\s*/\s*[µμu][lL])"
)
_ULN = (
    r"(?:[xX×*]|(?i:times|fold))?\s*(?i:the\s+)?(?i:institutional\s+)?"
    r"(?:ULN|UNL|(?i:upper\s+limits?\s+(?:of\s+)?(?:the\s+)?normal(?:\s+range)?)(?:\s*\((?:ULN|UNL)\))?"
    r"|(?<=[xX×*\s])(?i:(?<!\w)(?:upper\s+)?norm(?:al)?(?:\s+(?:value|limit))?(?!\w)))"
)
_PLAIN_UNIT = (
    r"(?i:m[lL]\s*/\s*min(?:ute)?(?:\s*/\s*1\.73\s*m(?:2|²|\^2))?|[µμu]mol\s*/\s*L|mmol\s*/\s*(?:L|mol)|mEq\s*/\s*L"
    r"|mg\s*/\s*dL|gm?\s*/\s*dL|mg/L|g/L|I?U/L|kg\s*/\s*m\s*(?:2|²|\^2)|kg|lbs?|pounds?"
    r"|cells\s*/\s*(?:mm3|mm³|mm\^3|[µμu]L)|/\s*(?:mm3|mm³|mm\^3|[µμu]L|cumm)"
    r"|per\s+(?:cu(?:bic)?\.?\s*mm|mm3|mm³|[µμu]L|microlit(?:er|re))|millilit(?:er|re)s?\s+per\s+min(?:ute)?"
    r"|m?g\s*/\s*(?:24\s*h(?:ours?|rs?)?|day)|mm\s*Hg|msec|milliseconds?|ms|sec(?:onds?)?|s"
    r"|years?|yrs?|months?|mo|weeks?|wks?|days?|hours?|hrs?|m?g)(?![A-Za-z])|%|\+"
)
_UNIT = rf"(?P<per_volume>{_PER_VOLUME})|(?P<uln>{_ULN})|(?P<plain>{_PLAIN_UNIT})"
# What a value holds for, written after it: "<= 5 x ULN if liver metastases", "> 470 ms for females".
_CONDITION = (
    r"(?i:(?:if|in\s+case\s+of|in\s+(?:the\s+)?presence\s+of|for\s+(?:patients|subjects|participants)\s+with"
    r"|in\s+(?:patients|subjects|participants)\s+with)\s+[^,;()]+?"
    r"(?=\.?\s*(?:[,;)]|$|\s(?:and|or)\s+(?:[<>≤≥]|\d)|\s\d+\.\s)|\.\s)"
    r"|(?:in|for)\s+(?:females?|males?|women|men)\b)"
)
# "(1,500/mm3)" after "1.5 × 10^9/L" restates the value in another unit.
_SECOND_FORM = (
    rf"\s*\(\s*(?:(?:{_COMPARATOR})\s*)?{_NUMBER}\s*(?:[x×]\s*10\s*\^?\s*\d{{1,2}}\s*)?"
    r"(?:[A-Za-zµμ]+\s*)?/\s*[A-Za-zµμ]+(?:\d|³|\^\d)?\s*\)"
)
# A value's parts in order: comparator, value, a second bound ("18-65", "2 to
# <12", "0, 1 or 2") or a second value ("140/90" mmHg), unit (hyphenated in
# "18-yr", "65-year-old"), who it is of
# ("of age"), "or older", a restatement and a condition. The condition is
# only looked at, not consumed, so that a value inside it ("PSA < 10 if
# 50-60 years of age") is read as well.
_MEASUREMENT = re.compile(
    rf"{_MEASUREMENT_START}(?:(?P<comparator>{_COMPARATOR})\s*(?:\(\s*(?:{_COMPARATOR})\s*\)\s*)?)?"
    r"(?P<between>(?i:between)\s+)?"
    rf"(?P<low>{_NUMBER})"
    r"(?:\s*(?:(?P<separator>-|–|—|−|~|(?i:and)\b)|(?i:to)\b(?:\s*(?P<high_comparator><(?!=)|<=|≤))?)"
    rf"\s*(?P<high>{_NUMBER})"
    r"|(?P<choices>(?:\s*(?i:,\s*or|,|or)\s*\d(?!\d|\.\d))+)"
    rf"|/\s*(?P<over>{_NUMBER}))?"
    r"(?:\s+(?i:or|and)\s+(?:(?P<more_first>(?i:more|greater|above|over|older))"
    r"|(?P<less_first>(?i:less|fewer|below|under|younger)))(?=\s+[a-zA-Z]))?"
    rf"(?:\s*-?\s*(?:{_UNIT}))?"
    r"(?P<of_age>(?:\s+|-)(?i:of\s+age|old))?"
    r"(?:\s+(?i:or|and)\s+(?:(?P<or_more>(?i:older|above|over|greater|more|higher|beyond))"
    r"|(?P<or_less>(?i:younger|below|under|less|lower)))(?!\s+than\b))?"
    rf"(?P<second_form>{_SECOND_FORM})?"
    rf"(?:(?=\s*\(?\s*(?P<condition>{_CONDITION})))?"
)

# What may stand between an analyte's name and its value.
# One white-space character per repetition: "(?:\s+|...)*" could split a run of
# spaces in exponentially many ways before failing on the character after it.
_FILLER = re.compile(
    r"(?:\s|[:*()]|\([^()]*\)|(?i:\b(?:calculated|measured|estimated|levels?|values?|counts?|of|is|must\s+be"
    r"|should\s+be|score|performance\s+status|status|PS|quantification|from|between"
    r"|at\s+(?:baseline|screening|enrol(?:l)?ment|randomi[sz]ation)|the\s+ages?\s+of"
    r"|intervals?|prolongation|persistently|consistently|(?:with)?in\s+(?:the\s+)?range(?:\s+of)?"
    r"|by\s+(?:Cockcroft[\s-]Gault|MDRD|CKD[\s-]EPI)(?:\s+(?:formula|equation))?)\b))*"
)
# What joins analytes sharing one value: "AST and ALT", "PT/INR".
_CONNECTIVE = re.compile(r"\s*+(?i:,\s*(?:and|or)\b|,|/|and/or|and|or|&)?\s*")
_PERSON_BEFORE = re.compile(
    r"(?i:\b(?:patients?|subjects?|participants?|adults?|men|women|males?|females?|individuals?"
    r"|volunteers?|persons?|people))[\s(,]*$"
)
# A line opening with a bound in years states an age: "Between 18 to 65 years, inclusive".
_LINE_OPENING = re.compile(r"[\s\-*•·]*(?:\d+[.)]\s+)?$")
# Words before a name that make it another measure: "birth weight", "left ventricular end-diastolic pressure",
# "gestational age > 37 weeks" (the pregnancy's length, not the child's age).
# How far before a name its qualifier is looked for: searching from the line's start made
# every name cost the length of the line before it, quadratic on a long line.
_OTHER_MEASURE_REACH = 32
_OTHER_MEASURE_BEFORE = re.compile(r"(?i:\b(?:birth|end|gestational|postmenstrual|bone)[\s-]*)$")
# Ages that are not the participant's: "sudden death under 40 years of age in first degree relatives".
_SOMEONE_ELSE = re.compile(
    r"(?i:\b(?:caregivers?|carers?|parents?|relatives?|family|siblings?|partners?|spouses?|mothers?|fathers?"
    r"|death|died|onset))\b"
)
# What may stand between two bounds of one analyte: "< 20 or > 35 years", "≥ 3 years and ≤ 18 years".
_NEXT_BOUND = re.compile(r"\s*(?i:,\s*(?:and|or)|,|and|or|to|and/or|but)?\s*\(?\s*")
# A time point opening the next bounds of the analyte just read, which they hold at:
# "fasting blood glucose <126 mg/dl and 2 hour: 140 - 199 mg/dl or >200 mg/dl".
_TIME_POINT = re.compile(
    r"\s*(?i:,\s*(?:and|or)|,|and|or)?\s*(?P<time_point>\d+[\s-]*(?i:hours?|hrs?))\s*:\s*"
)
# A line opened by the group it is about holds for that group only, ages
# included: "c) Cohort 5: ≥ 14 days to < 28 days of age ... weight ≥ 2.5 kg".
_GROUP_LABEL = re.compile(
    r"[\s\-*•·]*(?:[a-zA-Z0-9]{1,2}[.)]\s*)?"
    r"(?P<group>(?i:cohorts?|arms?|groups?|parts?|strat(?:um|a))\s+[\w-]+(?:\s*(?:,|and|&)\s*[\w-]+)*)\s*:"
)
# A range opened in words, whose bounds "and" joins as "between" does: "BMI within the range 18.0 and 30.0 kg/m^2".
_RANGE_BEFORE = re.compile(r"(?i:\brange(?:\s+of)?)\s*$")
# A bare value after a lower bound and "to" is its upper bound: "age ≥2 weeks to 4 months".
_TO = re.compile(r"\s*(?i:to)\s*")
# A lower bound whose upper bound, after "to", names the age: "≥ 28 days to < 18 years of age".
_TO_AN_AGE = re.compile(
    rf"\s*(?i:to)\s*(?:{_COMPARATOR})?\s*{_NUMBER}\s*(?i:years?|months?|weeks?|days?)\s+(?i:of\s+age|old)\b"
)
# A comparator written before the name it bounds: "over the age of 60", "Minimum life expectancy of 3 months".
_COMPARATOR_BEFORE = re.compile(rf"(?P<comparator>{_COMPARATOR})\s*(?i:the\s+)?$")
# Whom a value holds for, written before the name at the start of a clause:
# "Male subjects weigh not less than 50 kg, female subjects weigh not less than 45 kg".
# The condition ends where the name starts, so it is looked for in a window, not from the line's start.
_CONDITION_BEFORE_REACH = 64
_CONDITION_BEFORE = re.compile(
    r"(?:^[\s\-*•·]*(?:\d+[.)]?\s+)?|[,;:]\s*)"
    r"(?P<condition>(?i:(?:fe)?males?|(?:wo)?men)(?:\s+(?i:subjects?|patients?|participants?))?)\s+$"
)
# Scores may be named after their value ("Less than 30 Karnofsky score"); a
# lab value followed by a name is the end of one clause and the start of the next.
_NAMED_AFTER = {"ECOG", "KARNOFSKY"}
# The pressure a blood pressure value bounds, named after it: "< 90 mm Hg systolic, or > 90 mm Hg diastolic".
_PRESSURE_AFTER = re.compile(r"[^;.]*?\b(?P<pressure>(?i:systolic|diastolic))\b")
# A risk score's items are points, not thresholds: "1 point each: age>67, female sex".
_SCORE_ITEMS = re.compile(r"(?i:\b\d+\s+points?\b[^:]{0,20}:)")
# A unit continued by another divisor is another unit: "500 mg/day/1.73 m2" is no daily quantity.
_UNIT_CONTINUES = re.compile(r"\s*/\s*(?:1\.73\s*)?(?i:m(?:2|²|\^2)|kg|day|d|h|hr|hours?|min)\b")

# Units read in many spellings, keyed by the spelling folded to lower case
# without spaces, "µ" written "u" and "³" written "3".
_UNIT_SPELLINGS = {
    **dict.fromkeys(("year", "years", "yr", "yrs"), "years"),
    **dict.fromkeys(("month", "months"), "months"),
    **dict.fromkeys(("week", "weeks", "wk", "wks"), "weeks"),
    **dict.fromkeys(("day", "days"), "days"),
    **dict.fromkeys(("hour", "hours", "hr", "hrs"), "hours"),
    **dict.fromkeys(("mo",), "months"),
    **dict.fromkeys(("kg", "kgs"), "kg"),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), "lb"),
    **dict.fromkeys(("kg/m2",), "kg/m2"),
    "meq/l": "mEq/L",
    "mmol/mol": "mmol/mol",
    "gm/dl": "g/dL",
    **dict.fromkeys(("ms", "msec", "millisecond", "milliseconds"), "ms"),
    **dict.fromkeys(("s", "sec", "second", "seconds"), "seconds"),
    "mmhg": "mmHg",
    "g/l": "g/L",
    "g/dl": "g/dL",
    "mg/dl": "mg/dL",
    "mg/l": "mg/L",
    "umol/l": "umol/L",
    "mmol/l": "mmol/L",
    "u/l": "U/L",
    "iu/l": "IU/L",
}
_PER_DAY = re.compile(r"(m?g)/(?:24h\w*|day)")
_PER_MICROLITRE = re.compile(r"(?:cells)?/ul")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
# After a number written without a unit, a unit that was not read ("1000ml",
# "100,000 copies"); a word that joins clauses ("3,000 or more") is none.
_UNREAD_UNIT = re.compile(
    r"\s*/|[A-Za-zµμ]|\s+(?!(?i:or|and|to|in|on|at|with|within|for|if|prior|before|after|from|per)\b)[A-Za-zµμ]"
)
_VOLUMES = {"l": "L", "ul": "uL", "mm3": "mm3", "mm^3": "mm3", "cumm": "mm3"}


class _Mention(NamedTuple):
    """Analytes named in a line, and where; a tuple, several times cheaper to make than a frozen dataclass."""

    analytes: tuple[str, ...]
    start: int
    end: int


def _number(text: str, thousands_point: bool = False) -> float:
    """The value of a number as written; "100.000/µL" is a count written with a thousands point."""
    if thousands_point and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return float(text.replace(".", ""))
    if re.fullmatch(r"\d+,\d{1,2}", text):  # a decimal comma: "2,5 mg/dl"
        return float(text.replace(",", "."))
    return float(text.replace(",", ""))


def _plain_unit(text: str) -> str:
    """One spelling per unit: "ml/minute" -> mL/min, "µmol/l" -> umol/L, "g/24 hours" -> g/24h."""
    key = _SPACES.sub("", text).replace("µ", "u").replace("μ", "u").replace("³", "3").replace("²", "2").replace("^", "")
    folded = key.casefold()
    if folded.startswith(("ml/min", "millilit")):
        return "mL/min/1.73m2" if "1.73" in folded else "mL/min"
    if folded.startswith("per"):  # "per cu mm", "per microliter"
        return "/uL" if folded.endswith(("ul", "microliter", "microlitre")) else "/mm3"
    if match := _PER_DAY.fullmatch(folded):
        return f"{match.group(1)}/24h"
    if _PER_MICROLITRE.fullmatch(folded):
        return "/uL"
    if folded.startswith(("cells/", "/")):
        return "/mm3"
    return _UNIT_SPELLINGS.get(folded, key)


def _unit(match: re.Match[str]) -> str | None:
    """The measurement's unit in its one stored spelling, or None when none is written."""
    if match["giga"]:
        return "x10^9/L"
    if match["kilo"]:
        return "x10^3/uL"
    if match["per_volume"]:
        exponent = match["exponent"].translate(_SUPERSCRIPT_DIGITS)
        volume = _VOLUMES[match["volume"].replace("µ", "u").replace("μ", "u").replace("³", "3").casefold()]
        return f"x10^{exponent}/{volume}"
    if match["uln"]:
        return "ULN"
    if match["plain"]:
        return _plain_unit(match["plain"])
    return None


def _mentions(line: str, last_value: int) -> list[_Mention]:
    """The analytes named in a line up to its last value: a name starting after it is the name of no value."""
    mentions: list[_Mention] = []
    for match in (_MENTION_IN_ASCII if line.isascii() else _MENTION).finditer(line):
        if match.start() > last_value:
            break
        if _OTHER_MEASURE_BEFORE.search(line, max(0, match.start("name") - _OTHER_MEASURE_REACH), match.start("name")):
            continue
        mentions.append(_Mention(_ANALYTE_BY_PHRASE[_phrase_key(match["name"])], match.start(), match.end()))
    return mentions


class _Spans:
    """Spans sorted by start, asked whether one of them holds a given span.

    A line may hold thousands of names and values; asking each span in turn
    made every question cost them all. Some span starting at or before
    `start` holds (start, end) exactly when the furthest end among them
    reaches `end`, so one bisection answers.
    """

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._furthest_ends = list(accumulate((end for _, end in ordered), max))

    def hold(self, start: int, end: int) -> bool:
        count = bisect.bisect_right(self._starts, start)
        return count > 0 and self._furthest_ends[count - 1] >= end


def _named_before(mentions: list[_Mention], position: int, line: str) -> list[_Mention]:
    """The analytes a value at `position` belongs to: the names right before it, joined by "and", "/", ","."""
    # Names come in the line's order and never overlap, so their ends are sorted too.
    count = bisect.bisect_right(mentions, position, key=lambda mention: mention.end)
    if not count or not _FILLER.fullmatch(line[mentions[count - 1].end:position]):
        return []
    chain = [mentions[count - 1]]
    for mention in map(mentions.__getitem__, range(count - 2, -1, -1)):
        if not _CONNECTIVE.fullmatch(line[mention.end:chain[0].start]):
            break
        chain.insert(0, mention)
    return chain


def _folded(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _names_an_age(match: re.Match[str], line: str) -> bool:
    """Ages are often named after the value ("18 years of age or older", "18 or older") or by whom ("patients ≥ 18 years").

    Written in hours, days, weeks or months, a value is an age only where the
    word age names it ("> 48 hours of age"): "an injury over 4 weeks old" is none.
    An age of someone else ("death under 40 years of age in relatives") is none either.
    """
    unit = _unit(match)
    before = line[: match.start()]
    if _SOMEONE_ELSE.search(before[-80:]):
        return False
    said_older = "older" in (_folded(match["or_more"]), _folded(match["more_first"])) or _folded(
        match["comparator"]) == "older than"
    said_younger = "younger" in (_folded(match["or_less"]), _folded(match["less_first"])) or _folded(
        match["comparator"]) == "younger than"
    if unit is None:
        return said_older or said_younger
    if unit in _AGE_UNITS and _TO_AN_AGE.match(line, match.end()):
        return True
    if unit != "years":
        return unit in _AGE_UNITS and _folded(match["of_age"]) == "of age"
    return bool(
        match["of_age"] or said_older or said_younger
        or _PERSON_BEFORE.search(before)
        or _LINE_OPENING.fullmatch(before.replace("(", " ").removesuffix("Between ").removesuffix("between "))
    )


def _bounds(match: re.Match[str], analyte: str, thousands_point: bool, comparator_before: str | None = None,
            closes_range: bool = False) -> list[tuple[str, float]]:
    """(comparator, value) pairs the measurement states for `analyte`; none when it is ambiguous.

    `comparator_before` is one written before the analyte's name; `closes_range`
    says the value follows a lower bound and "to", so a bare value is the upper bound.
    Two values "140/90" are a systolic and a diastolic pressure, or two scores.
    """
    low = _number(match["low"], thousands_point)
    high_text = match["high"] or (match["over"] if analyte in _SCORE_FLOOR else None)
    if match["over"] and analyte not in _SCORE_FLOOR:
        if analyte not in ("SYSTOLIC_BP", "DIASTOLIC_BP"):
            return []
        if analyte == "DIASTOLIC_BP":
            low = _number(match["over"])
    has_upper = high_text is not None or match["choices"] is not None
    if analyte in _SCORE_FLOOR and not low.is_integer():
        return []  # "ECOG 0,1" lists scores; it is no decimal
    if comparator_text := match["comparator"] or comparator_before:
        comparator = _COMPARATORS[_folded(comparator_text)]
        if has_upper:
            # "≥21 to ≤50 years" states both bounds; "> 18-65" states neither clearly
            if match["high_comparator"] and comparator in (">=", ">") and high_text:
                high = _number(high_text, thousands_point)
                return [(comparator, low), (_COMPARATORS[match["high_comparator"]], high)]
            return []
        # "= 18 years of age" is a lost "≥": only a score equals one value
        return [] if comparator == "=" and analyte not in _SCORE_FLOOR else [(comparator, low)]
    if match["separator"] and match["separator"].casefold() == "and" and not (
            match["between"] or _RANGE_BEFORE.search(match.string, max(0, match.start() - 12), match.start())):
        return []
    if has_upper:
        if match["choices"] is not None and analyte not in _SCORE_FLOOR:
            return []
        high = _number(high_text, thousands_point) if high_text else max(
            float(digit) for digit in _DIGIT.findall(match["choices"])
        )
        if high < low:
            return []
        lower = [] if low == _SCORE_FLOOR.get(analyte) else [(">=", low)]
        upper = [] if high == _SCORE_CEILING.get(analyte) else [("<" if match["high_comparator"] == "<" else "<=", high)]
        return [*lower, *upper]
    if match["or_more"] or match["more_first"]:
        return [(">=", low)]
    if match["or_less"] or match["less_first"]:
        return [("<=", low)]
    if closes_range:
        return [("<=", low)]
    if analyte in _SCORE_FLOOR:
        return [("=", low)]
    return []


class _Bound(NamedTuple):
    """The last value read in a line, which a next bare bound may continue ("Age < 20 or > 35 years")."""

    analytes: list[str]
    start: int
    end: int
    lower: bool
    time_point: str | None


class _Threshold(NamedTuple):
    """One threshold as read from a line, before it becomes a row."""

    analyte: str
    comparator: str
    value: float
    unit: str | None
    condition: str | None
    text: str


_IMPLIED_UNITS = {
    **dict.fromkeys(("ANC", "PLATELETS", "WBC", "LYMPHOCYTES"), ("/uL", 1000.0)),
    "QTC": ("ms", 200.0),
}


def _measured(analyte: str, unit: str | None, value: float, unit_unread: bool) -> tuple[str, str | None] | None:
    """The analyte and stored unit for a reading, or None when the unit is not one the analyte is measured in.

    Proteinuria in grams per day is the 24-hour quantity, whatever it is called.
    A value written without a unit has the one its analyte implies where its
    size leaves no doubt: a cell count in the thousands ("Platelet count <
    100,000") is per microlitre, a QTc in the hundreds ("QTc >480") in ms; a
    smaller one could be any unit, and one followed by a unit that was not
    read ("1000ml") is not implied.
    """
    if analyte == "URINE_PROTEIN" and unit in ("g/24h", "mg/24h"):
        analyte = "URINE_PROTEIN_24H"
    if unit is None and not unit_unread:
        implied, least = _IMPLIED_UNITS.get(analyte, (None, 0.0))
        unit = implied if value >= least else None
    accepted = _UNITS[analyte]
    return (analyte, accepted[unit]) if unit in accepted else None


def _located(line: str) -> tuple[list[re.Match[str]], list[_Mention]]:
    """The line's measurements and analyte names, each kept out of the other.

    A number inside an analyte's name ("24 hour urine protein") is no value,
    and a name inside a value ("18 years of age") names no other value.
    """
    found = list(_MEASUREMENT.finditer(line))
    if not found:  # most lines state no value; naming analytes there is wasted work
        return [], []
    # a score may be named right after the last value ("30 Karnofsky")
    raw_mentions = _mentions(line, found[-1].end() + 1)
    mention_spans = _Spans([(mention.start, mention.end) for mention in raw_mentions])
    measurements = [match for match in found if not mention_spans.hold(match.start(), match.end("low"))]
    measurement_spans = _Spans([(match.start(), match.end()) for match in measurements])
    mentions = [mention for mention in raw_mentions if not measurement_spans.hold(mention.start, mention.end)]
    return measurements, mentions


def _named_after(mentions: list[_Mention], position: int, line: str) -> _Mention | None:
    """A score named right after its value: "Less than 30 Karnofsky score"."""
    return next((mention for mention in mentions if mention.start >= position
                 and not line[position:mention.start].strip() and set(mention.analytes) <= _NAMED_AFTER), None)


def _pressures(match: re.Match[str], line: str, end: int) -> tuple[list[str], int, int]:
    """The pressures a blood pressure value bounds, where its text ends, and where a next bound may start.

    "140/90" bounds both; a single value the pressure named after it (">140
    mm Hg or < 90 mm Hg systolic" are both systolic), and none when no name
    follows: which one is meant is unknown.
    """
    if match["over"]:
        return ["SYSTOLIC_BP", "DIASTOLIC_BP"], end, end
    if named := _PRESSURE_AFTER.match(line, end):
        right_after = not line[end:named.start("pressure")].strip()
        return [f"{named['pressure'].upper()}_BP"], named.end(), named.end() if right_after else end
    return [], end, end


class _Naming(NamedTuple):
    """What a value is of, as the words around it say."""

    analytes: list[str]
    text_start: int
    end: int
    comparator_before: str | None = None
    condition_before: str | None = None
    time_point: str | None = None
    closes_range: bool = False


def _naming(match: re.Match[str], line: str, mentions: list[_Mention], previous: _Bound | None) -> _Naming | None:
    """The analytes a value bounds: named before it, continued from the last value, named after it, or an age."""
    end = match.end("condition") if match["condition"] else match.end()
    if chain := _named_before(mentions, match.start(), line):
        analytes, text_start = [analyte for mention in chain for analyte in mention.analytes], chain[0].start
        comparator_before = None
        # the comparator ends a few characters before the name; a window spares searching the whole line
        if not match["comparator"] and (
                before := _COMPARATOR_BEFORE.search(line, max(0, text_start - 40), text_start)):
            comparator_before, text_start = before["comparator"], before.start()
        sex = _CONDITION_BEFORE.search(line, max(0, text_start - _CONDITION_BEFORE_REACH), text_start)
        return _Naming(analytes, text_start, end, comparator_before, sex["condition"] if sex else None)
    if previous and previous.end <= match.start():
        if _NEXT_BOUND.fullmatch(line, previous.end, match.start()):
            # a second bound of the analytes just read: "Age < 20 or > 35 years",
            # "<80 umol/L in females and <106 in males"
            closes_range = previous.lower and bool(_TO.fullmatch(line, previous.end, match.start()))
            return _Naming(previous.analytes, previous.start, end, time_point=previous.time_point,
                           closes_range=closes_range)
        if label := _TIME_POINT.fullmatch(line, previous.end, match.start()):
            return _Naming(previous.analytes, label.start("time_point"), end, time_point=label["time_point"])
    if after := _named_after(mentions, match.end(), line):
        return _Naming(list(after.analytes), match.start(), after.end)
    if _names_an_age(match, line):
        return _Naming(["AGE"], match.start(), end)
    return None


def _thresholds_in_line(line: str) -> list[_Threshold]:
    # every value has a digit; the measurement pattern is slow to rule one out
    if not _DIGIT.search(line) or ("oint" in line and _SCORE_ITEMS.search(line)):
        return []
    found: list[_Threshold] = []
    measurements, mentions = _located(line)
    group = _GROUP_LABEL.match(line)
    previous: _Bound | None = None
    for match in measurements:
        if group and match.start() < group.end():
            continue  # the group's own number ("Cohort 5") is no value
        written_unit = _unit(match)
        if written_unit == "hours" and line.startswith(":", match.end()):
            continue  # a time point ("2 hour:") labels the values after it
        naming = _naming(match, line, mentions, previous)
        if naming is None:
            previous = None
            continue
        analytes, end = naming.analytes, naming.end
        if "AGE" in analytes and _SOMEONE_ELSE.search(line, max(0, match.start() - 80), match.start()):
            analytes = [analyte for analyte in analytes if analyte != "AGE"]
        named_analytes, text_end = analytes, end
        if _BLOOD_PRESSURE in analytes:
            pressures, text_end, end = _pressures(match, line, end)
            named_analytes = [analyte for analyte in analytes if analyte != _BLOOD_PRESSURE] + pressures
        if match["plain"] and _UNIT_CONTINUES.match(line, match.end("plain")):
            named_analytes = []
        text = line[naming.text_start:text_end].strip()
        condition = " ".join(match["condition"].split()) if match["condition"] else None
        number_end = max(match.end(group) for group in ("low", "high", "over") if match[group])
        unit_unread = bool(_UNREAD_UNIT.match(line, number_end))
        rows_before = len(found)
        for named in dict.fromkeys(named_analytes):
            measured = _measured(named, written_unit, _number(match["low"]), unit_unread)
            if measured is None:
                continue
            analyte, unit = measured
            # whom a value is for is a condition of a measure, not of the age that selects them
            holds_for = (condition or naming.time_point or (group["group"] if group else None)
                         or (naming.condition_before if analyte != "AGE" else None))
            found.extend(_Threshold(analyte, comparator, value, unit, holds_for, text)
                         for comparator, value in _bounds(match, analyte, unit in ("/uL", "/mm3"),
                                                          naming.comparator_before, naming.closes_range))
        lower = any(threshold.comparator in (">=", ">") for threshold in found[rows_before:])
        previous = _Bound(analytes, naming.text_start, end, lower, naming.time_point)
    return found


def extract_thresholds(criteria: list[dict]) -> list[dict]:
    """`eligibility_thresholds` rows (without nct_id and source_file) for the given criteria rows.

    Each line of a criterion is read on its own: nested items are written on
    lines of their own, and a value never belongs to a name on another line.
    """
    rows: list[dict] = []
    for criterion in criteria:
        seen: set[tuple[str, str, str | None]] = set()
        # registries also escape the caret of an exponent ("1.73m\^2"), which the shared reader keeps
        for line in unescape_markdown(criterion["text"]).replace("\\^", "^").splitlines():
            for threshold in _thresholds_in_line(line):
                if (threshold.analyte, threshold.comparator, threshold.condition) in seen:
                    continue
                seen.add((threshold.analyte, threshold.comparator, threshold.condition))
                value_canonical, unit_canonical = canonical(threshold.analyte, threshold.value, threshold.unit)
                rows.append({
                    "criterion_type": criterion["criterion_type"],
                    "criterion_ordinal": criterion["ordinal"],
                    "analyte": threshold.analyte,
                    "comparator": threshold.comparator,
                    "value": threshold.value,
                    "unit": threshold.unit,
                    "value_canonical": value_canonical,
                    "unit_canonical": unit_canonical,
                    "condition": threshold.condition,
                    "text": threshold.text,
                })
    return rows
