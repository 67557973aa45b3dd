"""Dose regimens read from the sentences of arm and intervention descriptions.

Registries have no structured field for doses: a regimen is prose, written
as a list ("* 10 mg on day 8 (C1D8)"), a schedule with labels ("Day 8
(C1D8): 10 mg IV over 60 minutes"), a product label ("Benmelstobart
injection, 1200 mg/dose, given once every 21 days, intravenously") or one
long sentence for a whole combination. The same few general rules read all
of them:

* A dose is a number or range with a unit ("10 mg", "75-80mg/m2", "5 Gy") or
  an AUC ("AUC 5 mg/mL/min", "AUC=5"). It belongs to the drug named nearest
  before it ("10 mg of tarlatamab" names it after), else to the drug the
  intervention or arm is about.
* Its route, timing and infusion time come from its own phrase: the words
  after it up to the next dose, drug or end of the sentence or list item;
  then the words before it; then, for the route, what the drug's lead-in
  says for all its doses ("tarlatamab, administered as an intravenous
  infusion: * 1 mg ... * 10 mg ..."). A timing followed by a colon
  ("Day 8 (C1D8): 10 mg") labels the dose after it, not the one before.
* Alternatives share a schedule: in "Carboplatin AUC=5 or Cisplatin 75-80
  mg/m2 on Day 1" both are given on day 1.
* A phase label's frequency ("Induction (4 cycles, q3w): ...") applies to the
  doses of its sentence that give days of the cycle but no frequency.
* Doses after "maximal dose", "not to exceed" or "up to" are caps, doses after
  "adjusted upward", "reduced" are adjustments: they become max_dose and
  dose_adjustment on every row of the drug, not doses of their own.
* A drug named with no dose ("Bemotuzumab (same dose)") is a repeat and adds
  no row; the same regimen written twice gives one set of rows.

Intervention and arm descriptions are read first; the brief summary and
detailed description only when those state no dose, because study texts
mostly retell the regimen without its numbers.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pipeline.extract.document import Finding
from pipeline.extract.free_text.drugs import FORM_WORDS, DrugMention, find_drug_mentions, find_drugs, normalize_drug
from pipeline.registry.checks import DOSING_EXTRACTION, DRUG_NAMES


# --- doses ------------------------------------------------------------------

_NUMBER = r"\d{1,3}(?:,\d{3})+(?![\d.])|\d+(?:\.\d+)?"
_RANGE_DASH = r"\s*(?:-|–|—|to)\s*"
_UNITS = {
    "mg/m2": "mg/m2", "mg/m²": "mg/m2", "mg/m^2": "mg/m2", "g/m2": "g/m2", "g/m²": "g/m2",
    "mcg/m2": "mcg/m2", "mcg/m²": "mcg/m2", "µg/m2": "mcg/m2", "µg/m²": "mcg/m2", "μg/m2": "mcg/m2",
    "μg/m²": "mcg/m2", "ug/m2": "mcg/m2", "ug/m²": "mcg/m2",
    "mg/kg": "mg/kg", "mcg/kg": "mcg/kg", "µg/kg": "mcg/kg", "μg/kg": "mcg/kg", "ug/kg": "ug/kg",
    "mg": "mg", "mcg": "mcg", "µg": "mcg", "μg": "mcg", "ug": "ug", "g": "g",
    "cgy": "cGy", "gy": "Gy", "iu": "IU", "units": "U", "unit": "U", "u": "U", "ml": "mL",
}
_UNIT_ALTERNATIVES = "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True))
# Every dose opens with "AUC" or a digit; the look-ahead rules out other
# positions before the long unit alternation is tried there.
_DOSE = re.compile(
    rf"(?=[a\d])(?:(?:\bAUC|\barea\s+under\s+the\s+(?:concentration\s+)?curve(?:\s*\(AUC\))?)\s*(?:=|:|of)?\s*"
    rf"(?P<auc>{_NUMBER})(?:{_RANGE_DASH}(?P<auc_max>{_NUMBER}))?"
    r"(?:\s*mg\s*/\s*ml\s*(?:/|\*|·|×|x|per)\s*min(?:ute)?s?\b|\s*mg\s*/\s*m(?:2|²)(?![\w/]))?"
    rf"|(?<![\w.])(?P<value>{_NUMBER})(?:{_RANGE_DASH}(?P<value_max>{_NUMBER}))?\s*"
    rf"(?P<unit>{_UNIT_ALTERNATIVES})(?P<per>/(?:dose|day)\b)?(?![\w/²]))",
    re.IGNORECASE,
)


# Doses, limits, mentions and what is read of each dose are tuples rather than frozen
# dataclasses: a text makes many, and a tuple is several times cheaper to make.
class _Dose(NamedTuple):
    """A dose as written: where it is, its value or range, and its unit in the contract's vocabulary."""

    start: int
    end: int
    value: float
    value_max: float | None
    unit: str
    per_day: bool

    def amount(self) -> str:
        """"12" or "75-80": the number as an analyst would repeat it."""
        low = _number_text(self.value)
        return low if self.value_max is None else f"{low}-{_number_text(self.value_max)}"


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _find_doses(text: str) -> list[_Dose]:
    """Every dose a text states, in order."""
    doses: list[_Dose] = []
    for match in _DOSE.finditer(text):
        if match.group("auc"):
            low, high, unit, per = match.group("auc"), match.group("auc_max"), "AUC", None
        else:
            low, high, per = match.group("value"), match.group("value_max"), match.group("per")
            unit = _UNITS[match.group("unit").lower()]
        doses.append(
            _Dose(
                match.start(),
                match.end(),
                _number(low),
                _number(high) if high else None,
                unit,
                per is not None and per.lower() == "/day",
            )
        )
    return doses


# --- timing -----------------------------------------------------------------

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "other": 2,
}
_COUNT = r"(?:\d+|" + "|".join(_WORD_NUMBERS) + ")"

_CYCLE_DAY_CODE = re.compile(r"\bC(\d+)\s?D(\d+)\b")
_CYCLE_DAY = re.compile(r"\bcycle\s+(\d+)\W{0,3}day\s+(\d+)\b", re.IGNORECASE)
_DAY_RANGE = re.compile(r"\bdays?\s+(\d+)\s*(?:-|–|—|−|to|through)\s*(\d+)\b", re.IGNORECASE)
_DAY_LIST = re.compile(r"\bdays?\s+(\d+(?:\s*(?:,|and|&)\s*\d+)+)\b", re.IGNORECASE)
# The cycle a day belongs to: "of each 21-day cycle", "during 21-day cycles",
# "28 days as a treatment cycle", "(cycle = 28 days)". Read before the
# frequency, so "every 28 days as a cycle" is the cycle, not a dose every 28 days.
_CYCLE_LENGTH = re.compile(
    r"\b(?:every\s+)?(?P<count>\d+)[\s-]*(?P<unit>day|week)s?\s+(?:as\s+(?:a|one)\s+)?(?:treatment\s+)?cycles?\b"
    r"|\bcycles?\s*(?:=|:|of|is|lasts?)\s*(?P<count2>\d+)\s*(?P<unit2>day|week)s?\b",
    re.IGNORECASE,
)
_DAY = re.compile(r"\bday\s+(\d+)\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")

_EVERY = re.compile(rf"\bevery\s+(?:(?P<count>{_COUNT})\s+)?(?P<unit>day|week|month)s?\b", re.IGNORECASE)
_Q_CODE = re.compile(r"\bq\s?(?P<count>\d+)\s?(?P<unit>w|wks?|weeks?|d|days?)\b", re.IGNORECASE)
_WEEKLY = re.compile(r"\b(?:once\s+)?weekly\b|\bQW\b", re.IGNORECASE)
_TWICE_DAILY = re.compile(r"\btwice\s+(?:a\s+day|daily)\b|\bBID\b|\bb\.i\.d\.", re.IGNORECASE)
_DAILY = re.compile(r"\b(?:once\s+)?daily\b|\bonce\s+a\s+day\b|\bper\s+day\b|\bQD\b", re.IGNORECASE)


def _may_hold(text: str, words: tuple[str, ...]) -> bool:
    """Whether a text may match a case-insensitive pattern that requires one of the words (in lower case).

    In ASCII text IGNORECASE folds only A-Z, so a text holding none of the
    words cannot match, and `in` rules it out far sooner than the pattern is
    tried at every position. Other text is always tried: IGNORECASE also
    matches a few other letters ("ſ" for "s").
    """
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in words)


class _Hint:
    """A pattern in lower case, found in any case, that only rules phrases out before the patterns it stands for.

    Python tries a case-insensitive alternation branch by branch at every
    position. In ASCII text IGNORECASE folds only A-Z, so there the
    lower-case pattern is looked for in the lowered text, case-sensitively,
    where Python skips to the positions that open one of its words.
    """

    def __init__(self, pattern: str) -> None:
        self._lower_case = re.compile(pattern)
        self._any_case = re.compile(pattern, re.IGNORECASE)

    def found_in(self, text: str) -> bool:
        if text.isascii():
            return self._lower_case.search(text.lower()) is not None
        return self._any_case.search(text) is not None


# What every frequency above contains: one search rules out most phrases, which state none.
_FREQUENCY_HINT = _Hint(r"every|q\s?\d|qw|weekly|twice|bid|b\.i\.d|daily|once\s+a\s+day|per\s+day|qd")

_DAYS_OFF = re.compile(
    rf"\b(?:stopped|stop|off|rest(?:ed|ing)?|break|interrupted|discontinued)\s+for\s+(?P<count>{_COUNT})\s+"
    rf"(?P<unit>day|week)s?\b|\b(?P<count2>{_COUNT})[\s-](?P<unit2>day|week)s?\s+(?:off|of\s+rest|rest|break|without)\b"
    rf"|\bfollowed\s+by\s+(?:an?\s+)?(?P<count3>{_COUNT})[\s-](?P<unit3>day|week)s?\s+(?:infusion-free|drug-free|treatment-free)\b"
    rf"|\bfollowed\s+by\s+(?:an?\s+)?(?:infusion|drug|treatment)-free\s+(?:period|interval)\s+of\s+(?P<count4>{_COUNT})\s+"
    rf"(?P<unit4>day|week)s?\b",
    re.IGNORECASE,
)
_DAYS_ON = re.compile(
    rf"\bfor\s+(?P<count>{_COUNT})\s+(?:consecutive\s+)?(?P<unit>day|week)s?\b", re.IGNORECASE
)
# A word every days-off statement holds: "stopped for" and its synonyms, or "off", "of rest", "rest", "break".
_DAYS_OFF_WORDS = ("for", "off", "rest", "break", "without", "free")
_FRACTIONS = re.compile(r"\b(\d+)\s+fractions?\b", re.IGNORECASE)
# Every timing statement above holds a digit or one of these words; half the
# phrases read hold none and need not be tried against each pattern.
_TIMING_HINT = _Hint(r"\d|day|week|every|qw|twice|bid|b\.i\.d|daily|qd")


def _count(text: str) -> int:
    return int(text) if text.isdigit() else _WORD_NUMBERS[text.lower()]


def _days(count: str, unit: str) -> int:
    return _count(count) * (7 if unit.lower().startswith("w") else 1)


def _every(days: int) -> str:
    """A dosing interval as a frequency code: 1 -> QD, 7 -> QW, 21 -> Q3W, 10 -> Q10D."""
    if days == 1:
        return "QD"
    if days % 7 == 0:
        return "QW" if days == 7 else f"Q{days // 7}W"
    return f"Q{days}D"


class _Timing(NamedTuple):
    """When a dose is given, in parts that are filled from different places of a sentence.

    A tuple rather than a frozen dataclass: every phrase read makes one or
    two, and a tuple is several times cheaper to make and to merge.
    """

    day: str | None = None  # C1D8, D1, D1-3, D1,8
    frequency: str | None = None  # QD, QW, Q2W, Q3W
    days_on: int | None = None
    days_off: int | None = None
    fractions: int | None = None
    cycle: str | None = None  # Q3W for "of each 21-day cycle"

    def or_else(self, other: _Timing) -> _Timing:
        """This timing, its missing parts taken from `other`."""
        return _Timing._make(mine if mine is not None else theirs for mine, theirs in zip(self, other))

    def is_empty(self) -> bool:
        return all(part is None for part in self)

    def text(self) -> str | None:
        """The short form: "C1D8", "D1 Q3W", "D1-14 BID Q3W", "D1-14 Q3W (7 days off)", "5 fractions".

        Days on and off make the cycle ("2 weeks on, 1 week off" is a 3-week
        cycle); daily dosing is implied by the day range, so QD is not repeated.
        A cycle's length says when a day of the cycle comes back; without a
        day it repeats nothing ("twice daily during 21-day cycles" is BID).
        """
        if self.days_on and self.days_off:
            cycle = _every(self.days_on + self.days_off)
            return f"D1-{self.days_on} {cycle} ({self.days_off} days off)"
        frequency = None if self.frequency == "QD" and self.day and "-" in self.day else self.frequency
        cycle = self.cycle if self.day and self.cycle != frequency else None
        parts = [self.day, frequency, cycle, f"{self.fractions} fractions" if self.fractions else None]
        return " ".join(part for part in parts if part) or None


def _day_of_cycle(text: str) -> tuple[str | None, int | None]:
    """The most specific day statement, and the days on when it is a range from day 1."""
    if not _DIGITS.search(text):  # every day statement has a number
        return None, None
    if match := _CYCLE_DAY_CODE.search(text):
        return f"C{match.group(1)}D{match.group(2)}", None
    if match := _CYCLE_DAY.search(text):
        return f"C{match.group(1)}D{match.group(2)}", None
    if match := _DAY_RANGE.search(text):
        first, last = int(match.group(1)), int(match.group(2))
        return f"D{first}-{last}", last if first == 1 else None
    if match := _DAY_LIST.search(text):
        days = [int(day) for day in _DIGITS.findall(match.group(1))]
        if days == list(range(days[0], days[-1] + 1)):
            return f"D{days[0]}-{days[-1]}", days[-1] if days[0] == 1 else None
        return "D" + ",".join(str(day) for day in days), None
    if match := _DAY.search(text):
        return f"D{match.group(1)}", None
    return None, None


def _frequency(text: str) -> str | None:
    """The frequency written first in the text."""
    if not _FREQUENCY_HINT.found_in(text):
        return None
    found: list[tuple[int, str]] = []
    for pattern in (_EVERY, _Q_CODE):
        for match in pattern.finditer(text):
            count = match.group("count") or "1"
            unit = match.group("unit").lower()
            code = f"Q{_count(count)}M" if unit == "month" else _every(_days(count, unit))
            found.append((match.start(), code))
    for pattern, code in ((_WEEKLY, "QW"), (_TWICE_DAILY, "BID"), (_DAILY, "QD")):
        found.extend((match.start(), code) for match in pattern.finditer(text))
    return min(found)[1] if found else None


def _read_timing(text: str) -> _Timing:
    """Every timing statement in a phrase, each part as written first."""
    if not _TIMING_HINT.found_in(text):
        return _Timing()
    day, days_on = _day_of_cycle(text)
    days_off = cycle = None
    if _may_hold(text, ("cycle",)) and (match := _CYCLE_LENGTH.search(text)):
        cycle = _every(_days(match.group("count") or match.group("count2"), match.group("unit") or match.group("unit2")))
        text = _blanked(text, match)
    if _may_hold(text, _DAYS_OFF_WORDS) and (match := _DAYS_OFF.search(text)):
        count, unit = next((match.group(f"count{n}"), match.group(f"unit{n}")) for n in ("", "2", "3", "4")
                           if match.group(f"count{n}"))
        days_off = _days(count, unit)
        # "stopped for 1 week" must not also read as "for 1 week" on.
        text = _blanked(text, match)
    if days_on is None and _may_hold(text, ("for",)) and (match := _DAYS_ON.search(text)):
        # "daily for 8 weeks" is how long treatment lasts; weeks are days on only before days off.
        if match.group("unit").lower() == "day" or days_off is not None:
            days_on = _days(match.group("count"), match.group("unit"))
            day = day or f"D1-{days_on}"
    fractions = _FRACTIONS.search(text)
    return _Timing(day, _frequency(text), days_on, days_off, int(fractions.group(1)) if fractions else None, cycle)


def _blanked(text: str, match: re.Match[str]) -> str:
    """The text with a statement already read turned to spaces, so no other pattern reads it again."""
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end():]


# --- route and infusion -------------------------------------------------------

_ROUTES = (
    ("IV", r"\bintravenous(?:ly)?\b|\bi\.v\.|(?<!stage )\bIV\b"),
    ("PO", r"\boral(?:ly)?\b|\bp\.o\.|\bPO\b|\bby mouth\b|\bcapsules?\b|\btablets?\b"),
    ("SC", r"\bsub-?cutaneous(?:ly)?\b|\bs\.c\.|\bSC\b|\bSQ\b"),
    ("IM", r"\bintramuscular(?:ly)?\b|\bi\.m\.|\bIM\b"),
    ("IT", r"\bintrathecal(?:ly)?\b"),
    ("INHALED", r"\binhal(?:ed|ation)\b"),
    ("TOPICAL", r"\btopical(?:ly)?\b"),
)
# Every route opens a word with one of these letters, checked before the alternatives are tried.
_ROUTE = re.compile(
    r"(?=\b[bciopst])(?:" + "|".join(f"(?P<{route}>{pattern})" for route, pattern in _ROUTES) + ")", re.IGNORECASE
)
_ROUTE_CASED = {"IV", "PO", "SC", "SQ", "IM"}  # short forms count only in capitals ("iv" is a numeral too)
_ROUTE_BEFORE_DRUG = re.compile(
    r"\b(?:oral|intravenous|subcutaneous|intramuscular|inhaled|topical|IV|SC)\s+$", re.IGNORECASE
)
_ROUTE_WORD_WINDOW = 20
_RADIOTHERAPY = "radiotherapy"
_INFUSION = re.compile(
    r"\bover\s+(?:a\s+)?(?P<count>\d+(?:\.\d+)?)\s*(?P<unit>minutes?|mins?|hours?|hrs?|h)\b"
    r"|\b(?P<count2>\d+(?:\.\d+)?)[\s-](?P<unit2>minute|min|hour)\s+(?:iv\s+|intravenous\s+)?infusion\b",
    re.IGNORECASE,
)


def _read_route(text: str) -> str | None:
    """The first route a phrase states, in the ROUTE vocabulary."""
    for match in _ROUTE.finditer(text):
        if match.group(0).upper() in _ROUTE_CASED and not match.group(0).isupper():
            continue
        return match.lastgroup
    return None


def _read_infusion_minutes(text: str) -> float | None:
    """"over 60 minutes", "over 1 hour", "30-minute infusion" -> minutes."""
    # Every infusion time is written "over ..." or "... infusion".
    match = _INFUSION.search(text) if _may_hold(text, ("over", "infusion")) else None
    if not match:
        return None
    count = float(match.group("count") or match.group("count2"))
    unit = (match.group("unit") or match.group("unit2")).lower()
    return count * 60 if unit.startswith("h") else count


# --- sentences and phrase boundaries ----------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*•(\-])")
# Where a dose's phrase cannot continue: a sentence end, a semicolon, a
# new paragraph or list item.
# Every break opens with white space or a semicolon, which the look-ahead checks first.
_PHRASE_BREAK = re.compile(r"(?=[\s;])(?:" + _SENTENCE_END.pattern + r"|;|\n\s*\n|\n(?=\s*(?:[*\-•·]|\d+[.)])\s))")
_LABEL_TIMING = re.compile(
    r"\b(?:cycles?\s+\d+|days?\s+\d+(?:\s*(?:-|–|to)\s*\d+)?)(?:\W{0,3}days?\s+\d+(?:\s*(?:-|–|to)\s*\d+)?)?"
    r"\s*(?:\([^)]*\))?\s*$",
    re.IGNORECASE,
)
_CONNECTOR_ONLY = re.compile(r"^[\s,(]*(?:or|and|/)?[\s,(]*$", re.IGNORECASE)
_OF_DRUG = re.compile(r"\s+(?:(?:oral|intravenous|iv|daily|single|loading)\s+)?(?:dose\s+)?of\s+", re.IGNORECASE)


def _label_cut(text: str, start: int, end: int) -> int:
    """Where a dose's phrase ends when a label for the next dose ("Day 8 (C1D8):") sits in it."""
    colon = text.find(":", start, end)
    if colon < 0:
        return end
    label = _LABEL_TIMING.search(text, start, colon)
    return label.start() if label else colon


# --- caps and adjustments -----------------------------------------------------

_CAP_BEFORE = re.compile(
    r"(?:\bmax(?:imal|imum)?\.?\s+(?:total\s+|single\s+|calculated\s+|daily\s+)?dose\b[^.;\d]{0,20}|\bnot\s+(?:to\s+)?exceed(?:ing)?\s+"
    r"|\bno\s+more\s+than\s+|\bcapped\s+at\s+|\bup\s+to\s+(?:a\s+max(?:imum)?\s+of\s+)?|\bmaximum\s+of\s+)$",
    re.IGNORECASE,
)
# Tried at every position of a text, so a word's start and first letter are checked before the verbs.
_ADJUSTMENT = re.compile(
    r"\b(?=[adeilmrtu])(?:adjust\w*\s+(?P<direction>upward|downward|up|down)\b"
    r"|(?P<up>increas\w*|escalat\w*|up-?titrat\w*)"
    r"|(?P<down>reduc\w*|decreas\w*|lower(?:ed|ing)?\b|de-?escalat\w*)|(?P<adjust>adjust\w*|modif\w*|titrat\w*))",
    re.IGNORECASE,
)
# A word each verb above holds, in lower case.
_ADJUSTMENT_STEMS = ("adjust", "increas", "escalat", "titrat", "reduc", "decreas", "lower", "modif")
# Only in parentheses: a radiotherapy "total dose of 60 Gy" is the dose itself.
_TOTAL_BEFORE = re.compile(r"\(\s*(?:for\s+)?(?:a\s+)?total\s+(?:dose\s+)?(?:of\s+)?$", re.IGNORECASE)
# "150 mg and 50 mg tablets", "200 mg capsule": what one tablet holds.
_STRENGTH_AFTER = re.compile(r"\s*(?:and\s+\d[\d.]*\s*mg\s+)?(?:tablets?|capsules?)\b", re.IGNORECASE)
_DOSE_STATED = re.compile(r"\b(?:at\s+a\s+dose\s+of|dosed\s+at|dose\s+(?:is|of))\b", re.IGNORECASE)
_ABOUT_DOSE = re.compile(r"\bdos(?:e|es|ed|ing|age)\b", re.IGNORECASE)
_CHAIN_LINK = re.compile(r"^\s*(?:→|->|⟶|➔|to|,)\s*$", re.IGNORECASE)
_ADJUSTMENT_WINDOW = 30
_CAP_WINDOW = 45
_CONDITIONS = (
    (re.compile(r"\btolerat", re.IGNORECASE), "if tolerated"),
    (re.compile(r"\badverse\s+events?\b|\bAEs?\b"), "for adverse events"),
    (re.compile(r"\btoxicit", re.IGNORECASE), "for toxicity"),
)


class _Limit(NamedTuple):
    """What a text says about the most a drug may be given, or about changing its dose."""

    position: int
    max_value: float | None = None
    max_unit: str | None = None
    adjustment: str | None = None


def _direction(match: re.Match[str]) -> str:
    if match.group("direction"):
        return "up" if match.group("direction").lower().startswith("up") else "down"
    return "up" if match.group("up") else "down" if match.group("down") else "adjust"


def _has_adjustment(text: str) -> bool:
    """Whether a text has an adjustment verb; most texts hold none of the stems the verbs require."""
    return _may_hold(text, _ADJUSTMENT_STEMS) and _ADJUSTMENT.search(text) is not None


def _adjustment_text(direction: str, chain: list[_Dose], condition: str | None) -> str:
    """"up to 12 mg if tolerated", "reduce 12 -> 10 -> 8 mg", "down for adverse events".

    A chain of doses says everything; a single target or none is completed
    by the condition the sentence gives.
    """
    if len(chain) > 1:
        verb = {"up": "increase", "down": "reduce", "adjust": "adjust"}[direction]
        return f"{verb} {' -> '.join(dose.amount() for dose in chain)} {chain[-1].unit}"
    if chain:
        verb = {"up": "up to", "down": "reduce to", "adjust": "adjust to"}[direction]
        words = [verb, chain[0].amount(), chain[0].unit]
    else:
        words = [direction]
    return " ".join([*words, condition] if condition else words)


def _chain_after(text: str, position: int, doses: tuple[_Dose, ...], limit: int) -> list[_Dose]:
    """The doses an adjustment verb names: the first close after it, then those linked by arrows."""
    chain: list[_Dose] = []
    # The doses are in text order: the verb's are found by bisection, not by a scan from the text's first dose.
    for index in range(bisect_left(doses, position, key=_start), len(doses)):
        dose = doses[index]
        gap = text[(chain[-1].end if chain else position):dose.start]
        if dose.start >= limit or (chain and not _CHAIN_LINK.match(gap)):
            break
        if not chain and (len(gap) > _ADJUSTMENT_WINDOW or _DIGITS.search(gap)):
            break
        chain.append(dose)
    return chain


def _start(dose: _Dose) -> int:
    return dose.start


def _adjustments(text: str, sentence: tuple[int, int], doses: tuple[_Dose, ...]) -> tuple[list[_Limit], set[_Dose]]:
    """Dose changes a sentence allows, and the doses they name (not doses given)."""
    start, end = sentence
    verbs = list(_ADJUSTMENT.finditer(text, start, end))
    limits: list[_Limit] = []
    named: set[_Dose] = set()
    about_dose: bool | None = None  # whether the sentence speaks of a dose, looked up once
    for index, verb in enumerate(verbs):
        span_end = verbs[index + 1].start() if index + 1 < len(verbs) else end
        chain = _chain_after(text, verb.end(), doses, span_end)
        if not chain and about_dose is None:
            about_dose = _ABOUT_DOSE.search(text, start, end) is not None
        if not chain and not about_dose:
            continue
        span = text[verb.end():span_end]
        condition = next((label for pattern, label in _CONDITIONS if pattern.search(span)), None)
        direction = _direction(verb)
        top = max(chain, key=lambda dose: dose.value_max or dose.value) if direction == "up" and chain else None
        limits.append(
            _Limit(
                verb.start(),
                (top.value_max or top.value) if top else None,
                top.unit if top else None,
                _adjustment_text(direction, chain, condition),
            )
        )
        named.update(chain)
    return limits, named


def _restated(text: str, doses: list[_Dose]) -> set[_Dose]:
    """Doses that only say again the dose before them, or what a tablet holds; not doses of their own.

    "300 mg (for a total of 600 mg)", "40 mg 4 times per day (160 mg daily)",
    "600 mg daily (2 doses of 300 mg (2*2 tablets of 150 mg))", "74 Gy in 37
    fractions (2.0 Gy per fraction)": a dose in parentheses opened right
    after another dose's phrase, with no drug named between. "Tucatinib 150
    mg and 50 mg tablets ... at a dose of 300 mg": tablet strengths, when the
    text states the dose itself.
    """
    restated = {dose for dose in doses if _TOTAL_BEFORE.search(text[max(0, dose.start - _CAP_WINDOW):dose.start])}
    for previous, dose in zip(doses, doses[1:]):
        opening = text.rfind("(", previous.end, dose.start)
        if opening >= 0 and opening - previous.end <= _CAP_WINDOW and ")" not in text[opening:dose.start] \
                and not find_drug_mentions(text[previous.end:dose.start]):
            restated.add(dose)
    if _DOSE_STATED.search(text):
        restated |= {dose for dose in doses if _STRENGTH_AFTER.match(text, dose.end)}
    return restated


def _caps(text: str, doses: list[_Dose]) -> tuple[list[_Limit], set[_Dose]]:
    """"maximal dose used is 750 mg", "not to exceed 750 mg": the most a dose may be."""
    limits: list[_Limit] = []
    named: set[_Dose] = set()
    for dose in doses:
        if _CAP_BEFORE.search(text[max(0, dose.start - _CAP_WINDOW):dose.start]):
            limits.append(_Limit(dose.start, dose.value_max or dose.value, dose.unit))
            named.add(dose)
    return limits, named


# --- reading one text -------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """A text to read, what it is (for findings), and the drug it is about when it names none."""

    text: str
    label: str
    default_drug: str | None
    # The record's own drug names the vocabulary lacks ("TQB2930", "DS-1205c"): (pattern, name).
    record_drugs: tuple[tuple[re.Pattern[str], str], ...] = ()


class _Mention(NamedTuple):
    """A drug mention, its start moved back over a route written before it ("oral Anlotinib")."""

    start: int
    end: int
    name: str
    route: str | None


class _Phrase(NamedTuple):
    """What a dose's own words say: the phrase after it, else the words before it."""

    route: str | None
    timing: _Timing
    infusion_minutes: float | None
    tail: str


class _Given(NamedTuple):
    """A dose given, the drug it belongs to and the mention that names that drug."""

    dose: _Dose
    drug: str | None
    mention: _Mention | None
    phrase: _Phrase


class _Step(NamedTuple):
    """A dose given, fully read, before it is numbered within its drug."""

    drug: str
    dose: _Dose
    route: str | None
    timing: _Timing
    infusion_minutes: float | None
    source_text: str
    sentence: tuple[int, int]

    @property
    def text(self) -> str:
        """The dose's sentence; cut from its text only for the steps kept, as one sentence may hold many doses."""
        start, end = self.sentence
        return self.source_text[start:end].strip()


@dataclass
class _Reading:
    """What texts say: doses given, limits by drug, and what could not be tied to a drug."""

    steps: list[_Step] = field(default_factory=list)
    limits: list[tuple[str, _Limit, str]] = field(default_factory=list)  # drug, limit, its sentence
    findings: list[Finding] = field(default_factory=list)

    def add(self, other: _Reading) -> None:
        self.steps.extend(other.steps)
        self.limits.extend(other.limits)
        self.findings.extend(other.findings)


def _mentions(text: str, record_drugs: tuple[tuple[re.Pattern[str], str], ...]) -> tuple[_Mention, ...]:
    # Mentions never overlap, so sorted by start a new one can only overlap its two neighbours:
    # asking every mention found so far made a long text of drug names quadratic.
    found_all = sorted(find_drug_mentions(text))
    for pattern, name in record_drugs:
        for match in pattern.finditer(text):
            index = bisect_right(found_all, match.start(), key=lambda mention: mention.start)
            overlaps_before = index > 0 and found_all[index - 1].end > match.start()
            overlaps_after = index < len(found_all) and found_all[index].start < match.end()
            if not overlaps_before and not overlaps_after:
                found_all.insert(index, DrugMention(match.start(), match.end(), name))
    mentions: list[_Mention] = []
    for found in found_all:
        prefix = _ROUTE_BEFORE_DRUG.search(text, max(0, found.start - _ROUTE_WORD_WINDOW), found.start)
        start = prefix.start() if prefix else found.start
        mentions.append(_Mention(start, found.end, found.name, _read_route(prefix.group(0)) if prefix else None))
    return tuple(mentions)


def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return tuple(spans)


@dataclass(frozen=True)
class _Text:
    """One text and what is found in it once: doses, adjustment verbs, drug mentions, sentences, phrase breaks.

    All of them are in text order, so what lies before or after a dose is
    found by bisection: a text of thousands of doses is read in linear time,
    not by scanning every sentence, mention and break for each dose.
    """

    source: _Source
    doses: tuple[_Dose, ...]
    adjusts: bool
    mentions: tuple[_Mention, ...]
    sentences: tuple[tuple[int, int], ...]
    breaks: tuple[int, ...]
    _phase_frequencies: dict[tuple[int, int], str | None] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, source: _Source, doses: list[_Dose], adjusts: bool) -> _Text:
        text = source.text
        return cls(
            source,
            tuple(doses),
            adjusts,
            _mentions(text, source.record_drugs),
            _sentence_spans(text),
            tuple(match.start() for match in _PHRASE_BREAK.finditer(text)),
        )

    @property
    def text(self) -> str:
        return self.source.text

    @functools.cached_property
    def _sentence_starts(self) -> list[int]:
        return [start for start, _ in self.sentences]

    @functools.cached_property
    def _mention_starts(self) -> list[int]:
        return [mention.start for mention in self.mentions]

    @functools.cached_property
    def _mention_ends(self) -> list[int]:
        return [mention.end for mention in self.mentions]

    @functools.cached_property
    def _dose_starts(self) -> list[int]:
        return [dose.start for dose in self.doses]

    def sentence_at(self, position: int) -> tuple[int, int]:
        """The sentence holding `position`; the last one for a position between sentences."""
        index = bisect_right(self._sentence_starts, position) - 1
        if index >= 0 and position < self.sentences[index][1]:
            return self.sentences[index]
        return self.sentences[-1]

    def sentence_text(self, position: int) -> str:
        start, end = self.sentence_at(position)
        return self.text[start:end].strip()

    def _first_mention_from(self, position: int) -> int:
        return bisect_left(self._mention_starts, position)

    def drug_at(self, start: int, end: int) -> tuple[str | None, _Mention | None]:
        """The drug a dose or limit written at start:end is about, and the mention naming it.

        "10 mg of tarlatamab" names it right after; otherwise the nearest drug
        named before; otherwise the text's own drug; otherwise the first drug
        named later in the same sentence.
        """
        sentence_end = self.sentence_at(start)[1]
        first_after = self._first_mention_from(start)
        after = self.mentions[first_after] if first_after < len(self.mentions) else None
        if after is not None and after.start >= sentence_end:
            after = None
        if after is not None and _OF_DRUG.fullmatch(self.text, end, after.start):
            return after.name, after
        last_before = bisect_right(self._mention_ends, start) - 1
        if last_before >= 0:
            return self.mentions[last_before].name, self.mentions[last_before]
        if self.source.default_drug is not None:
            return self.source.default_drug, None
        return (after.name, after) if after is not None else (None, None)

    def phase_frequency(self, position: int) -> str | None:
        """The frequency of a label opening the sentence ("Induction (4 cycles, q3w): ..."), read once per sentence."""
        sentence = self.sentence_at(position)
        if sentence not in self._phase_frequencies:
            start, end = sentence
            firsts = [end]
            mention = self._first_mention_from(start)
            if mention < len(self.mentions):
                firsts.append(self.mentions[mention].start)
            dose = bisect_left(self._dose_starts, start)
            if dose < len(self.doses):
                firsts.append(self.doses[dose].start)
            preamble = self.text[start:min(firsts)]
            self._phase_frequencies[sentence] = _frequency(preamble) if ":" in preamble else None
        return self._phase_frequencies[sentence]

    def tail_end(self, dose: _Dose, mention: _Mention | None, next_dose: _Dose | None) -> int:
        """Where a dose's phrase ends: the next dose, another drug, a phrase break or a label."""
        ends = [len(self.text)]
        first_break = bisect_left(self.breaks, dose.end)
        if first_break < len(self.breaks):
            ends.append(self.breaks[first_break])
        other = self._first_mention_from(dose.end)
        if other < len(self.mentions) and self.mentions[other] == mention:
            other += 1
        if other < len(self.mentions):
            ends.append(self.mentions[other].start)
        if next_dose is not None:
            ends.append(next_dose.start)
        return _label_cut(self.text, dose.end, min(ends))

    def head_start(self, dose: _Dose, previous_end: int) -> int:
        """Where the words before a dose begin: the previous phrase's end, a break, or its drug."""
        starts = [previous_end]
        last_break = bisect_right(self.breaks, dose.start) - 1
        if last_break >= 0:
            starts.append(self.breaks[last_break])
        last_mention = bisect_right(self._mention_ends, dose.start) - 1
        if last_mention >= 0:
            starts.append(self.mentions[last_mention].start)
        return max(starts)


def _phrase(text: str, dose: _Dose, head_start: int, tail_end: int) -> _Phrase:
    tail = text[dose.end:tail_end]
    head = text[head_start:dose.start]
    return _Phrase(
        _read_route(tail) or _read_route(head),
        _read_timing(tail).or_else(_read_timing(head)),
        _read_infusion_minutes(tail) or _read_infusion_minutes(head),
        tail,
    )


def _given(text: _Text, doses: list[_Dose]) -> list[_Given]:
    given: list[_Given] = []
    previous_end = 0
    for index, dose in enumerate(doses):
        drug, mention = text.drug_at(dose.start, dose.end)
        tail_end = text.tail_end(dose, mention, doses[index + 1] if index + 1 < len(doses) else None)
        phrase = _phrase(text.text, dose, text.head_start(dose, previous_end), tail_end)
        given.append(_Given(dose, drug, mention, phrase))
        previous_end = tail_end
    return given


def _lead_ins(text: str, given: list[_Given]) -> dict[_Mention | None, tuple[str, _Dose]]:
    """Per drug mention, what it says before its first dose ("tarlatamab, administered as an i.v. infusion:").

    The route said there holds for all the mention's doses; a timing said
    there belongs to the first only. Doses of the text's own drug (no
    mention, key None) have the text's opening as their lead-in.
    """
    lead_ins: dict[_Mention | None, tuple[str, _Dose]] = {}
    for item in given:
        if item.mention not in lead_ins:
            start = item.mention.start if item.mention is not None else 0
            lead_ins[item.mention] = (text[start:item.dose.start], item.dose)
    return lead_ins


def _alternative(given: list[_Given], index: int) -> _Phrase | None:
    """The next dose's phrase when only "or"/"and" separates the two ("AUC=5 or Cisplatin 75 mg/m2 on Day 1")."""
    if index + 1 >= len(given):
        return None
    this, following = given[index], given[index + 1]
    if following.mention is None or following.mention == this.mention or following.mention.start < this.dose.end:
        return None
    return following.phrase if _CONNECTOR_ONLY.match(this.phrase.tail) else None


def _step(text: _Text, given: list[_Given], index: int, drug: str,
          lead_ins: dict[_Mention | None, tuple[str, _Dose]]) -> _Step:
    """A dose's route and timing: its phrase, then its drug's lead-in, its alternative, its phase."""
    item = given[index]
    route, timing = item.phrase.route, item.phrase.timing
    lead_in, first = lead_ins[item.mention]
    if first == item.dose:
        timing = timing.or_else(_read_timing(lead_in))
    route = route or (item.mention.route if item.mention else None) or _read_route(lead_in)
    if route is None and item.mention is not None:
        # "Two subcutaneous injections of Dupilumab 300 mg": the route opens the sentence, before its one drug.
        sentence_start = text.sentence_at(item.mention.start)[0]
        if not any(sentence_start <= other.start < item.mention.start for other in text.mentions):
            route = _read_route(text.text[sentence_start:item.mention.start])
    alternative = _alternative(given, index)
    if alternative is not None:
        route = route or alternative.route
        timing = alternative.timing if timing.is_empty() else timing
    if item.dose.per_day and timing.frequency is None:
        timing = timing._replace(frequency="QD")
    phase = text.phase_frequency(item.dose.start)
    if phase and timing.day and not timing.frequency and not timing.days_off:
        timing = timing._replace(frequency=phase)
    if drug == _RADIOTHERAPY or item.dose.unit in ("Gy", "cGy"):
        route = "RADIOTHERAPY"
    return _Step(drug, item.dose, route, timing, item.phrase.infusion_minutes, text.text,
                 text.sentence_at(item.dose.start))


def _limits(text: _Text, reading: _Reading) -> set[_Dose]:
    """Adjustments and caps into `reading`; returns the doses they and restated totals name, which are not given."""
    named: set[_Dose] = set()
    found: list[_Limit] = []
    # Sentences end at white space, so a verb found in one is found in the whole text;
    # most texts have none, and are not searched sentence by sentence.
    sentences = text.sentences if text.adjusts else ()
    for sentence in sentences:
        adjustments, adjusted = _adjustments(text.text, sentence, text.doses)
        found.extend(adjustments)
        named |= adjusted
    # A cap in parentheses ("(maximal dose used is 750 mg)") is a cap, not a restatement.
    caps, capped = _caps(text.text, [dose for dose in text.doses if dose not in named])
    named |= _restated(text.text, list(text.doses))
    for limit in [*found, *caps]:
        drug, _ = text.drug_at(limit.position, limit.position)
        if drug is None:
            reading.findings.append(_parse_finding(
                f"{text.source.label} limits or adjusts a dose but names no drug; not loaded",
                text.sentence_text(limit.position)))
        else:
            reading.limits.append((drug, limit, text.sentence_text(limit.position)))
    return named | capped


def _read_source(source: _Source) -> _Reading:
    """Doses given, limits and unreadable doses of one text."""
    doses = _find_doses(source.text) if _DIGITS.search(source.text) else []  # every dose has a digit
    adjusts = _has_adjustment(source.text)
    if not doses and not adjusts:
        # Every limit is an adjustment verb's or a dose's: most study texts have
        # neither, and need not be split into sentences and phrases.
        return _Reading()
    text = _Text.of(source, doses, adjusts)
    reading = _Reading()
    named = _limits(text, reading)
    given = _given(text, [dose for dose in text.doses if dose not in named])
    lead_ins = _lead_ins(text.text, given)
    for index, item in enumerate(given):
        if item.drug is None:
            reading.findings.append(_parse_finding(
                f"{source.label} states a dose ({item.dose.amount()} {item.dose.unit}) but names no drug; not loaded",
                text.sentence_text(item.dose.start)))
        else:
            reading.steps.append(_step(text, given, index, item.drug, lead_ins))
    return reading


def _parse_finding(message: str, observed: str) -> Finding:
    return Finding(check_name=DOSING_EXTRACTION, category="parse", severity="INFO", message=message,
                   field="dosing", observed=observed[:500])


# --- the document -------------------------------------------------------------------

# Intervention types that are drugs, so a name the vocabulary lacks is worth a look.
_DRUG_TYPES = {"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "RADIATION", None}


# An intervention name joins several drugs with these ("Busulfan/Cyclophosphamide",
# "Chemotherapy (Gemcitabine + Carboplatin or Eribulin)", "Camrelizumab combined with apatinib").
_NAME_JOINS = re.compile(r"\s+(?:or|and|plus|combined\s+with|with|versus|vs\.?)\s+|[/+,;()&]", re.IGNORECASE)
# Names that are not a drug given: a placebo's or a sham's "dose" is no drug's dose.
_NOT_A_DRUG = re.compile(r"\b(?:placebos?|sham|vehicle|chemotherapy|standard\s+of\s+care|best\s+supportive)\b",
                         re.IGNORECASE)


def _name_parts(name: str) -> list[str]:
    """The drug names an intervention name holds, their dosage-form words ("injection", "tablets") left out."""
    parts = [" ".join(FORM_WORDS.sub(" ", part).split()) for part in _NAME_JOINS.split(name)]
    return [part for part in parts if part and not _NOT_A_DRUG.search(part) and re.search(r"[a-z]", part, re.I)]


def _drug_named(name: str | None) -> str | None:
    """The drug an intervention name stands for; None when it names several ("Carboplatin or cisplatin") or none.

    A name the vocabulary lacks ("Drug X") stands for itself, in lower case,
    so its doses are kept under that name.
    """
    if name is None or not name.strip() or _NOT_A_DRUG.fullmatch(name.strip()):
        return None
    canonical = normalize_drug(name)
    if canonical is not None:
        return canonical
    parts = _name_parts(name)
    if len(parts) != 1:
        return None
    return normalize_drug(parts[0]) or parts[0].lower()


def _record_drugs(interventions: list[dict[str, Any]]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The record's drug names the vocabulary lacks, as patterns that find them in its texts.

    A code name is written with or without its hyphen ("APG2575", "APG-2575"),
    so letters and digits may be joined by a space, a hyphen or nothing.
    """
    found: dict[str, re.Pattern[str]] = {}
    for row in interventions:
        if row.get("intervention_type") not in _DRUG_TYPES or not row.get("name"):
            continue
        for part in _name_parts(row["name"]):
            if normalize_drug(part) is not None or find_drugs(part):
                continue
            chunks = re.findall(r"[A-Za-z]+|\d+", part)
            if chunks and len(part) >= 3:
                pattern = r"[\s\-]?".join(re.escape(chunk) for chunk in chunks)
                found.setdefault(part.lower(), re.compile(rf"(?<![\w-]){pattern}(?![\w-])", re.IGNORECASE))
    return tuple((pattern, name) for name, pattern in found.items())


def _sources(interventions: list[dict[str, Any]], arms: list[dict[str, Any]]) -> list[_Source]:
    record_drugs = _record_drugs(interventions)
    sources = [
        _Source(row["description"], f"intervention {row.get('name')!r}",
                _drug_named(row.get("name")) if row.get("intervention_type") in _DRUG_TYPES else None, record_drugs)
        for row in interventions
        if row.get("description")
    ]
    types = {row.get("name"): row.get("intervention_type") for row in interventions}
    for arm in arms:
        if arm.get("description"):
            names = arm.get("intervention_names") or []
            default = _drug_named(names[0]) if len(names) == 1 and types.get(names[0]) in _DRUG_TYPES else None
            sources.append(_Source(arm["description"], f"arm {arm.get('label')!r}", default, record_drugs))
    return sources


def _study_sources(interventions: list[dict[str, Any]], study_texts: list[str | None]) -> list[_Source]:
    """Study texts, about the trial's one drug when it has one."""
    drugs = {_drug_named(row.get("name")) for row in interventions if row.get("intervention_type") in _DRUG_TYPES}
    drugs.discard(None)
    default = next(iter(drugs)) if len(drugs) == 1 else None
    return [_Source(text, "the study description", default) for text in study_texts if text]


def _read_all(sources: list[_Source]) -> _Reading:
    reading = _Reading()
    for source in sources:
        reading.add(_read_source(source))
    return reading


def _distinct(steps: list[_Step]) -> list[_Step]:
    """One step per drug, dose, unit, route and timing: a regimen repeated in another section counts once.

    A dose restated without its schedule ("Gefitinib 250 mg tablet" beside
    "daily 250 mg oral dose of gefitinib") is the same step, and adds none.
    """
    timed = {(step.drug, step.dose.value, step.dose.value_max, step.dose.unit)
             for step in steps if step.timing.text() is not None}
    seen: set[tuple[Any, ...]] = set()
    kept: list[_Step] = []
    for step in steps:
        dose = (step.drug, step.dose.value, step.dose.value_max, step.dose.unit)
        if step.timing.text() is None and dose in timed:
            continue
        key = (*dose, step.route, step.timing.text())
        if key not in seen:
            seen.add(key)
            kept.append(step)
    return kept


@dataclass(frozen=True)
class _DrugLimits:
    """Per drug: the highest cap or upward target, every adjustment the texts state, and their sentences."""

    max_value: float | None = None
    max_unit: str | None = None
    adjustment: str | None = None
    sentences: tuple[str, ...] = ()


def _limits_by_drug(limits: list[tuple[str, _Limit, str]]) -> dict[str, _DrugLimits]:
    by_drug: dict[str, _DrugLimits] = {}
    for drug in dict.fromkeys(drug for drug, _, _ in limits):
        own = [limit for name, limit, _ in limits if name == drug]
        capped = [limit for limit in own if limit.max_value is not None]
        top = max(capped, key=lambda limit: limit.max_value or 0) if capped else None
        adjustments = list(dict.fromkeys(limit.adjustment for limit in own if limit.adjustment))
        by_drug[drug] = _DrugLimits(
            top.max_value if top else None,
            top.max_unit if top else None,
            "; ".join(adjustments) or None,
            tuple(dict.fromkeys(sentence for name, _, sentence in limits if name == drug)),
        )
    return by_drug


def _rows(steps: list[_Step], limits: dict[str, _DrugLimits]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    numbers: dict[str, int] = {}
    for step in steps:
        numbers[step.drug] = numbers.get(step.drug, 0) + 1
        drug_limits = limits.get(step.drug, _DrugLimits())
        rows.append({
            "drug": step.drug,
            "step": numbers[step.drug],
            "dose_value": step.dose.value,
            "dose_value_max": step.dose.value_max,
            "dose_unit": step.dose.unit,
            "route": step.route,
            "timing": step.timing.text(),
            "infusion_minutes": step.infusion_minutes,
            "max_dose_value": drug_limits.max_value,
            "max_dose_unit": drug_limits.max_unit,
            "dose_adjustment": drug_limits.adjustment,
            "text": step.text,
        })
    return rows


def _unknown_drug_findings(interventions: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[Finding]:
    """Drug names the vocabulary lacks, once each, so the vocabulary can be extended."""
    names = [row["drug"] for row in rows if normalize_drug(row["drug"]) is None]
    names += [
        row["name"] for row in interventions
        if row.get("intervention_type") in _DRUG_TYPES and row.get("name") and not find_drugs(row["name"])
    ]
    return [
        Finding(check_name=DRUG_NAMES, category="domain", severity="INFO",
                message=f"drug {name!r} is not in the drug vocabulary (pipeline/extract/data/drugs.csv); kept as written",
                field="drug", observed=name)
        for name in dict.fromkeys(" ".join(name.split()).lower() for name in names)
    ]


def _undosed_limit_findings(limits: dict[str, _DrugLimits], steps: list[_Step]) -> list[Finding]:
    """Limits for a drug with no dose have no row to sit on; they are reported instead."""
    dosed = {step.drug for step in steps}
    findings: list[Finding] = []
    for drug, drug_limits in limits.items():
        if drug in dosed:
            continue
        cap = f"max {_number_text(drug_limits.max_value)} {drug_limits.max_unit}" if drug_limits.max_value else None
        said = "; ".join(part for part in (drug_limits.adjustment, cap) if part)
        findings.append(_parse_finding(f"a dose limit or adjustment ({said}) is stated for {drug!r} but no dose "
                                       "of it; not loaded", " | ".join(drug_limits.sentences)))
    return findings


def extract_dosing(interventions: list[dict], arms: list[dict],
                   study_texts: list[str]) -> tuple[list[dict], list[Finding]]:
    """The document's `dosing` rows (without nct_id and source_file) and what could not be read."""
    reading = _read_all(_sources(interventions, arms))
    if not reading.steps:
        reading.add(_read_all(_study_sources(interventions, study_texts)))
    steps = _distinct(reading.steps)
    limits = _limits_by_drug(reading.limits)
    rows = _rows(steps, limits)
    return rows, [
        *reading.findings,
        *_unknown_drug_findings(interventions, rows),
        *_undosed_limit_findings(limits, steps),
    ]
