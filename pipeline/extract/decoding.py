"""Bytes of a source file into text, or a reason a person understands why not.

Analysts save pages from browsers and portals: UTF-8 with or without a
byte-order mark, UTF-16 from some Windows tools, Latin-1 from old mirrors,
CRLF line endings. Each is read; a file that is no text at all is refused
with a reason instead of being parsed into nonsense.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SNIFF_BYTES = 8192
# Text files hold few control characters besides tab, newline and carriage return.
# NUL is left out: it is counted on its own, with a lower share.
_CONTROL = bytes([*range(1, 9), 11, 12, *range(14, 32), 127])
_MAX_CONTROL_SHARE = 0.05


class UnreadableDocument(ValueError):
    """The file is not text that any layout could be read from."""


_MAX_NUL_SHARE = 0.01


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    notes: tuple[str, ...] = ()


def _looks_binary(data: bytes) -> bool:
    """Many NULs (binary formats, BOM-less UTF-16) or control bytes: not a text document.

    A stray NUL or two in a scraped page is damage, not a format; it is
    removed and noted instead.
    """
    head = data[:_SNIFF_BYTES]
    if head.count(0) / max(len(head), 1) > _MAX_NUL_SHARE:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls / max(len(head), 1) > _MAX_CONTROL_SHARE


def decode_document(data: bytes) -> DecodedText:
    """Text of a document with line endings made uniform; raises UnreadableDocument."""
    if not data:
        raise UnreadableDocument("empty file (0 bytes): nothing to parse")
    if data.isspace():  # the same ASCII white space strip() removes, without copying the file
        raise UnreadableDocument("file holds only white space: nothing to parse")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                raise UnreadableDocument(f"starts with a {encoding} byte-order mark but is not {encoding}: {error.reason}") from None
            return DecodedText(_uniform_newlines(text), encoding)
    if _looks_binary(data):
        raise UnreadableDocument("binary file (NUL or control bytes): not a text document")
    notes: tuple[str, ...] = ()
    if b"\x00" in data:
        notes = (f"removed {data.count(0)} NUL byte(s) from the text",)
        data = data.replace(b"\x00", b"")
    try:
        return DecodedText(_uniform_newlines(data.decode("utf-8")), "utf-8", notes)
    except UnicodeDecodeError:
        return DecodedText(_uniform_newlines(data.decode("cp1252", errors="replace")), "cp1252", notes)


def _uniform_newlines(text: str) -> str:
    if "\r" not in text:  # most files; one scan instead of two replacements
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")
