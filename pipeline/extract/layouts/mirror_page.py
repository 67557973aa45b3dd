"""ClinicalTrials.gov mirror pages, scraped as text.

The mirror prints a trial as a title, an "NCT ID:" and a "Last Updated:" line,
then sections. Every section heading is followed by one sentence of site
boilerplate describing the section ("Get a concise snapshot of the trial..."),
which is not about the trial and is dropped. Inside a section, a label line is
followed by its value line ("Recruitment Status" / "NOT_YET_RECRUITING"), and
repeated records (sites, sponsors, people) are told apart by the one line each
record carries ("Site Status", "Sponsor Role lead", "Role: primary").

The mirror prints the registry's own codes (NOT_YET_RECRUITING, PHASE2), so
values are handed over as written and typed in `pipeline.extract.fields.study_fields`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from pipeline.registry import vocabularies as vocab
from pipeline.extract.fields.criteria import add_criteria_rows
from pipeline.extract.document import ParsedDocument
from pipeline.extract.fields.swaps import is_email, is_phone
from pipeline.extract.fields.nct_ids import read_nct_id
from pipeline.extract.fields.sites import add_site

FORMAT = "mirror_page"

_NCT_ID_LINE_ANYWHERE = re.compile(r"^\s*NCT ID:\s*\S", re.MULTILINE)
_BASIC_INFORMATION_ANYWHERE = re.compile(r"^\s*Basic Information\s*$", re.MULTILINE)


def _labelled(label: str) -> re.Pattern[str]:
    """A line that opens with `label` and holds its value ("Site Status RECRUITING", "Role: primary")."""
    # A word boundary keeps "Site Status" from matching "Site Statuses"; after a colon there is no word to cut.
    boundary = "" if label.endswith(":") else r"\b"
    return re.compile(rf"^{re.escape(label)}{boundary}\s*(.*)$")


_NCT_ID_LINE, _LAST_UPDATED_LINE, _PERSON_ROLE = map(_labelled, ("NCT ID:", "Last Updated:", "Role:"))
# The line each repeated record carries, which tells one record from the next.
_GROUP_TYPE, _INTERVENTION_TYPE, _SPONSOR_ROLE, _SITE_STATUS = map(
    _labelled, ("Group Type", "Intervention Type", "Sponsor Role", "Site Status")
)

# A postal code between state and country ("Amsterdam, , 1105 AZ, Netherlands"):
# letters, digits, spaces and hyphens with at least one digit, which no
# country name ("Korea, Republic of") has.
_POSTAL_CODE = re.compile(r"(?=.*\d)[A-Za-z0-9][A-Za-z0-9 \-]{1,11}")
_IDENTIFIER_ATTRIBUTE = re.compile(r"^Identifier (Type|Source):\s*(.*)$")
# The site's section descriptions open with an invitation to the reader; an
# unknown heading is recognised by being followed by such a sentence.
_BOILERPLATE = re.compile(
    r"^(?:Get|Review|Dive|See|Understand|Learn|Check|Meet|Identify|Explore|Find|Reach|"
    r"Additional|Browse|Discover|View|Read)\b.*\.$"
)
_HEADING_SHAPE = re.compile(r"^[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*){0,5}$")
_SENTENCE_END = re.compile(r"[.:;,]$")
_BULLET = re.compile(r"^[*\-•]\s")

_BASIC_INFORMATION_FIELDS = {
    "Recruitment Status": "overall_status",
    "Clinical Phase": "phase",
    "Total Enrollment": "enrollment",
    "Study Classification": "study_type",
    "Study Start Date": "start_date",
    "Primary Completion Date": "primary_completion_date",
    "Study Completion Date": "completion_date",
}
_STUDY_DESIGN_FIELDS = {
    "Allocation Method": "allocation",
    "Intervention Model": "intervention_model",
    "Primary Study Purpose": "primary_purpose",
    "Blinding Strategy": "masking",
}
_ELIGIBILITY_FIELDS = {
    "Minimum Eligible Age": "min_age",
    "Maximum Eligible Age": "max_age",
    "Eligible Sex": "sex",
    "Accepts Healthy Volunteers": "healthy_volunteers",
}

# Sections that hold nothing the contract keeps: the responsible party is the
# record's filer, not an investigator; countries repeat the sites; results
# are not in the contract; related trials are other trials.
_IGNORED_SECTIONS = ("Study Results", "Responsible Party", "Countries", "More Related Trials")
_READ_SECTIONS = (
    "Basic Information",
    "Brief Summary",
    "Detailed Description",
    "Conditions",
    "Study Design",
    "Study Groups",
    "Interventions",
    "Eligibility Criteria",
    "Sponsors",
    "Principal Investigators",
    "Locations",
    "Central Contacts",
    "Facility Contacts",
    "Other Identifiers",
)
_KNOWN_HEADINGS = {heading.casefold(): heading for heading in (*_READ_SECTIONS, *_IGNORED_SECTIONS)}


class Entry(NamedTuple):
    """A non-blank line, and whether a blank line came before it (a paragraph break)."""

    text: str
    blank_before: bool


@dataclass
class Section:
    """A section's content, its heading and boilerplate sentence left out."""

    heading: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Person:
    """A name, the "Role:" line under it, and the lines after (affiliation, phone)."""

    name: str
    role: str
    details: list[str]


@dataclass
class InterventionMention:
    """An intervention as one section lists it; the same one may appear twice."""

    name: str
    type_label: str
    description: list[Entry]


def matches(text: str) -> bool:
    """Mirror pages are the only layout with an "NCT ID:" line and a "Basic Information" heading."""
    # Every document is asked; a substring test turns most of them away faster than the line patterns.
    if "NCT ID:" not in text or "Basic Information" not in text:
        return False
    return bool(_NCT_ID_LINE_ANYWHERE.search(text) and _BASIC_INFORMATION_ANYWHERE.search(text))


def parse(text: str) -> ParsedDocument:
    """The page's study fields and child rows.

    Interventions are read before arms because the arms' listing only shows
    where an intervention's description ends by comparison with it; sites are
    read before facility contacts, which are matched to them by position.
    """
    doc = ParsedDocument(format=FORMAT)
    header, sections = _split_sections(text)
    _read_header(doc, header)
    by_heading: dict[str, Section] = {}
    for section in sections:
        if section.heading not in _KNOWN_HEADINGS.values():
            _report_unknown_section(doc, section)
        elif section.heading in by_heading:
            doc.report("parse", "WARNING", f"section {section.heading!r} appears twice; only the first was read",
                       field=section.heading)
        else:
            by_heading[section.heading] = section
    empty = Section("")

    _read_study_fields(doc, by_heading.get("Basic Information", empty), _BASIC_INFORMATION_FIELDS)
    doc.set_study_field("brief_summary", _join(by_heading.get("Brief Summary", empty).entries))
    doc.set_study_field("detailed_description", _join(by_heading.get("Detailed Description", empty).entries))
    for entry in by_heading.get("Conditions", empty).entries:
        doc.add_row("conditions", {"condition": entry.text})
    _read_study_fields(doc, by_heading.get("Study Design", empty), _STUDY_DESIGN_FIELDS)
    listed = _read_interventions_section(doc, by_heading.get("Interventions", empty))
    in_groups = _read_study_groups(doc, by_heading.get("Study Groups", empty), listed)
    _add_interventions(doc, [*listed, *in_groups])
    _read_eligibility(doc, by_heading.get("Eligibility Criteria", empty))
    _read_sponsors(doc, by_heading.get("Sponsors", empty))
    _read_officials(doc, by_heading.get("Principal Investigators", empty))
    sites = _read_sites(doc, by_heading.get("Locations", empty))
    _read_central_contacts(doc, by_heading.get("Central Contacts", empty))
    _read_facility_contacts(doc, by_heading.get("Facility Contacts", empty), sites)
    _read_identifiers(doc, by_heading.get("Other Identifiers", empty))
    return doc


# --- page structure -------------------------------------------------------


def _entries(text: str) -> list[Entry]:
    lines = [line.strip() for line in text.splitlines()]
    return [Entry(line, index > 0 and not lines[index - 1]) for index, line in enumerate(lines) if line]


def _join(entries: list[Entry]) -> str:
    """Entries back into text, paragraph breaks kept, so lists stay lists."""
    parts: list[str] = []
    for index, entry in enumerate(entries):
        if index:
            parts.append("\n\n" if entry.blank_before else "\n")
        parts.append(entry.text)
    return "".join(parts)


def _heading(line: str, next_line: str | None) -> str | None:
    """The section a line opens, if it is a heading.

    Known headings are recognised by name; any other line shaped like a
    heading and followed by the site's boilerplate sentence is an unknown
    section, so its content is not read as part of the section above it.
    """
    known = _KNOWN_HEADINGS.get(line.casefold())
    if known is not None:
        return known
    # The boilerplate is a sentence ending in ".", which rules most lines out before either pattern.
    if next_line is None or not next_line.endswith("."):
        return None
    return line if _BOILERPLATE.match(next_line) and _HEADING_SHAPE.match(line) else None


def _split_sections(text: str) -> tuple[list[Entry], list[Section]]:
    """The lines above the first section, and each section without its boilerplate sentence."""
    entries = _entries(text)
    header: list[Entry] = []
    sections: list[Section] = []
    content = header  # where the next line that is no heading belongs
    next_lines: list[str | None] = [entry.text for entry in entries[1:]] + [None]
    skip_boilerplate = False
    for entry, next_line in zip(entries, next_lines):
        if skip_boilerplate:
            skip_boilerplate = False
            continue
        heading = _heading(entry.text, next_line)
        if heading is None:
            content.append(entry)
            continue
        sections.append(Section(heading))
        content = sections[-1].entries
        # The boilerplate is a sentence; a first line that is not one (a
        # condition, a label, "Results pending") is content, kept.
        skip_boilerplate = next_line is not None and next_line.endswith(".")
    return header, sections


def _report_unknown_section(doc: ParsedDocument, section: Section) -> None:
    doc.report(
        "parse",
        "WARNING",
        f"section {section.heading!r} is not one this reader knows; its {len(section.entries)} "
        "line(s) were not loaded",
        field=section.heading,
        observed=_join(section.entries)[:500] or None,
    )


def _report_unread(doc: ParsedDocument, section: str, lines: list[str]) -> None:
    if lines:
        doc.report("parse", "WARNING", f"lines in section {section!r} were not recognised and not loaded",
                   field=section, observed=" | ".join(lines))


Record = tuple[list[Entry], re.Match[str]]


def _records(entries: list[Entry], anchor: re.Pattern[str]) -> tuple[list[Record], list[Entry]]:
    """Records that each end with an anchor line: the lines before each anchor, and what trails the last."""
    records: list[Record] = []
    pending: list[Entry] = []
    for entry in entries:
        match = anchor.match(entry.text)
        if match:
            records.append((pending, match))
            pending = []
        else:
            pending.append(entry)
    return records, pending


def _texts(entries: list[Entry]) -> list[str]:
    return [entry.text for entry in entries]


# --- header and labelled fields ----------------------------------------------


def _read_header(doc: ParsedDocument, header: list[Entry]) -> None:
    """Title, NCT ID and last update: the lines above the first section."""
    unread: list[str] = []
    has_nct_id_line = False
    for index, entry in enumerate(header):
        if nct := _NCT_ID_LINE.match(entry.text):
            has_nct_id_line = True
            _read_nct_id(doc, nct.group(1).strip())
        elif updated := _LAST_UPDATED_LINE.match(entry.text):
            doc.set_study_field("last_update_posted_date", updated.group(1))
        elif index == 0:
            doc.set_study_field("brief_title", entry.text)
        else:
            unread.append(entry.text)
    _report_unread(doc, "page header", unread)
    if not has_nct_id_line:
        doc.report("identifier", "ERROR", "the page has no NCT ID line above its first section", field="nct_id")


def _read_nct_id(doc: ParsedDocument, text: str) -> None:
    nct_id = read_nct_id(doc, text)
    if nct_id is not None:
        doc.nct_id = nct_id
    else:
        doc.report("identifier", "ERROR", f"NCT ID {text!r} is not NCT followed by 8 digits",
                   field="nct_id", observed=text)


def _read_study_fields(doc: ParsedDocument, section: Section, fields: dict[str, str]) -> None:
    """A section made only of label/value pairs."""
    _report_unread(doc, section.heading, _texts(_read_labelled_fields(doc, section, fields)))


def _read_labelled_fields(doc: ParsedDocument, section: Section, fields: dict[str, str]) -> list[Entry]:
    """Label/value pairs into study fields; returns the lines above the first label.

    A label followed straight by another label has no value: the field is
    not stated. A second value line is not guessed at: it is reported.
    """
    labels = {label.casefold(): label for label in fields}
    above: list[Entry] = []
    values: dict[str, list[str]] = {}
    current: str | None = None
    for entry in section.entries:
        label = labels.get(entry.text.casefold())
        if label is not None:
            current = label
            values[current] = []
        elif current is None:
            above.append(entry)
        else:
            values[current].append(entry.text)
    for label, lines in values.items():
        if lines:
            doc.set_study_field(fields[label], lines[0], label=label)
        _report_unread(doc, section.heading, lines[1:])
    return above


# --- interventions and arms --------------------------------------------------


def _read_interventions_section(doc: ParsedDocument, section: Section) -> list[InterventionMention]:
    """Interventions listed as name, description paragraphs, then "Intervention Type X"."""
    records, trailing = _records(section.entries, _INTERVENTION_TYPE)
    mentions: list[InterventionMention] = []
    for before, match in records:
        if not before:
            doc.report("parse", "WARNING", "an intervention in section 'Interventions' has no name; skipped",
                       field="interventions", observed=match.group(0))
            continue
        mentions.append(InterventionMention(before[0].text, match.group(1), before[1:]))
    _report_unread(doc, section.heading, _texts(trailing))
    return mentions


def _read_study_groups(doc: ParsedDocument, section: Section,
                       listed: list[InterventionMention]) -> list[InterventionMention]:
    """Arms, each as label, description, "Group Type X", then its interventions.

    Each intervention here is name, "Intervention Type X", description, so
    where one intervention's description ends and the next arm's label begins
    is not marked; the description the Interventions section gives for the
    same intervention tells, and failing that the label is the last line
    before the arm's description that is not a sentence.
    """
    descriptions = {mention.name.casefold(): _texts(mention.description) for mention in listed}
    records, trailing = _records(section.entries, _GROUP_TYPE)
    chunks = [*(before for before, _ in records), trailing]
    group_types = [match for _, match in records]
    if not group_types:
        return _read_untyped_groups(doc, section, descriptions)
    header = chunks[0]
    mentions: list[InterventionMention] = []
    for index, group_type in enumerate(group_types):
        has_next_arm = index + 1 < len(group_types)
        arm_mentions, next_header, unread = _arm_interventions(chunks[index + 1], has_next_arm, descriptions)
        _report_unread(doc, section.heading, unread)
        _add_arm(doc, header, group_type.group(1), arm_mentions)
        mentions.extend(arm_mentions)
        header = next_header
    return mentions


def _arm_interventions(chunk: list[Entry], has_next_arm: bool, descriptions: dict[str, list[str]]
                       ) -> tuple[list[InterventionMention], list[Entry], list[str]]:
    """An arm's interventions, the next arm's label and description, and lines belonging to neither."""
    anchors = [(index, match) for index, entry in enumerate(chunk) if (match := _INTERVENTION_TYPE.match(entry.text))]
    if not anchors:
        return ([], chunk, []) if has_next_arm else ([], [], _texts(chunk))
    unread = _texts(chunk[: max(anchors[0][0] - 1, 0)])
    mentions: list[InterventionMention] = []
    next_header: list[Entry] = []
    for number, (position, match) in enumerate(anchors):
        is_last = number + 1 == len(anchors)
        description = chunk[position + 1: len(chunk) if is_last else anchors[number + 1][0] - 1]
        name = chunk[position - 1].text if position > 0 else ""
        if not name or _INTERVENTION_TYPE.match(name):
            unread.append(match.group(0))
            continue
        if is_last and has_next_arm:
            description, next_header = _split_next_arm(description, descriptions.get(name.casefold()))
        mentions.append(InterventionMention(name, match.group(1), description))
    return mentions, next_header, unread


def _read_untyped_groups(doc: ParsedDocument, section: Section,
                         descriptions: dict[str, list[str]]) -> list[InterventionMention]:
    """Cohorts of observational studies, which have no "Group Type" line to end each one.

    Each is label, description, then its interventions as in a typed arm. An
    intervention's description ends where the Interventions section's one for
    it does, and failing that at the first line that is not a sentence; what
    follows is the next cohort.
    """
    entries = section.entries
    anchors = [index for index, entry in enumerate(entries) if _INTERVENTION_TYPE.match(entry.text)]
    arms: list[tuple[list[Entry], list[InterventionMention]]] = []
    unread: list[str] = []

    def open_arms(lines: list[Entry]) -> None:
        arms.extend((header, []) for header in _untyped_headers(lines))

    open_arms(entries[: anchors[0] - 1] if anchors else entries)
    for number, position in enumerate(anchors):
        match = _INTERVENTION_TYPE.match(entries[position].text)
        name = entries[position - 1].text if position > 0 else ""
        end = anchors[number + 1] - 1 if number + 1 < len(anchors) else len(entries)
        description, next_header = _split_untyped(entries[position + 1: end], descriptions.get(name.casefold()))
        if not name or _INTERVENTION_TYPE.match(name) or not arms:
            unread.extend([match.group(0), *_texts(description)])
        else:
            arms[-1][1].append(InterventionMention(name, match.group(1), description))
        open_arms(next_header)
    _report_unread(doc, section.heading, unread)
    for header, mentions in arms:
        _add_arm(doc, header, None, mentions)
    return [mention for _, mentions in arms for mention in mentions]


def _untyped_headers(lines: list[Entry]) -> list[list[Entry]]:
    """Label and description of each cohort: a line that is not a sentence opens the next one
    once the cohort above has its description."""
    headers: list[list[Entry]] = []
    for entry in lines:
        opens = not _SENTENCE_END.search(entry.text) and not _BULLET.match(entry.text)
        if not headers or (opens and len(headers[-1]) > 1):
            headers.append([entry])
        else:
            headers[-1].append(entry)
    return headers


def _split_untyped(lines: list[Entry], known_description: list[str] | None) -> tuple[list[Entry], list[Entry]]:
    """An intervention's description, and the cohorts written after it."""
    if known_description is not None and _texts(lines[: len(known_description)]) == known_description:
        return lines[: len(known_description)], lines[len(known_description):]
    for index in range(1, len(lines)):
        if not _SENTENCE_END.search(lines[index].text) and not _BULLET.match(lines[index].text):
            return lines[:index], lines[index:]
    return lines, []


def _split_next_arm(lines: list[Entry], known_description: list[str] | None) -> tuple[list[Entry], list[Entry]]:
    """The last intervention's description, and the next arm's label and description after it."""
    if known_description is not None and _texts(lines[: len(known_description)]) == known_description \
            and len(lines) > len(known_description):
        return lines[: len(known_description)], lines[len(known_description):]
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].text
        if not _SENTENCE_END.search(text) and not _BULLET.match(text):
            return lines[:index], lines[index:]
    return lines[:-1], lines[-1:]


def _add_arm(doc: ParsedDocument, header: list[Entry], group_type: str | None,
             mentions: list[InterventionMention]) -> None:
    if not header:
        doc.report("parse", "WARNING", f"an arm of type {group_type!r} has no label; skipped",
                   field="arm_groups", observed=group_type)
        return
    doc.add_row(
        "arm_groups",
        {
            "label": header[0].text,
            "group_type": doc.vocabulary_value(group_type, vocab.ARM_GROUP_TYPE, "group_type"),
            "description": _join(header[1:]) or None,
            "intervention_names": [mention.name for mention in mentions],
        },
    )


def _add_interventions(doc: ParsedDocument, mentions: list[InterventionMention]) -> None:
    """One row per intervention, however many sections list it; the first description stated wins."""
    merged: dict[tuple[str, str], InterventionMention] = {}
    for mention in mentions:
        key = (vocab.label_key(mention.type_label), mention.name.casefold())
        if key not in merged:
            merged[key] = mention
        elif not merged[key].description:
            merged[key].description = mention.description
    for mention in merged.values():
        doc.add_row(
            "interventions",
            {
                "intervention_type": doc.vocabulary_value(mention.type_label, vocab.INTERVENTION_TYPE,
                                                          "intervention_type"),
                "name": mention.name,
                "description": _join(mention.description) or None,
            },
        )


# --- eligibility ---------------------------------------------------------------


def _read_eligibility(doc: ParsedDocument, section: Section) -> None:
    """Criteria run from the section start to the first age, sex or volunteers label."""
    criteria = _join(_read_labelled_fields(doc, section, _ELIGIBILITY_FIELDS))
    if not criteria:
        return
    add_criteria_rows(doc, criteria, observed=criteria[:500])


# --- organisations and people ------------------------------------------------------


def _read_sponsors(doc: ParsedDocument, section: Section) -> None:
    """Sponsors as name, agency class, "Sponsor Role lead|collaborator"."""
    records, trailing = _records(section.entries, _SPONSOR_ROLE)
    for before, match in records:
        lines = _texts(before)
        role = doc.vocabulary_value(match.group(1), vocab.SPONSOR_ROLE, "sponsor_role")
        if not lines or role is None:
            doc.report("parse", "WARNING", "a sponsor without a name or a role was skipped",
                       field="sponsors", observed=" | ".join([*lines, match.group(0)]))
            continue
        agency_class = lines[1] if len(lines) > 1 else None
        doc.add_row("sponsors", {
            "name": lines[0],
            "role": role,
            "agency_class": doc.vocabulary_value(agency_class, vocab.AGENCY_CLASS, "agency_class"),
        })
        if role == "LEAD" and "lead_sponsor" not in doc.study:
            doc.set_study_field("lead_sponsor", lines[0])
        _report_unread(doc, section.heading, lines[2:])
    _report_unread(doc, section.heading, _texts(trailing))


def _people(doc: ParsedDocument, section: Section) -> list[Person]:
    """People as name, "Role: X", then detail lines up to the next person's name."""
    records, trailing = _records(section.entries, _PERSON_ROLE)
    people: list[Person] = []
    for before, match in records:
        if people:
            people[-1].details = _texts(before[:-1])
        elif before[:-1]:
            _report_unread(doc, section.heading, _texts(before[:-1]))
        if not before:
            doc.report("parse", "WARNING", f"a person in section {section.heading!r} has no name; skipped",
                       field=section.heading, observed=match.group(0))
            continue
        people.append(Person(before[-1].text, match.group(1).strip(), []))
    if people:
        people[-1].details = _texts(trailing)
    else:
        _report_unread(doc, section.heading, _texts(trailing))
    return people


def _read_officials(doc: ParsedDocument, section: Section) -> None:
    for person in _people(doc, section):
        doc.add_row("officials", {
            "name": person.name,
            "role": doc.vocabulary_value(person.role, vocab.OFFICIAL_ROLE, "official_role"),
            "affiliation": person.details[0] if person.details else None,
        })
        _report_unread(doc, section.heading, person.details[1:])


def _contact_row(doc: ParsedDocument, section: str, person: Person, facility: str | None) -> dict[str, str | None]:
    """A contact's phone and email, told apart by their shape."""
    phone = email = None
    unread: list[str] = []
    for detail in person.details:
        if email is None and is_email(detail):
            email = detail
        elif phone is None and is_phone(detail):
            phone = detail
        else:
            unread.append(detail)
    _report_unread(doc, section, unread)
    return {
        "name": person.name,
        "role": vocab.label_key(person.role) or None,
        "phone": phone,
        "email": email,
        "facility": facility,
    }


def _read_central_contacts(doc: ParsedDocument, section: Section) -> None:
    for person in _people(doc, section):
        doc.add_row("contacts", _contact_row(doc, section.heading, person, None))


def _read_facility_contacts(doc: ParsedDocument, section: Section, sites: list[str | None]) -> None:
    """Facility contacts do not name their facility; the mirror lists them in the order of the sites.

    The order only says which site a contact belongs to when every site has
    exactly one contact; otherwise the facility is left unstated.
    """
    people = _people(doc, section)
    matched = len(people) == len(sites)
    if people and not matched:
        doc.report(
            "parse",
            "WARNING",
            f"{len(people)} facility contacts for {len(sites)} sites: contacts cannot be matched to sites, "
            "their facility is left empty",
            field="contacts.facility",
            observed=f"{len(people)} contacts, {len(sites)} sites",
        )
    for index, person in enumerate(people):
        facility = sites[index] if matched else None
        doc.add_row("contacts", _contact_row(doc, section.heading, person, facility))


# --- sites and identifiers ------------------------------------------------------


def _read_sites(doc: ParsedDocument, section: Section) -> list[str | None]:
    """Sites as facility, "City, State, Country", "Site Status [X]"; returns the facilities in order."""
    records, trailing = _records(section.entries, _SITE_STATUS)
    facilities: list[str | None] = []
    for before, match in records:
        lines = _texts(before)
        if not lines:
            doc.report("parse", "WARNING", "a site with neither facility nor place was skipped",
                       field="sites", observed=match.group(0))
            continue
        facility = lines[0] if len(lines) > 1 else None
        if facility is None:
            doc.report("parse", "WARNING", f"site in {lines[0]!r} has no facility name",
                       field="sites.facility", observed=lines[0])
        _report_unread(doc, section.heading, lines[1:-1])
        city, state, zip_code, country = _place(doc, lines[-1])
        add_site(doc, facility, city, state, zip_code, country, match.group(1))
        facilities.append(facility)
    _report_unread(doc, section.heading, _texts(trailing))
    return facilities


def _place(doc: ParsedDocument, text: str) -> tuple[str | None, str | None, str | None, str | None]:
    """City, state, postal code and country from "City, State, Country" or "City, State, Zip, Country".

    An empty part ("Angers, , France") is unstated. The postal code is what
    tells apart sites sharing a name in one city, when the page prints it.
    """
    parts = [part.strip() or None for part in text.split(",")]
    if len(parts) == 1:
        doc.report("parse", "WARNING", f"site place {text!r} is not 'City, State, Country'; not read",
                   field="sites", observed=text)
        return None, None, None, None
    zip_code = None
    if len(parts) == 4 and parts[2] is not None and _POSTAL_CODE.fullmatch(parts[2]):
        zip_code = parts.pop(2)
    if len(parts) > 3:
        doc.report("parse", "WARNING", f"site place {text!r} has more parts than 'City, State, Country'; "
                   "the parts between state and country were not read", field="sites", observed=text)
    return parts[0], parts[1] if len(parts) > 2 else None, zip_code, parts[-1]


def _read_identifiers(doc: ParsedDocument, section: Section) -> None:
    """Identifiers, each followed by "Identifier Type: X" and "Identifier Source: Y" ("-" when not stated)."""
    current: dict[str, str] | None = None
    identifiers: list[dict[str, str]] = []
    unread: list[str] = []
    for entry in section.entries:
        attribute = _IDENTIFIER_ATTRIBUTE.match(entry.text)
        if attribute is None:
            current = {"identifier": entry.text}
            identifiers.append(current)
        elif current is None:
            unread.append(entry.text)
        else:
            current[attribute.group(1)] = attribute.group(2).strip()
    _report_unread(doc, section.heading, unread)
    for identifier in identifiers:
        doc.add_row("identifiers", {
            "identifier": identifier["identifier"],
            "identifier_type": _identifier_type(identifier),
        })


def _identifier_type(attributes: dict[str, str]) -> str | None:
    """The source (org_study_id, secondary_id) says what the identifier is; the type refines secondary ones."""
    for name in ("Source", "Type"):
        text = attributes.get(name, "")
        if text and text != "-":
            return vocab.label_key(text) or None
    return None
