"""Condition families: the disease groups that link an article to the trials it concerns.

Registries and news name one disease many ways ("Extensive Stage Lung Small
Cell Cancer", "ES-SCLC", "small-cell lung carcinoma"); a family is the one
label they all mean, so an article about SCLC finds every SCLC trial.
"""

from __future__ import annotations

import re

# Family label and the spellings that name it, in the order they are reported.
CONDITION_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "SCLC",
        re.compile(
            r"\b(?:ES-|LS-)?SCLC\b|(?<!non-)(?<!non )\bsmall[- ]cell lung (?:cancer|carcinoma)"
            r"|\blung small[- ]cell (?:cancer|carcinoma)",
            re.IGNORECASE,
        ),
    ),
    ("NSCLC", re.compile(r"\bNSCLC\b|\bnon-small[- ]cell lung (?:cancer|carcinoma)", re.IGNORECASE)),
    (
        "neuroendocrine carcinoma",
        re.compile(r"\b(?:EP)?NECs?\b|\bneuroendocrine (?:carcinoma|lung cancer|cancer|neoplasm)s?\b", re.IGNORECASE),
    ),
)


def condition_families(text: str) -> list[str]:
    """The families a text names, in order of first mention."""
    positions = {label: found.start() for label, pattern in CONDITION_FAMILIES if (found := pattern.search(text))}
    return sorted(positions, key=positions.__getitem__)
