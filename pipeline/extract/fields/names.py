"""Names that carry their type as a prefix: "Drug: Cisplatin", "DRUG: Tarlatamab"."""

from __future__ import annotations

import re


def typed_name(text: str, prefix: re.Pattern[str]) -> tuple[str | None, str]:
    """("Drug", "Cisplatin") from "Drug: Cisplatin"; no type when `prefix` does not match the whole text.

    `prefix` has two groups, the type and the name; each layout passes the
    spelling its pages use, since one page's type label is another's name.
    """
    match = prefix.fullmatch(text)
    if match is None:
        return None, text
    return match.group(1), match.group(2).strip()
