"""The development set's scoring, applied to one layout's published tables.

`fixtures/rendered/expected.json` says, per page, what the published tables
must hold: the documents row, studies fields, counts of child rows. The rules
are the shared scorer's (`../shared/rendered/score.py`), kept here so the
suite needs nothing outside the project: text compared case- and
space-insensitively, ages in months, weeks or days within 2%, dates on their
ISO day, counts as rows per trial.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass

AGE_FIELDS = {"min_age_years", "max_age_years"}
AGE_RELATIVE_TOLERANCE = 0.02


@dataclass(frozen=True)
class Miss:
    file: str
    nct_id: str
    field: str
    expected: object
    got: object

    def __str__(self) -> str:
        return f"{self.file} {self.nct_id} {self.field}: expected {self.expected!r}, got {self.got!r}"


def _is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()


def matches(field: str, expected: object, got: object) -> bool:
    """The scorer's comparison: what counts as the same value on a page and in a table."""
    if expected is None:
        return _is_null(got)
    if _is_null(got):
        return False
    if isinstance(expected, bool):
        return got is expected
    if isinstance(expected, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return False
        tolerance = 1e-6
        if field in AGE_FIELDS and not float(expected).is_integer():
            tolerance = max(0.001, AGE_RELATIVE_TOLERANCE * float(expected))
        return abs(float(got) - float(expected)) <= tolerance
    if isinstance(got, dt.date):
        return got.isoformat() == expected
    return _text(got) == _text(expected)


def score(expected_pages: dict[str, dict], tables: dict[str, list[dict]]) -> tuple[int, list[Miss]]:
    """(checks made, misses) for one layout's pages against its published tables."""
    documents = {row["source_file"].rsplit("/", 1)[-1]: row for row in tables["documents"]}
    studies = {row["nct_id"]: row for row in tables["studies"]}
    counts: dict[tuple[str, str], int] = {}
    for table, rows in tables.items():
        for row in rows:
            if table != "documents" and row.get("nct_id"):
                counts[(table, row["nct_id"])] = counts.get((table, row["nct_id"]), 0) + 1
    checks, misses = 0, []
    for file, page in expected_pages.items():
        nct_id = page["nct_id"]
        document = documents.get(file, {})
        study = studies.get(nct_id, {})
        compared = [(f"document.{key}", key, value, document.get(key)) for key, value in page["document"].items()]
        compared += [(f"studies.{key}", key, value, study.get(key)) for key, value in page.get("studies", {}).items()]
        compared += [(f"count.{table}", table, value, counts.get((table, nct_id), 0))
                     for table, value in page.get("counts", {}).items()]
        for name, field, value, got in compared:
            checks += 1
            if not matches(field, value, got):
                misses.append(Miss(file, nct_id, name, value, got))
    return checks, misses
