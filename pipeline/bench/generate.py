"""A deterministic corpus of documents in every layout trialflow reads, varied from real templates.

Templates are read at run time from the project: the five seed pages
(`seeds/`, mirror pages 000 and 003, ClinicalTrials.gov text export 001,
Veeva page 002, news article 004) and the real ClinicalTrials.gov records in
`tests/fixtures/ctgov_json/*.json` and `tests/fixtures/ctgov_xml/*.xml`.
Every document is one template with what differs from trial to trial
changed:

* a new NCT id, NCT9 followed by 7 digits: registry ids have not reached
  NCT09 yet, so a generated id never names a real trial or collides with an id
  a template cites; ids are a permutation of the document numbers, so no two
  documents of a corpus share one. The news article names no trial: its
  citation URL gets the same number instead, so no two copies are identical.
* every date (2025-09-02, 2025-09, "February 27, 2003", "April 1991") moved by
  one offset per document, each written with the precision it had;
* a new enrollment, in scale with the template's (0, a withdrawn study, stays 0);
* sites dropped or repeated where the layout lists them as blocks (mirror
  pages, with their facility contacts; JSON `locations`; XML `<location>`),
  and a new location count on the Veeva page, which only prints a count;
  a repeated site is renamed "<facility> (site 2)" so it stays its own site;
* leaf eligibility criteria dropped (never a list's first item, never an item
  that opens a nested list), numbered lists renumbered;
* what the trial is about: every drug of trialflow's vocabulary that the
  template names is renamed to another one of the vocabulary (one renaming per
  document), and, in all but KEPT_FAMILY_SHARE of documents, the lung
  cancer families the news links use (SCLC, NSCLC, neuroendocrine carcinoma)
  become another cancer. The templates are nearly all tarlatamab trials in
  SCLC; copied as they are, every generated article would concern every
  generated trial, a density of links no registry has.

A known share of documents carries one injected fault, chosen among those the
template can show: "swap" (an age and the sex exchanged), "reversed_dates"
(start moved after completion) and "truncation" (cut at a random point).
Seed 001 prints its age and sex exchanged; the template is put right first,
so that a document labelled clean is clean.

A known share of documents (DEFAULT_RESCRAPE_SHARE) are re-scrapes: an
earlier clean document of the same block and layout copied with a higher
enrollment, as a registry page scraped twice a few weeks apart. Its trial is
then seen in two documents that disagree on one field, so the benchmark
exercises the merge of a trial's documents and the `duplicate_conflict`
findings at scale. Only templates that state an enrollment are re-scraped.

Layouts are dealt in blocks of 100 documents holding exactly the mix of
LAYOUT_MIX, and faults so that the first n documents always hold round(n x
share) of them. Randomness comes from generators keyed by the seed and the
document number, never from a shared stream, so the same count and seed give
byte-identical files. Documents are written one by one, never held together.

Output: DIR/0000/000000.txt, DIR/0000/000001.json, ... (at most FOLDER_SIZE
files per folder). The labels go beside DIR, not in it, in
`<DIR name>.labels.csv` (file, layout, nct_id, fault, rescrape_of: the file a
re-scrape copies), because the pipeline reads every file under DIR as a
source document.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import math
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.extract.free_text.conditions import CONDITION_FAMILIES
from pipeline.extract.free_text.drugs import find_drug_mentions, generic_names

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_ROOT / "seeds"
CTGOV_JSON_DIR = PROJECT_ROOT / "tests" / "fixtures" / "ctgov_json"
CTGOV_XML_DIR = PROJECT_ROOT / "tests" / "fixtures" / "ctgov_xml"

# Share of each layout in a corpus, in the order documents of a block are dealt.
LAYOUT_MIX: dict[str, float] = {
    "mirror_page": 0.30,
    "ctgov_text": 0.10,
    "veeva_page": 0.10,
    "news_article": 0.05,
    "ctgov_json": 0.25,
    "ctgov_xml": 0.20,
}
SEED_LAYOUTS = {
    "000": "mirror_page",
    "001": "ctgov_text",
    "002": "veeva_page",
    "003": "mirror_page",
    "004": "news_article",
}
FAULTS = ("swap", "reversed_dates", "truncation")
DEFAULT_FAULT_SHARE = 0.05
DEFAULT_RESCRAPE_SHARE = 0.05
LABEL_COLUMNS = ("file", "layout", "nct_id", "fault", "rescrape_of")
FOLDER_SIZE = 1000

_NAMESPACE = "trialflow-bench"
_BLOCK_SIZE = 100
_ID_BASE = 90_000_000
_ID_SPACE = 10_000_000
_MAX_DATE_SHIFT_DAYS = 5 * 365
# At least two months, so that start still falls after completion when either
# is written to the month only.
_REVERSAL_DAYS = (62, 730)
_TRUNCATION_SPAN = (0.1, 0.9)
_ENROLLMENT_FACTOR = (0.5, 2.0)
# A re-scrape's enrollment grows by up to this share of the first scrape's (at least one participant).
_RESCRAPE_GROWTH = 0.2
_MAX_LISTED_LOCATIONS = 40
_MAX_CRITERIA_DROP = 0.4
_MID_MONTH = 15
KEPT_FAMILY_SHARE = 0.03
_OTHER_CANCERS = (
    "urothelial carcinoma", "gastric cancer", "melanoma", "ovarian cancer", "hepatocellular carcinoma",
    "mesothelioma", "renal cell carcinoma", "glioblastoma", "colorectal cancer", "breast cancer",
)

_M = re.MULTILINE
_NCT_ID = re.compile(r"\bNCT[0-9]{8}\b")
_STATED_AGE = re.compile(r"^\s*\d")
_STATED_WORD = re.compile(r"^\s*[A-Za-z]")

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH_NUMBERS = {
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "Sept": 9,
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
}
_MONTH_ALTERNATIVES = "|".join(sorted(_MONTH_NUMBERS, key=len, reverse=True))
# Two patterns rather than one alternation, and the word boundary checked by
# hand: a pattern that opens with a literal is scanned many times faster, and
# every document is scanned whole.
_ISO_DATE = re.compile(
    r"(?P<year>(?:19|20)\d\d)-(?P<month>0[1-9]|1[0-2])(?:-(?P<day>0[1-9]|[12]\d|3[01]))?(?!\d)(?!-\d)"
)
_NAMED_DATE = re.compile(
    rf"(?P<month_name>{_MONTH_ALTERNATIVES})(?P<dot>\.)?[ \t]+(?:(?P<month_day>[0-3]?\d),[ \t]+)?"
    r"(?P<year>(?:19|20)\d\d)\b"
)

_CRITERION = re.compile(r"^(?P<indent>[ \t]*)(?:[*\-•]|\d{1,2}\\?[.)])[ \t]+(?P<text>\S.*)$")
_CRITERION_NUMBER = re.compile(r"^(?P<before>[ \t]*(?:[*\-•][ \t]+)?)(?P<number>\d{1,2})(?=\\?[.),][ \t])")
_LIST_HEADING = re.compile(r"\b(?:inclusion|exclusion)\b", re.IGNORECASE)

_MIRROR_HEADINGS = (
    "Study Results", "Basic Information", "Brief Summary", "Detailed Description", "Conditions",
    "Study Design", "Study Groups", "Interventions", "Eligibility Criteria", "Sponsors",
    "Responsible Party", "Principal Investigators", "Locations", "Countries", "Central Contacts",
    "Facility Contacts", "Other Identifiers", "More Related Trials",
)  # fmt: skip
_MIRROR_NEXT_HEADING = re.compile(rf"^(?:{'|'.join(_MIRROR_HEADINGS)})$", _M)
# A section opens with its heading, a blank line and the site's one-sentence description.
_MIRROR_LOCATIONS = re.compile(r"^Locations\n\s*\n.*\.\n", _M)
_MIRROR_FACILITY_CONTACTS = re.compile(r"^Facility Contacts\n\s*\n.*\.\n", _M)
_MIRROR_CRITERIA = re.compile(r"^Eligibility Criteria\n\s*\n.*\.\n", _M)
_MIRROR_CRITERIA_END = re.compile(
    r"^(?:Minimum Eligible Age|Maximum Eligible Age|Eligible Sex|Accepts Healthy Volunteers)$", _M
)
_MIRROR_SITE_STATUS = re.compile(r"^Site Status\b")
_MIRROR_PERSON_ROLE = re.compile(r"^Role:")

_VEEVA_CRITERIA = re.compile(r"^Inclusion and exclusion criteria\n", _M)
_VEEVA_CRITERIA_END = re.compile(r"^Trial design$", _M)
_VEEVA_LOCATION_COUNT = re.compile(r"^Trial contacts and locations\n\s*\n(\d+)$", _M)

_XML_LOCATION = re.compile(r"^[ \t]*<location>\n.*?^[ \t]*</location>\n", re.MULTILINE | re.DOTALL)
_XML_NAME = re.compile(r"<name>([^<]*)</name>")
_XML_CRITERIA = re.compile(r"(<criteria>\s*<textblock>)(.*?)(</textblock>)", re.DOTALL)

_URL = re.compile(r"https?://\S+")
_LONG_NUMBER = re.compile(r"\d{4,}")


@dataclass(frozen=True)
class LayoutSpec:
    """Where a layout writes the facts that variations and faults change; each pattern's group 1 is the value."""

    extension: str
    enrollment: tuple[re.Pattern[str], ...] = ()
    ages: tuple[re.Pattern[str], ...] = ()
    sex: re.Pattern[str] | None = None
    start: re.Pattern[str] | None = None
    completion: re.Pattern[str] | None = None


SPECS: dict[str, LayoutSpec] = {
    "mirror_page": LayoutSpec(
        "txt",
        enrollment=(re.compile(r"^Total Enrollment\n\s*\n(\d[\d,]*)", _M),),
        ages=(
            re.compile(r"^Minimum Eligible Age\n\s*\n(.+)$", _M),
            re.compile(r"^Maximum Eligible Age\n\s*\n(.+)$", _M),
        ),
        sex=re.compile(r"^Eligible Sex\n\s*\n(.+)$", _M),
        start=re.compile(r"^Study Start Date\n\s*\n(.+)$", _M),
        completion=re.compile(r"^Study Completion Date\n\s*\n(.+)$", _M),
    ),
    "ctgov_text": LayoutSpec(
        "txt",
        # The export opens with unlabelled facts: start, primary completion and
        # completion dates, then the enrollment, the only line of bare digits.
        enrollment=(re.compile(r"^(\d[\d,]*)$", _M),),
        ages=(re.compile(r"^Ages Eligible for Study:\n(.+)$", _M),),
        sex=re.compile(r"^Sexes Eligible for Study:\n(.+)$", _M),
        start=re.compile(r"\A(.+)$", _M),
        completion=re.compile(r"\A(?:.*\n){2}(.+)$", _M),
    ),
    "veeva_page": LayoutSpec(
        "txt",
        enrollment=(
            re.compile(r"^Enrollment\n\s*\n(\d[\d,]*)", _M),
            re.compile(r"^(\d[\d,]*)(?= participants? in \d+ patient groups?$)", _M),
        ),
        ages=(re.compile(r"^Ages\n\s*\n(.+)$", _M),),
        sex=re.compile(r"^Sex\n\s*\n(.+)$", _M),
    ),
    "news_article": LayoutSpec("txt"),
    "ctgov_json": LayoutSpec(
        "json",
        enrollment=(re.compile(r'"enrollmentInfo":\s*\{[^{}]*?"count":\s*(\d+)'),),
        ages=(re.compile(r'"minimumAge":\s*"([^"]*)"'), re.compile(r'"maximumAge":\s*"([^"]*)"')),
        sex=re.compile(r'"sex":\s*"([^"]*)"'),
        start=re.compile(r'"startDateStruct":\s*\{[^{}]*?"date":\s*"([^"]*)"'),
        completion=re.compile(r'"completionDateStruct":\s*\{[^{}]*?"date":\s*"([^"]*)"'),
    ),
    "ctgov_xml": LayoutSpec(
        "xml",
        enrollment=(re.compile(r"<enrollment\b[^>]*>(\d+)</enrollment>"),),
        ages=(re.compile(r"<minimum_age>([^<]*)</minimum_age>"), re.compile(r"<maximum_age>([^<]*)</maximum_age>")),
        sex=re.compile(r"<gender>([^<]*)</gender>"),
        start=re.compile(r"<start_date\b[^>]*>([^<]*)</start_date>"),
        completion=re.compile(r"<completion_date\b[^>]*>([^<]*)</completion_date>"),
    ),
}


@dataclass(frozen=True)
class Template:
    """A real document to vary, and the faults its content can show."""

    layout: str
    name: str
    text: str
    nct_id: str | None
    faults: tuple[str, ...]
    record: dict[str, Any] | None = None  # a JSON record decoded, for the variations that edit its structure
    subject: tuple[Mention, ...] = ()  # where it names its drugs and its cancer, found once


@dataclass(frozen=True)
class Mention:
    """A drug (its generic name) or a lung cancer family named at text[start:end]."""

    start: int
    end: int
    drug: str | None


def find_subject(text: str) -> tuple[Mention, ...]:
    """The drugs and lung cancer families a text names, in order, none overlapping."""
    found = [Mention(m.start, m.end, m.name) for m in find_drug_mentions(text)]
    found += [Mention(m.start(), m.end(), None) for _, pattern in CONDITION_FAMILIES for m in pattern.finditer(text)]
    kept: list[Mention] = []
    for mention in sorted(found, key=lambda m: (m.start, -m.end)):
        if not kept or mention.start >= kept[-1].end:
            kept.append(mention)
    return tuple(kept)


def _with_subject(template: Template) -> Template:
    return dataclasses.replace(template, subject=find_subject(template.text))


def _retargeted(template: Template, rng: random.Random) -> Template:
    """The template about other drugs and, but in KEPT_FAMILY_SHARE of documents, another cancer.

    Each known drug becomes another drug of the vocabulary, the same one
    throughout, one-to-one so that a regimen of two drugs stays two drugs.
    """
    named = sorted({m.drug for m in template.subject if m.drug is not None})
    renamed = dict(zip(named, rng.sample(generic_names(), len(named))))
    cancer = None if rng.random() < KEPT_FAMILY_SHARE else rng.choice(_OTHER_CANCERS)
    pieces, position = [], 0
    for mention in template.subject:
        written = template.text[mention.start : mention.end]
        pieces += [template.text[position : mention.start],
                   renamed[mention.drug] if mention.drug is not None else cancer or written]
        position = mention.end
    text = "".join([*pieces, template.text[position:]])
    record = json.loads(text) if template.record is not None else None
    return dataclasses.replace(template, text=text, record=record)


@dataclass(frozen=True)
class GeneratedDocument:
    """One document of a corpus with its labels; `file` is its path inside the corpus folder."""

    index: int
    file: str
    layout: str
    nct_id: str | None
    fault: str | None
    text: str
    rescrape_of: str | None = None  # the file of the earlier document about the same trial that this one re-scrapes


@dataclass(frozen=True)
class GenerationSummary:
    """What a corpus holds, for the benchmark's report."""

    documents: int
    by_layout: dict[str, int]
    by_fault: dict[str, int]
    labels: Path
    target: Path
    rescrapes: int = 0


# --- dates ---------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenDate:
    """A date and how the document wrote it, so a moved date is written the same way."""

    day: dt.date
    to_the_day: bool
    month_style: str | None  # None for ISO dates; "full", "short" or "short." for month names
    padded_day: bool


def _written_iso(match: re.Match[str]) -> WrittenDate:
    day = match.group("day")
    stated = dt.date(int(match.group("year")), int(match.group("month")), int(day) if day else _MID_MONTH)
    return WrittenDate(stated, day is not None, None, True)


def _written_named(match: re.Match[str]) -> WrittenDate:
    name, day = match.group("month_name"), match.group("month_day")
    stated = dt.date(int(match.group("year")), _MONTH_NUMBERS[name], int(day) if day else _MID_MONTH)
    style = "full" if name in _MONTH_NAMES else "short." if match.group("dot") else "short"
    return WrittenDate(stated, day is not None, style, day is not None and len(day) == 2 and day.startswith("0"))


def _written_date(match: re.Match[str]) -> WrittenDate | None:
    """The date a match states, or None for an impossible one (2021-02-30) or one inside a longer word or number."""
    before = match.string[match.start() - 1] if match.start() else ""
    if match.re is _ISO_DATE:
        return None if before.isdigit() else _try_reading(_written_iso, match)
    return None if before.isalnum() else _try_reading(_written_named, match)


def _try_reading(reader: Callable[[re.Match[str]], WrittenDate], match: re.Match[str]) -> WrittenDate | None:
    try:
        return reader(match)
    except ValueError:
        return None


def read_date(text: str) -> WrittenDate | None:
    """The date `text` states in one of the shapes registries use, or None."""
    for pattern in (_ISO_DATE, _NAMED_DATE):
        match = pattern.fullmatch(text.strip())
        if match is not None:
            return _written_date(match)
    return None


def write_date(written: WrittenDate, day: dt.date) -> str:
    """`day` written as `written` was: same shape, same precision."""
    if written.month_style is None:
        return f"{day:%Y-%m-%d}" if written.to_the_day else f"{day:%Y-%m}"
    name = _MONTH_NAMES[day.month - 1]
    if written.month_style != "full":
        name = name[:3] + ("." if written.month_style == "short." else "")
    if not written.to_the_day:
        return f"{name} {day.year}"
    return f"{name} {day.day:02d}, {day.year}" if written.padded_day else f"{name} {day.day}, {day.year}"


def _shifted_date(match: re.Match[str], days: int) -> str:
    written = _written_date(match)
    if written is None:
        return match.group(0)
    return write_date(written, written.day + dt.timedelta(days=days))


def shift_dates(text: str, days: int) -> str:
    """Every date in `text` moved by `days`, so a document's timeline keeps its shape."""
    for pattern in (_ISO_DATE, _NAMED_DATE):
        text = pattern.sub(lambda match: _shifted_date(match, days), text)
    return text


# --- small text edits -------------------------------------------------------------


def _with_group(text: str, match: re.Match[str], value: str) -> str:
    return text[: match.start(1)] + value + text[match.end(1):]


def _exchange(text: str, first: re.Match[str], second: re.Match[str]) -> str:
    """The values of two matches in `text` put in each other's place."""
    low, high = sorted((first, second), key=lambda match: match.start(1))
    return (
        text[: low.start(1)] + high.group(1) + text[low.end(1): high.start(1)] + low.group(1) + text[high.end(1):]
    )


def _stated_age_and_sex(text: str, spec: LayoutSpec) -> tuple[re.Match[str], re.Match[str]] | None:
    """The first age the document states as a number, and its sex, when it states both."""
    sex = spec.sex.search(text) if spec.sex else None
    if sex is None or not _STATED_WORD.match(sex.group(1)):
        return None
    for pattern in spec.ages:
        age = pattern.search(text)
        if age is not None and _STATED_AGE.match(age.group(1)):
            return age, sex
    return None


def _start_and_completion(text: str, spec: LayoutSpec) -> tuple[re.Match[str], WrittenDate, WrittenDate] | None:
    """The start date's place, the start and the completion date, when both are readable dates."""
    if spec.start is None or spec.completion is None:
        return None
    start, completion = spec.start.search(text), spec.completion.search(text)
    if start is None or completion is None:
        return None
    start_date, completion_date = read_date(start.group(1)), read_date(completion.group(1))
    if start_date is None or completion_date is None:
        return None
    return start, start_date, completion_date


def _put_right(text: str, spec: LayoutSpec) -> str:
    """A template that itself has an age and the sex exchanged (seed 001 does), put right."""
    sex = spec.sex.search(text) if spec.sex else None
    if sex is None or not _STATED_AGE.match(sex.group(1)):
        return text
    for pattern in spec.ages:
        age = pattern.search(text)
        if age is not None and _STATED_WORD.match(age.group(1)):
            return _exchange(text, age, sex)
    return text


# --- templates ---------------------------------------------------------------------


def _supported_faults(text: str, spec: LayoutSpec) -> tuple[str, ...]:
    supported = []
    if _stated_age_and_sex(text, spec) is not None:
        supported.append("swap")
    if _start_and_completion(text, spec) is not None:
        supported.append("reversed_dates")
    supported.append("truncation")
    return tuple(supported)


def _text_template(layout: str, path: Path) -> Template:
    spec = SPECS[layout]
    text = _put_right(path.read_text(encoding="utf-8"), spec)
    nct_id = _NCT_ID.search(text)
    return Template(layout, path.name, text, nct_id.group(0) if nct_id else None, _supported_faults(text, spec))


def _json_template(path: Path) -> Template:
    text = path.read_text(encoding="utf-8")
    record = json.loads(text)
    nct_id = record["protocolSection"]["identificationModule"]["nctId"]
    return Template("ctgov_json", path.name, text, nct_id, _supported_faults(text, SPECS["ctgov_json"]), record)


def load_templates() -> dict[str, tuple[Template, ...]]:
    """Every template by layout, in file-name order so that choices among them are reproducible."""
    found: dict[str, list[Template]] = {layout: [] for layout in LAYOUT_MIX}
    for prefix, layout in SEED_LAYOUTS.items():
        for path in sorted(SEEDS_DIR.glob(f"{prefix}_*.txt")):
            found[layout].append(_text_template(layout, path))
    for path in sorted(CTGOV_JSON_DIR.glob("*.json")):
        found["ctgov_json"].append(_json_template(path))
    for path in sorted(CTGOV_XML_DIR.glob("*.xml")):
        found["ctgov_xml"].append(_text_template("ctgov_xml", path))
    missing = [layout for layout, templates in found.items() if not templates]
    if missing:
        raise FileNotFoundError(
            f"no template for {', '.join(missing)} under {PROJECT_ROOT}: the generator varies the seeds "
            "and the ClinicalTrials.gov fixtures of the project, which must be present"
        )
    return {layout: tuple(_with_subject(t) for t in templates) for layout, templates in found.items()}


# --- eligibility criteria ------------------------------------------------------------


@dataclass(frozen=True)
class _Criterion:
    start: int
    end: int  # one past its last line: an item's wrapped lines are indented deeper than its marker
    indent: int
    text: str
    list_number: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _criteria(lines: list[str]) -> list[_Criterion]:
    """The bulleted and numbered items of a criteria text, with the list (inclusion, exclusion) each is in."""
    items: list[_Criterion] = []
    list_number = 0
    index = 0
    while index < len(lines):
        item = _CRITERION.match(lines[index])
        if item is None:
            list_number += bool(_LIST_HEADING.search(lines[index]))
            index += 1
            continue
        indent = len(item.group("indent"))
        end = index + 1
        while end < len(lines) and lines[end].strip() and not _CRITERION.match(lines[end]) \
                and _indent(lines[end]) > indent:
            end += 1
        items.append(_Criterion(index, end, indent, item.group("text"), list_number))
        index = end
    return items


def _droppable(items: list[_Criterion], position: int) -> bool:
    """A leaf item that is not its list's first: dropping it leaves every list and nesting intact."""
    item = items[position]
    if item.text.rstrip().endswith(":"):
        return False
    if position == 0 or items[position - 1].list_number != item.list_number:
        return False
    following = items[position + 1] if position + 1 < len(items) else None
    return following is None or following.indent <= item.indent


def _renumber(lines: list[str], items: list[_Criterion], dropped: set[int]) -> None:
    """Numbered lists that counted 1, 2, 3 ... still do after items were dropped."""
    groups: dict[tuple[int, int], list[_Criterion]] = {}
    for item in items:
        groups.setdefault((item.list_number, item.indent), []).append(item)
    for group in groups.values():
        numbers = [match.group("number") for item in group if (match := _CRITERION_NUMBER.match(lines[item.start]))]
        if numbers != [str(number) for number in range(1, len(group) + 1)]:
            continue
        kept = [item for item in group if item.start not in dropped]
        for number, item in enumerate(kept, start=1):
            line = lines[item.start]
            numbered = _CRITERION_NUMBER.match(line)
            if numbered is not None:
                lines[item.start] = numbered.group("before") + str(number) + line[numbered.end():]


def drop_criteria_items(text: str, rng: random.Random) -> str:
    """`text` with some leaf criteria left out, as trials differ in how many criteria they set."""
    lines = text.split("\n")
    items = _criteria(lines)
    share = rng.uniform(0, _MAX_CRITERIA_DROP)
    dropped = [item for position, item in enumerate(items) if _droppable(items, position) and rng.random() < share]
    if not dropped:
        return text
    _renumber(lines, items, {item.start for item in dropped})
    removed: set[int] = set()
    for item in dropped:
        removed.update(range(item.start, item.end))
        # Between two blank lines, one of them goes too, so the list keeps its spacing.
        if (item.start == 0 or not lines[item.start - 1].strip()) and item.end + 1 < len(lines) \
                and not lines[item.end].strip():
            removed.add(item.end)
    return "\n".join(line for index, line in enumerate(lines) if index not in removed)


def _vary_region(text: str, opening: re.Pattern[str], closing: re.Pattern[str], rng: random.Random) -> str:
    """The criteria between `opening` and `closing` with some items dropped."""
    start = opening.search(text)
    if start is None:
        return text
    end = closing.search(text, start.end())
    stop = end.start() if end else len(text)
    return text[: start.end()] + drop_criteria_items(text[start.end(): stop], rng) + text[stop:]


# --- sites ----------------------------------------------------------------------------


def _choose_sites(count: int, repeatable: list[int], rng: random.Random) -> list[tuple[int, int]]:
    """Which of `count` sites a document lists, as (site, copy) pairs; copy 0 is the site itself.

    Only sites with a facility name to rename are repeated, and each repeat
    has its own copy number, so no two listed sites are the same site.
    """
    target = rng.randint(max(1, count // 4), count + max(2, count // 2))
    if target <= count or not repeatable:
        return [(site, 0) for site in sorted(rng.sample(range(count), min(target, count)))]
    repeats = [(site, copy) for copy, site in enumerate(rng.choices(repeatable, k=target - count), start=1)]
    return [(site, 0) for site in range(count)] + repeats


def _copy_name(name: str, copy: int) -> str:
    """A repeated site's facility, renamed so that it is a site of its own and not a duplicate row."""
    return name if copy == 0 else f"{name} (site {copy + 1})"


def _mirror_section(text: str, opening: re.Pattern[str]) -> tuple[int, int] | None:
    start = opening.search(text)
    if start is None:
        return None
    end = _MIRROR_NEXT_HEADING.search(text, start.end())
    return start.end(), end.start() if end else len(text)


def _records_ending_at(lines: list[str], anchor: re.Pattern[str]) -> list[list[str]]:
    """Records closed by an anchor line; empty when lines trail the last anchor (a shape not varied)."""
    records: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        current.append(line)
        if anchor.match(line):
            records.append(current)
            current = []
    return [] if current else records


def _records_named_before(lines: list[str], anchor: re.Pattern[str]) -> list[list[str]]:
    """Records that open with a name line followed by an anchor line ("Role: primary")."""
    starts = [index - 1 for index, line in enumerate(lines) if anchor.match(line)]
    if not starts or starts[0] != 0:
        return []
    return [lines[start:end] for start, end in zip(starts, [*starts[1:], len(lines)])]


def _mirror_body(text: str, span: tuple[int, int]) -> list[str]:
    return [line for line in text[span[0]: span[1]].split("\n") if line.strip()]


def _replace_mirror_body(text: str, span: tuple[int, int], records: list[list[str]]) -> str:
    """The section's records, one line per entry and a blank line between entries, as the mirror prints them."""
    body = text[span[0]: span[1]]
    leading = body[: len(body) - len(body.lstrip("\n"))]
    trailing = body[len(body.rstrip("\n")):]
    lines = [line for record in records for line in record]
    return text[: span[0]] + leading + "\n\n".join(lines) + trailing + text[span[1]:]


def _mirror_site_copy(record: list[str], copy: int) -> list[str]:
    return [_copy_name(record[0], copy), *record[1:]]


def _vary_mirror_sites(text: str, rng: random.Random) -> str:
    """Sites dropped or repeated, with their facility contacts, which the mirror matches to sites by position."""
    sites_span = _mirror_section(text, _MIRROR_LOCATIONS)
    if sites_span is None:
        return text
    sites = _records_ending_at(_mirror_body(text, sites_span), _MIRROR_SITE_STATUS)
    if not sites:
        return text
    chosen = _choose_sites(len(sites), [index for index, site in enumerate(sites) if len(site) > 2], rng)
    contacts_span = _mirror_section(text, _MIRROR_FACILITY_CONTACTS)
    if contacts_span is not None and contacts_span[0] > sites_span[1]:
        contacts = _records_named_before(_mirror_body(text, contacts_span), _MIRROR_PERSON_ROLE)
        if len(contacts) == len(sites):
            text = _replace_mirror_body(text, contacts_span, [contacts[site] for site, _ in chosen])
    return _replace_mirror_body(text, sites_span, [_mirror_site_copy(sites[site], copy) for site, copy in chosen])


def _xml_site_copy(block: str, copy: int) -> str:
    name = _XML_NAME.search(block)
    return _with_group(block, name, _copy_name(name.group(1), copy)) if name else block


def _vary_xml_sites(text: str, rng: random.Random) -> str:
    blocks = list(_XML_LOCATION.finditer(text))
    if not blocks:
        return text
    start, end = blocks[0].start(), blocks[-1].end()
    if "".join(block.group(0) for block in blocks) != text[start:end]:
        return text  # locations interleaved with other elements: left as they are
    named = [index for index, block in enumerate(blocks) if _XML_NAME.search(block.group(0))]
    chosen = [_xml_site_copy(blocks[site].group(0), copy) for site, copy in _choose_sites(len(blocks), named, rng)]
    return text[:start] + "".join(chosen) + text[end:]


def _json_site_copy(location: dict[str, Any], copy: int) -> dict[str, Any]:
    if copy == 0:
        return location
    return {**location, "facility": _copy_name(location["facility"], copy)}


# --- variations by layout ---------------------------------------------------------


def _vary_mirror_page(template: Template, rng: random.Random) -> str:
    text = _vary_mirror_sites(template.text, rng)
    return _vary_region(text, _MIRROR_CRITERIA, _MIRROR_CRITERIA_END, rng)


def _vary_veeva_page(template: Template, rng: random.Random) -> str:
    """Criteria, and the location count: the page prints only a count, its sites load later."""
    text = _vary_region(template.text, _VEEVA_CRITERIA, _VEEVA_CRITERIA_END, rng)
    count = _VEEVA_LOCATION_COUNT.search(text)
    return _with_group(text, count, str(rng.randint(1, _MAX_LISTED_LOCATIONS))) if count else text


def _vary_ctgov_xml(template: Template, rng: random.Random) -> str:
    text = _XML_CRITERIA.sub(
        lambda match: match.group(1) + drop_criteria_items(match.group(2), rng) + match.group(3),
        template.text,
        count=1,
    )
    return _vary_xml_sites(text, rng)


def _vary_ctgov_json(template: Template, rng: random.Random) -> str:
    """Criteria and locations varied in the decoded record, written compact as the registry's API does."""
    record = template.record
    if record is None:
        raise ValueError(f"template {template.name} was not decoded as a JSON record")
    protocol = dict(record["protocolSection"])
    eligibility = protocol.get("eligibilityModule")
    if isinstance(eligibility, dict) and isinstance(eligibility.get("eligibilityCriteria"), str):
        criteria = drop_criteria_items(eligibility["eligibilityCriteria"], rng)
        protocol["eligibilityModule"] = {**eligibility, "eligibilityCriteria": criteria}
    places = protocol.get("contactsLocationsModule")
    locations = places.get("locations") if isinstance(places, dict) else None
    if isinstance(places, dict) and isinstance(locations, list) and locations:
        named = [index for index, location in enumerate(locations)
                 if isinstance(location, dict) and isinstance(location.get("facility"), str)]
        chosen = [_json_site_copy(locations[site], copy) for site, copy in _choose_sites(len(locations), named, rng)]
        protocol["contactsLocationsModule"] = {**places, "locations": chosen}
    return json.dumps({**record, "protocolSection": protocol}, ensure_ascii=False)


def _as_written(template: Template, rng: random.Random) -> str:
    """Layouts whose structure is not varied (the text export and the news article hold no sites or criteria)."""
    return template.text


_STRUCTURE_VARIATIONS: dict[str, Callable[[Template, random.Random], str]] = {
    "mirror_page": _vary_mirror_page,
    "ctgov_text": _as_written,
    "veeva_page": _vary_veeva_page,
    "news_article": _as_written,
    "ctgov_json": _vary_ctgov_json,
    "ctgov_xml": _vary_ctgov_xml,
}


def _new_enrollment(original: int, rng: random.Random) -> int:
    return 0 if original == 0 else max(1, round(original * rng.uniform(*_ENROLLMENT_FACTOR)))


def _with_enrollment(text: str, patterns: tuple[re.Pattern[str], ...], change: Callable[[int], int]) -> str | None:
    """The enrollment changed wherever the layout states it (Veeva states it twice); None when it states none."""
    stated = next((match for pattern in patterns if (match := pattern.search(text))), None)
    if stated is None:
        return None
    enrollment = str(change(int(stated.group(1).replace(",", ""))))
    for pattern in patterns:
        match = pattern.search(text)
        if match is not None:
            text = _with_group(text, match, enrollment)
    return text


def _set_enrollment(text: str, patterns: tuple[re.Pattern[str], ...], rng: random.Random) -> str:
    """One new enrollment, in scale with the template's."""
    changed = _with_enrollment(text, patterns, lambda enrollment: _new_enrollment(enrollment, rng))
    return text if changed is None else changed


def _renumbered_url(url: str, serial: str) -> str:
    numbers = list(_LONG_NUMBER.finditer(url))
    if not numbers:
        return url
    return url[: numbers[-1].start()] + serial + url[numbers[-1].end():]


def _renumber_citation(text: str, serial: str) -> str:
    """The last long number of each URL (the article's number) replaced by the document's."""
    return _URL.sub(lambda url: _renumbered_url(url.group(0), serial), text)


def add_one_participant(text: str, layout: str) -> str | None:
    """The document with its enrollment one higher wherever the layout states it, or None when it states none.

    The benchmark's "one document changed": an edit an analyst would see in
    the published tables, not only in the document's hash.
    """
    return _with_enrollment(text, SPECS[layout].enrollment, lambda enrollment: enrollment + 1)


# --- faults -------------------------------------------------------------------------


def _swap(text: str, spec: LayoutSpec, rng: random.Random) -> str:
    found = _stated_age_and_sex(text, spec)
    if found is None:
        raise ValueError("the varied document no longer states an age and a sex to swap")
    return _exchange(text, *found)


def _reverse_dates(text: str, spec: LayoutSpec, rng: random.Random) -> str:
    found = _start_and_completion(text, spec)
    if found is None:
        raise ValueError("the varied document no longer states a start and a completion date")
    start, start_date, completion_date = found
    moved = completion_date.day + dt.timedelta(days=rng.randint(*_REVERSAL_DAYS))
    return _with_group(text, start, write_date(start_date, moved))


def _truncate(text: str, spec: LayoutSpec, rng: random.Random) -> str:
    low, high = _TRUNCATION_SPAN
    return text[: rng.randint(int(len(text) * low), int(len(text) * high))]


_FAULT_INJECTIONS: dict[str, Callable[[str, LayoutSpec, random.Random], str]] = {
    "swap": _swap,
    "reversed_dates": _reverse_dates,
    "truncation": _truncate,
}


# --- the corpus -----------------------------------------------------------------------


def _apportioned_layouts(size: int) -> list[str]:
    """`size` layouts in the proportions of LAYOUT_MIX (largest remainders get the odd ones)."""
    quotas = {layout: size * share for layout, share in LAYOUT_MIX.items()}
    counts = {layout: math.floor(quota) for layout, quota in quotas.items()}
    left = size - sum(counts.values())
    for layout in sorted(LAYOUT_MIX, key=lambda name: quotas[name] - counts[name], reverse=True)[:left]:
        counts[layout] += 1
    return [layout for layout in LAYOUT_MIX for _ in range(counts[layout])]


def _among_first(count: int, share: float) -> int:
    return math.floor(count * share + 0.5)


def _block_share(block_start: int, size: int, share: float) -> int:
    """How many of a block's documents get a trait so that the first n documents always hold round(n x share)."""
    return _among_first(block_start + size, share) - _among_first(block_start, share)


def _template_choice(index: int, layout: str, seed: int,
                     templates: dict[str, tuple[Template, ...]]) -> tuple[random.Random, Template]:
    """The document's own random generator and the template it varies, drawn first from it."""
    rng = random.Random(f"{_NAMESPACE}:{seed}:document:{index}")
    return rng, rng.choice(templates[layout])


def _can_be_rescraped(template: Template) -> bool:
    """A re-scrape changes the enrollment, so its template must name a trial and state one."""
    return template.nct_id is not None and any(p.search(template.text) for p in SPECS[template.layout].enrollment)


def _rescraped_positions(layouts: list[str], faulty: set[int], wanted: int, rng: random.Random,
                         rescrapable: Callable[[int], bool]) -> dict[int, int]:
    """`wanted` positions of a block that re-scrape an earlier clean position of the same layout: {copy: original}.

    A re-scrape is never itself copied, and neither it nor its original
    carries a fault, so each re-scraped trial differs in its enrollment only.
    A block too small to hold `wanted` such pairs holds fewer.
    """
    clean = [position for position in range(len(layouts)) if position not in faulty and rescrapable(position)]
    copies: dict[int, int] = {}
    for copy in rng.sample(clean, len(clean)):
        if len(copies) == wanted:
            break
        if copy in copies.values():
            continue
        earlier = [original for original in clean
                   if original < copy and layouts[original] == layouts[copy] and original not in copies]
        if earlier:
            copies[copy] = rng.choice(earlier)
    return copies


def _plan(count: int, seed: int, fault_share: float, rescrape_share: float,
          templates: dict[str, tuple[Template, ...]]) -> Iterator[tuple[int, str, bool, int | None]]:
    """(document number, layout, faulty, number of the document it re-scrapes) for each document, block by block."""
    for block_start in range(0, count, _BLOCK_SIZE):
        size = min(_BLOCK_SIZE, count - block_start)
        rng = random.Random(f"{_NAMESPACE}:{seed}:block:{block_start}")
        layouts = _apportioned_layouts(size)
        rng.shuffle(layouts)
        faulty = set(rng.sample(range(size), _block_share(block_start, size, fault_share)))
        copies = _rescraped_positions(
            layouts, faulty, _block_share(block_start, size, rescrape_share),
            random.Random(f"{_NAMESPACE}:{seed}:rescrapes:{block_start}"),
            lambda position: _can_be_rescraped(_template_choice(block_start + position, layouts[position], seed,
                                                                templates)[1]),
        )
        for offset, layout in enumerate(layouts):
            original = copies.get(offset)
            yield block_start + offset, layout, offset in faulty, None if original is None else block_start + original


def _id_numbering(seed: int) -> Callable[[int], int]:
    """Document number to id number: a step prime to the id space makes it one-to-one."""
    rng = random.Random(f"{_NAMESPACE}:{seed}:ids")
    step = rng.randrange(1, _ID_SPACE)
    while math.gcd(step, _ID_SPACE) != 1:
        step += 1
    start = rng.randrange(_ID_SPACE)
    return lambda index: _ID_BASE + (start + step * index) % _ID_SPACE


def document_file(index: int, layout: str) -> str:
    """A document's path inside the corpus folder: FOLDER_SIZE documents per subfolder."""
    return f"{index // FOLDER_SIZE:04d}/{index:06d}.{SPECS[layout].extension}"


def _with_identity(text: str, template: Template, id_number: int) -> tuple[str, str | None]:
    """The document's own NCT id in place of the template's; an article naming no trial is renumbered instead."""
    if template.nct_id is None:
        return _renumber_citation(text, f"{id_number:08d}"), None
    nct_id = f"NCT{id_number:08d}"
    return text.replace(template.nct_id, nct_id), nct_id


def _document(index: int, layout: str, faulty: bool, seed: int, id_number: int,
              templates: dict[str, tuple[Template, ...]]) -> GeneratedDocument:
    rng, template = _template_choice(index, layout, seed, templates)
    fault = rng.choice(template.faults) if faulty else None
    spec = SPECS[layout]
    text = _STRUCTURE_VARIATIONS[layout](_retargeted(template, rng), rng)
    text = _set_enrollment(text, spec.enrollment, rng)
    text = shift_dates(text, rng.randint(-_MAX_DATE_SHIFT_DAYS, _MAX_DATE_SHIFT_DAYS))
    text, nct_id = _with_identity(text, template, id_number)
    if fault is not None:
        text = _FAULT_INJECTIONS[fault](text, spec, rng)
    return GeneratedDocument(index, document_file(index, layout), layout, nct_id, fault, text)


def _rescrape(original: GeneratedDocument, index: int, seed: int) -> GeneratedDocument:
    """The original scraped again later: the same page, its enrollment grown."""
    rng = random.Random(f"{_NAMESPACE}:{seed}:rescrape:{index}")
    text = _with_enrollment(original.text, SPECS[original.layout].enrollment,
                            lambda enrollment: enrollment + rng.randint(1, max(1, round(enrollment * _RESCRAPE_GROWTH))))
    if text is None:
        raise ValueError(f"{original.file} states no enrollment to change: it cannot be re-scraped")
    return GeneratedDocument(index, document_file(index, original.layout), original.layout, original.nct_id, None,
                             text, rescrape_of=original.file)


def _check_arguments(count: int, fault_share: float, rescrape_share: float) -> None:
    if not 0 <= count <= _ID_SPACE:
        raise ValueError(f"count must be between 0 and {_ID_SPACE:,} (the ids a corpus can tell apart), not {count}")
    if not 0 <= fault_share <= 1:
        raise ValueError(f"fault share must be between 0 and 1, not {fault_share}")
    if not 0 <= rescrape_share <= 0.5:
        raise ValueError(f"re-scrape share must be between 0 and 0.5 (each needs an original), not {rescrape_share}")


def generate_documents(count: int, seed: int = 0, fault_share: float = DEFAULT_FAULT_SHARE,
                       rescrape_share: float = DEFAULT_RESCRAPE_SHARE) -> Iterator[GeneratedDocument]:
    """The corpus's documents one at a time, for callers that want them without files.

    A re-scrape's original is generated again from its number (generation
    is keyed by it), so no earlier document is ever held.
    """
    _check_arguments(count, fault_share, rescrape_share)
    templates = load_templates()
    id_number = _id_numbering(seed)
    for index, layout, faulty, original in _plan(count, seed, fault_share, rescrape_share, templates):
        if original is None:
            yield _document(index, layout, faulty, seed, id_number(index), templates)
        else:
            yield _rescrape(_document(original, layout, False, seed, id_number(original), templates), index, seed)


def labels_path(target: Path) -> Path:
    """Where the labels of a corpus written to `target` go: beside it, never inside it."""
    target = Path(target).resolve()
    return target.parent / f"{target.name}.labels.csv"


def _prepare_target(target: Path) -> None:
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(
            f"{target} is not empty: a corpus is written to an empty folder, so that no file of an "
            "earlier corpus is read as one of its documents"
        )
    target.mkdir(parents=True, exist_ok=True)


def generate_corpus(count: int, target: Path, seed: int = 0, fault_share: float = DEFAULT_FAULT_SHARE,
                    rescrape_share: float = DEFAULT_RESCRAPE_SHARE) -> GenerationSummary:
    """Write `count` documents under `target` and their labels beside it."""
    _check_arguments(count, fault_share, rescrape_share)
    target = Path(target).resolve()
    _prepare_target(target)
    labels = labels_path(target)
    by_layout: Counter[str] = Counter()
    by_fault: Counter[str] = Counter()
    rescrapes = 0
    with labels.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LABEL_COLUMNS)
        for document in generate_documents(count, seed, fault_share, rescrape_share):
            path = target / document.file
            if document.index % FOLDER_SIZE == 0:
                path.parent.mkdir(exist_ok=True)
            path.write_bytes(document.text.encode("utf-8"))
            writer.writerow((document.file, document.layout, document.nct_id or "", document.fault or "",
                             document.rescrape_of or ""))
            by_layout[document.layout] += 1
            if document.fault:
                by_fault[document.fault] += 1
            rescrapes += document.rescrape_of is not None
    return GenerationSummary(
        documents=count,
        by_layout={layout: by_layout[layout] for layout in LAYOUT_MIX},
        by_fault={fault: by_fault[fault] for fault in FAULTS},
        labels=labels,
        target=target,
        rescrapes=rescrapes,
    )
