"""Contact details taken out of published text, wherever a document put them.

Phones and emails are personal data of real people, and they do not stay in
the contacts table: the registry writes "Dr X, phone ..., email ..." into an
official's affiliation, findings quote the values they judged, and a summary
may say "call 1-844-...". Redaction therefore reads every text column of a
published table and replaces, with a visible marker:

- anything shaped like an email, anywhere;
- the phones of the sources' own contacts, in whatever grouping the text
  writes them ("+1 (301) 496-6120" for a contact's "301-496-6120");
- text shaped like a phone where phones are written: after a label ("Tel:",
  "phone"), with a "+" country code, in the North American 3-3-4 shape, and
  in the columns that hold contact details (affiliations, contacts' names and
  facilities, findings about contacts or sites) any run of 7 or more digits.

Free text keeps its numbers: dates, decimal and thousands-grouped numbers,
fractions and DOIs ("1,500/mm3", "10.1097/00001756-200006050-00028"),
identifiers glued to letters (NCT07203053) are not phones. The looser rule
is kept to the contact columns because elsewhere it would take postal codes,
EudraCT numbers and year ranges (200 such values in the 149 real records and
270 rendered pages of tests/fixtures); the rules as they are changed nothing
there but contact details.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.registry.tables import PERSONAL_COLUMNS, TABLES_BY_NAME, qualified

REDACTED = "[redacted]"

_EMAIL = re.compile(r"[\w.%+'-]+@[^\W\d_][\w-]*(?:\.[\w-]+)*")
# A run of digits a phone could be written as: digits joined by at most three
# separators, never starting inside a word (NCT07203053, TTY8664...).
_CANDIDATE = re.compile(r"(?<![\w+])\+?(?:\(\s*)?\d(?:[ \t\u00a0().\-/]{0,3}\d)*\)?")
_DIGIT_GROUP = re.compile(r"\d+")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_THOUSANDS = re.compile(r"\d{1,3}(?:[ ,.\u00a0]\d{3})+")
_NORTH_AMERICAN = re.compile(r"(?:1[ .\-])?(?:\(\d{3}\)\s?|\d{3}[ .\-])\d{3}[ .\-]\d{4}")
_LABEL_BEFORE = re.compile(
    r"\b(?:tel|telephone|phone|ph|fax|mobile|cell|call|contact)\b(?:\s*(?:number|no\.?|#))?\W{0,4}$",
    re.IGNORECASE,
)
# Prefilter run by Arrow's RE2 engine on whole columns: only values that may hold
# an email or a long run of digits go through the Python rules above.
_MAY_HOLD_CONTACT = r"@|\p{Nd}(?:[\s().\-/]{0,3}\p{Nd}){6}"
_MIN_PHONE_DIGITS = 7

# Text columns that carry people's details by nature.
_CONTACT_COLUMNS = {(t.name, column) for t in TABLES_BY_NAME.values() for column in t.about_people}
# A finding whose field names one of these is about contact details.
_CONTACT_FINDING_FIELD = re.compile(r"contact|phone|email|official|affiliation|site|facility|location",
                                    re.IGNORECASE)
# Columns that name rather than describe: files, runs, vocabulary values.
_IDENTIFYING_COLUMNS = {"source_file", "source_files", "parsed_run_id"}


def ascii_digits(text: str) -> str:
    """Every decimal digit of `text`, in ASCII (a phone may be written in any script's digits)."""
    return "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())


def _digit_windows(text: str) -> Iterable[str]:
    """The digits of every run of consecutive digit groups with at least 7 digits, leading zeros dropped.

    "+1 (301) 496-6120" yields 13014966120, 3014966120, 14966... so the
    contact's "301-496-6120" is found whatever prefix or grouping the text
    adds; without their zeros, "00201220377787" and "+20 122 037 7787" meet.
    """
    groups = [ascii_digits(g) for g in _DIGIT_GROUP.findall(text)]
    for start in range(len(groups)):
        digits = ""
        for group in groups[start:]:
            digits += group
            if len(digits) >= _MIN_PHONE_DIGITS:
                yield digits.lstrip("0")


@dataclass(frozen=True)
class ContactRedaction:
    """What to take out of published text: email shapes, phone shapes and the sources' own contacts.

    `phone_digits` holds the digit windows of every contact phone; `literals`
    the contact values that neither shape recognises (a phone written with
    letters, an email without its domain), replaced wherever they appear.
    """

    phone_digits: frozenset[str] = frozenset()
    literals: tuple[str, ...] = ()
    fingerprint: str = "shapes-only"
    _literal_pattern: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.literals:
            alternation = "|".join(re.escape(v) for v in sorted(self.literals, key=len, reverse=True))
            object.__setattr__(self, "_literal_pattern", re.compile(alternation, re.IGNORECASE))

    @classmethod
    def of_contacts(cls, values: Iterable[str]) -> "ContactRedaction":
        """The redaction of these contact values (phones and emails of the sources)."""
        values = sorted({v.strip() for v in values if v and v.strip()})
        phones = frozenset(w for v in values for m in _CANDIDATE.finditer(v) for w in _digit_windows(m.group(0)))
        shapes = cls(phone_digits=phones)
        # A value the shapes leave intact is replaced as written, if it says enough
        # to reach a person: an "@", or as many digits as a phone.
        literals = tuple(v for v in values if shapes.scrub(v, contact_text=True) == v
                         and ("@" in v or len(ascii_digits(v)) >= _MIN_PHONE_DIGITS))
        digest = hashlib.sha256("\n".join(values).encode()).hexdigest()[:16]
        return cls(phone_digits=phones, literals=literals, fingerprint=f"contacts-{len(values)}-{digest}")

    @classmethod
    def from_warehouse(cls, conn: duckdb.DuckDBPyConnection, nct_ids: list[str] | None = None) -> "ContactRedaction":
        """The redaction of every contact any document states (all documents, not only the winning ones)."""
        where = "" if nct_ids is None else "WHERE nct_id IN (SELECT unnest(?))"
        parsed_contacts = qualified("parsed_contacts")
        rows = conn.execute(
            f"SELECT DISTINCT value FROM (SELECT phone AS value, nct_id FROM {parsed_contacts} "
            f"UNION ALL SELECT email, nct_id FROM {parsed_contacts}) {where}",
            [] if nct_ids is None else [nct_ids],
        ).fetchall()
        return cls.of_contacts(row[0] for row in rows)

    def scrub(self, text: str, contact_text: bool) -> str:
        """`text` with every contact detail replaced by REDACTED."""
        if self._literal_pattern is not None:
            text = self._literal_pattern.sub(REDACTED, text)
        text = _EMAIL.sub(REDACTED, text)
        return _CANDIDATE.sub(lambda m: REDACTED if self._is_phone(m, contact_text) else m.group(0), text)

    def _is_phone(self, match: re.Match, contact_text: bool) -> bool:
        written = match.group(0).strip("() \t\u00a0")
        if _DATE.fullmatch(written):
            return False
        if self.phone_digits and any(w in self.phone_digits for w in _digit_windows(written)):
            return True
        if len(ascii_digits(written)) < _MIN_PHONE_DIGITS:
            return False
        if written.startswith("+") or _LABEL_BEFORE.search(match.string, 0, match.start()):
            return True
        if _NORTH_AMERICAN.fullmatch(written) or _NORTH_AMERICAN.fullmatch(match.group(0).strip()):
            return True
        return contact_text and "/" not in written and not _THOUSANDS.fullmatch(written)

    def table(self, name: str, table: pa.Table) -> pa.Table:
        """A table with every text column scrubbed; its personal columns (contacts' phone and email) left empty."""
        for column in PERSONAL_COLUMNS.get(name, ()):
            index = table.schema.get_field_index(column)
            table = table.set_column(index, table.schema.field(index), pa.nulls(table.num_rows, pa.string()))
        contact_rows = _contact_findings(table) if name == "quality_findings" else None
        for index, column in enumerate(table.schema):
            if not _is_text(name, column.name, column.type):
                continue
            contact_text = (name, column.name) in _CONTACT_COLUMNS
            values = self._column(table.column(index).combine_chunks(), contact_text, contact_rows)
            table = table.set_column(index, column, values)
        return table

    def _column(self, values: pa.Array, contact_text: bool, contact_rows: pa.Array | None) -> pa.Array:
        if pa.types.is_list(values.type):
            # The offsets index the whole child array, even in a slice of a batch.
            scrubbed = self._column(values.values, contact_text, None)
            return pa.ListArray.from_arrays(values.offsets, scrubbed, mask=values.is_null())
        pattern = _MAY_HOLD_CONTACT
        if self.literals:
            pattern += "|" + "|".join(re.escape(v) for v in self.literals)
        candidates = pc.fill_null(pc.match_substring_regex(values, pattern, ignore_case=True), False)
        if not pc.any(candidates).as_py():
            return values
        rows = pc.indices_nonzero(candidates)
        in_contact = [contact_text] * len(rows) if contact_rows is None else pc.take(contact_rows, rows).to_pylist()
        texts = pc.take(values, rows).to_pylist()
        scrubbed = [self.scrub(t, c) for t, c in zip(texts, in_contact)]
        return pc.replace_with_mask(values, candidates, pa.array(scrubbed, values.type))


def _is_text(table: str, column: str, type_: pa.DataType) -> bool:
    """Free text: not a vocabulary, not a patterned value (NCT ids, hashes), not a file or run name.

    A column the declaration does not know (a query's extra column) is taken as text.
    """
    if not (pa.types.is_string(type_) or (pa.types.is_list(type_) and pa.types.is_string(type_.value_type))):
        return False
    if column in _IDENTIFYING_COLUMNS:
        return False
    declared = next((c for c in TABLES_BY_NAME[table].columns if c.name == column), None)
    return declared is None or (declared.vocabulary is None and declared.pattern is None)


def _contact_findings(findings: pa.Table) -> pa.Array:
    """Which findings are about contact details (judged by the field they name)."""
    about = pc.match_substring_regex(findings.column("field"), _CONTACT_FINDING_FIELD.pattern, ignore_case=True)
    return pc.fill_null(about, False).combine_chunks()
