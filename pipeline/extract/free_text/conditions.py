"""Condition families: the disease groups that link an article to the trials it concerns.

Registries and news name one disease many ways ("Extensive Stage Lung Small
Cell Cancer", "ES-SCLC", "small-cell lung carcinoma"); a family is the one
label they all mean, so an article about SCLC finds every SCLC trial.
"""

from __future__ import annotations

import re

# Family label and the spellings that name it, in the order they are reported.
# Abbreviations match in capitals only: "all patients" is not ALL, the leukemia,
# so that one is left out altogether.
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
    ("breast cancer", re.compile(r"\bbreast (?:cancer|carcinoma|neoplasms?|tumou?rs?)\b", re.IGNORECASE)),
    (
        "ovarian cancer",
        re.compile(r"\bovarian (?:cancer|carcinoma|neoplasms?)\b|\bcancer of the ovary\b", re.IGNORECASE),
    ),
    ("colorectal cancer", re.compile(r"\b(?:colorectal|colon|rectal) (?:cancer|carcinoma|adenocarcinoma)\b|(?-i:\bCRC\b)",
                                     re.IGNORECASE)),
    ("prostate cancer", re.compile(r"\bprostate (?:cancer|carcinoma|adenocarcinoma)\b|(?-i:\bmCRPC\b)", re.IGNORECASE)),
    ("pancreatic cancer", re.compile(r"\bpancreatic (?:cancer|carcinoma|adenocarcinoma|ductal adenocarcinoma)\b",
                                     re.IGNORECASE)),
    ("melanoma", re.compile(r"\bmelanomas?\b", re.IGNORECASE)),
    ("lymphoma", re.compile(r"\blymphomas?\b|(?-i:\bDLBCL\b)", re.IGNORECASE)),
    ("leukemia", re.compile(r"\bleuka?emias?\b|(?-i:\b(?:AML|CLL|CML)\b)", re.IGNORECASE)),
    ("multiple myeloma", re.compile(r"\b(?:multiple )?myeloma\b", re.IGNORECASE)),
)


def condition_families(text: str) -> list[str]:
    """The families a text names, in order of first mention."""
    positions = {label: found.start() for label, pattern in CONDITION_FAMILIES if (found := pattern.search(text))}
    return sorted(positions, key=positions.__getitem__)
