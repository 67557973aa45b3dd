"""Numeric thresholds read from eligibility criteria: "ANC ≥ 1.5 × 10^9/L", "ECOG 0-1".

A threshold is a number bound to a named analyte. The analyte must be named
right before the number ("Hemoglobin (HB) ≥ 80 g/L", "AST and ALT ≤ 2.5 ×
ULN"), with nothing between them but filler words ("calculated", "of",
"score", a parenthesised abbreviation); ages may also be named after it ("18
years of age or older"). A number with no analyte right before it is a
duration, a dose or a grade ("within 14 days", "prednisone ≤10 mg",
"grade ≥2 pneumonitis") and yields no row: a wrong threshold misleads more
than a missing one.

Decisions an analyst should know:

* Ranges give two rows (AGE >= 18, AGE <= 75), except that a score's floor
  is no limit: "ECOG 0-2" gives only ECOG <= 2, while "ECOG 1-2" also gives
  ECOG >= 1. A bare score ("ECOG Performance Status 2") gives "=". A bare lab
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
* Within one criterion the first threshold for an analyte and comparator
  wins, since (analyte, comparator) identifies a row of the table.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pipeline.extract.fields.criteria import unescape_markdown
from pipeline.extract.free_text.patterns import grouped_alternation

# Words naming each analyte. A single word with a capital letter is an
# abbreviation and matched in its own case ("PT" is not "pt"); other phrases
# match in any case. Hyphens and spaces inside a phrase are interchangeable
# ("T-Bil", "TBil").
ANALYTE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ANC": ("absolute neutrophil count", "absolute neutrophils", "neutrophil count", "neutrophils",
            "neutrophil", "ANC"),
    "PLATELETS": ("platelet count", "platelets", "platelet", "PLT"),
    "HEMOGLOBIN": ("hemoglobin", "haemoglobin", "HB", "Hb", "Hgb", "HGB"),
    "WBC": ("white blood cell count", "white blood cells", "leukocyte count", "leukocytes", "WBC"),
    "LYMPHOCYTES": ("absolute lymphocyte count", "lymphocyte count", "lymphocytes", "ALC"),
    "CREATININE_CLEARANCE": ("creatinine clearance", "CrCl", "CrCL", "CLcr", "CCr"),
    "GFR": ("estimated glomerular filtration rate", "glomerular filtration rate", "eGFR", "GFR"),
    "CREATININE": ("serum creatinine", "creatinine", "SCr", "Cr"),
    "BILIRUBIN": ("total bilirubin", "bilirubin", "TBil", "TBIL", "TBiL"),
    "DIRECT_BILIRUBIN": ("direct bilirubin", "conjugated bilirubin", "DBil", "DBIL"),
    "AST": ("aspartate aminotransferase", "aspartate transaminase", "AST", "SGOT"),
    "ALT": ("alanine aminotransferase", "alanine transaminase", "ALT", "SGPT"),
    "ALBUMIN": ("serum albumin", "albumin", "ALB"),
    "INR": ("international normalized ratio", "international normalised ratio", "INR"),
    "PT": ("prothrombin time", "PT"),
    "APTT": ("activated partial thromboplastin time", "partial thromboplastin time", "APTT", "aPTT", "PTT"),
    "LVEF": ("left ventricular ejection fraction", "LVEF"),
    "SPO2": ("peripheral oxygen saturation", "oxygen saturation", "SpO2", "SPO2"),
    "QTC": ("corrected QT interval", "QTc interval", "QTcF", "QTcB", "QTc"),
    "SYSTOLIC_BP": ("systolic blood pressure", "systolic pressure", "SBP"),
    "DIASTOLIC_BP": ("diastolic blood pressure", "diastolic pressure", "DBP"),
    "URINE_PROTEIN": ("urine protein", "urinary protein", "proteinuria"),
    "URINE_PROTEIN_24H": ("24 hour (h) urine protein", "24 hour urine protein", "24 hour urinary protein",
                          "24h urine protein", "24 hours urine protein"),
    "ECOG": ("eastern cooperative oncology group", "ECOG"),
    "KARNOFSKY": ("karnofsky performance status", "karnofsky performance score", "karnofsky", "KPS"),
    "AGE": ("age", "aged"),
    "LIFE_EXPECTANCY": ("life expectancy", "expected survival time", "expected survival",
                        "estimated survival", "predicted survival"),
}

_CELL_COUNT_UNITS = {unit: unit for unit in ("x10^9/L", "x10^3/uL", "x10^3/mm3", "/mm3", "/uL")}
_DURATION_UNITS = {unit: unit for unit in ("months", "weeks", "years", "days")}

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
    "AGE": {"years": "years", None: "years"},
    "LIFE_EXPECTANCY": _DURATION_UNITS,
}

# Scores whose lowest value is no limit; only these may be written bare.
_SCORE_FLOOR = {"ECOG": 0.0}

_COMPARATOR_WORDS: dict[str, tuple[str, ...]] = {
    ">=": ("≥", "⩾", "≧", ">=", "=>", "greater than or equal to", "more than or equal to",
           "equal to or greater than", "equal to or more than", "at least", "no less than", "not less than"),
    "<=": ("≤", "⩽", "≦", "<=", "=<", "less than or equal to", "equal to or less than", "no more than",
           "not more than", "no greater than", "not greater than", "not exceeding", "not to exceed", "up to"),
    ">": (">", "greater than", "more than", "higher than", "above"),
    "<": ("<", "less than", "lower than", "below"),
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
    _phrase_key(phrase): analyte for analyte, phrases in ANALYTE_SYNONYMS.items() for phrase in phrases
}
_ANALYTE_PHRASES = [phrase for phrases in ANALYTE_SYNONYMS.values() for phrase in phrases]


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


# "Serum total bilirubin (TBil)": modifiers before the name, an abbreviation
# after it, and the footnote star of "Creatinine clearance*".
def _mention_pattern(analyte_name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<!\w)(?={_openings([*_MODIFIERS, *_ANALYTE_PHRASES], 1)})"
        rf"(?:(?i:{'|'.join(_MODIFIERS)})\s+)*"
        rf"(?P<name>{analyte_name})(?!\w)\*?(?:\s*\([^()]*\))?"
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
_NUMBER = r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# "1.5 × 109/L": the superscript of 10^9 was lost in the scrape, so "109"
# after a multiplication sign is read as 10 to the 9.
_PER_VOLUME = (
    r"[x×*]\s*10\s*(?:\^|\*\*|[eE])?\s*(?P<exponent>[0-9⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})\s*(?:cells\s*)?"
    r"/\s*(?P<volume>[lL](?![a-zA-Z])|[µμu][lL]|mm3|mm³|mm\^3|cumm)"
    r"|(?P<giga>G/L)"
)
_ULN = (
    r"(?:[x×*]|(?i:times|fold))?\s*(?i:the\s+)?(?i:institutional\s+)?"
    r"(?:ULN|(?i:upper\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?)(?:\s*\(ULN\))?)"
)
_PLAIN_UNIT = (
    r"(?i:m[lL]/min(?:ute)?(?:\s*/\s*1\.73\s*m(?:2|²|\^2))?|[µμu]mol/L|mmol/L|mg/dL|g/dL|mg/L|g/L|I?U/L"
    r"|cells\s*/\s*(?:mm3|mm³|[µμu]L)|/\s*(?:mm3|mm³|mm\^3|[µμu]L|cumm)"
    r"|m?g\s*/\s*(?:24\s*h(?:ours?|rs?)?|day)|mmHg|msec|milliseconds?|ms|sec(?:onds?)?|s"
    r"|years?|yrs?|months?|weeks?|wks?|days?|m?g)(?![A-Za-z])|%|\+"
)
_UNIT = rf"(?P<per_volume>{_PER_VOLUME})|(?P<uln>{_ULN})|(?P<plain>{_PLAIN_UNIT})"
# "(1,500/mm3)" after "1.5 × 10^9/L" restates the value in another unit.
_SECOND_FORM = (
    rf"\s*\(\s*(?:(?:{_COMPARATOR})\s*)?{_NUMBER}\s*(?:[x×]\s*10\s*\^?\s*\d{{1,2}}\s*)?"
    r"(?:[A-Za-zµμ]+\s*)?/\s*[A-Za-zµμ]+(?:\d|³|\^\d)?\s*\)"
)
_MEASUREMENT = re.compile(
    rf"{_MEASUREMENT_START}(?:(?P<comparator>{_COMPARATOR})\s*)?"
    rf"(?P<between>(?i:between)\s+)?(?P<low>{_NUMBER})"
    rf"(?:\s*(?P<separator>-|–|—|−|~|(?i:to|and)\b)\s*(?P<high>{_NUMBER})"
    r"|(?P<choices>(?:\s*(?i:,\s*or|,|or)\s*\d(?![\d.]))+))?"
    rf"\s*(?:{_UNIT})?"
    r"(?P<of_age>\s+(?i:of\s+age|old))?"
    r"(?:\s+(?i:or|and)\s+(?:(?P<or_more>(?i:older|above|over|greater|more|higher))"
    r"|(?P<or_less>(?i:younger|below|under|less|lower))))?"
    rf"(?P<second_form>{_SECOND_FORM})?"
)

# What may stand between an analyte's name and its value.
# One white-space character per repetition: "(?:\s+|...)*" could split a run of
# spaces in exponentially many ways before failing on the character after it.
_FILLER = re.compile(
    r"(?:\s|[:*]|\([^()]*\)|(?i:\b(?:calculated|measured|estimated|levels?|values?|counts?|of|is|must\s+be"
    r"|should\s+be|score|performance\s+status|PS|quantification|at\s+baseline"
    r"|by\s+(?:Cockcroft[\s-]Gault|MDRD|CKD[\s-]EPI)(?:\s+(?:formula|equation))?)\b))*"
)
# What joins analytes sharing one value: "AST and ALT", "PT/INR".
_CONNECTIVE = re.compile(r"\s*+(?i:,\s*(?:and|or)\b|,|/|and/or|and|or|&)?\s*")
_PERSON_BEFORE = re.compile(
    r"(?i:\b(?:patients?|subjects?|participants?|adults?|men|women|males?|females?|individuals?"
    r"|volunteers?|persons?|people))\s*$"
)

# Units read in many spellings, keyed by the spelling folded to lower case
# without spaces, "µ" written "u" and "³" written "3".
_UNIT_SPELLINGS = {
    **dict.fromkeys(("year", "years", "yr", "yrs"), "years"),
    **dict.fromkeys(("month", "months"), "months"),
    **dict.fromkeys(("week", "weeks", "wk", "wks"), "weeks"),
    **dict.fromkeys(("day", "days"), "days"),
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
_VOLUMES = {"l": "L", "ul": "uL", "mm3": "mm3", "mm^3": "mm3", "cumm": "mm3"}


class _Mention(NamedTuple):
    """An analyte named in a line, and where; a tuple, several times cheaper to make than a frozen dataclass."""

    analyte: str
    start: int
    end: int


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _plain_unit(text: str) -> str:
    """One spelling per unit: "ml/minute" -> mL/min, "µmol/l" -> umol/L, "g/24 hours" -> g/24h."""
    key = _SPACES.sub("", text).replace("µ", "u").replace("μ", "u").replace("³", "3").replace("^", "")
    folded = key.casefold()
    if folded.startswith("ml/min"):
        return "mL/min/1.73m2" if "1.73" in folded else "mL/min"
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
        mentions.append(_Mention(_ANALYTE_BY_PHRASE[_phrase_key(match["name"])], match.start(), match.end()))
    return mentions


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(outer_start <= start and end <= outer_end for outer_start, outer_end in spans)


def _named_before(mentions: list[_Mention], position: int, line: str) -> list[_Mention]:
    """The analytes a value at `position` belongs to: the names right before it, joined by "and", "/", ","."""
    before = [mention for mention in mentions if mention.end <= position]
    if not before or not _FILLER.fullmatch(line[before[-1].end:position]):
        return []
    chain = [before[-1]]
    for mention in reversed(before[:-1]):
        if not _CONNECTIVE.fullmatch(line[mention.end:chain[0].start]):
            break
        chain.insert(0, mention)
    return chain


def _names_an_age(match: re.Match[str], line: str) -> bool:
    """Ages are often named after the value ("18 years of age or older") or by whom ("patients ≥ 18 years")."""
    if _unit(match) != "years":
        return False
    return bool(
        match["of_age"]
        or (match["or_more"] or "").casefold() == "older"
        or (match["or_less"] or "").casefold() == "younger"
        or _PERSON_BEFORE.search(line[: match.start()])
    )


def _bounds(match: re.Match[str], analyte: str) -> list[tuple[str, float]]:
    """(comparator, value) pairs the measurement states for `analyte`; none when it is ambiguous."""
    low = _number(match["low"])
    has_upper = match["high"] is not None or match["choices"] is not None
    if match["comparator"]:
        if has_upper:
            return []
        return [(_COMPARATORS[" ".join(match["comparator"].casefold().split())], low)]
    if match["separator"] and match["separator"].casefold() == "and" and not match["between"]:
        return []
    if has_upper:
        if match["choices"] is not None and analyte not in _SCORE_FLOOR:
            return []
        high = _number(match["high"]) if match["high"] else max(
            float(digit) for digit in _DIGIT.findall(match["choices"])
        )
        if high < low:
            return []
        lower = [] if low == _SCORE_FLOOR.get(analyte) else [(">=", low)]
        return [*lower, ("<=", high)]
    if match["or_more"]:
        return [(">=", low)]
    if match["or_less"]:
        return [("<=", low)]
    if analyte in _SCORE_FLOOR:
        return [("=", low)]
    return []


class _Threshold(NamedTuple):
    """One threshold as read from a line, before it becomes a row."""

    analyte: str
    comparator: str
    value: float
    unit: str | None
    text: str


def _measured(analyte: str, unit: str | None) -> tuple[str, str | None] | None:
    """The analyte and stored unit for a reading, or None when the unit is not one the analyte is measured in.

    Proteinuria in grams per day is the 24-hour quantity, whatever it is called.
    """
    if analyte == "URINE_PROTEIN" and unit in ("g/24h", "mg/24h"):
        analyte = "URINE_PROTEIN_24H"
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
    raw_mentions = _mentions(line, found[-1].start())
    mention_spans = [(mention.start, mention.end) for mention in raw_mentions]
    measurements = [match for match in found if not _inside(match.start(), match.end("low"), mention_spans)]
    measurement_spans = [(match.start(), match.end()) for match in measurements]
    mentions = [mention for mention in raw_mentions if not _inside(mention.start, mention.end, measurement_spans)]
    return measurements, mentions


def _thresholds_in_line(line: str) -> list[_Threshold]:
    if not _DIGIT.search(line):  # every value has a digit; the measurement pattern is slow to rule one out
        return []
    found: list[_Threshold] = []
    measurements, mentions = _located(line)
    for match in measurements:
        chain = _named_before(mentions, match.start(), line)
        if chain:
            analytes, text_start = [mention.analyte for mention in chain], chain[0].start
        elif _names_an_age(match, line):
            analytes, text_start = ["AGE"], match.start()
        else:
            continue
        text = line[text_start:match.end()].strip()
        written_unit = _unit(match)
        for named in dict.fromkeys(analytes):
            measured = _measured(named, written_unit)
            if measured is None:
                continue
            analyte, unit = measured
            found.extend(_Threshold(analyte, comparator, value, unit, text)
                         for comparator, value in _bounds(match, analyte))
    return found


def extract_thresholds(criteria: list[dict]) -> list[dict]:
    """`eligibility_thresholds` rows (without nct_id and source_file) for the given criteria rows.

    Each line of a criterion is read on its own: nested items are written on
    lines of their own, and a value never belongs to a name on another line.
    """
    rows: list[dict] = []
    for criterion in criteria:
        seen: set[tuple[str, str]] = set()
        for line in unescape_markdown(criterion["text"]).splitlines():
            for threshold in _thresholds_in_line(line):
                if (threshold.analyte, threshold.comparator) in seen:
                    continue
                seen.add((threshold.analyte, threshold.comparator))
                rows.append({
                    "criterion_type": criterion["criterion_type"],
                    "criterion_ordinal": criterion["ordinal"],
                    "analyte": threshold.analyte,
                    "comparator": threshold.comparator,
                    "value": threshold.value,
                    "unit": threshold.unit,
                    "text": threshold.text,
                })
    return rows
