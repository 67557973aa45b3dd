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

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_]+")
_TOKEN_SPLIT = re.compile(r"[\s\-\u2010-\u2015]+")
# Salt and dosage-form words on product labels ("Carboplatin for injection",
# "Anlotinib hydrochloride capsules"): they say how the drug is packaged,
# not which drug it is.
_FORM_WORDS = re.compile(
    r"\b(?:for\s+(?:injection|infusion|oral\s+suspension)|injections?|infusion|capsules?|tablets?|"
    r"concentrate|solution|hydrochloride|dihydrochloride|hcl|mesylate|maleate|malate|tartrate|"
    r"citrate|sulfate|phosphate|disodium|sodium)\b",
    re.IGNORECASE,
)
_PARENTHESES = re.compile(r"\(([^()]*)\)")


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
    text = resources.files("pipeline").joinpath("data/drugs.csv").read_text(encoding="utf-8")
    return tuple((row["name"].strip(), row["synonym"].strip()) for row in csv.DictReader(io.StringIO(text)))


@functools.cache
def _synonyms() -> dict[str, str]:
    """Every spelling's key -> generic name."""
    return {_key(synonym): name for name, synonym in _vocabulary()}


@functools.cache
def _mention_pattern() -> re.Pattern[str]:
    """One alternation of all spellings, longest first so "thoracic radiotherapy" beats "radiotherapy".

    Spaces and hyphens inside a spelling may be written either way or left
    out ("VP-16", "VP 16", "VP16").
    """
    spellings = sorted({synonym for _, synonym in _vocabulary()}, key=len, reverse=True)
    alternatives = (r"[\s\-]*".join(re.escape(token) for token in _TOKEN_SPLIT.split(s)) for s in spellings)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def normalize_drug(name: str) -> str | None:
    """The generic name a drug name stands for, or None when the vocabulary does not know it.

    Tried in turn: the name as written, without salt and form words, then
    without or inside parentheses ("Tarlatamab (AMG 757)").
    """
    synonyms = _synonyms()
    candidates = [name, _FORM_WORDS.sub(" ", name)]
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
    return [
        DrugMention(match.start(), match.end(), synonyms[_key(match.group(0))])
        for match in _mention_pattern().finditer(text)
    ]


def find_drugs(text: str) -> list[str]:
    """Generic names of the drugs a text mentions, each once, in order of first mention."""
    return list(dict.fromkeys(mention.name for mention in find_drug_mentions(text)))


def generic_names() -> list[str]:
    """Every generic name the vocabulary knows, sorted."""
    return sorted({name for name, _ in _vocabulary()})
