"""Legacy ClinicalTrials.gov XML records (`<clinical_study>`, public.xsd).

Until 2023 ClinicalTrials.gov published each trial as one XML file. Every
fact has its own element, so reading it is a matter of mapping elements to
the contract; what needs care is this:

* Textblocks (summaries, eligibility criteria) were re-wrapped by the
  registry at about 100 characters and indented to show lists: paragraphs at
  the block's margin, list items two spaces further with a "-" or a number,
  their wrapped lines aligned under the item's text, nested items further
  in. The wrapping is undone, and the indentation, which says exactly which
  items are nested, is kept instead of being guessed from the text.
* Files downloaded before 2018 name two dates differently
  (firstreceived_date, lastchanged_date); both namings are read.
* "[Redacted]" is the registry's mark for a withheld value, not a value.
* Elements the contract has no place for (references, MeSH terms, results,
  the responsible party...) are listed below and left out on purpose; an
  element this reader does not know is reported, never skipped unseen.

Values are handed over as written ("Phase 1/Phase 2", "Accepts Healthy
Volunteers", "July 2001") and typed in `pipeline.extract.fields.study_fields`.

A file that is not well-formed XML (typically a truncated download) still
matches this layout, because its opening says what it is; `parse` then
returns no NCT id and one parse ERROR finding, so the document is
quarantined with the reason rather than loaded half-read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.registry import vocabularies as vocab
from pipeline.extract.fields.contacts import phone_with_extension
from pipeline.extract.fields.criteria import add_criteria_rows, split_criteria
from pipeline.extract.document import ParsedDocument
from pipeline.extract.fields.nct_ids import read_nct_id
from pipeline.extract.fields.sites import add_site

FORMAT = "ctgov_xml"

# Declaration, comments and a doctype may come before the root element. A
# comment ends at its first "-->", as in XML, and the prolog is possessive:
# with a lazy ".*?" each comment could also swallow the ones after it, and
# 40 empty comments before anything but the root took exponential time.
_ROOT_OPENING = re.compile(
    r"\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--(?:(?!-->).)*-->\s*|<!DOCTYPE[^>]*>\s*)*+<clinical_study[\s>/]",
    re.DOTALL,
)
# The text is already decoded: a declared encoding no longer describes it.
_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[-*•]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
# "Observational [Patient Registry]", "Double (Participant, Investigator)".
_QUALIFIER = re.compile(r"^(?P<value>[^(\[]+?)\s*[(\[](?P<qualifier>.*)[)\]]\s*$")
_REDACTED = "[Redacted]"
_NOT_APPLICABLE = "N/A"

_STUDY_ELEMENTS = {
    "brief_title": "brief_title",
    "official_title": "official_title",
    "acronym": "acronym",
    "overall_status": "overall_status",
    "phase": "phase",
    "start_date": "start_date",
    "primary_completion_date": "primary_completion_date",
    "completion_date": "completion_date",
    "study_first_submitted": "first_submitted_date",
    "study_first_posted": "first_posted_date",
    "last_update_posted": "last_update_posted_date",
    "verification_date": "last_verified_date",
}
# Files from before 2018 carry these instead of (or beside) the newer names.
# lastchanged_date is the day the change was received, a day or a few
# before it was posted: it stands in for the posted date only when that is
# missing, and says so.
_OLD_DATE_ELEMENTS = {
    "firstreceived_date": ("first_submitted_date", "study_first_submitted"),
    "lastchanged_date": ("last_update_posted_date", "last_update_posted"),
}
# The root element, first step of every record path.
_ROOT = "clinical_study"
_DESIGN_ELEMENTS = {
    "allocation": "allocation",
    "intervention_model": "intervention_model",
    "primary_purpose": "primary_purpose",
}
_ELIGIBILITY_ELEMENTS = {
    "gender": "sex",
    "minimum_age": "min_age",
    "maximum_age": "max_age",
    "healthy_volunteers": "healthy_volunteers",
}
_SPONSOR_ROLES = {"lead_sponsor": "LEAD", "collaborator": "COLLABORATOR"}
_CENTRAL_CONTACT_ROLES = {"overall_contact": "CONTACT", "overall_contact_backup": "BACKUP"}
_SITE_CONTACT_ROLES = {"contact": "CONTACT", "contact_backup": "BACKUP"}
_OUTCOME_TYPES = {"primary_outcome": "PRIMARY", "secondary_outcome": "SECONDARY", "other_outcome": "OTHER"}
_IDENTIFIER_TYPES = {"org_study_id": "ORG_STUDY_ID", "secondary_id": "SECONDARY_ID", "nct_alias": "NCT_ALIAS"}

_PERSON = frozenset({"first_name", "middle_name", "last_name", "degrees"})
_CONTACT = _PERSON | {"phone", "phone_ext", "email"}
_OUTCOME = frozenset({"measure", "time_frame", "description"})
_SPONSOR = frozenset({"agency", "agency_class"})
_TEXTBLOCK = frozenset({"textblock"})
# Every element this reader knows, by parent: the ones it reads and the ones
# the contract has no column for (results, references, MeSH terms, the
# record's filer, countries that repeat the sites, review dates, free-text
# notes on the design). Parents not listed here are not looked into.
_KNOWN_CHILDREN: dict[str, frozenset[str]] = {
    "clinical_study": frozenset({
        *_STUDY_ELEMENTS, *_OLD_DATE_ELEMENTS, *_OUTCOME_TYPES, *_CENTRAL_CONTACT_ROLES,
        "id_info", "sponsors", "brief_summary", "detailed_description", "study_type", "study_design_info",
        "enrollment", "condition", "intervention", "arm_group", "eligibility", "overall_official", "location",
        # not in the contract:
        "required_header", "source", "why_stopped", "last_known_status", "has_expanded_access",
        "expanded_access_info", "number_of_arms", "number_of_groups", "target_duration", "biospec_retention",
        "biospec_descr", "keyword", "condition_browse", "intervention_browse", "reference", "results_reference",
        "link", "location_countries", "removed_countries", "responsible_party", "oversight_info", "patient_data",
        "study_docs", "provided_document_section", "study_first_submitted_qc", "last_update_submitted",
        "last_update_submitted_qc", "results_first_submitted", "results_first_submitted_qc",
        "results_first_posted", "disposition_first_submitted", "disposition_first_submitted_qc",
        "disposition_first_posted", "firstreceived_results_date", "firstreceived_results_disposition_date",
        "pending_results", "clinical_results",
    }),
    "id_info": frozenset({"nct_id", *_IDENTIFIER_TYPES}),
    "sponsors": frozenset(_SPONSOR_ROLES),
    "lead_sponsor": _SPONSOR,
    "collaborator": _SPONSOR,
    "brief_summary": _TEXTBLOCK,
    "detailed_description": _TEXTBLOCK,
    "study_design_info": frozenset({
        *_DESIGN_ELEMENTS, "masking",
        "intervention_model_description", "masking_description", "observational_model", "time_perspective",
    }),
    **{tag: _OUTCOME for tag in _OUTCOME_TYPES},
    "intervention": frozenset({"intervention_type", "intervention_name", "description", "arm_group_label",
                               "other_name"}),
    "arm_group": frozenset({"arm_group_label", "arm_group_type", "description"}),
    "eligibility": frozenset({*_ELIGIBILITY_ELEMENTS, "criteria", "study_pop", "sampling_method",
                              "gender_based", "gender_description"}),
    "criteria": _TEXTBLOCK,
    "overall_official": _PERSON | {"role", "affiliation"},
    **{tag: _CONTACT for tag in (*_CENTRAL_CONTACT_ROLES, *_SITE_CONTACT_ROLES)},
    "location": frozenset({"facility", "status", "investigator", *_SITE_CONTACT_ROLES}),
    "facility": frozenset({"name", "address"}),
    "address": frozenset({"city", "state", "zip", "country"}),
    "investigator": _PERSON | {"role"},
}


@dataclass(frozen=True)
class Block:
    """A paragraph or list item of a textblock, its wrapped lines joined back into one.

    `indent` is where its first line starts; `content_column` is where an
    item's text starts, which is where its own wrapped lines and paragraphs
    are aligned and beyond which nested items stand.
    """

    indent: int
    marker: str | None
    text: str
    content_column: int


def matches(text: str) -> bool:
    """The root element is <clinical_study>, judged from the opening of the text alone."""
    return "<clinical_study" in text and _ROOT_OPENING.match(text) is not None


def parse(text: str) -> ParsedDocument:
    """The record's study fields and child rows; a file that is not XML gives only a finding."""
    doc = ParsedDocument(format=FORMAT)
    root = _read_xml(doc, text)
    if root is None:
        return doc
    _report_unknown_elements(doc, root)
    _read_id_info(doc, root)
    _read_study_fields(doc, root)
    _read_dates(doc, root)
    _read_design(doc, root)
    _read_eligibility(doc, root)
    for condition in root.findall("condition"):
        if (name := _text(doc, condition, ".")) is not None:
            doc.add_row("conditions", {"condition": name})
    arms_of_interventions = _read_interventions(doc, root)
    _read_arm_groups(doc, root, arms_of_interventions)
    _read_sponsors(doc, root)
    _read_officials(doc, root)
    _read_central_contacts(doc, root)
    _read_sites(doc, root)
    _read_outcomes(doc, root)
    return doc


# --- the XML itself -------------------------------------------------------------


def _read_xml(doc: ParsedDocument, text: str) -> ElementTree.Element | None:
    """The root element, or None with a parse ERROR saying why nothing was read."""
    if _ENTITY_DECLARATION.search(text):
        doc.report("parse", "ERROR", "the file declares XML entities, which registry records never do and which "
                   "can expand without limit; it was not read", field="xml")
        return None
    try:
        root = ElementTree.fromstring(_DECLARATION.sub("", text, count=1))
    except ElementTree.ParseError as error:
        doc.report("parse", "ERROR", f"the file is not well-formed XML ({error}); nothing was read. "
                   "A download cut short is the usual cause.", field="xml", observed=str(error))
        return None
    if root.tag != "clinical_study":
        doc.report("parse", "ERROR", f"the root element is <{root.tag}>, not <clinical_study>; nothing was read",
                   field="xml", observed=root.tag)
        return None
    return root


def _report_unknown_elements(doc: ParsedDocument, root: ElementTree.Element) -> None:
    """One WARNING per kind of element this reader does not know, however often it occurs."""
    unknown: Counter[tuple[str, str]] = Counter()
    pending = [root]
    while pending:
        element = pending.pop()
        known = _KNOWN_CHILDREN[element.tag]
        for child in element:
            if child.tag not in known:
                unknown[(element.tag, child.tag)] += 1
            elif child.tag in _KNOWN_CHILDREN:
                pending.append(child)
    for (parent, tag), count in sorted(unknown.items()):
        doc.report("parse", "WARNING", f"element <{tag}> inside <{parent}> is not one this reader knows; "
                   f"its {count} occurrence(s) were not loaded", field=f"{parent}/{tag}")


def _find(element: ElementTree.Element, path: str) -> ElementTree.Element | None:
    """What `element.find(path)` finds, for a path of tag names.

    `find` hands a path with a "/" to ElementPath, written in Python, and every
    site is read through four of them; tag by tag, in the order ElementPath
    visits them (each match of a step before the next one), costs a fraction.
    """
    if "/" not in path:
        return element.find(path)
    tag, rest = path.split("/", 1)
    for child in element.findall(tag):
        found = _find(child, rest)
        if found is not None:
            return found
    return None


def _raw(element: ElementTree.Element | None, path: str) -> str | None:
    found = _find(element, path) if element is not None else None
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _text(doc: ParsedDocument, element: ElementTree.Element | None, path: str) -> str | None:
    """The stripped text at `path`; None when absent, empty or redacted (redaction is reported)."""
    value = _raw(element, path)
    if element is not None and value == _REDACTED:
        where = element.tag if path == "." else f"{element.tag}/{path}"
        doc.report("parse", "INFO", f"the registry redacted <{where}>; it is left empty", field=where,
                   observed=value)
        return None
    return value


# --- textblocks ------------------------------------------------------------------


def _blocks(text: str) -> list[Block]:
    """Paragraphs and list items, one per run of non-blank lines.

    The registry separates every paragraph and item by a blank line, so a
    line right under another is always the wrapped rest of it.
    """
    blocks: list[Block] = []
    run: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.strip():
            run.append(line)
        elif run:
            blocks.append(_block(run))
            run = []
    return blocks


def _block(lines: list[str]) -> Block:
    first = lines[0]
    indent = len(first) - len(first.lstrip(" "))
    rest = [line.strip() for line in lines[1:]]
    item = _LIST_ITEM.match(first)
    if item is None:
        return Block(indent, None, " ".join([first.strip(), *rest]), indent)
    return Block(indent, item.group("marker"), " ".join([item.group("text").strip(), *rest]), item.start("text"))


def _depths(blocks: list[Block]) -> Iterator[int]:
    """How deep each block is nested: the number of items whose text column it stands at or beyond."""
    open_items: list[int] = []
    for block in blocks:
        while open_items and block.indent < open_items[-1]:
            open_items.pop()
        yield len(open_items)
        if block.marker is not None:
            open_items.append(block.content_column)


def _render_textblock(text: str) -> str:
    """Unwrapped paragraphs separated by blank lines; list items keep their marker, nested ones are indented."""
    blocks = _blocks(text)
    return "\n\n".join(
        "  " * depth + (f"{block.marker} " if block.marker else "") + block.text
        for block, depth in zip(blocks, _depths(blocks))
    )


def _textblock(doc: ParsedDocument, element: ElementTree.Element | None, path: str) -> str | None:
    """A textblock as written, indentation and all: stripping it would misplace its first line's list."""
    if element is None or _text(doc, element, path) is None:
        return None
    return element.findtext(path)


def _description(doc: ParsedDocument, root: ElementTree.Element, path: str) -> str | None:
    text = _textblock(doc, root, f"{path}/textblock")
    return None if text is None else _render_textblock(text)


# --- identification and study fields --------------------------------------------


def _read_id_info(doc: ParsedDocument, root: ElementTree.Element) -> None:
    """The NCT id, then the sponsor's and other registries' ids, as listed."""
    id_info = root.find("id_info")
    nct_id = _raw(id_info, "nct_id")
    if nct_id is None:
        doc.report("identifier", "ERROR", "the record has no <id_info>/<nct_id>", field="nct_id")
    elif (ascii_nct_id := read_nct_id(doc, nct_id)) is not None:
        doc.nct_id = ascii_nct_id
    else:
        doc.report("identifier", "ERROR", f"NCT id {nct_id!r} is not NCT followed by 8 digits",
                   field="nct_id", observed=nct_id)
    for element in id_info if id_info is not None else ():
        identifier_type = _IDENTIFIER_TYPES.get(element.tag)
        identifier = _text(doc, element, ".")
        if identifier_type is None or identifier is None:
            continue
        doc.add_row("identifiers", {"identifier": identifier, "identifier_type": identifier_type})


def _read_study_fields(doc: ParsedDocument, root: ElementTree.Element) -> None:
    for element, field in _STUDY_ELEMENTS.items():
        doc.set_study_field(field, _text(doc, root, element), path=f"{_ROOT}/{element}")
    doc.set_study_field("brief_summary", _description(doc, root, "brief_summary"),
                        path=f"{_ROOT}/brief_summary/textblock")
    doc.set_study_field("detailed_description", _description(doc, root, "detailed_description"),
                        path=f"{_ROOT}/detailed_description/textblock")
    _read_study_type(doc, root)
    doc.set_study_field("enrollment", _text(doc, root, "enrollment"), path=f"{_ROOT}/enrollment")
    enrollment = root.find("enrollment")
    if enrollment is not None:
        doc.set_study_field("enrollment_type", enrollment.get("type"), path=f"{_ROOT}/enrollment/@type")


def _read_study_type(doc: ParsedDocument, root: ElementTree.Element) -> None:
    """The study type without its qualifier; "N/A" (withheld records) states no type."""
    study_type = _text(doc, root, "study_type")
    if study_type is None or study_type == _NOT_APPLICABLE:
        return
    qualified = _QUALIFIER.match(study_type)
    if qualified:
        doc.report("parse", "INFO", f"study type {study_type!r} was read as {qualified.group('value')!r}; "
                   f"the qualifier {qualified.group('qualifier')!r} has no column", field="study_type",
                   observed=study_type, record_path=f"{_ROOT}/study_type")
        study_type = qualified.group("value")
    doc.set_study_field("study_type", study_type, path=f"{_ROOT}/study_type")


def _read_dates(doc: ParsedDocument, root: ElementTree.Element) -> None:
    """The pre-2018 names fill a date only where the newer name is absent."""
    for element, (field, newer) in _OLD_DATE_ELEMENTS.items():
        value = _text(doc, root, element)
        if value is None or field in doc.study:
            continue
        doc.set_study_field(field, value, path=f"{_ROOT}/{element}")
        if element == "lastchanged_date":
            doc.report("parse", "INFO", f"the record predates <{newer}>: {field} was read from <{element}>, "
                       "the day the last change was received, which is usually a few days before it was posted",
                       field=field, observed=value)


def _read_design(doc: ParsedDocument, root: ElementTree.Element) -> None:
    """Design fields; masking keeps its level and leaves out who was masked ("Double (Participant, ...)")."""
    design = root.find("study_design_info")
    for element, field in _DESIGN_ELEMENTS.items():
        doc.set_study_field(field, _text(doc, design, element), path=f"{_ROOT}/study_design_info/{element}")
    masking = _text(doc, design, "masking")
    qualified = _QUALIFIER.match(masking) if masking is not None else None
    doc.set_study_field("masking", qualified.group("value") if qualified else masking,
                        path=f"{_ROOT}/study_design_info/masking")


# --- eligibility -------------------------------------------------------------------


def _read_eligibility(doc: ParsedDocument, root: ElementTree.Element) -> None:
    eligibility = root.find("eligibility")
    for element, field in _ELIGIBILITY_ELEMENTS.items():
        doc.set_study_field(field, _text(doc, eligibility, element), path=f"{_ROOT}/eligibility/{element}")
    criteria = _textblock(doc, eligibility, "criteria/textblock")
    if criteria is None:
        return
    add_criteria_rows(doc, criteria, observed=_render_textblock(criteria)[:500],
                      split=lambda text: split_criteria(_numbered_for_splitter(_blocks(text))))


def _numbered_for_splitter(blocks: list[Block]) -> str:
    """One criteria list rewritten so the shared splitter reads the nesting the indentation shows.

    The splitter sees no indentation and has to guess where a nested list
    ends, except in numbered lists, where "the numbers are the top level".
    So top-level items are numbered, nested items become bullets and
    paragraphs stay paragraphs; the splitter then keeps each top-level item
    with everything nested under it, exactly as the record laid it out.
    """
    lines: list[str] = []
    number = 0
    for block, depth in zip(blocks, _depths(blocks)):
        if block.marker is None:
            lines.append(block.text)
        elif depth == 0:
            number += 1
            lines.append(f"{number}. {block.text}")
        else:
            lines.append(f"- {block.text}")
    return "\n".join(lines)


# --- interventions and arms ---------------------------------------------------------


def _read_interventions(doc: ParsedDocument, root: ElementTree.Element) -> dict[str, list[str]]:
    """One row per intervention type and name; returns the intervention names each arm label is given.

    A record may list the same intervention once per arm with a different
    description ("Starting dose 1.", "Starting dose 2."); the rows are merged
    and every description is kept.
    """
    merged: dict[tuple[str, str], dict[str, str | None]] = {}
    descriptions: dict[tuple[str, str], list[str]] = {}
    arms: dict[str, list[str]] = {}
    for element in root.findall("intervention"):
        name = _text(doc, element, "intervention_name")
        if name is None:
            doc.report("parse", "WARNING", "an intervention without a name was skipped", field="interventions",
                       observed=_text(doc, element, "intervention_type"))
            continue
        type_label = _text(doc, element, "intervention_type")
        key = (vocab.label_key(type_label or ""), name.casefold())
        merged.setdefault(key, {"type_label": type_label, "name": name})
        description = _text(doc, element, "description")
        if description is not None and description not in descriptions.setdefault(key, []):
            descriptions[key].append(description)
        labels = (_text(doc, label, ".") for label in element.findall("arm_group_label"))
        for label in filter(None, labels):
            names = arms.setdefault(label, [])
            if name not in names:
                names.append(name)
    for key, intervention in merged.items():
        doc.add_row("interventions", {
            "intervention_type": doc.vocabulary_value(intervention["type_label"], vocab.INTERVENTION_TYPE,
                                                      "intervention_type"),
            "name": intervention["name"],
            "description": "\n\n".join(descriptions.get(key, [])) or None,
        })
    return arms


def _read_arm_groups(doc: ParsedDocument, root: ElementTree.Element, arms: dict[str, list[str]]) -> None:
    labels: list[str] = []
    for element in root.findall("arm_group"):
        label = _text(doc, element, "arm_group_label")
        if label is None:
            doc.report("parse", "WARNING", "an arm without a label was skipped", field="arm_groups",
                       observed=_text(doc, element, "description"))
            continue
        labels.append(label)
        doc.add_row("arm_groups", {
            "label": label,
            "group_type": doc.vocabulary_value(_text(doc, element, "arm_group_type"), vocab.ARM_GROUP_TYPE,
                                               "group_type"),
            "description": _text(doc, element, "description"),
            "intervention_names": arms.get(label, []),
        })
    for label, names in arms.items():
        if label not in labels:
            doc.report("parse", "WARNING", f"intervention(s) {', '.join(names)} name arm {label!r}, which the "
                       "record does not list; the link was not loaded", field="arm_groups.intervention_names",
                       observed=label)


# --- organisations and people -----------------------------------------------------------


def _read_sponsors(doc: ParsedDocument, root: ElementTree.Element) -> None:
    sponsors = root.find("sponsors")
    for element in sponsors if sponsors is not None else ():
        role = _SPONSOR_ROLES.get(element.tag)
        if role is None:
            continue
        name = _text(doc, element, "agency")
        if name is None:
            if _raw(element, "agency") is None:
                doc.report("parse", "WARNING", f"a sponsor without a name (<{element.tag}>) was skipped",
                           field="sponsors", observed=_raw(element, "agency_class"))
            continue
        doc.add_row("sponsors", {
            "name": name,
            "role": role,
            "agency_class": doc.vocabulary_value(_text(doc, element, "agency_class"), vocab.AGENCY_CLASS,
                                                 "agency_class"),
        })
        if role == "LEAD" and "lead_sponsor" not in doc.study:
            doc.set_study_field("lead_sponsor", name, path=f"{_ROOT}/sponsors/{element.tag}/agency")


def _person_name(doc: ParsedDocument, element: ElementTree.Element) -> str | None:
    """The full name: the registry mostly writes it whole in <last_name>, with parts and degrees optional."""
    parts = [_text(doc, element, tag) for tag in ("first_name", "middle_name", "last_name")]
    name = " ".join(part for part in parts if part)
    degrees = _text(doc, element, "degrees")
    if name and degrees:
        return f"{name}, {degrees}"
    return name or None


def _read_officials(doc: ParsedDocument, root: ElementTree.Element) -> None:
    for element in root.findall("overall_official"):
        name = _person_name(doc, element)
        if name is None:
            doc.report("parse", "WARNING", "an overall official without a name was skipped", field="officials",
                       observed=_raw(element, "affiliation"))
            continue
        doc.add_row("officials", {
            "name": name,
            "role": doc.vocabulary_value(_text(doc, element, "role"), vocab.OFFICIAL_ROLE, "official_role"),
            "affiliation": _text(doc, element, "affiliation"),
        })


def _contact_row(doc: ParsedDocument, element: ElementTree.Element, role: str | None,
                 facility: str | None) -> dict[str, str | None]:
    return {
        "name": _person_name(doc, element),
        "role": role,
        "phone": phone_with_extension(_text(doc, element, "phone"), _text(doc, element, "phone_ext")),
        "email": _text(doc, element, "email"),
        "facility": facility,
    }


def _read_central_contacts(doc: ParsedDocument, root: ElementTree.Element) -> None:
    for tag, role in _CENTRAL_CONTACT_ROLES.items():
        for element in root.findall(tag):
            doc.add_row("contacts", _contact_row(doc, element, role, None))


def _read_sites(doc: ParsedDocument, root: ElementTree.Element) -> None:
    """Sites, their contacts, and their investigators as contacts of the site.

    Site investigators are people at one facility, not officials of the
    whole trial; as contacts they keep their facility (the registry's JSON
    lists them the same way), and a person leading many sites is not one
    official repeated.
    """
    unnamed = 0
    for location in root.findall("location"):
        facility = _text(doc, location, "facility/name")
        unnamed += facility is None
        city, state, zip_code, country = (_text(doc, location, f"facility/address/{part}")
                                          for part in ("city", "state", "zip", "country"))
        add_site(doc, facility, city, state, zip_code, country, _text(doc, location, "status"))
        for tag, role in _SITE_CONTACT_ROLES.items():
            for element in location.findall(tag):
                doc.add_row("contacts", _contact_row(doc, element, role, facility))
        for element in location.findall("investigator"):
            role = _text(doc, element, "role")
            doc.add_row("contacts", _contact_row(doc, element, vocab.label_key(role) if role else None, facility))
    if unnamed:
        doc.report("parse", "INFO", f"{unnamed} site(s) name no facility, only a place; their facility is empty",
                   field="sites.facility", observed=str(unnamed))


def _read_outcomes(doc: ParsedDocument, root: ElementTree.Element) -> None:
    for tag, outcome_type in _OUTCOME_TYPES.items():
        ordinal = 0
        for element in root.findall(tag):
            measure = _text(doc, element, "measure")
            if measure is None:
                doc.report("parse", "WARNING", f"a {tag.replace('_', ' ')} without a measure was skipped",
                           field="outcomes.measure", observed=_raw(element, "description"))
                continue
            ordinal += 1
            doc.add_row("outcomes", {
                "outcome_type": outcome_type,
                "ordinal": ordinal,
                "measure": measure,
                "description": _text(doc, element, "description"),
                "time_frame": _text(doc, element, "time_frame"),
            })
