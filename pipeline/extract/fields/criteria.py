"""Eligibility criteria text into one item per top-level bullet or number.

Registries write criteria as markdown lists. Where the indentation survives
(the registry's JSON and XML, the Veeva page), it decides: items at the
shallowest marker indent are the top level, anything indented deeper belongs
to the item above. Scrapes often lose the indentation; then what survives is
read like this:

* Numbered lists (1., 2\\., "7,"): the numbers are the top level; everything
  between two numbers (sub-bullets, "a)" items, paragraphs) belongs to the
  item above it.
* Plain bullets: an item ending with ":" and followed by a blank line opens a
  nested list. The nested items belong to it until a paragraph that is not a
  bullet, an item followed by a blank line (it stands at the top level), or
  an item shaped like the parent ("Cardiac function: ..." after "Pulmonary
  function:"). Without the colon there is no nesting: the items stay at the
  top level, which keeps every criterion visible as its own row.
* A short line of its own ending with ":" above a list ("Hematopoietic:")
  labels each item under it.
* A paragraph that is not a bullet continues the item above it.

The end of a nested list is not marked in the text, so the last rule is a
judgement: a top-level bullet written straight after a nested list (no blank
line, no heading shape) is read as one more nested item. The README lists
where this happens in the seeds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.extract.document import ParsedDocument

# Ascii markers need a space after them ("-10 days" is no bullet); typographic bullets are bullets however written ("•Typical").
_BULLET = re.compile(r"^\s*(?:[*\-+–—o]\s+|[•·▪◦‣►➢✓\uf0b7]\s*)(.*)$")
_NUMBER = re.compile(r"^\s*(?:[*\-•]\s+)?(?:\((\d{1,2})\)|(\d{1,2})\s*(?:\\?[.)]|,))(?:\s+|$)(.*)$")
# "a)", "(b)", "C.", "iv)", "(ii)": sub-items under a number or bullet, or the list itself when it has nothing else.
_LETTER = re.compile(r"^\s*(?:[*\-•]\s+)?(?:\((?:[a-zA-Z]|[ivxIVX]{1,5})\)|(?:[a-zA-Z]|[ivxIVX]{2,5})[.)])\s+\S")
# A short line of its own ending with ":" above a list labels the items under it ("Performance status:" then
# "-  Zubrod 0-1", "Cohort 1:"): each item keeps it, or it would be read as the tail of the item above.
_SUBLABEL = re.compile(r"^[A-Z][\w'’/&()-]*(?:\s+[\w'’/&()-]+){0,2}:$")
_LABEL_PREFIX = re.compile(r"^[A-Z][\w /()-]{0,40}:")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")

# Heading lines are read without what dresses them: a bullet ("-  INCLUSION CRITERIA:"), markdown bold or
# hashes ("**Inclusion Criteria:**"), brackets ("[Inclusion Criteria]") and the closing colon.
_HEADING_DRESS = re.compile(r"^[\s\-*•·#\[(_]+|[\s:*\])_]+$")
# The words of a list heading: "Inclusion", "INCLUSION CRITIERIA" (misspelt), "Key Exclusion Criteria",
# "Non-inclusion criteria" (French registries' word for exclusion), "Transplant Inclusion", "Inclusion
# Criteria Stage 1", "Exclusion Criteria for Stage 1", "Criteria for inclusion".
_KIND_WORD = r"(?P<non>non[- ]?)?(?P<kind>in|ex)c?lu[sz]i[oó]?ns?"
_LIST_HEADING = re.compile(
    r"^(?P<before>(?:[\w'’&+-]+\s+){0,4}?)" + _KIND_WORD
    + r"(?P<both>\s*(?:/|and|&|or)\s*(?:in|ex)c?lu[sz]i[oó]?ns?)?"
    r"(?:\s+(?:crit\w*|requirements?))?"
    r"(?P<after>\s+(?:for\s+)?(?:stage|part|cohort|group|phase|arm|step|period)\s*\w{1,4})?$",
    re.IGNORECASE,
)
_CRITERIA_FOR = re.compile(r"^(?P<before>)crit\w*\s+(?:for\s+)?" + _KIND_WORD + r"(?P<both>)(?P<after>)$", re.IGNORECASE)
# Words before "Inclusion" that name no population or part of the study: the heading is the plain one.
_PLAIN_QUALIFIERS = frozenset({"key", "main", "major", "principal", "general", "subject", "subjects", "patient",
                               "patients", "participant", "participants", "study", "specific", "detailed", "the"})
# Words that make the line a sentence about criteria ("Subjects with exclusion criteria required by ..."), not a heading.
_SENTENCE_WORDS = frozenset({"of", "to", "for", "by", "any", "other", "all", "no", "not", "are", "is", "be",
                             "meet", "meets", "following", "who", "that", "protocol", "additional", "may", "might",
                             "see", "per", "if"})
_ELIGIBILITY_HEADING = re.compile(r"^(?:key\s+|main\s+)?eligibility(?:\s+crit\w*)?$", re.IGNORECASE)
# The older NCI (PDQ) layout: its three lists are all conditions a patient must meet, so they are inclusion lists,
# and each item keeps its list's name ("PATIENT CHARACTERISTICS: ...") so that nothing it said is lost.
_NCI_HEADING = re.compile(r"^(?:disease|patient|tumou?r|donor|recipient)\s+characteristics$"
                          r"|^prior\s+(?:concurrent\s+)?therap(?:y|ies)$", re.IGNORECASE)
# A lead-in sentence opens a list only where it changes the list: "For inclusion in the study subjects should fulfill
# the following criteria:". Under a heading of its own kind it stays text, as it always was. It starts with a capital:
# the registry's XML wraps its lines, and a wrapped line ("renal function have been excluded by ... the following:")
# is the middle of a criterion.
_LEAD_IN = re.compile(r"^[A-Z].*\bfollowing\b.*:\s*$")
_LEAD_IN_EXCLUSION = re.compile(r"\b(?:not\s+(?:be\s+)?eligible|ineligible|exclusion|excluded|non-?inclusion)\b",
                                re.IGNORECASE)
_LEAD_IN_INCLUSION = re.compile(r"\b(?:inclusion|included|eligible)\b", re.IGNORECASE)
_HEADING_LIKE = re.compile(r"^\W*[A-Za-z][^.;]{0,60}:\W*$")
NO_HEADINGS = "eligibility criteria have no Inclusion or Exclusion heading; not split"
BOTH_LISTS = ("eligibility text under a heading that names both lists was not loaded as criteria: "
              "which list each item belongs to is not written")
ABOVE_HEADINGS = "eligibility text above the first Inclusion or Exclusion heading was not loaded as criteria"


def unescape_markdown(text: str) -> str:
    """Drop the backslashes registries put before markdown characters (\\>90%)."""
    if "\\" not in text:  # every escape opens with one; most texts have none, and skip the substitution's set-up
        return text
    return _MARKDOWN_ESCAPE.sub(r"\1", text)


@dataclass(frozen=True)
class Heading:
    """A line that opens a list: its kind (None when it names both), and the label its items keep."""

    kind: str | None
    label: str | None = None


def read_heading(line: str, current: str | None = None) -> Heading | None:
    """The list `line` opens, if it is a heading; `current` is the kind of the list it is read in."""
    stripped = line.strip()
    if not stripped or len(stripped) > 120:
        return None
    core = _HEADING_DRESS.sub("", stripped)
    if _NCI_HEADING.match(core):
        return Heading("INCLUSION", core)
    if _ELIGIBILITY_HEADING.match(core):
        return Heading("INCLUSION")
    if match := _LIST_HEADING.match(core) or _CRITERIA_FOR.match(core):
        before = match.group("before").split()
        if any(word.casefold() in _SENTENCE_WORDS for word in before):
            return None
        if match.group("both"):
            return Heading(None, core)
        kind = "EXCLUSION" if match.group("non") or match.group("kind").casefold() == "ex" else "INCLUSION"
        qualified = match.group("after") or any(word.casefold() not in _PLAIN_QUALIFIERS for word in before)
        return Heading(kind, core if qualified else None)
    if _LEAD_IN.search(stripped) and not _BULLET.match(stripped) and not _NUMBER.match(stripped):
        kind = ("EXCLUSION" if _LEAD_IN_EXCLUSION.search(stripped)
                else "INCLUSION" if _LEAD_IN_INCLUSION.search(stripped) else None)
        if kind is not None and kind != current:
            return Heading(kind)
    return None


@dataclass
class Section:
    """The lines under one heading."""

    heading: Heading
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip("\n")


def read_sections(text: str) -> tuple[str, list[Section]]:
    """The text above the first heading, and each heading with the lines under it, in order."""
    above: list[str] = []
    sections: list[Section] = []
    for line in text.splitlines():
        heading = read_heading(line, sections[-1].heading.kind if sections else None)
        if heading is not None:
            sections.append(Section(heading))
        elif sections:
            sections[-1].lines.append(line)
        else:
            above.append(line)
    return "\n".join(above).strip(), sections


def split_inclusion_exclusion(text: str) -> dict[str, str]:
    """The text under the inclusion headings and under the exclusion headings, each kind in one text."""
    lists: dict[str, list[str]] = {}
    for section in read_sections(text)[1]:
        if section.heading.kind is not None:
            lists.setdefault(section.heading.kind, []).append(section.text)
    return {kind: "\n".join(texts).strip("\n") for kind, texts in lists.items()}


def first_heading_like_line(text: str) -> str:
    """What the text opens with where a heading would stand: a short line ending with ":", else its first line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return next((line for line in lines if _HEADING_LIKE.match(line)), lines[0] if lines else "")


@dataclass
class _Item:
    """A top-level item: its own text, then nested items and paragraphs in order."""

    text: str
    lines: list[str] = field(default_factory=list)

    def add_child(self, text: str) -> None:
        self.lines.append(f"- {text}")

    def add_paragraph(self, text: str) -> None:
        self.lines.append(text)

    def render(self) -> str:
        return "\n".join([self.text, *self.lines])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _blocks(text: str) -> list[tuple[str, str, bool, int]]:
    """(kind, text, followed_by_blank, indent) per line: kind is bullet, number, letter or para.

    A letter item keeps its marker ("a) ..."): under a number it is read as text of that item, as it is written.
    """
    # No escape holds white space or a line break, so the text is unescaped in one pass, not line by line.
    lines = [line.rstrip() for line in unescape_markdown(text.expandtabs(4)).splitlines()]
    blocks: list[tuple[str, str, bool, int]] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        followed_by_blank = index + 1 < len(lines) and not lines[index + 1].strip()
        if match := _NUMBER.match(line):
            blocks.append(("number", match.group(3).strip(), followed_by_blank, _indent(line)))
        elif _LETTER.match(line):
            blocks.append(("letter", line.strip(), followed_by_blank, _indent(line)))
        elif match := _BULLET.match(line):
            blocks.append(("bullet", match.group(1).strip(), followed_by_blank, _indent(line)))
        else:
            blocks.append(("para", line.strip(), followed_by_blank, _indent(line)))
    return blocks


def _sublabel(blocks: list[tuple[str, str, bool, int]], index: int) -> str | None:
    kind, text, _, _ = blocks[index]
    labels = kind == "para" and len(text) <= 40 and _SUBLABEL.match(text) is not None
    return text if labels and index + 1 < len(blocks) and blocks[index + 1][0] != "para" else None


def _split_at(blocks: list[tuple[str, str, bool, int]], opens_item: Callable[[str, int], bool]) -> list[str]:
    """Items opened where `opens_item(kind, indent)` says; any other line belongs to the item above."""
    items: list[_Item] = []
    label: str | None = None
    for index, (kind, text, _, indent) in enumerate(blocks):
        if sublabel := _sublabel(blocks, index):
            label = sublabel
            continue
        if kind == "para":
            label = None
        if not items or opens_item(kind, indent):
            items.append(_Item(f"{label} {text}" if label else text))
        elif kind in ("para", "letter"):
            items[-1].add_paragraph(text)
        else:
            items[-1].add_child(text)
    return [item.render() for item in items]


def _split_bulleted(blocks: list[tuple[str, str, bool, int]]) -> list[str]:
    items: list[_Item] = []
    parent: _Item | None = None
    label: str | None = None
    for index, (kind, text, followed_by_blank, _) in enumerate(blocks):
        if sublabel := _sublabel(blocks, index):
            label, parent = sublabel, None
            continue
        next_kind = blocks[index + 1][0] if index + 1 < len(blocks) else None
        before_list = kind == "bullet" and followed_by_blank and next_kind == "bullet"
        opens_list = before_list and text.endswith(":")
        if kind == "letter" and items:  # letters between bullets are sub-items of the bullet above
            items[-1].add_paragraph(text)
            continue
        if kind == "para":
            label = None
            if items:
                items[-1].add_paragraph(text)
                parent = None
            else:
                items.append(_Item(text))
            continue
        same_shape_as_parent = (
            parent is not None
            and _LABEL_PREFIX.match(parent.text) is not None
            and _LABEL_PREFIX.match(text) is not None
        )
        if parent is not None and not before_list and not same_shape_as_parent:
            parent.add_child(text)
            continue
        item = _Item(f"{label} {text}" if label else text)
        items.append(item)
        parent = item if opens_list else None
    return [item.render() for item in items]


def split_criteria(text: str) -> list[str]:
    """The top-level items of one inclusion or exclusion list, nested items kept inside."""
    blocks = _blocks(text)
    if not blocks:
        return []
    kinds = {kind for kind, _, _, _ in blocks}
    if kinds.isdisjoint({"bullet", "number"}) and "letter" in kinds:  # "a)", "b)", ... is the list itself
        return _split_at(blocks, lambda kind, _: kind == "letter")
    marker_indents = {indent for kind, _, _, indent in blocks if kind in ("bullet", "number")}
    if len(marker_indents) > 1:  # the registry kept its indentation: it says exactly what is nested
        top = min(marker_indents)
        return _split_at(blocks, lambda kind, indent: kind in ("bullet", "number") and indent <= top)
    if "number" in kinds:
        return _split_at(blocks, lambda kind, _: kind == "number")
    return _split_bulleted(blocks)


def add_criteria_rows(doc: ParsedDocument, criteria: str, *, observed: str,
                      field: str = "eligibility_criteria", no_headings: str = NO_HEADINGS,
                      split: Callable[[str], list[str]] = split_criteria) -> bool:
    """One `eligibility_criteria` row per top-level item of each list; False, with a warning, when none is loaded.

    Every layout reads its criteria here, so a heading or bullet learnt from
    one source is read in all of them. Without an Inclusion or Exclusion
    heading there is no telling which list an item belongs to, so nothing is
    loaded and the warning keeps the text (`observed`, as the layout shows it)
    and names the line where a heading would stand. Text that is not loaded
    (above the first heading, under a heading naming both lists) is reported
    the same way. A qualified heading ("Transplant Inclusion:", "PATIENT
    CHARACTERISTICS:") is kept at the head of each of its items.
    """
    above, sections = read_sections(criteria)
    if not any(section.heading.kind for section in sections):
        opening = first_heading_like_line(unescape_markdown(criteria))
        doc.report("parse", "WARNING", f'{no_headings}: it opens with "{opening[:120]}"', field=field,
                   observed=observed)
        return False
    if above:
        doc.report("parse", "WARNING", ABOVE_HEADINGS, field=field, observed=above[:500])
    ordinals: dict[str, int] = {}
    for section in sections:
        kind, label = section.heading.kind, section.heading.label
        if kind is None:
            if section.text.strip():
                doc.report("parse", "WARNING", BOTH_LISTS, field=field,
                           observed=f"{label}\n{section.text.strip()}"[:500])
            continue
        for item in split(section.text):
            ordinals[kind] = ordinals.get(kind, 0) + 1
            text = f"{label}: {item}" if label else item
            doc.add_row("eligibility_criteria", {"criterion_type": kind, "ordinal": ordinals[kind], "text": text})
    if not ordinals:
        doc.report("parse", "WARNING", "eligibility criteria headings hold no items; nothing was loaded",
                   field=field, observed=observed)
        return False
    return True
