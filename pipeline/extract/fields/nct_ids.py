"""NCT ids as the registry writes them: "NCT" and eight ASCII digits.

Python's `\\d` matches every script's digits, so "NCT٠٧٢٠٣٠٥٣" (Arabic-Indic)
or "ＮＣＴ０７２０３０５３" (full-width, as Chinese and Japanese pages type it)
passed the layouts' patterns and was published as another trial, one no
join would ever find. Such an id is the trial's id written in other glyphs:
every layout reads it through `read_nct_id`, which gives the ASCII id and a
WARNING finding that keeps what the document wrote.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.extract.document import ParsedDocument
from pipeline.registry.tables import NCT_ID_PATTERN

_NCT_ID = re.compile(NCT_ID_PATTERN)
# What a document may write for an NCT id: "NCT" in ASCII or full-width
# letters, then eight digits of any script (`\d` is Unicode here on purpose).
WRITTEN_NCT_ID = r"[NＮ][CＣ][TＴ]\d{8}"
_FULL_WIDTH_LETTERS = str.maketrans("ＮＣＴｎｃｔ", "NCTnct")


def to_ascii(written: str) -> str:
    """`written` with full-width N, C, T and every decimal digit in ASCII; anything else as it was."""
    return "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c
        for c in written.translate(_FULL_WIDTH_LETTERS)
    )


def read_nct_id(doc: ParsedDocument, written: str, field: str = "nct_id", ignore_case: bool = False) -> str | None:
    """The ASCII NCT id `written` stands for; None when it is not one.

    An id that had to be rewritten gets an `identifier` WARNING keeping what
    the document wrote; `ignore_case` accepts "nct" (the Veeva portal's
    identifier lists) without a finding.
    """
    text = written.strip()
    ascii_text = to_ascii(text)
    nct_id = ascii_text.upper() if ignore_case else ascii_text
    if not _NCT_ID.fullmatch(nct_id):
        return None
    if ascii_text != text:
        doc.report("identifier", "WARNING",
                   f"NCT id {text!r} is written with non-ASCII characters; read as {nct_id}",
                   field=field, observed=text)
    return nct_id
