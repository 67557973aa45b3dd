"""The largest and most hostile documents staging lets through, and how long each takes to parse.

Staging refuses files above its size limit (`DEFAULT_MAX_DOCUMENT_BYTES`
unless the user sets another), so that is the most a parser is ever
handed. What makes a parser slow is not the size alone but what the size is
made of: one criterion, arm description or summary blown up to megabytes,
thousands of sites, or runs of the characters a pattern hesitates over
(`<!---->` before an XML root, digits, spaces, bullets, "x", "/", "-", "(").
Each layout gets its realistic giants (its seed or fixture with one field
grown) and the adversarial ones (a field filled with one such run), and
every one is parsed through `parse_document` without a time budget, so the
time printed is the parser's own.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.extract.parsing import parse_document
from pipeline.orchestration.settings import DEFAULT_MAX_DOCUMENT_BYTES

_ROOT = Path(__file__).resolve().parents[2]
# What the patterns are sensitive to: each filler is repeated until the document reaches the limit.
ADVERSARIAL_RUNS: dict[str, str] = {
    "comments": "<!---->",
    "digits": "1",
    "spaces": " ",
    "bullets": "• ",
    "x": "x",
    "slashes": "/",
    "dashes": "-",
    "parentheses": "(",
    "numbers": "1 ",
    "doses": "1 mg ",
    "percents": "1% ",
    "commas": ", ",
    "dots": "1.",
}


@dataclass(frozen=True)
class Timing:
    """One document parsed: what it was, how big, how long, and what became of it."""

    layout: str
    kind: str
    size: int
    seconds: float
    status: str
    detected: str | None


@dataclass(frozen=True)
class Giant:
    """A document built to the size limit, and the layout it is written in."""

    layout: str
    kind: str
    text: str


def _read(relative: str) -> str:
    return (_ROOT / relative).read_text(encoding="utf-8")


def _filled(unit: str, size: int) -> str:
    """`unit` repeated to at most `size` bytes of UTF-8."""
    return unit * (size // len(unit.encode("utf-8")))


def _grow_line(text: str, marker: str, unit: str | None, limit: int) -> str:
    """The text with the first line holding `marker` grown by `unit` (default: the line itself) to the limit."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if marker in line)
    room = limit - len(text.encode("utf-8")) - 2
    filler = unit if unit is not None else lines[at].strip() + " "
    lines[at] = lines[at] + " " + _filled(filler, room)
    return "\n".join(lines)


def _repeat_lines(text: str, first_marker: str, count: int, limit: int) -> str:
    """The text with the `count` lines from the one holding `first_marker` repeated up to the limit."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if first_marker in line)
    block = "\n".join(lines[at : at + count]) + "\n"
    times = (limit - len(text.encode("utf-8"))) // len(block.encode("utf-8"))
    return "\n".join(lines[:at]) + "\n" + block * times + "\n".join(lines[at:])


def _text_giants(layout: str, seed: str, fields: dict[str, str], repeated: dict[str, tuple[str, int]],
                 limit: int) -> Iterator[Giant]:
    """A text layout's giants: each field's line grown by itself and by each adversarial run, and repeated blocks."""
    text = _read(seed)
    for field_name, marker in fields.items():
        yield Giant(layout, f"{field_name} grown", _grow_line(text, marker, None, limit))
    for field_name, (marker, count) in repeated.items():
        yield Giant(layout, f"{field_name} repeated", _repeat_lines(text, marker, count, limit))
    marker = next(iter(fields.values()))
    for run_name, unit in ADVERSARIAL_RUNS.items():
        yield Giant(layout, f"{run_name} in {next(iter(fields))}", _grow_line(text, marker, unit, limit))


def _json_giants(limit: int) -> Iterator[Giant]:
    base = json.loads(_read("tests/fixtures/ctgov_json/NCT00184067.json"))

    def grown(change: Callable[[dict, str], None], unit: str) -> str:
        record = json.loads(json.dumps(base))
        room = limit - len(json.dumps(record, ensure_ascii=False).encode("utf-8")) - 64
        change(record["protocolSection"], _filled(unit, room))
        return json.dumps(record, ensure_ascii=False)

    protocol = base["protocolSection"]
    criteria = protocol["eligibilityModule"]["eligibilityCriteria"]
    arm = protocol["armsInterventionsModule"]["armGroups"][0]["description"]
    summary = protocol["descriptionModule"]["briefSummary"]

    def set_criteria(p: dict, value: str) -> None:
        p["eligibilityModule"]["eligibilityCriteria"] = value

    def set_arm(p: dict, value: str) -> None:
        p["armsInterventionsModule"]["armGroups"][0]["description"] = value

    def set_summary(p: dict, value: str) -> None:
        p["descriptionModule"]["briefSummary"] = value

    first_criterion = next(line for line in criteria.split("\n") if line.strip().startswith(("*", "-", "1")))
    yield Giant("ctgov_json", "criteria list repeated", grown(set_criteria, first_criterion + "\n"))
    yield Giant("ctgov_json", "one criterion grown", grown(
        lambda p, v: set_criteria(p, "Inclusion Criteria:\n\n* " + v), first_criterion.strip("* ") + " "))
    yield Giant("ctgov_json", "arm description grown", grown(set_arm, arm + " "))
    yield Giant("ctgov_json", "summary grown", grown(set_summary, summary + " "))
    site = protocol["contactsLocationsModule"]["locations"][0]
    site_size = len(json.dumps(site).encode("utf-8")) + 2
    record = json.loads(json.dumps(base))
    record["protocolSection"]["contactsLocationsModule"]["locations"] = [
        {**site, "facility": f"{site.get('facility', 'Site')} {number}"} for number in range(limit // site_size - 10)
    ]
    yield Giant("ctgov_json", "sites repeated", json.dumps(record))
    for run_name, unit in ADVERSARIAL_RUNS.items():
        yield Giant("ctgov_json", f"{run_name} in a criterion",
                    grown(lambda p, v: set_criteria(p, "Inclusion Criteria:\n\n* " + v), unit))


def _xml_giants(limit: int) -> Iterator[Giant]:
    text = _read("tests/fixtures/ctgov_xml/NCT00002475.xml")
    opening = text.index("<clinical_study")
    size = len(text.encode("utf-8"))

    def in_criteria(unit: str, room: int) -> str:
        at = text.index("<textblock>", text.index("<criteria>")) + len("<textblock>")
        return text[:at] + _filled(unit, room) + text[at:]

    yield Giant("ctgov_xml", "comments before the root", text[:opening] + _filled("<!---->", limit - size) + text[opening:])
    yield Giant("ctgov_xml", "comments before no root", _filled("<!---->", limit - 18) + "x<clinical_study>")
    yield Giant("ctgov_xml", "unclosed comment", "<!--" + _filled("-", limit - 40) + "<clinical_study>")
    criterion = "      - Histologically confirmed solid tumor measurable by RECIST 1.1 and ECOG 0-1\n"
    yield Giant("ctgov_xml", "criteria list repeated", in_criteria(criterion, limit - size))
    yield Giant("ctgov_xml", "one criterion grown", in_criteria("- " + _filled(criterion.strip("- \n") + " ", limit - size - 4), limit - size))
    block = text[text.index("<location>"): text.index("</location>") + len("</location>")] + "\n"
    at = text.index("<location>")
    yield Giant("ctgov_xml", "sites repeated", text[:at] + block * ((limit - size) // len(block.encode("utf-8"))) + text[at:])
    for run_name, unit in ADVERSARIAL_RUNS.items():
        if run_name != "comments":
            yield Giant("ctgov_xml", f"{run_name} in the criteria", in_criteria(unit, limit - size))


def build_giants(limit: int = DEFAULT_MAX_DOCUMENT_BYTES) -> Iterator[Giant]:
    """Every layout's giants, realistic first, each at most `limit` bytes of UTF-8."""
    yield from _text_giants(
        "mirror_page", "seeds/000_d2c7a984589bc891.txt",
        {"a criterion": "* Histologically or cytologically confirmed ES-SCLC", "arm description": "* then 10 mg every two weeks",
         "summary": "START-lung is an international"},
        {"sites": ("CHU Angers", 6), "criteria list": ("* Histologically or cytologically confirmed ES-SCLC", 1)}, limit)
    yield from _text_giants(
        "ctgov_text", "seeds/001_0e0bfe03180ab1a6.txt",
        {"summary": "This is a phase 2 single-arm", "contacts": "Study Contact Name:"},
        {"contacts": ("Study Contact Name:", 2)}, limit)
    yield from _text_giants(
        "veeva_page", "seeds/002_3119735172ec348a.txt",
        {"a criterion": "3. At least one measurable lesion", "description": "Description:"},
        {"criteria list": ("3. At least one measurable lesion", 1)}, limit)
    yield from _text_giants(
        "news_article", "seeds/004_05c86904299774e9.txt",
        {"a paragraph": "The median patient age was", "takeaway": "Key Outcomes:"},
        {"paragraphs": ("The median patient age was", 2)}, limit)
    yield from _json_giants(limit)
    yield from _xml_giants(limit)


def time_giants(limit: int = DEFAULT_MAX_DOCUMENT_BYTES, only: str | None = None,
                report: Callable[[Timing], None] | None = None) -> list[Timing]:
    """Parse each giant (of one layout when `only` is given) and time it; `report` sees each timing as it comes."""
    timings = []
    for giant in build_giants(limit):
        if only and giant.layout != only:
            continue
        data = giant.text.encode("utf-8")
        started = time.perf_counter()
        result = parse_document(f"{giant.layout}-{giant.kind}.txt", data, hashlib.sha256(data).hexdigest(),
                                time_budget=None)
        timing = Timing(giant.layout, giant.kind, len(data), time.perf_counter() - started,
                        result.status, result.document["format"])
        timings.append(timing)
        if report:
            report(timing)
    return timings


def timing_line(timing: Timing) -> str:
    """One row of the printed table."""
    return (f"{timing.layout:<13} {timing.kind:<28} {timing.size / 1048576:>6.2f} MiB "
            f"{timing.seconds:>7.2f} s  {timing.status:<11} {timing.detected or '-'}")
