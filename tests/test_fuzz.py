"""Property tests: mutated real documents never break the parsers.

Every input, however damaged, yields PARSED or QUARANTINED; a parsed one
yields rows of the declared types whose defects come out as findings. `make
test` runs a bounded number of examples; `make fuzz` runs the long profile.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.parsing import parse_document
from pipeline.quality.models import to_frame, validate_frame
from pipeline.store.warehouse import rows_to_arrow
from tests.conftest import SEEDS_DIR

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_SMALL_RECORDS = [p for p in sorted(FIXTURES.glob("ctgov_*/*")) if p.suffix in (".json", ".xml") and p.stat().st_size < 60_000]
DOCUMENTS = [p.read_text(encoding="utf-8") for p in (*sorted(SEEDS_DIR.glob("*.txt")), *_SMALL_RECORDS)]
ODD_CHARACTERS = "\x00\x01\x07\x0b\x1b\x7f\u00a0\u200b\u200e\u202e\ufeff\ufffd\U0001f9ea\u0301é≥≤×→\r\t"
ENCODINGS = ("utf-8", "utf-16", "utf-8-sig", "latin-1", "cp1252")


@st.composite
def damaged(draw) -> bytes:
    """A real document after a few random kinds of damage, in a random encoding."""
    text = draw(st.sampled_from(DOCUMENTS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "drop", "shuffle", "duplicate", "insert"]))
        lines = text.split("\n")
        if kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "drop" and lines:
            start = draw(st.integers(0, len(lines) - 1))
            del lines[start : start + draw(st.integers(1, 40))]
            text = "\n".join(lines)
        elif kind == "shuffle":
            blocks = text.split("\n\n")
            text = "\n\n".join(draw(st.permutations(blocks)) if len(blocks) < 60 else blocks[::-1])
        elif kind == "duplicate" and lines:
            index = draw(st.integers(0, len(lines) - 1))
            lines[index:index] = [lines[index]] * draw(st.integers(1, 5))
            text = "\n".join(lines)
        else:
            position = draw(st.integers(0, len(text)))
            text = text[:position] + draw(st.text(alphabet=ODD_CHARACTERS, min_size=1, max_size=8)) + text[position:]
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


@given(damaged())
def test_no_damaged_document_breaks_the_parser(data: bytes):
    result = parse_document("fuzzed.txt", data, hashlib.sha256(data).hexdigest())
    assert result.status in ("PARSED", "QUARANTINED")
    if result.status == "QUARANTINED":
        assert result.document["error"]
        assert result.rows == {}
        return
    for table, rows in result.rows.items():
        frame = to_frame(rows_to_arrow(table, rows))
        for finding in validate_frame(table.removeprefix("parsed_") if table != "parsed_studies" else table, frame):
            assert finding.message and finding.category
    for finding in result.findings:
        assert finding.source_file == "fuzzed.txt" and finding.message
