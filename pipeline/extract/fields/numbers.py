"""Counts read from text, bounded to the BIGINT column they are stored in.

A page can state any number of digits; DuckDB and Parquet store counts as
64-bit integers. A count beyond that is no real count of patients: it is
reported where it is read, and stored as null, instead of failing the
conversion of every document converted with it.
"""

from __future__ import annotations

import re

BIGINT_MAX = 2**63 - 1

# Python refuses to convert integers of more than 4,300 digits; a count never needs 19.
_DIGITS = re.compile(r"[0-9]{1,19}")


def read_count(text: str) -> int | None:
    """The integer `text` writes with optional thousands commas ("1,200"); None when it holds no digits or is beyond BIGINT."""
    digits = text.replace(",", "").strip()
    if not _DIGITS.fullmatch(digits):
        return None
    value = int(digits)
    return value if value <= BIGINT_MAX else None
