"""ClinicalTrials.gov study pages exported as text.

The export opens with the record's key facts as bare lines, without their
labels: start, primary completion and completion dates, enrollment, NCT id,
lead sponsor, responsible party, study type, brief title, brief summary and
detailed description. Their order is fixed; real exports keep an empty line
for a value the record lacks, so the four lines above the NCT id are read by
their place when all four are there. A page that drops such lines instead
has each line recognised by what it looks like (a date, an integer, an NCT
id, a study type), and the free-text lines are placed by their position
around those anchors.

After the header come the site's explanatory paragraphs, pipe tables
(registration dates, arms, outcomes), "Label:" lines with their value on the
next line, and contact lines. Anything else is reported, not dropped.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from pipeline.registry import vocabularies as vocab
from pipeline.extract.fields.dates import parse_partial_date
from pipeline.extract.document import ParsedDocument
from pipeline.extract.fields.names import typed_name
from pipeline.extract.fields.nct_ids import WRITTEN_NCT_ID, read_nct_id

FORMAT = "ctgov_text"

_NCT_LINE = re.compile(rf"^{WRITTEN_NCT_ID}$")
_ENROLLMENT_LINE = re.compile(r"^\d[\d,]*(?:\s*\(?(?:estimated|actual|anticipated)\)?)?$", re.IGNORECASE)
_REGISTRATION_TABLE = re.compile(r"^\s*Study Registration Dates\s*\|", re.MULTILINE)
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
_LABEL_LINE = re.compile(r"^([A-Z][^|:]{0,60}):$")
_CONTACT_LINE = re.compile(
    r"^Study Contact(?P<backup>\s+Backup)?\s+Name:\s*(?P<name>.*?)"
    r"(?:\s+Phone Number:\s*(?P<phone>.*?))?"
    r"(?:\s+Email:\s*(?P<email>\S*))?\s*\|?$"
)
_TYPED_NAME = re.compile(r"^([A-Z][A-Z_ ]*[A-Z]):\s*(.+)$")
_INTERVENTION_START = re.compile(rf"(?<!\S)(?=(?:{'|'.join(vocab.INTERVENTION_TYPE)}):\s)")
_REGISTRATION_HEADER_CELL = re.compile(r"^Study Registration Dates$", re.IGNORECASE)
_OUTCOME_TABLE = re.compile(r"^(Primary|Secondary|Other) Outcome Measures$", re.IGNORECASE)
_ARMS_TABLE = re.compile(r"^Participant Group/Arm$", re.IGNORECASE)
# A description opens with a capitalised word followed by a lower-case one
# ("The study will"); a word after a colon still belongs to the label ("Cohort 1: Gastric").
_DESCRIPTION_START = re.compile(r"(?<=[^\s:])\s+(?=[A-Z][a-z]+\s+[a-z(])")

# The header is the top dozen lines; more slack than its eleven fields so a
# multi-line description does not push the NCT id out of reach.
_HEADER_SCAN = 12
_MIN_TOP_DATES = 2
# ClinicalTrials.gov caps brief titles at 300 characters and arm labels at
# 100: a longer line cannot be one, whatever its position.
_BRIEF_TITLE_MAX = 300
_ARM_LABEL_MAX = 100

_HEADER_DATE_FIELDS = ("start_date", "primary_completion_date", "completion_date")
_HEADER_SLOT_FIELDS = (*_HEADER_DATE_FIELDS, "enrollment")
_NOT_STATED = {"", "N/A", "NA"}

# The site's explanations of its sections: text about the site, not the trial.
_BOILERPLATE = (
    "These dates track the progress of study record",
    "This section provides details of the study plan",
    "This section provides the contact details",
    "Researchers look for people who fit a certain description",
    "This is where you will find people and organizations",
    "The person responsible for entering information about the study",
)
_HEADINGS = {"arms and interventions", "general publications", "no publications available"}

_LABELLED_FIELDS = {
    "primary purpose": "primary_purpose",
    "allocation": "allocation",
    "interventional model": "intervention_model",
    "masking": "masking",
    "phase": "phase",
    "ages eligible for study": "age_range",
    "sexes eligible for study": "sex",
    "accepts healthy volunteers": "healthy_volunteers",
}

# The registration table has no row labels: its rows are always First
# Submitted, First Submitted that Met QC Criteria, First Posted (column 1) and
# Last Update Submitted, Last Update Posted, Last Verified (column 3).
# Column 2 holds results dates, which the studies table does not keep.
_REGISTRATION_ROWS = 3
_REGISTRATION_CELLS = {
    (0, 0): "first_submitted_date",
    (2, 0): "first_posted_date",
    (1, 2): "last_update_posted_date",
    (2, 2): "last_verified_date",
}

_OUTCOME_COLUMNS = {"measure description": "description", "time frame": "time_frame"}


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _is_date(line: str) -> bool:
    return parse_partial_date(line) is not None


def matches(text: str) -> bool:
    """A bare NCT id near the top, with bare dates above it or the registration table below.

    Other layouts label their NCT id ("NCT ID: ...") or print it deep inside
    the page; only this export opens with unlabelled facts.
    """
    # Only the top is read: stripping every line of a long document of another layout is wasted.
    top = list(itertools.islice((line.strip() for line in text.splitlines() if line.strip()), _HEADER_SCAN))
    if not any(_NCT_LINE.match(line) for line in top):
        return False
    top_dates = sum(1 for line in top if _is_date(line))
    return top_dates >= _MIN_TOP_DATES or _REGISTRATION_TABLE.search(text) is not None


def parse(text: str) -> ParsedDocument:
    """Read one exported study page."""
    doc = ParsedDocument(format=FORMAT)
    lines = _lines(text)
    header_end = _header_end(lines)
    _read_header(doc, lines[:header_end], _header_slots(text))
    _read_body(doc, lines, header_end)
    if doc.nct_id is None:
        doc.report("parse", "ERROR", "no NCT id line in the header", field="nct_id")
    return doc


# --- header -----------------------------------------------------------------


def _is_boilerplate(line: str) -> bool:
    return line.startswith(_BOILERPLATE)


def _is_table_start(lines: list[str], index: int) -> bool:
    return (
        "|" in lines[index]
        and index + 1 < len(lines)
        and _TABLE_SEPARATOR.match(lines[index + 1]) is not None
    )


def _is_known_label(line: str) -> bool:
    match = _LABEL_LINE.match(line)
    return match is not None and match.group(1).lower() in _LABELLED_FIELDS


def _header_end(lines: list[str]) -> int:
    """Where the unlabelled header stops: at the first line that belongs to the page body."""
    for index, line in enumerate(lines):
        if _is_boilerplate(line) or _is_table_start(lines, index) or _is_known_label(line):
            return index
    return len(lines)


def _header_kind(line: str) -> str:
    if _NCT_LINE.match(line):
        return "nct"
    if _ENROLLMENT_LINE.match(line):
        return "enrollment"
    if _is_date(line):
        return "date"
    if vocab.to_vocabulary(line, vocab.STUDY_TYPE) is not None:
        return "study_type"
    return "text"


def _header_slots(text: str) -> list[str] | None:
    """The four lines above the NCT id when the page keeps an empty line for each value it lacks.

    Real exports leave a record's missing dates or enrollment as an empty
    line, so their place still says which is which ("1981-08-24", "", "",
    "1600"); a page whose lines are simply left out has fewer than four,
    and its dates are then told apart only when all three are there.
    """
    top = [line.strip() for line in itertools.islice(text.splitlines(), _HEADER_SCAN)]
    nct_at = next((index for index, line in enumerate(top) if _NCT_LINE.match(line)), None)
    if nct_at != len(_HEADER_SLOT_FIELDS):
        return None
    slots = top[:nct_at]
    fits = all(
        not line or (_ENROLLMENT_LINE.match(line) is not None if field == "enrollment" else _is_date(line))
        for field, line in zip(_HEADER_SLOT_FIELDS, slots)
    )
    return slots if fits else None


def _read_header(doc: ParsedDocument, lines: list[str], slots: list[str] | None) -> None:
    kinds = [_header_kind(line) for line in lines]
    by_kind: dict[str, list[str]] = {}
    for line, kind in zip(lines, kinds):
        by_kind.setdefault(kind, []).append(line)
    if slots is None:
        _read_header_dates(doc, by_kind.get("date", []))
        _read_single(doc, by_kind.get("enrollment", []), "enrollment")
    else:
        for field, line in zip(_HEADER_SLOT_FIELDS, slots):
            if line:
                doc.set_study_field(field, line)
    _read_single(doc, by_kind.get("study_type", []), "study_type")
    nct_ids = by_kind.get("nct", [])
    if nct_ids:
        doc.nct_id = read_nct_id(doc, nct_ids[0])
        _report_extra(doc, nct_ids[1:], "nct_id")
    _read_header_texts(doc, lines, kinds)


def _report_extra(doc: ParsedDocument, extra: list[str], field: str) -> None:
    for line in extra:
        doc.report("parse", "WARNING", f"more than one {field} line in the header; kept the first",
                   field=field, observed=line)


def _read_single(doc: ParsedDocument, found: list[str], field: str) -> None:
    if found:
        doc.set_study_field(field, found[0])
        _report_extra(doc, found[1:], field)


def _read_header_dates(doc: ParsedDocument, dates: list[str]) -> None:
    """The three header dates carry no labels, so only a full set can be told apart."""
    if len(dates) == len(_HEADER_DATE_FIELDS):
        for field, text in zip(_HEADER_DATE_FIELDS, dates):
            doc.set_study_field(field, text)
        return
    for text in dates:
        doc.report(
            "parse",
            "WARNING",
            f"the header has {len(dates)} date lines instead of start, primary completion and "
            f"completion; without labels this date cannot be placed",
            field=",".join(_HEADER_DATE_FIELDS),
            observed=text,
        )


def _read_header_texts(doc: ParsedDocument, lines: list[str], kinds: list[str]) -> None:
    """Free-text lines: sponsor lines between the NCT id and the study type, descriptions after."""
    nct_at = kinds.index("nct") if "nct" in kinds else -1
    type_at = kinds.index("study_type") if "study_type" in kinds else None
    texts = [(index, line) for index, (line, kind) in enumerate(zip(lines, kinds)) if kind == "text"]
    for index, line in texts:
        if index < nct_at:
            doc.report("parse", "WARNING", "unrecognized line before the NCT id in the header", observed=line)
    after_nct = [line for index, line in texts if index > nct_at]
    if type_at is None:
        if after_nct:
            doc.report(
                "parse",
                "WARNING",
                "no study type line in the header; sponsor and title lines were placed by position",
                field="study_type",
            )
        sponsors, descriptions = after_nct[:2], after_nct[2:]
    else:
        sponsors = [line for index, line in texts if nct_at < index < type_at]
        descriptions = [line for index, line in texts if index > type_at]
    _read_sponsor_lines(doc, sponsors)
    _read_description_lines(doc, descriptions)


def _read_sponsor_lines(doc: ParsedDocument, lines: list[str]) -> None:
    """Lead sponsor, then responsible party, which the tables have no column for."""
    if not lines:
        return
    doc.set_study_field("lead_sponsor", lines[0])
    doc.add_row("sponsors", {"name": lines[0], "role": "LEAD", "agency_class": None})
    for line in lines[2:]:
        doc.report("parse", "WARNING", "unrecognized line among the sponsor lines of the header",
                   field="lead_sponsor", observed=line)


def _read_description_lines(doc: ParsedDocument, lines: list[str]) -> None:
    """Brief title, brief summary, then the detailed description, which may run over several lines."""
    if not lines:
        return
    if len(lines[0]) <= _BRIEF_TITLE_MAX:
        doc.set_study_field("brief_title", lines[0])
        lines = lines[1:]
    else:
        doc.report("parse", "WARNING", "the line where the brief title belongs is too long to be one; "
                   "read it as the brief summary", field="brief_title", observed=lines[0][:200])
    if lines:
        doc.set_study_field("brief_summary", lines[0])
        doc.set_study_field("detailed_description", "\n".join(lines[1:]))


# --- body -------------------------------------------------------------------


def _read_body(doc: ParsedDocument, lines: list[str], start: int) -> None:
    ordinals: dict[str, int] = {}
    index = start
    while index < len(lines):
        line = lines[index]
        if _is_table_start(lines, index):
            table, next_index = _read_table(lines, index)
            _read_table_content(doc, table, ordinals)
            index = next_index
        elif _is_boilerplate(line) or line.lower() in _HEADINGS:
            index += 1
        elif match := _CONTACT_LINE.match(line):
            _read_contact(doc, match)
            index += 1
        elif match := _LABEL_LINE.match(line):
            value = lines[index + 1] if index + 1 < len(lines) and _is_value(lines, index + 1) else None
            _read_labelled_field(doc, match.group(1), value)
            index += 1 if value is None else 2
        else:
            doc.report("parse", "WARNING", "unrecognized line", observed=line)
            index += 1


def _is_value(lines: list[str], index: int) -> bool:
    """Whether a line can be the value of the label above it, rather than the next item.

    A label with nothing under it ("Accepts Healthy Volunteers:") is followed
    directly by the next label, paragraph or table.
    """
    line = lines[index]
    return not (
        "|" in line
        or _LABEL_LINE.match(line)
        or _CONTACT_LINE.match(line)
        or _is_boilerplate(line)
        or line.lower() in _HEADINGS
    )


def _read_labelled_field(doc: ParsedDocument, label: str, value: str | None) -> None:
    field = _LABELLED_FIELDS.get(label.lower())
    if field is None:
        doc.report("parse", "WARNING", f"unrecognized field {label!r}",
                   observed=label if value is None else f"{label}: {value}")
        return
    doc.set_study_field(field, value, label=label)


def _read_contact(doc: ParsedDocument, match: re.Match[str]) -> None:
    doc.add_row(
        "contacts",
        {
            "name": match.group("name") or None,
            "role": "BACKUP" if match.group("backup") else "CONTACT",
            "phone": match.group("phone") or None,
            "email": match.group("email") or None,
            "facility": None,
        },
    )


# --- pipe tables ------------------------------------------------------------


def _cells(text: str, width: int | None = None) -> list[str]:
    """Cells of a row: "a | b | c |" closes its last cell with "|", "a | b" does not.

    With `width` given, "a |" in a two-column table is "a" and an empty last
    cell (an arm without interventions), not "a" and a closing "|".
    """
    cells = [cell.strip() for cell in text.split("|")]
    if cells and cells[-1] == "" and (width is None or len(cells) > width):
        cells.pop()
    return cells


def _ends_table(lines: list[str], index: int) -> bool:
    """Whether a line is the next part of the page rather than more of a table."""
    line = lines[index]
    return (
        _is_table_start(lines, index)
        or _is_boilerplate(line)
        or line.lower() in _HEADINGS
        or _CONTACT_LINE.match(line) is not None
        or _is_known_label(line)
    )


def _row_end(lines: list[str], start: int, width: int) -> int:
    """Where the row at `start` ends.

    Exports write one row per line, some closed by "|" ("a | b | c |"), some
    not ("ARM: label | DRUG: X"), and close the arms table with a lone "|".
    A cell may hold line breaks, so a row goes on over lines until all its
    cells are begun; after that a line with a "|" is the next row, and one
    without is more of the last cell.
    """
    pipes = lines[start].count("|")
    index = start + 1
    while index < len(lines) and lines[index] != "|" and not _ends_table(lines, index):
        line = lines[index]
        if "|" in line and pipes >= width - 1:
            break
        pipes += line.count("|")
        index += 1
    return index


def _read_table(lines: list[str], start: int) -> tuple[_Table, int]:
    """The table at `start`, and where the page goes on after it.

    A row with the wrong number of cells ends the table without being taken,
    so a line of another kind straight after a table is still read as itself.
    """
    table = _Table(header=_cells(lines[start]), rows=[])
    width = len(table.header)
    index = start + 2
    while index < len(lines) and "|" in lines[index] and not _ends_table(lines, index):
        if lines[index] == "|":
            index += 1
            continue
        end = _row_end(lines, index, width)
        cells = _cells("\n".join(lines[index:end]), width)
        if len(cells) != width:
            break
        table.rows.append(cells)
        index = end
    return table, index


def _read_table_content(doc: ParsedDocument, table: _Table, ordinals: dict[str, int]) -> None:
    first = table.header[0] if table.header else ""
    if _REGISTRATION_HEADER_CELL.match(first):
        _read_registration_dates(doc, table)
    elif _ARMS_TABLE.match(first):
        _read_arms(doc, table)
    elif match := _OUTCOME_TABLE.match(first):
        _read_outcomes(doc, table, match.group(1), ordinals)
    else:
        doc.report("parse", "WARNING", "unrecognized table", observed=" | ".join(table.header))


def _read_registration_dates(doc: ParsedDocument, table: _Table) -> None:
    """Rows are told apart only by position, so a table missing a row cannot be read."""
    if len(table.rows) != _REGISTRATION_ROWS:
        doc.report(
            "parse",
            "WARNING",
            f"the registration dates table has {len(table.rows)} rows instead of {_REGISTRATION_ROWS}; "
            "without row labels its dates cannot be placed",
            field=",".join(_REGISTRATION_CELLS.values()),
            observed=" / ".join(" | ".join(row) for row in table.rows),
        )
        return
    for (row, column), field in _REGISTRATION_CELLS.items():
        text = table.rows[row][column]
        if text.upper() not in _NOT_STATED:
            doc.set_study_field(field, text)


def _read_arms(doc: ParsedDocument, table: _Table) -> None:
    seen: set[tuple[str | None, str]] = set()
    for arm_cell, treatment_cell in (row[:2] for row in table.rows if len(row) >= 2):
        interventions = _interventions(treatment_cell)
        names = [name for _, name in interventions]
        _read_arm(doc, arm_cell, names)
        for type_label, name in interventions:
            intervention_type = doc.vocabulary_value(type_label, vocab.INTERVENTION_TYPE, "intervention_type")
            if (intervention_type, name) in seen:
                continue
            seen.add((intervention_type, name))
            doc.add_row("interventions", {"intervention_type": intervention_type, "name": name, "description": None})


def _interventions(cell: str) -> list[tuple[str | None, str]]:
    """"DRUG: TQH3821 tablets DRUG: Methotrexate tablets" -> two (type, name) pairs.

    A cell lists its interventions one after another, on one line or several;
    only an intervention type of the vocabulary opens the next one, so a name
    holding a colon ("DRUG: Arm A: ABC+3TC") stays whole.
    """
    text = " ".join(cell.split())
    return [_typed_name(part) for part in _INTERVENTION_START.split(text) if part.strip()]


def _typed_name(text: str) -> tuple[str | None, str]:
    """"DRUG: Tarlatamab" -> ("DRUG", "Tarlatamab"), read from the cell's text on one line."""
    return typed_name(" ".join(text.split()), _TYPED_NAME)


def _read_arm(doc: ParsedDocument, cell: str, intervention_names: list[str]) -> None:
    """"EXPERIMENTAL: <label> <description> <intervention names>" into an arm row.

    The page runs label and description together; the description is taken
    to start at the first sentence-like words within the label length limit.
    """
    type_label, text = _typed_name(cell)
    text = _without_trailing_names(text, intervention_names)
    label, description = _split_label(text)
    if description is None and len(label) > _ARM_LABEL_MAX:
        doc.report("parse", "WARNING", "could not tell the arm's label from its description; kept both as the label",
                   field="arm_groups.label", observed=label[:200])
    doc.add_row(
        "arm_groups",
        {
            "label": label,
            "group_type": doc.vocabulary_value(type_label, vocab.ARM_GROUP_TYPE, "group_type"),
            "description": description,
            "intervention_names": intervention_names,
        },
    )


def _without_trailing_names(text: str, names: list[str]) -> str:
    """The page repeats the arm's intervention names after its description."""
    for name in reversed(names):
        before = text[: -len(name)] if text.endswith(name) else ""
        if before[-1:] in {" ", ","} and before.strip(" ,;"):
            text = before.rstrip(" ,;")
    return text


def _split_label(text: str) -> tuple[str, str | None]:
    for match in _DESCRIPTION_START.finditer(text):
        if match.start() > _ARM_LABEL_MAX:
            break
        return text[: match.start()].strip(), text[match.end():].strip()
    return text, None


def _read_outcomes(doc: ParsedDocument, table: _Table, kind: str, ordinals: dict[str, int]) -> None:
    outcome_type = doc.vocabulary_value(kind, vocab.OUTCOME_TYPE, "outcome_type")
    columns = [_OUTCOME_COLUMNS.get(name.lower()) for name in table.header[1:]]
    for name, column in zip(table.header[1:], columns):
        if column is None:
            doc.report("parse", "WARNING", "unrecognized outcome column", field="outcomes", observed=name)
    for row in table.rows:
        measure = row[0]
        if not measure:
            doc.report("parse", "WARNING", "outcome row without a measure", field="outcomes.measure",
                       observed=" | ".join(row))
            continue
        outcome = {"outcome_type": outcome_type, "measure": measure, "description": None, "time_frame": None}
        for cell, column in zip(row[1:], columns):
            if column is not None:
                outcome[column] = cell or None
        ordinals[kind.upper()] = ordinals.get(kind.upper(), 0) + 1
        outcome["ordinal"] = ordinals[kind.upper()]
        doc.add_row("outcomes", outcome)
