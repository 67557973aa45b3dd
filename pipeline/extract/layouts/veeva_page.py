"""ClinicalTrials.Veeva portal pages, scraped to text.

The portal prints every fact under a fixed heading ("Status and phase",
"Funder types", "Trial design", ...) and always in the same order, so the page
is read as a run of headed sections. A heading is only looked for after the
one found before it: a paragraph of the description that happens to read
"Conditions" cannot reopen an earlier section, and the site footer (after
"Data sourced from clinicaltrials.gov") never becomes data.

The page leaves some facts out or half-loaded: there are no dates, no
official title, intervention types are only given as "Drug: name" prefixes,
and the locations list is filled in by the browser after the page loads, so
a scrape often holds only its count and "Loading...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.registry import vocabularies as vocab
from pipeline.extract.fields.criteria import add_criteria_rows
from pipeline.extract.fields.names import typed_name
from pipeline.extract.document import ParsedDocument
from pipeline.extract.fields.nct_ids import read_nct_id

FORMAT = "veeva_page"

_BRAND = "clinicaltrials.veeva"

_SECTION_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("header", r"Menu"),
        # Studies without a phase (observational, expanded access) print "Status" alone.
        ("status_and_phase", r"Status(?: and phase)?"),
        ("conditions", r"Conditions"),
        ("treatments", r"Treatments"),
        ("study_type", r"Study type"),
        ("funder_types", r"Funder types?"),
        ("identifiers", r"Identifiers"),
        ("eligibility", r"Details and patient eligibility"),
        ("about", r"About"),
        ("full_description", r"Full description"),
        ("enrollment", r"Enrollment"),
        ("sex", r"Sex"),
        ("ages", r"Ages"),
        ("volunteers", r"Volunteers"),
        ("criteria", r"Inclusion and exclusion criteria"),
        ("design", r"Trial design"),
        ("groups", r"[\d,]+ participants? in (\d+) patient groups?\b.*"),
        ("locations", r"Trial contacts and locations"),
        ("central_contacts", r"Central trial contacts?"),
        ("footer", r"Data sourced from clinicaltrials\.gov"),
    )
)

_SECTION_HEADINGS_BY_NAME = dict(_SECTION_HEADINGS)

# Headings no other trial layout prints as lines of their own.
_PORTAL_HEADINGS = (
    "status and phase",
    "funder types",
    "details and patient eligibility",
    "inclusion and exclusion criteria",
    "trial design",
    "trial contacts and locations",
    "central trial contact",
)
_MIN_PORTAL_HEADINGS = 3

# Sections holding one value, handed over as written.
_ONE_LINE_FIELDS = {
    "study_type": "study_type",
    "enrollment": "enrollment",
    "sex": "sex",
    "ages": "age_range",
    "volunteers": "healthy_volunteers",
}
_TEXT_FIELDS = {"about": "brief_summary", "full_description": "detailed_description"}
_DESIGN_FIELDS = {
    "primary purpose": "primary_purpose",
    "allocation": "allocation",
    "interventional model": "intervention_model",
    "masking": "masking",
}

_AVATAR = re.compile(r"[A-Za-z0-9]")
# "Double (Participant, Investigator)": the level, then who is masked, which no study field holds.
_MASKED_ROLES = re.compile(r"(?P<level>[^(]*)\((?P<roles>[^)]*)\)")
_PHASE = re.compile(r"(?:early\s+)?phase\b", re.IGNORECASE)
_TYPED_NAME = re.compile(r"([A-Za-z][A-Za-z ]*?)\s*:\s*(.+)")
_INTERVENTION_LABELS = "|".join(value.replace("_", r"\s+") for value in vocab.INTERVENTION_TYPE)
# An arm may list several interventions on one line; only a comma followed by
# an intervention type starts a new one, as names themselves contain commas.
_NEXT_INTERVENTION = re.compile(rf",\s*(?=(?:{_INTERVENTION_LABELS})\s*:)", re.IGNORECASE)
_GROUP_TYPE = re.compile(r"(.+?)\s+group", re.IGNORECASE)
_ARM_DESCRIPTION = re.compile(r"Description\s*:", re.IGNORECASE)
_ARM_TREATMENTS = re.compile(r"Treatments?\s*:", re.IGNORECASE)
# Secondary ids whose shape says who issued them, typed as ClinicalTrials.gov types them.
_NCT_ALIAS = re.compile(r"NCT\d{8}", re.IGNORECASE)
_IDENTIFIER_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("CTIS", r"\d{4}-5\d{5}-\d{2}-\d{2}"),
        ("EUDRACT_NUMBER", r"(?:EudraCT:?\s*)?\d{4}-\d{6}-\d{2}"),
        # NIH grants: optional application type, activity code, institute, serial, year and suffix.
        ("NIH", r"\d?\s*[A-Z]\d{2}\s*[A-Z]{2}\s*-?\d{6}(?:-\w+)?"),
        ("REGISTRY", r"(?:ISRCTN\d{8}|ACTRN\d{14}|ChiCTR[-\w]+|CTRI/[\d/]+|DRKS\d{8}|JPRN-\S+|jRCT\w+"
                     r"|UMIN\d{9}|KCT\d{7}|IRCT\w+|PACTR\d+|NTR\d+|NL-?OMON\d+|EUPAS\d+|NCI-\d{4}-\d{5})"),
    )
)
_LOCATION_COUNT = re.compile(r"\d+")
_STILL_LOADING = re.compile(r"Loading\.*", re.IGNORECASE)


@dataclass
class _Section:
    heading: str
    lines: list[str] = field(default_factory=list)

    @property
    def entries(self) -> list[str]:
        """The section's non-blank lines; the portal puts one value per line."""
        return [line.strip() for line in self.lines if line.strip()]

    @property
    def text(self) -> str:
        """The section as written, indentation kept for nested criteria."""
        return "\n".join(self.lines).strip("\n")


@dataclass
class _Arm:
    label: str
    group_type: str | None = None
    description: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)


def matches(text: str) -> bool:
    """The portal's brand line plus headings only this portal prints."""
    # Casefolding is per character, so a line that is the brand leaves the brand in the folded text;
    # documents of other layouts are turned away without splitting them into lines.
    if _BRAND not in text.casefold():
        return False
    lines = {line.strip().casefold() for line in text.splitlines()}
    if _BRAND not in lines:
        return False
    return sum(heading in lines for heading in _PORTAL_HEADINGS) >= _MIN_PORTAL_HEADINGS


def _heading_after(line: str, start: int) -> int | None:
    for index in range(start, len(_SECTION_HEADINGS)):
        if _SECTION_HEADINGS[index][1].fullmatch(line):
            return index
    return None


def _sections(text: str) -> dict[str, _Section]:
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    next_heading = 0
    for line in text.splitlines():
        found = _heading_after(line.strip(), next_heading)
        if found is None:
            if current is not None:
                current.lines.append(line)
            continue
        next_heading = found + 1
        current = _Section(line.strip())
        sections[_SECTION_HEADINGS[found][0]] = current
    return sections


def _entries(sections: dict[str, _Section], name: str) -> list[str]:
    section = sections.get(name)
    return section.entries if section else []


def _logo_sponsor(line: str) -> str | None:
    """"Pfizer logo" -> "Pfizer": a sponsor with a logo shows the image, scraped as its alternative text."""
    name, _, word = line.rpartition(" ")
    if word.casefold() != "logo":
        return None
    return name.strip() or None


def _title_and_sponsor(entries: list[str]) -> tuple[list[str], str] | None:
    """The title lines and the sponsor, told apart by the sponsor's avatar or logo.

    The avatar (the sponsor's initial) or the logo's text sits between title
    and sponsor name; a logo may also stand alone, the name then read from it
    ("Pfizer logo").
    """
    if len(entries) >= 3 and (_AVATAR.fullmatch(entries[-2]) or _logo_sponsor(entries[-2])):
        return entries[:-2], entries[-1]
    if len(entries) >= 2 and (sponsor := _logo_sponsor(entries[-1])):
        return entries[:-1], sponsor
    return None


def _read_header(entries: list[str], doc: ParsedDocument) -> str | None:
    """Title and lead sponsor.

    Returns the lead sponsor's name, which the sponsors table needs too.
    """
    if (found := _title_and_sponsor(entries)) is not None:
        title, sponsor = found
        doc.set_study_field("brief_title", " ".join(title))
        doc.set_study_field("lead_sponsor", sponsor)
        return sponsor
    if entries:
        doc.set_study_field("brief_title", entries[0])
    doc.report(
        "parse",
        "WARNING",
        "the lead sponsor could not be told apart from the title under the page menu",
        field="lead_sponsor",
        observed=" | ".join(entries) or None,
    )
    return None


def _read_status_and_phase(entries: list[str], doc: ParsedDocument) -> None:
    """The status line, then one line per phase; a phase-less study prints only the status."""
    phases = [line for line in entries if _PHASE.match(line)]
    others = [line for line in entries if not _PHASE.match(line)]
    if others:
        doc.set_study_field("overall_status", others[0])
    if len(others) > 1:
        doc.report(
            "parse",
            "WARNING",
            "status and phase holds more lines than a status and its phases; the extra lines were not read",
            field="overall_status",
            observed=" | ".join(others[1:]),
        )
    if phases:
        doc.set_study_field("phase", "/".join(phases))


def _read_conditions(entries: list[str], doc: ParsedDocument) -> None:
    for condition in entries:
        doc.add_row("conditions", {"condition": condition})


def _read_treatments(entries: list[str], doc: ParsedDocument) -> None:
    for entry in entries:
        label, name = typed_name(entry, _TYPED_NAME)
        doc.add_row(
            "interventions",
            {
                "intervention_type": doc.vocabulary_value(label, vocab.INTERVENTION_TYPE, "intervention_type"),
                "name": name,
                "description": None,
            },
        )


def _read_sponsor(sponsor: str | None, funder_types: list[str], doc: ParsedDocument) -> None:
    """The lead sponsor, with its funder type when the page lists only one.

    With several funder types the page does not say which is the lead
    sponsor's, so none is assigned rather than a guess.
    """
    if sponsor is None:
        return
    agency_class = None
    if len(funder_types) == 1:
        agency_class = doc.vocabulary_value(funder_types[0], vocab.AGENCY_CLASS, "agency_class")
    elif funder_types:
        doc.report(
            "parse",
            "INFO",
            "several funder types are listed and the page does not say which is the lead sponsor's",
            field="agency_class",
            observed=" | ".join(funder_types),
        )
    doc.add_row("sponsors", {"name": sponsor, "role": "LEAD", "agency_class": agency_class})


def _identifier_type(identifier: str, first: bool) -> str:
    """What an identifier is, from its place and shape, as the page prints no label.

    The page lists them in the registry's order: the NCT id, the sponsor's own
    study id (which every registration has, and which may look like anything,
    a grant or a EudraCT number included), then the secondary ids. A second
    NCT id is never the sponsor's: it is an earlier registration of the trial.
    """
    if _NCT_ALIAS.fullmatch(identifier):
        return "NCT_ALIAS"
    if first:
        return "ORG_STUDY_ID"
    return next((kind for kind, shape in _IDENTIFIER_SHAPES if shape.fullmatch(identifier)), "SECONDARY_ID")


def _read_identifiers(entries: list[str], doc: ParsedDocument) -> None:
    """The first NCT id keys the document; every other id is kept with its type."""
    first = True
    for entry in entries:
        if doc.nct_id is None and (nct_id := read_nct_id(doc, entry, ignore_case=True)) is not None:
            doc.nct_id = nct_id
            continue
        doc.add_row("identifiers", {"identifier": entry, "identifier_type": _identifier_type(entry, first)})
        first = False
    if doc.nct_id is None:
        doc.report(
            "identifier",
            "ERROR",
            "no NCT id under Identifiers",
            field="nct_id",
            observed=" | ".join(entries) or None,
        )


def _read_study_texts(sections: dict[str, _Section], doc: ParsedDocument) -> None:
    for name, study_field in _ONE_LINE_FIELDS.items():
        doc.set_study_field(study_field, " ".join(_entries(sections, name)))
    for name, study_field in _TEXT_FIELDS.items():
        if name in sections:
            doc.set_study_field(study_field, sections[name].text)


def _read_criteria(section: _Section | None, doc: ParsedDocument) -> None:
    if section is None or not section.entries:
        return
    add_criteria_rows(doc, section.text, observed=section.text[:200],
                      no_headings="eligibility criteria have no Inclusion/Exclusion Criteria headings "
                                  "and were not split")


def _masking_level(value: str) -> str:
    """"Double (Participant, Investigator)" as "Double"; a label that is not a level stays whole.

    The roles follow the level in brackets and no study field holds them; a
    bracket that does not follow a known level is handed over as written, so
    the domain finding shows all of it.
    """
    masked = _MASKED_ROLES.fullmatch(value)
    if masked is None or vocab.to_vocabulary(value, vocab.MASKING) is not None:
        return value
    level = masked.group("level").strip()
    return level if vocab.to_vocabulary(level, vocab.MASKING) is not None else value


def _read_design(entries: list[str], doc: ParsedDocument) -> None:
    """Label and value lines taking turns: "Masking" then "None (Open label)"."""
    if len(entries) % 2:
        doc.report(
            "parse",
            "WARNING",
            "trial design has a label without a value; its labels and values may be misread",
            field="trial_design",
            observed=" | ".join(entries),
        )
    for label, value in zip(entries[::2], entries[1::2]):
        study_field = _DESIGN_FIELDS.get(label.casefold())
        if study_field is None:
            doc.report(
                "parse",
                "INFO",
                f"trial design item {label!r} has no study field and was not kept",
                observed=f"{label}: {value}",
            )
            continue
        if study_field == "masking":
            value = _masking_level(value)
        doc.set_study_field(study_field, value, label=label)


def _group_type(line: str | None) -> str | None:
    """The arm type in "Experimental group", the line under an arm's label."""
    if line is None:
        return None
    match = _GROUP_TYPE.fullmatch(line)
    if match is None or vocab.to_vocabulary(match.group(1), vocab.ARM_GROUP_TYPE) is None:
        return None
    return match.group(1)


def _split_arms(entries: list[str]) -> list[_Arm]:
    """Arms from label, type line, "Description:" text and "Treatment:" lines.

    Arms are not separated by blank lines, so a new arm is recognised by its
    type line below it, by "Description:" right below it (observational
    groups have no type line), or by a line after "Treatment:" that is not an
    intervention.
    """
    arms: list[_Arm] = []
    part: str | None = None
    index = 0
    while index < len(entries):
        line = entries[index]
        following = entries[index + 1] if index + 1 < len(entries) else None
        if _ARM_DESCRIPTION.fullmatch(line):
            part = "description"
        elif _ARM_TREATMENTS.fullmatch(line):
            part = "treatments"
        elif (
            not arms
            or _group_type(following)
            or (following is not None and _ARM_DESCRIPTION.fullmatch(following))
            or (part == "treatments" and not _TYPED_NAME.fullmatch(line))
        ):
            arms.append(_Arm(label=line, group_type=_group_type(following)))
            part = None
            if arms[-1].group_type is not None:
                index += 1
        elif part == "treatments":
            arms[-1].interventions.extend(typed_name(item, _TYPED_NAME)[1] for item in _NEXT_INTERVENTION.split(line))
        else:
            arms[-1].description.append(line)
        index += 1
    return arms


def _read_arms(section: _Section | None, doc: ParsedDocument) -> None:
    if section is None:
        return
    arms = _split_arms(section.entries)
    for arm in arms:
        doc.add_row(
            "arm_groups",
            {
                "label": arm.label,
                "group_type": doc.vocabulary_value(arm.group_type, vocab.ARM_GROUP_TYPE, "group_type"),
                "description": "\n".join(arm.description) or None,
                "intervention_names": arm.interventions,
            },
        )
    stated = _SECTION_HEADINGS_BY_NAME["groups"].fullmatch(section.heading)
    if stated is not None and int(stated.group(1)) != len(arms):
        doc.report(
            "parse",
            "WARNING",
            f"the page announces {stated.group(1)} patient groups but {len(arms)} were read",
            field="arm_groups",
            observed=section.heading,
        )


def _read_locations(entries: list[str], doc: ParsedDocument) -> None:
    """Sites are loaded by the browser after the page; a scrape may hold only their count."""
    if not entries:
        return
    count, rest = entries[0], entries[1:]
    if _LOCATION_COUNT.fullmatch(count) and all(_STILL_LOADING.fullmatch(line) for line in rest):
        noun = "location" if count == "1" else "locations"
        doc.report(
            "parse",
            "INFO",
            f"{count} {noun} listed but not in the page",
            field="sites",
            observed=" | ".join(entries),
        )
        return
    doc.report(
        "parse",
        "WARNING",
        "trial locations are in a form this layout does not read; no sites were taken from them",
        field="sites",
        observed=" | ".join(entries)[:500],
    )


def _read_central_contacts(entries: list[str], doc: ParsedDocument) -> None:
    """Names separated by ";", credentials kept as written ("Dingzhi Huang, Doctor")."""
    for entry in entries:
        for name in (part.strip() for part in entry.split(";")):
            if name:
                doc.add_row(
                    "contacts",
                    {"name": name, "role": "CONTACT", "phone": None, "email": None, "facility": None},
                )



def parse(text: str) -> ParsedDocument:
    """One portal page as raw study fields and child rows."""
    doc = ParsedDocument(format=FORMAT)
    sections = _sections(text)
    sponsor = _read_header(_entries(sections, "header"), doc)
    _read_identifiers(_entries(sections, "identifiers"), doc)
    _read_status_and_phase(_entries(sections, "status_and_phase"), doc)
    _read_conditions(_entries(sections, "conditions"), doc)
    _read_treatments(_entries(sections, "treatments"), doc)
    _read_sponsor(sponsor, _entries(sections, "funder_types"), doc)
    _read_study_texts(sections, doc)
    _read_criteria(sections.get("criteria"), doc)
    _read_design(_entries(sections, "design"), doc)
    _read_arms(sections.get("groups"), doc)
    _read_locations(_entries(sections, "locations"), doc)
    _read_central_contacts(_entries(sections, "central_contacts"), doc)
    return doc
