"""Drug names as documents write them, mapped to one generic name.

The same drug reaches us as a generic name ("tarlatamab"), a code name
("AMG 757", "AMG757"), a brand ("Imdelltra") or a product label ("Anlotinib
hydrochloride capsules"). Tables, checks and the links between articles and
trials compare drugs by name, so every spelling is turned into the lower-case
generic name listed in data/drugs.csv, and a new spelling is added there, not
in code.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from importlib import resources
from typing import NamedTuple

from pipeline.extract.free_text.patterns import grouped_alternation

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_]+")
_TOKEN_SPLIT = re.compile(r"[\s\-\u2010-\u2015]+")
# Salt and dosage-form words on product labels ("Carboplatin for injection",
# "Anlotinib hydrochloride capsules"): they say how the drug is packaged,
# not which drug it is.
FORM_WORDS = re.compile(
    r"\b(?:for\s+(?:injection|infusion|oral\s+suspension)|injections?|infusion|capsules?|tablets?|"
    r"concentrate|solution|hydrochloride|dihydrochloride|hcl|mesylate|maleate|malate|tartrate|"
    r"citrate|sulfate|phosphate|disodium|sodium)\b",
    re.IGNORECASE,
)
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_ASCII_LOOKALIKE = re.compile(r"(?=[^\x00-\x7f])(?i:[a-z0-9])")


class DrugMention(NamedTuple):
    """Where a text names a drug, and the generic name it stands for."""

    start: int
    end: int
    name: str


def _key(text: str) -> str:
    """The form two spellings share when they differ only in case, spaces or hyphens."""
    return _SEPARATORS.sub("", text.casefold())


@functools.cache
def _vocabulary() -> tuple[tuple[str, str], ...]:
    """(generic name, spelling) pairs, read once from data/drugs.csv."""
    text = resources.files("pipeline.extract").joinpath("data/drugs.csv").read_text(encoding="utf-8")
    return tuple((row["name"].strip(), row["synonym"].strip()) for row in csv.DictReader(io.StringIO(text)))


@functools.cache
def _synonyms() -> dict[str, str]:
    """Every spelling's key -> generic name."""
    return {_key(synonym): name for name, synonym in _vocabulary()}


@functools.cache
def _spellings() -> tuple[str, ...]:
    """Every spelling once, longest first so "thoracic radiotherapy" beats "radiotherapy"."""
    return tuple(sorted({synonym for _, synonym in _vocabulary()}, key=len, reverse=True))


def _spelling_pattern(spelling: str) -> str:
    """Spaces and hyphens inside a spelling may be written either way or left out ("VP-16", "VP 16", "VP16")."""
    return r"[\s\-]*".join(re.escape(token) for token in _TOKEN_SPLIT.split(spelling))


@functools.cache
def _mention_pattern() -> re.Pattern[str]:
    """One alternation of all spellings, in any case."""
    return re.compile(r"\b(?:" + "|".join(map(_spelling_pattern, _spellings())) + r")\b", re.IGNORECASE)


@functools.cache
def _lower_case_pattern() -> re.Pattern[str] | None:
    """The same alternation for text in lower case; None when a spelling is not plain ASCII.

    With IGNORECASE, Python tries every spelling at every position of a
    text; case-sensitive and grouped by first letter, a position is ruled
    out by one comparison, and the matches are those of `_mention_pattern`.
    """
    spellings = _spellings()
    if not all(spelling.isascii() and spelling[:1].isalnum() for spelling in spellings):
        return None
    # A letter or digit is not escaped, so each pattern starts with its spelling's first character.
    branches = ((spelling.lower()[0], _spelling_pattern(spelling.lower())[1:]) for spelling in spellings)
    return re.compile(r"\b(?:" + grouped_alternation(branches, lambda first: first) + r")\b")


def _lower_case(text: str) -> str | None:
    """The text with ASCII letters in lower case, or None when it holds a non-ASCII letter that
    IGNORECASE takes for an ASCII one (Kelvin sign, long s, dotless i)."""
    if text.isascii():
        return text.lower()
    if _ASCII_LOOKALIKE.search(text):
        return None
    # bytes.lower() changes ASCII letters only, and UTF-8 writes every other character in bytes above 127.
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


def normalize_drug(name: str) -> str | None:
    """The generic name a drug name stands for, or None when the vocabulary does not know it.

    Tried in turn: the name as written, without salt and form words, then
    without or inside parentheses ("Tarlatamab (AMG 757)").
    """
    synonyms = _synonyms()
    candidates = [name, FORM_WORDS.sub(" ", name)]
    for candidate in list(candidates):
        candidates.append(_PARENTHESES.sub(" ", candidate))
        candidates.extend(_PARENTHESES.findall(candidate))
    for candidate in candidates:
        key = _key(candidate)
        if key and key in synonyms:
            return synonyms[key]
    return None


def find_drug_mentions(text: str) -> list[DrugMention]:
    """Every whole-word mention of a known drug, in the order of the text."""
    synonyms = _synonyms()
    pattern, lowered = _lower_case_pattern(), _lower_case(text)
    if pattern is None or lowered is None:
        pattern, lowered = _mention_pattern(), text
    return [
        DrugMention(match.start(), match.end(), synonyms[_key(text[match.start():match.end()])])
        for match in pattern.finditer(lowered)
    ]


def find_drugs(text: str) -> list[str]:
    """Generic names of the drugs a text mentions, each once, in order of first mention."""
    return list(dict.fromkeys(mention.name for mention in find_drug_mentions(text)))


def generic_names() -> list[str]:
    """Every generic name the vocabulary knows, sorted."""
    return sorted({name for name, _ in _vocabulary()})
