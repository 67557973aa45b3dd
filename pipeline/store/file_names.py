"""File names as trialflow stores and shows them, whatever bytes the file system holds.

A Linux file name is any bytes but `/` and NUL: not always UTF-8, and free to
hold line breaks or terminal escapes. Stored names must be text (DuckDB,
Arrow and Parquet refuse the lone surrogates Python decodes bad bytes to),
two files must never share a stored name, and a log line must never be
forged or recoloured by a name.
"""

from __future__ import annotations

import os
import re

# A name is stored as it is unless it holds one of these; then every
# backslash is escaped too, which keeps the escaping reversible.
_ESCAPE = "\\x"
_ESCAPED_BYTE = re.compile(rb"\\x([0-9a-f]{2})")
_ESCAPES = {0x5C: "\\x5c", **{0xDC00 + byte: f"\\x{byte:02x}" for byte in range(0x80, 0x100)}}


def source_name(relative: str) -> str:
    """`relative` (a name or path as `os.scandir` gives it) as stored in `source_file`: readable text, one per path.

    A path that is valid UTF-8 and holds no literal `\\x` is kept as it is.
    Any other path has each byte that is not UTF-8 written `\\xNN` and each
    backslash `\\x5c`: every escaped name then holds `\\x` and no kept name
    does, and an escaped name reads back to exactly its bytes, so two
    different paths never get the same name.
    """
    if relative.isascii() and "\\" not in relative:
        return relative  # the common case, checked first: a folder of 100,000 files is listed every tick
    raw = os.fsencode(relative)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and _ESCAPE not in text:
        return text
    return raw.decode("utf-8", "surrogateescape").translate(_ESCAPES)


def name_bytes(source_file: str) -> bytes:
    """The path's bytes on disk for a stored `source_file` (the inverse of `source_name`)."""
    raw = source_file.encode("utf-8")
    if _ESCAPE.encode() not in raw:
        return raw
    return _ESCAPED_BYTE.sub(lambda match: bytes([int(match[1], 16)]), raw)


def source_path(root: str, source_file: str) -> bytes:
    """The absolute path of a stored `source_file` under `root`, as bytes so a non-UTF-8 name is reached exactly."""
    return os.path.join(os.fsencode(root), name_bytes(source_file))


def loggable(text: str) -> str:
    """`text` safe inside one log line: every character that is not printable written as an escape.

    A name holding a line break could forge a log line, and one holding ESC
    or a bidirectional override could rewrite what a terminal shows.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
