"""ClinicalTrials.gov API v2 study records, one study per JSON file.

The API returns a study as an object whose `protocolSection` holds the
registration in modules (identificationModule, statusModule, designModule,
...). The registry already writes its own codes (RECRUITING, PHASE2), so
study fields are handed over as text and typed in `pipeline.extract.fields.study_fields`
like every other layout's. A search response holding exactly one study
(`{"studies": [...]}`) is read as that study; one holding several is not,
because a document describes one trial.

Results, the derived section (MeSH terms, version dates), keywords, other
intervention names, date types (ACTUAL/ESTIMATED), the responsible party,
oversight, references and IPD sharing are not part of the contract and are
not read.

A file is recognised by opening with "{" and naming a "protocolSection" key,
not by decoding it: the JSON is decoded once, in `parse`, and a study file
cut short still reaches `parse`, which says where the JSON breaks, instead of
being called a document of unknown layout.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from pipeline.registry import vocabularies as vocab
from pipeline.extract.fields.contacts import phone_with_extension
from pipeline.extract.fields.criteria import add_criteria_rows
from pipeline.extract.document import ParsedDocument
from pipeline.extract.fields.nct_ids import read_nct_id
from pipeline.extract.fields.sites import add_site

FORMAT = "ctgov_json"

_OPENS_AN_OBJECT = re.compile(r"\A\s*\{")
_PROTOCOL_SECTION_KEY = re.compile(r'"protocolSection"\s*:')
# Arms name their interventions with the intervention's type in front ("Drug: Cisplatin").
_TYPED_INTERVENTION_NAME = re.compile(r"^([A-Za-z][A-Za-z ]*):\s+(.+)$")
_OBSERVED_CHARACTERS = 500
_CONTEXT_CHARACTERS = 80

_STUDY_DATES = (
    ("start_date", "startDateStruct"),
    ("primary_completion_date", "primaryCompletionDateStruct"),
    ("completion_date", "completionDateStruct"),
    ("first_posted_date", "studyFirstPostDateStruct"),
    ("last_update_posted_date", "lastUpdatePostDateStruct"),
)
_PLAIN_DATES = (
    ("first_submitted_date", "studyFirstSubmitDate"),
    ("last_verified_date", "statusVerifiedDate"),
)
_DESIGN_INFO_FIELDS = (
    ("allocation", "allocation"),
    ("intervention_model", "interventionModel"),
    ("primary_purpose", "primaryPurpose"),
)
_SITE_KEYS = ("facility", "city", "state", "zip", "country", "status")
_CONTACT_KEYS = ("name", "role", "phone", "phoneExt", "email")
_ELIGIBILITY_FIELDS = (("min_age", "minimumAge"), ("max_age", "maximumAge"), ("sex", "sex"))
_OUTCOME_LISTS = (("PRIMARY", "primaryOutcomes"), ("SECONDARY", "secondaryOutcomes"), ("OTHER", "otherOutcomes"))

Json = Any


def matches(text: str) -> bool:
    """A JSON object with a "protocolSection" key: only API v2 study records have one."""
    return _OPENS_AN_OBJECT.match(text) is not None and _PROTOCOL_SECTION_KEY.search(text) is not None


def parse(text: str) -> ParsedDocument:
    """The study's fields and child rows; a record that cannot be read is reported, never raised."""
    doc = ParsedDocument(format=FORMAT)
    study = _study_object(doc, text)
    if study is None:
        return doc
    protocol = _object(doc, _Object(study, None), "protocolSection")
    if not protocol.members:
        doc.report("parse", "ERROR", "the JSON object has no protocolSection: it is not a study record",
                   field="protocolSection", observed=_shown(sorted(study)))
        return doc
    _read_identification(doc, _object(doc, protocol, "identificationModule"))
    _read_status(doc, _object(doc, protocol, "statusModule"))
    _read_sponsors(doc, _object(doc, protocol, "sponsorCollaboratorsModule"))
    _read_description(doc, _object(doc, protocol, "descriptionModule"))
    _read_conditions(doc, _object(doc, protocol, "conditionsModule"))
    _read_design(doc, _object(doc, protocol, "designModule"))
    _read_arms_and_interventions(doc, _object(doc, protocol, "armsInterventionsModule"))
    _read_outcomes(doc, _object(doc, protocol, "outcomesModule"))
    _read_eligibility(doc, _object(doc, protocol, "eligibilityModule"))
    _read_contacts_and_locations(doc, _object(doc, protocol, "contactsLocationsModule"))
    return doc


# --- the JSON itself ---------------------------------------------------------------


def _study_object(doc: ParsedDocument, text: str) -> dict[str, Json] | None:
    """The study object: the document itself, or the single study of a search response."""
    try:
        value = json.loads(text)
    except ValueError as error:
        _report_invalid_json(doc, text, error)
        return None
    if isinstance(value, dict) and "protocolSection" not in value and "studies" in value:
        return _only_study(doc, value["studies"])
    if not isinstance(value, dict):
        doc.report("parse", "ERROR", f"the document is JSON but {_kind(value)}, not a study object; nothing was read",
                   field="document", observed=_shown(value))
        return None
    return value


def _report_invalid_json(doc: ParsedDocument, text: str, error: ValueError) -> None:
    """Where the JSON breaks, so an analyst can tell a cut-short download from a damaged one."""
    if not isinstance(error, json.JSONDecodeError):
        doc.report("parse", "ERROR", f"the document is not valid JSON ({error}); nothing was read", field="document")
        return
    place = f"line {error.lineno}, column {error.colno}"
    # A string left open runs to the end of the file, so it too means the text stops early.
    if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
        message = f"the JSON ends before it is complete ({error.msg} at {place}): the file was probably cut short"
    else:
        message = f"the document is not valid JSON: {error.msg} at {place}"
    doc.report("parse", "ERROR", f"{message}; nothing was read", field="document",
               observed=text[max(error.pos - _CONTEXT_CHARACTERS, 0): error.pos + _CONTEXT_CHARACTERS])


def _only_study(doc: ParsedDocument, studies: Json) -> dict[str, Json] | None:
    if isinstance(studies, list) and len(studies) == 1 and isinstance(studies[0], dict):
        return studies[0]
    count = f"{len(studies)} studies" if isinstance(studies, list) else _kind(studies)
    doc.report("parse", "ERROR", f"the document is a search response holding {count}; trialflow reads one study "
               "per file, so nothing was read", field="studies", observed=_shown(studies))
    return None


def _kind(value: Json) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _shown(value: Json) -> str:
    return json.dumps(value, ensure_ascii=False)[:_OBSERVED_CHARACTERS]


def _report_type(doc: ParsedDocument, where: str, expected: str, value: Json) -> None:
    doc.report("parse", "WARNING", f"{where} should be {expected} but is {_kind(value)}; it was not loaded",
               field=where, observed=_shown(value), record_path=where)


class _Object(NamedTuple):
    """A JSON object and where it sits in the record, so a finding can name the field it is about.

    A tuple rather than a frozen dataclass: a study makes one per site and
    per contact, hundreds of them, and a tuple is several times cheaper to make.
    For the same reason its place is kept as its parent, its key there and its
    index in the list at that key, and spelled out only for a finding.
    """

    members: dict[str, Json]
    parent: _Object | None  # None for the study itself
    key: str = ""
    index: int | None = None

    @property
    def path(self) -> str:
        """"protocolSection.contactsLocationsModule.locations[3]"; empty for the study itself."""
        if self.parent is None:
            return self.key
        place = self.parent.where(self.key)
        return place if self.index is None else f"{place}[{self.index}]"

    def member(self, key: str) -> tuple[Json, str]:
        """A member and its path; JSON null counts as absent."""
        return self.members.get(key), self.where(key)

    def where(self, key: str) -> str:
        """A member's path, built only when needed: records hold hundreds of fields, most of them fine."""
        return f"{self.path}.{key}" if self.path else key


def _object(doc: ParsedDocument, parent: _Object, key: str) -> _Object:
    value = parent.members.get(key)
    if value is not None and not isinstance(value, dict):
        _report_type(doc, parent.where(key), "an object", value)
    return _Object(value if isinstance(value, dict) else {}, parent, key)


def _texts_of(doc: ParsedDocument, record: _Object, keys: tuple[str, ...]) -> list[str | None]:
    """Text members, in the order of `keys`; a member that is no text is reported and read as absent.

    A study lists hundreds of sites and contacts; reading their fields in
    one call instead of one call per field is most of the time they take.
    """
    values = list(map(record.members.get, keys))
    for index, value in enumerate(values):
        if value is not None and not isinstance(value, str):
            _report_type(doc, record.where(keys[index]), "text", value)
            values[index] = None
    return values


def _text(doc: ParsedDocument, parent: _Object, key: str) -> str | None:
    return _texts_of(doc, parent, (key,))[0]


def _list(doc: ParsedDocument, parent: _Object, key: str, expected: str) -> list[Json]:
    value = parent.members.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        _report_type(doc, parent.where(key), expected, value)
        return []
    return value


def _texts(doc: ParsedDocument, parent: _Object, key: str) -> list[str]:
    items, where = _list(doc, parent, key, "a list of texts"), parent.where(key)
    texts: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            texts.append(item)
        elif item is not None:
            _report_type(doc, f"{where}[{index}]", "text", item)
    return texts


def _records(doc: ParsedDocument, parent: _Object, key: str) -> list[_Object]:
    items = _list(doc, parent, key, "a list of objects")
    if not items:
        return []
    records: list[_Object] = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            records.append(_Object(item, parent, key, index))
        elif item is not None:
            _report_type(doc, f"{parent.where(key)}[{index}]", "an object", item)
    return records


def _required_text(doc: ParsedDocument, record: _Object, key: str, what: str) -> str | None:
    """The text a record cannot go without; None, with a warning, and the caller skips the record."""
    text = _text(doc, record, key)
    if not text:
        doc.report("parse", "WARNING", f"{what} has no {key}; it was skipped",
                   field=f"{record.path}.{key}", observed=_shown(record.members), record_path=record.path)
        return None
    return text


# --- modules -------------------------------------------------------------------------


def _read_identification(doc: ParsedDocument, module: _Object) -> None:
    _read_nct_id(doc, module)
    doc.set_study_field("brief_title", _text(doc, module, "briefTitle"), path=module.where("briefTitle"))
    doc.set_study_field("official_title", _text(doc, module, "officialTitle"), path=module.where("officialTitle"))
    doc.set_study_field("acronym", _text(doc, module, "acronym"), path=module.where("acronym"))
    org_study_id = _text(doc, _object(doc, module, "orgStudyIdInfo"), "id")
    if org_study_id:
        doc.add_row("identifiers", {"identifier": org_study_id, "identifier_type": "ORG_STUDY_ID"})
    for info in _records(doc, module, "secondaryIdInfos"):
        identifier = _required_text(doc, info, "id", "a secondary identifier")
        if identifier is None:
            continue
        kind = _text(doc, info, "type") or ""
        doc.add_row("identifiers", {"identifier": identifier,
                                    "identifier_type": vocab.label_key(kind) or "SECONDARY_ID"})


def _read_nct_id(doc: ParsedDocument, module: _Object) -> None:
    value, where = module.member("nctId")
    nct_id = read_nct_id(doc, value, field=where) if isinstance(value, str) else None
    if nct_id is not None:
        doc.nct_id = nct_id
    elif value is None:
        doc.report("identifier", "ERROR", f"the record has no {where}", field=where)
    else:
        doc.report("identifier", "ERROR", f"{where} {_shown(value)} is not NCT followed by 8 digits",
                   field=where, observed=_shown(value), record_path=where)


def _read_status(doc: ParsedDocument, module: _Object) -> None:
    doc.set_study_field("overall_status", _text(doc, module, "overallStatus"), path=module.where("overallStatus"))
    for field, key in _STUDY_DATES:
        dated = _object(doc, module, key)
        doc.set_study_field(field, _text(doc, dated, "date"), path=dated.where("date"))
    for field, key in _PLAIN_DATES:
        doc.set_study_field(field, _text(doc, module, key), path=module.where(key))


def _read_sponsors(doc: ParsedDocument, module: _Object) -> None:
    lead = _object(doc, module, "leadSponsor")
    if lead.members and _add_sponsor(doc, lead, "LEAD"):
        doc.set_study_field("lead_sponsor", _text(doc, lead, "name"), path=lead.where("name"))
    for collaborator in _records(doc, module, "collaborators"):
        _add_sponsor(doc, collaborator, "COLLABORATOR")


def _add_sponsor(doc: ParsedDocument, sponsor: _Object, role: str) -> bool:
    name = _required_text(doc, sponsor, "name", f"a {role.lower()} sponsor")
    if name is None:
        return False
    doc.add_row("sponsors", {
        "name": name,
        "role": role,
        "agency_class": doc.vocabulary_value(_text(doc, sponsor, "class"), vocab.AGENCY_CLASS, "agency_class"),
    })
    return True


def _read_description(doc: ParsedDocument, module: _Object) -> None:
    doc.set_study_field("brief_summary", _text(doc, module, "briefSummary"), path=module.where("briefSummary"))
    doc.set_study_field("detailed_description", _text(doc, module, "detailedDescription"),
                        path=module.where("detailedDescription"))


def _read_conditions(doc: ParsedDocument, module: _Object) -> None:
    for condition in _texts(doc, module, "conditions"):
        if condition.strip():
            doc.add_row("conditions", {"condition": condition.strip()})


def _read_design(doc: ParsedDocument, module: _Object) -> None:
    doc.set_study_field("study_type", _text(doc, module, "studyType"), path=module.where("studyType"))
    # The API lists a combined phase as two entries; the contract writes it "PHASE1/PHASE2".
    doc.set_study_field("phase", "/".join(_texts(doc, module, "phases")), path=module.where("phases"))
    _read_enrollment(doc, _object(doc, module, "enrollmentInfo"))
    design = _object(doc, module, "designInfo")
    for field, key in _DESIGN_INFO_FIELDS:
        doc.set_study_field(field, _text(doc, design, key), path=design.where(key))
    masking = _object(doc, design, "maskingInfo")
    doc.set_study_field("masking", _text(doc, masking, "masking"), path=masking.where("masking"))


def _read_enrollment(doc: ParsedDocument, info: _Object) -> None:
    count, where = info.member("count")
    if isinstance(count, int) and not isinstance(count, bool):
        doc.set_study_field("enrollment", str(count), path=where)
    elif count is not None:
        _report_type(doc, where, "a whole number", count)
    doc.set_study_field("enrollment_type", _text(doc, info, "type"), path=info.where("type"))


def _read_arms_and_interventions(doc: ParsedDocument, module: _Object) -> None:
    for intervention in _records(doc, module, "interventions"):
        name = _required_text(doc, intervention, "name", "an intervention")
        if name is None:
            continue
        doc.add_row("interventions", {
            "intervention_type": doc.vocabulary_value(_text(doc, intervention, "type"), vocab.INTERVENTION_TYPE,
                                                      "intervention_type"),
            "name": name,
            "description": _text(doc, intervention, "description"),
        })
    for arm in _records(doc, module, "armGroups"):
        label = _required_text(doc, arm, "label", "an arm")
        if label is None:
            continue
        doc.add_row("arm_groups", {
            "label": label,
            "group_type": doc.vocabulary_value(_text(doc, arm, "type"), vocab.ARM_GROUP_TYPE, "group_type"),
            "description": _text(doc, arm, "description"),
            "intervention_names": [_untyped_name(name) for name in _texts(doc, arm, "interventionNames")],
        })


def _untyped_name(name: str) -> str:
    """"Drug: Cisplatin" -> "Cisplatin", so arms name interventions as the interventions table does.

    Only a known intervention type is taken off: a name that itself holds a
    colon ("Arm A: cisplatin") is kept whole.
    """
    match = _TYPED_INTERVENTION_NAME.match(name.strip())
    if match and vocab.to_vocabulary(match.group(1), vocab.INTERVENTION_TYPE) is not None:
        return match.group(2).strip()
    return name.strip()


def _read_outcomes(doc: ParsedDocument, module: _Object) -> None:
    for outcome_type, key in _OUTCOME_LISTS:
        for ordinal, outcome in enumerate(_records(doc, module, key), start=1):
            measure = _required_text(doc, outcome, "measure", f"{outcome_type.lower()} outcome {ordinal}")
            if measure is None:
                continue
            doc.add_row("outcomes", {
                "outcome_type": outcome_type,
                "ordinal": ordinal,
                "measure": measure,
                "description": _text(doc, outcome, "description"),
                "time_frame": _text(doc, outcome, "timeFrame"),
            })


def _read_eligibility(doc: ParsedDocument, module: _Object) -> None:
    for field, key in _ELIGIBILITY_FIELDS:
        doc.set_study_field(field, _text(doc, module, key), path=module.where(key))
    healthy, where = module.member("healthyVolunteers")
    if isinstance(healthy, bool):
        doc.set_study_field("healthy_volunteers", "Yes" if healthy else "No", path=where)
    elif healthy is not None:
        _report_type(doc, where, "true or false", healthy)
    criteria = _text(doc, module, "eligibilityCriteria")
    if criteria and criteria.strip():
        _read_criteria(doc, criteria, module.member("eligibilityCriteria")[1])


def _read_criteria(doc: ParsedDocument, criteria: str, where: str) -> None:
    add_criteria_rows(doc, criteria, field=where, observed=criteria[:_OBSERVED_CHARACTERS])


def _read_contacts_and_locations(doc: ParsedDocument, module: _Object) -> None:
    for contact in _records(doc, module, "centralContacts"):
        _add_contact(doc, contact, None)
    for official in _records(doc, module, "overallOfficials"):
        name = _required_text(doc, official, "name", "an overall official")
        if name is None:
            continue
        doc.add_row("officials", {
            "name": name,
            "role": doc.vocabulary_value(_text(doc, official, "role"), vocab.OFFICIAL_ROLE, "official_role"),
            "affiliation": _text(doc, official, "affiliation"),
        })
    for location in _records(doc, module, "locations"):
        facility, city, state, zip_code, country, status = _texts_of(doc, location, _SITE_KEYS)
        add_site(doc, facility, city, state, zip_code, country, status)
        for contact in _records(doc, location, "contacts"):
            _add_contact(doc, contact, facility)


def _add_contact(doc: ParsedDocument, contact: _Object, facility: str | None) -> None:
    name, role, phone, extension, email = _texts_of(doc, contact, _CONTACT_KEYS)
    doc.add_row("contacts", {
        "name": name,
        "role": vocab.label_key(role or "") or None,
        "phone": phone_with_extension(phone, extension),
        "email": email,
        "facility": facility,
    })
