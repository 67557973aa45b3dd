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

_BULLET = re.compile(r"^\s*(?:[*\-•·▪◦‣]|\u2022)\s+(.*)$")
_NUMBER = re.compile(r"^\s*(?:[*\-•]\s+)?(\d{1,2})\s*(?:\\?[.)]|,)(?:\s+|$)(.*)$")
_LABEL_PREFIX = re.compile(r"^[A-Z][\w /()-]{0,40}:")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
_INCLUSION_HEADING = re.compile(r"^\W*inclusion criteria\W*$", re.IGNORECASE)
_EXCLUSION_HEADING = re.compile(r"^\W*exclusion criteria\W*$", re.IGNORECASE)
NO_HEADINGS = "eligibility criteria have no Inclusion or Exclusion heading; not split"


def unescape_markdown(text: str) -> str:
    """Drop the backslashes registries put before markdown characters (\\>90%)."""
    if "\\" not in text:  # every escape opens with one; most texts have none, and skip the substitution's set-up
        return text
    return _MARKDOWN_ESCAPE.sub(r"\1", text)


def split_inclusion_exclusion(text: str) -> dict[str, str]:
    """The text under the "Inclusion Criteria" and "Exclusion Criteria" headings."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if _INCLUSION_HEADING.match(stripped):
            current = "INCLUSION"
            sections.setdefault(current, [])
            continue
        if _EXCLUSION_HEADING.match(stripped):
            current = "EXCLUSION"
            sections.setdefault(current, [])
            continue
        if current is not None:
            sections[current].append(line)
    return {kind: "\n".join(lines).strip("\n") for kind, lines in sections.items()}


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
    """(kind, text, followed_by_blank, indent) per line: kind is bullet, number or para."""
    # No escape holds white space or a line break, so the text is unescaped in one pass, not line by line.
    lines = [line.rstrip() for line in unescape_markdown(text.expandtabs(4)).splitlines()]
    blocks: list[tuple[str, str, bool, int]] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        followed_by_blank = index + 1 < len(lines) and not lines[index + 1].strip()
        if match := _NUMBER.match(line):
            blocks.append(("number", match.group(2).strip(), followed_by_blank, _indent(line)))
        elif match := _BULLET.match(line):
            blocks.append(("bullet", match.group(1).strip(), followed_by_blank, _indent(line)))
        else:
            blocks.append(("para", line.strip(), followed_by_blank, _indent(line)))
    return blocks


def _split_at(blocks: list[tuple[str, str, bool, int]], opens_item: Callable[[str, int], bool]) -> list[str]:
    """Items opened where `opens_item(kind, indent)` says; any other line belongs to the item above."""
    items: list[_Item] = []
    for kind, text, _, indent in blocks:
        if not items or opens_item(kind, indent):
            items.append(_Item(text))
        elif kind == "para":
            items[-1].add_paragraph(text)
        else:
            items[-1].add_child(text)
    return [item.render() for item in items]


def _split_bulleted(blocks: list[tuple[str, str, bool, int]]) -> list[str]:
    items: list[_Item] = []
    parent: _Item | None = None
    for index, (kind, text, followed_by_blank, _) in enumerate(blocks):
        next_kind = blocks[index + 1][0] if index + 1 < len(blocks) else None
        before_list = kind == "bullet" and followed_by_blank and next_kind == "bullet"
        opens_list = before_list and text.endswith(":")
        if kind == "para":
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
        item = _Item(text)
        items.append(item)
        parent = item if opens_list else None
    return [item.render() for item in items]


def split_criteria(text: str) -> list[str]:
    """The top-level items of one inclusion or exclusion list, nested items kept inside."""
    blocks = _blocks(text)
    if not blocks:
        return []
    marker_indents = {indent for kind, _, _, indent in blocks if kind != "para"}
    if len(marker_indents) > 1:  # the registry kept its indentation: it says exactly what is nested
        top = min(marker_indents)
        return _split_at(blocks, lambda kind, indent: kind != "para" and indent <= top)
    if any(kind == "number" for kind, _, _, _ in blocks):
        return _split_at(blocks, lambda kind, _: kind == "number")
    return _split_bulleted(blocks)


def add_criteria_rows(doc: ParsedDocument, criteria: str, *, observed: str,
                      field: str = "eligibility_criteria", no_headings: str = NO_HEADINGS,
                      split: Callable[[str], list[str]] = split_criteria) -> bool:
    """One `eligibility_criteria` row per top-level item of each list; False, with a warning, when unsplit.

    Without an Inclusion or Exclusion heading there is no telling which list
    an item belongs to, so nothing is loaded and the warning keeps the text
    (`observed`, as the layout shows it) for a reader to see.
    """
    lists = split_inclusion_exclusion(criteria)
    if not lists:
        doc.report("parse", "WARNING", no_headings, field=field, observed=observed)
        return False
    for criterion_type, text in lists.items():
        for ordinal, item in enumerate(split(text), start=1):
            doc.add_row("eligibility_criteria", {"criterion_type": criterion_type, "ordinal": ordinal, "text": item})
    return True
