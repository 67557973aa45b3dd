"""News items about a published study, as scraped from a medical news site.

Such a page is site chrome ("Skip to main content", "News", "Edited by"), a
headline, often "Key Clinical Takeaways" bullets, body paragraphs and a
"Source:" section with the study's citation. It names no trial registration,
so it produces no study: one `evidence` row for the article and one
`evidence_findings` row per figure it reports.

How the figures are read (sentence by sentence, because that is where a news
writer ties a number to its group):

* Cohort. "(n = 30)" after a group ("among patients who did not receive
  prophylactic tocilizumab (n = 30)") names the cohort and its size. The same
  group named elsewhere without "(n = ...)" ("patients not receiving
  prophylactic tocilizumab") gets that size too, so a takeaway bullet and the
  body sentence it summarises land on the same cohort. Treatment groups are
  labelled by the treatment: "prophylactic tocilizumab", and "no prophylactic
  tocilizumab" for the patients who did not get it. A figure takes the group
  named nearest before it in its sentence, else the first one after it.
  Percentages in a sentence naming no group describe "all patients", whose
  size is the article's sample size; without a stated sample size they are
  reported (INFO) rather than given a made-up denominator.
* Stated counts ("only 1 developed grade 2 CRS", "no ICANS events were
  reported") are read only in sentences that name a group, since a count
  with no group has no denominator; percent = count / n, 1 decimal.
* count = percent of n, rounded half up, as a reader would.
* Measures are short labels: abbreviations as written ("CRS", "ICANS"),
  other words in lower case ("male"), grades as "grade >=3 CRS" /
  "grade 2 CRS", ECOG as "ECOG 0-1". "grade >= 3 events in 10% each"
  becomes one row per toxicity named earlier in the sentence.
* A figure repeated word for word (takeaway and body) is one row; the same
  measure and cohort with a different figure stays two rows, so the conflict
  is visible to the checks downstream.

Conditions are normalized to short labels ("SCLC", "NSCLC",
"neuroendocrine carcinoma"), so articles and trials can be matched on them.
Drugs and conditions are listed in order of first mention in the article's
text (takeaways and body before headline and citation, as headlines reorder
names for emphasis).
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.extract.fields.dates import parse_partial_date
from pipeline.extract.free_text.conditions import condition_families
from pipeline.extract.fields.numbers import read_count
from pipeline.extract.document import ParsedDocument
from pipeline.extract.free_text.drugs import find_drugs
from pipeline.extract.fields.nct_ids import WRITTEN_NCT_ID

FORMAT = "news_article"

# Study design words, as the article's own description of the study uses them.
_DESIGN_TERMS = (
    ("retrospective", re.compile(r"\bretrospective\b", re.IGNORECASE)),
    ("prospective", re.compile(r"\bprospective\b", re.IGNORECASE)),
    ("single-center", re.compile(r"\bsingle[- ](?:center|centre|institution)(?:al)?\b", re.IGNORECASE)),
    ("multicenter", re.compile(r"\bmulti-?(?:center|centre|institution)(?:al)?\b", re.IGNORECASE)),
    ("randomized", re.compile(r"(?<!non-)(?<!non)\brandomi[sz]ed\b", re.IGNORECASE)),
    ("non-randomized", re.compile(r"\bnon-?randomi[sz]ed\b", re.IGNORECASE)),
    ("open-label", re.compile(r"\bopen[- ]label\b", re.IGNORECASE)),
    ("double-blind", re.compile(r"\bdouble[- ]blind(?:ed)?\b", re.IGNORECASE)),
    ("placebo-controlled", re.compile(r"\bplacebo[- ]controlled\b", re.IGNORECASE)),
    ("single-arm", re.compile(r"\bsingle[- ]arm\b", re.IGNORECASE)),
    ("observational", re.compile(r"\bobservational\b", re.IGNORECASE)),
)

_ALL_PATIENTS = "all patients"

# A JSON or XML record is data, whatever sentences its fields hold ("published in", percentages).
_STRUCTURED_OPENERS = frozenset("{[<")
_REGISTRY_MARKER = re.compile(rf"^\s*NCT ID:|^\s*{WRITTEN_NCT_ID}\s*$", re.MULTILINE)
_SITE_CHROME = re.compile(
    r"^(?:skip to (?:main )?content|news|menu|home|search|share|print|subscribe|advertisement"
    r"|sign in|log in|(?:edited|written|reviewed) by\b.*)$",
    re.IGNORECASE,
)
_SOURCE_LABEL = re.compile(r"^\s*Sources?\s*:\s*(.*)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[•·▪*\-–]\s+")
# "Key Outcomes: ", "Design / Population: " before a takeaway bullet's text.
_BULLET_LABEL = re.compile(r"^[A-Z][\w /()&-]{0,40}:\s+")
_ET_AL = re.compile(r"\bet al\.")
_PUBLISHED = re.compile(
    r"\.\s+Published(?:\s+online)?(?:\s+ahead\s+of\s+print)?\s*:?\s+"
    r"(?P<date>[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Z][a-z]+\.?\s+\d{4}"
    r"|[A-Z][a-z]+\.?\s+\d{4}|\d{4}-\d{2}-\d{2})"
)
# AMA style without "Published": "J Clin Oncol. 2025;43(5):100-110."
_VOLUME_YEAR = re.compile(r"\.\s+(?P<date>\d{4})(?:\s+[A-Z][a-z]{2}(?:\s+\d{1,2})?)?;\s*\d+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")
# A break starts where its white space does, so a long run of spaces is crossed once, not from each of them.
_CLAUSE_BREAK = re.compile(r"(?<!\s)(?:\s*[,;]\s+|\s+(?:and|but|while|whereas)\s+)")
_PERCENT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*%")

_SAMPLE_SIZE = re.compile(
    r"\b(?:included|evaluated|enrolled|analy[sz]ed|involved|comprised|studied|randomi[sz]ed|assigned)"
    r"\s+(?:a\s+total\s+of\s+)?(\d[\d,]*)\s+(?:patients|participants|subjects|adults|individuals|people|women|men)\b"
    r"|\b(\d[\d,]*)\s+(?:patients|participants|subjects|adults|individuals|people|women|men)\s+(?:were|had\s+been)\s+"
    r"(?:randomly\s+assigned|randomi[sz]ed|enrolled|included)\b",
    re.IGNORECASE,
)
# The citation written as a sentence of the body: "published in Lung Cancer", "presented at the IASLC 2025 World
# Conference on Lung Cancer". A journal's name is its capitalised words and the small words inside it.
_PUBLISHED_IN = re.compile(
    r"\b(?:published|reported|appeared)(?:\s+online)?(?:\s+(?:on\s+)?(?P<date>[A-Z][a-z]+\.?\s+\d{1,2},?\s+\d{4}))?"
    r",?\s+in\s+(?:the\s+journal\s+)?(?!(?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December)\b)(?P<journal>(?:The\s+)?[A-Z][\w&-]*(?:\s+(?:of|for|the|on|in|&|[A-Z][\w&-]*))*)"
)
_PRESENTED_AT = re.compile(r"\bpresented\s+(?:at|during)\s+(?:the\s+)?[A-Z0-9]")
_SMALL_WORDS_AT_END = re.compile(r"(?:\s+(?:of|for|the|on|in|&))+$")
# The site's own page furniture: an item of this site is a news article even when it cites nothing.
_SITE_MARKS = re.compile(r"^\s*(?:skip to (?:main )?content|edited by|key clinical takeaways:?)\s*$", re.IGNORECASE | re.MULTILINE)
_THIS_STUDY = re.compile(
    r"\b(?:this|the present|the current)\s+(?:[\w-]+,?\s+){0,4}?(?:study|analysis|trial|review)\b",
    re.IGNORECASE,
)

_N_EQUALS = r"\(\s*n\s*=\s*(?P<n>\d[\d,]*)\s*\)"
_TREATED_GROUP = re.compile(
    r"\b(?:patients|participants|those)\s+"
    r"(?:(?P<without>without)|(?:who\s+)?(?:(?P<negated>did\s+not|didn't|not|never)\s+)?"
    r"(?:receive|received|receiving|were\s+given|given|were\s+treated\s+with|treated\s+with))\s+"
    r"(?P<what>[^(),;:.]+?)"
    r"(?=\s*[(),;:.]|\s+(?:and|but|while|following|after|during|versus|vs|compared|were|was|had|remained"
    r"|achieved|experienced|developed|showed)\b|\s*$)"
    rf"(?:\s*{_N_EQUALS})?",
    re.IGNORECASE,
)
_NAMED_GROUP = re.compile(rf"\b(?:among|in|of)\s+(?P<what>[^(),;:.]{{1,80}}?)\s*{_N_EQUALS}", re.IGNORECASE)
# A trial arm named without its size ("69.2% in the pembrolizumab-combination group"); the size comes from
# the "(n = ...)" it is given elsewhere.
_ARM_GROUP = re.compile(
    r"\b(?:among|in|of|with)\s+(?:the\s+)?(?P<what>(?:[\w-]+\s+){0,2}?[\w-]+\s+(?:group|arm|cohort))\b"
    r"(?!\s*\(\s*n\s*=)",
    re.IGNORECASE,
)
# What links a percentage to the patients it is a share of: "34.1% of those given ...", "69.2% in the ... group".
_SHARE_OF = re.compile(r"\s*(?:of|in|among)\s+", re.IGNORECASE)
# A percentage compared with the one before it shares its measure: "60% ..., compared with 27% of those ...".
_COMPARED = re.compile(r"(?:\bvs\.?|\bversus|\bcompared\s+with|\bthan)\s*$|^\s*$", re.IGNORECASE)

_NUMBER_WORDS = {
    "no": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_NUMBER_WORDS |= _TENS | {
    f"{tens}-{unit}": value + _NUMBER_WORDS[unit]
    for tens, value in _TENS.items()
    for unit in ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
}
# Longest words first, so "fourteen" is not read as "four".
_WORDED = "|".join(sorted((w for w in _NUMBER_WORDS if w not in ("no", "none")), key=len, reverse=True))
_NUMBER = rf"\d+|{_WORDED}"
_LEADING_CONNECTOR = re.compile(
    r"^(?:(?:and|but|while|whereas|with|including|in contrast|however|overall)\b[\s,]*)+", re.IGNORECASE
)
_COUNT_DEVELOPED = re.compile(
    rf"^(?:only\s+|just\s+)?(?P<count>{_NUMBER}|none)\s+(?:(?:patients?|participants?)\s+)?"
    r"(?:developed|experienced|had)\s+(?P<measure>.+)$",
    re.IGNORECASE,
)
_COUNT_NONE_REPORTED = re.compile(
    r"^(?P<count>no)\s+(?P<measure>.+?)\s+(?:events?\s+|cases?\s+)?(?:were|was)\s+(?:reported|observed|seen|noted)$",
    re.IGNORECASE,
)
_COUNT_OCCURRED = re.compile(
    rf"^(?P<measure>.+?)\s+occurred\s+in\s+(?P<count>{_NUMBER})\s+(?:patients?|participants?)$", re.IGNORECASE
)
_COUNT_PATTERNS = (_COUNT_DEVELOPED, _COUNT_NONE_REPORTED, _COUNT_OCCURRED)

# Figures that state their count of patients, with or next to the percentage; their own words say
# who was counted ("evaluable patients"), and a stated denominator beats any cohort size.
_PEOPLE = r"(?:patients|participants|subjects|individuals|adults|people|women|men|children)"
_COUNT = r"\d{1,3}(?:,\d{3})+|\d+|" + _WORDED
_PCT = r"\(\s*(?P<{name}>\d+(?:\.\d+)?)\s*%\s*\)"
_WHO = rf"(?P<who>\s+(?:[A-Za-z][\w-]*\s+){{0,3}}?{_PEOPLE}\b)"
# "9 of the 12 patients", "Five of the 25 patients (25%)", "27 (10.5%) of the 257 patients", "46 of 124 (37.1%)"
_COUNT_OF_N = re.compile(
    rf"(?<![\w.,%≥≤<>=+-])(?P<count>{_COUNT})(?:\s*{_PCT.format(name='first')})?\s+(?:out\s+)?of\s+"
    rf"(?:the\s+|all\s+|these\s+|those\s+)?(?P<n>{_COUNT})\b{_WHO}?"
    rf"(?:(?:\s+(?:who\s+)?(?:received|receiving|given|treated\s+with)\s+[^,;()]{{1,60}}?)?\s*{_PCT.format(name='percent')})?",
    re.IGNORECASE,
)
# "37.3% (22 of 59 evaluable patients)", "37.1% (46 patients)"
_PERCENT_THEN_COUNT = re.compile(
    rf"(?<![\d.])(?P<percent>\d+(?:\.\d+)?)\s*%\s*\(\s*(?P<count>{_COUNT})"
    rf"(?:\s+(?:out\s+)?of\s+(?:the\s+)?(?P<n>{_COUNT}))?{_WHO}?\s*\)",
    re.IGNORECASE,
)
# "4 patients (16%)", "12 (48%)"
_COUNT_THEN_PERCENT = re.compile(
    rf"(?<![\w.,%≥≤<>=+-])(?P<count>{_COUNT}){_WHO}?\s*{_PCT.format(name='percent')}", re.IGNORECASE
)
_COUNTED_FIGURES = (_COUNT_OF_N, _PERCENT_THEN_COUNT, _COUNT_THEN_PERCENT)
# A number after these words is a grade, a stage or a time, never a count of patients: "grade 2 (10%)".
_NOT_A_COUNT = re.compile(
    r"\b(?:grade|grades|stage|stages|cycle|cycles|day|days|week|weeks|month|months|year|years|phase|level"
    r"|arm|cohort|ECOG|status|score|dose|mg|version)\s*$",
    re.IGNORECASE,
)
# What the counted patients had: "4 patients (16%) had grade 3 neutropenia".
_COUNT_THEN_MEASURE = re.compile(
    r"\s*(?:(?:with|who|treated|receiving|given)\b[^,;()]*?\s+)?"
    r"(?:were|was|had|developed|experienced|achieved|reported|showed|attained)\s+(?P<measure>.+?)"
    r"(?:\s+(?:vs\.?|versus|compared\s+with)\s.*)?$",
    re.IGNORECASE,
)
# "among the 59 evaluable patients": a cohort named with its size.
_NUMBERED_GROUP = re.compile(
    rf"\b(?:among|in|of|for)\s+(?:the|all|these|those)\s+(?P<n>\d[\d,]*)\s+"
    rf"(?P<what>(?:[A-Za-z][\w-]*\s+){{1,3}}?{_PEOPLE})\b",
    re.IGNORECASE,
)
_SIZE_BEFORE = re.compile(r"\b(?:among|in|for)\s+(?:the\s+|all\s+)?(?P<n>\d{1,3}(?:,\d{3})+|\d+)\s+$", re.IGNORECASE)

# "55% were male", "(87.5%) had an ECOG performance status of 0 to 1"
# "60% of patients receiving olaparib remained free of progression"
_PERCENT_THEN_MEASURE = re.compile(
    r"\d+(?:\.\d+)?\s*%\)?\s+(?:of\s+(?:the\s+)?(?:patients|participants|those)"
    r"(?:\s+(?:who\s+)?(?:received|receiving|were\s+given|given|treated\s+with)\s+[^,;()]+?)?\s+)?"
    r"(?:were|was|had|developed|experienced|achieved|reported|showed|remained)\s+(?P<measure>.+?)"
    r"(?:\s+(?:vs\.?|versus|compared\s+with)\s.*)?$",
    re.IGNORECASE,
)
# "CRS (53.3%)"
_MEASURE_THEN_PAREN = re.compile(r"^(?P<measure>.*\S)\s*\(\s*$")
_CLOSING_PAREN = re.compile(r"\s*\)")
# Words that stand before "(87.5%)" in place of a measure: "the majority (87.5%) had ...".
_QUANTIFIERS = frozenset({"majority", "minority", "most", "half", "patients", "participants"})
# "CRS occurred in 53.3%", "ICANS in 23.3%", "the ORR was 45%"
_MEASURE_IN = re.compile(
    r"^(?P<measure>.*?\S)\s+(?:(?:(?:was|were)\s+)?(?:occurred|observed|reported|seen|noted|achieved)\s+)?in\s*$",
    re.IGNORECASE,
)
_MEASURE_WAS = re.compile(r"^(?P<measure>.*?\S)\s+(?:was|were|of|reached)\s*$", re.IGNORECASE)
_MEASURE_BEFORE_PERCENT = (_MEASURE_IN, _MEASURE_WAS)

# Words that end a measure phrase read backwards from its figure.
_PHRASE_STOPS = frozenset(
    "of with in was were is are had has have for to by among including and or than at a an the".split()
)
_MAX_MEASURE_WORDS = 6
# The words before a percentage that can hold its measure: the phrase
# (`_MAX_MEASURE_WORDS` and the stop word before it) and what links it to the
# figure ("were observed in", "("), with room to spare. Reading only these
# keeps a clause of thousands of figures linear.
_WORDS_BEFORE_PERCENT = 16
_LEADING_ARTICLE = re.compile(r"^(?:a|an|the|any)\s+", re.IGNORECASE)
_GRADE_AT_LEAST = re.compile(
    r"\bgrade\s*(?:≥|>=)\s*(\d)|\bgrade\s*(\d)\s*(?:or\s+(?:higher|greater|above)|\+)", re.IGNORECASE
)
_ECOG = re.compile(
    r"\bECOG\s+(?:performance\s+status|PS)(?:\s+\(PS\))?(?:\s+(?:score\s+)?of)?\s+(\d)(?:\s*(?:to|-|–|or)\s*(\d))?",
    re.IGNORECASE,
)
_EACH = re.compile(r"\beach\b", re.IGNORECASE)
_GENERIC_EVENTS = re.compile(r"^(?P<qualifier>.+?)\s+(?:adverse\s+)?(?:events|toxicities)$", re.IGNORECASE)


@dataclass(frozen=True)
class _Article:
    """The parts of a news page that carry content, chrome removed."""

    headline: str | None
    blocks: tuple[str, ...]  # takeaway bullets and body paragraphs, in order
    citation: str | None


@dataclass(frozen=True)
class _GroupMention:
    """A cohort named in a sentence, where it is named, and its size if stated there."""

    start: int
    label: str
    n: int | None


@dataclass(frozen=True)
class _Figure:
    """One figure read from a sentence, before its cohort is known."""

    position: int
    measure: str
    percent: float | None = None
    count: int | None = None
    n: int | None = None  # a denominator the figure states itself ("9 of the 12 patients")
    cohort: str | None = None  # the patients the figure's own words name ("evaluable patients")
    end: int | None = None  # where a counted figure's words end, to find a group named right after them


def matches(text: str) -> bool:
    """A headline and a body, on a page that is no registry record, that is this site's page or cites a study.

    A page carrying the site's furniture ("Skip to main content", "Edited
    by", "Key Clinical Takeaways") is an article whatever it lacks, so a
    missing figure or citation is reported, never quarantined. Elsewhere the
    body must report figures and cite a study: a "Source:" citation that looks
    like one (an "et al." author list, or a journal and its publication date)
    or a sentence saying where it was published or presented, so prose that
    merely says "Source:" is not taken for an article about a study.
    """
    if _REGISTRY_MARKER.search(text) or text.lstrip()[:1] in _STRUCTURED_OPENERS:
        return False
    article = _split_article(text)
    if article.headline is None or not article.blocks:
        return False
    if _SITE_MARKS.search(text):
        return True
    if article.citation is not None:
        looks_cited = bool(_ET_AL.search(article.citation)) or _citation_journal_and_date(article.citation)[1] is not None
    else:
        looks_cited = any(_PUBLISHED_IN.search(block) or _PRESENTED_AT.search(block) for block in article.blocks)
    return looks_cited and any(_PERCENT.search(block) or _COUNT_OF_N.search(block) for block in article.blocks)


def parse(text: str) -> ParsedDocument:
    """The article's evidence row and the figures it reports; no study, no NCT id."""
    doc = ParsedDocument(format=FORMAT)
    article = _split_article(text)
    sentences = [sentence for block in article.blocks for sentence in _split_sentences(block)]
    sample_size = _read_sample_size(doc, sentences)
    _add_evidence(doc, article, sentences, sample_size)
    for row in _read_findings(doc, _figure_sentences(doc, sentences), sample_size):
        doc.add_row("evidence_findings", row)
    return doc


# A news item is a few KB; reading figures costs some microseconds per percentage, so an
# "article" of millions of them would take tens of seconds. Beyond this, figures are not read.
FIGURES_TEXT_LIMIT = 256 * 1024


def _figure_sentences(doc: ParsedDocument, sentences: list[str]) -> list[str]:
    """The sentences figures are read from: those within the first FIGURES_TEXT_LIMIT characters."""
    total, kept = 0, []
    for sentence in sentences:
        total += len(sentence)
        if total > FIGURES_TEXT_LIMIT:
            doc.report("parse", "WARNING", f"the article runs to {sum(map(len, sentences)) / 1024:,.0f} KiB; "
                       f"figures were read from its first {FIGURES_TEXT_LIMIT // 1024} KiB only")
            break
        kept.append(sentence)
    return kept


# --- the page -----------------------------------------------------------------


def _split_article(text: str) -> _Article:
    """Headline, content blocks and citation; everything from "Source:" on is the citation's."""
    lines = [line.strip() for line in text.splitlines()]
    source_at = next((i for i, line in enumerate(lines) if _SOURCE_LABEL.match(line)), None)
    top = lines if source_at is None else lines[:source_at]
    headline_at = next((i for i, line in enumerate(top) if _is_headline(line)), None)
    after_headline = top if headline_at is None else top[headline_at + 1 :]
    blocks = tuple(_content_text(line) for line in after_headline if _is_content(line))
    return _Article(
        headline=None if headline_at is None else top[headline_at],
        blocks=blocks,
        citation=None if source_at is None else _read_citation(lines[source_at:]),
    )


def _is_headline(line: str) -> bool:
    """A title-like line: not chrome, a few words, no closing period or colon."""
    words = line.split()
    return (
        4 <= len(words) <= 40
        and not _SITE_CHROME.match(line)
        and not line.endswith((".", ":"))
        and not _BULLET.match(line)
    )


def _is_content(line: str) -> bool:
    """Body text, as opposed to blank lines, chrome and section headings ("Key Clinical Takeaways:")."""
    return bool(line) and not _SITE_CHROME.match(line) and not line.endswith(":")


def _content_text(line: str) -> str:
    """A paragraph as is; a bullet without its marker and label, which belong to no sentence."""
    if _BULLET.match(line):
        return _BULLET_LABEL.sub("", _BULLET.sub("", line))
    return line


def _read_citation(lines: list[str]) -> str | None:
    """The citation after "Source:": on the label's line, or the paragraph below it."""
    first = _SOURCE_LABEL.match(lines[0])
    paragraph: list[str] = [first.group(1).strip()] if first and first.group(1).strip() else []
    for line in lines[1:]:
        if not line:
            if paragraph:
                break
            continue
        paragraph.append(line)
    return " ".join(paragraph) or None


def _split_sentences(block: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END.split(block) if sentence.strip()]


# --- the evidence row ------------------------------------------------------------


def _add_evidence(doc: ParsedDocument, article: _Article, sentences: list[str], sample_size: int | None) -> None:
    if article.headline is None:
        doc.report("parse", "WARNING", "no headline found above the article body", field="title")
    citation = article.citation
    if citation is not None:
        journal, date_text = _citation_journal_and_date(citation)
        if journal is None:
            doc.report(
                "parse", "WARNING", "citation names no journal and publication date that could be read",
                field="journal", observed=citation,
            )
    else:
        citation, journal, date_text = _cited_in_body(sentences)
        if citation is None:
            doc.report(
                "parse", "WARNING",
                "no citation: neither a \"Source:\" section nor a sentence saying where the study was published "
                "or presented", field="citation",
            )
        elif journal is None:
            doc.report("parse", "INFO", "the study is cited by a meeting only; no journal", field="journal",
                       observed=citation)
    body = "\n".join(article.blocks)
    searched = "\n".join(part for part in (body, article.headline, citation) if part)
    doc.add_row(
        "evidence",
        {
            "title": article.headline,
            "citation": citation,
            "journal": journal,
            "published_date": _published_date(doc, date_text),
            "drugs": find_drugs(searched),
            "conditions": condition_families(searched),
            "design": _study_design(sentences),
            "sample_size": sample_size,
        },
    )


def _citation_journal_and_date(citation: str) -> tuple[str | None, str | None]:
    """Journal and publication date of an AMA-style citation ("... Clin Lung Can. Published online December 5, 2025.").

    AMA journal abbreviations carry no periods, so the journal is the
    sentence just before the date.
    """
    found = _PUBLISHED.search(citation) or _VOLUME_YEAR.search(citation)
    if found is None:
        return None, None
    journal = citation[: found.start()].rsplit(". ", 1)[-1].strip()
    return journal or None, found.group("date")


def _cited_in_body(sentences: list[str]) -> tuple[str | None, str | None, str | None]:
    """Citation, journal and date from the sentences saying where the study was published or presented.

    Pages without a "Source:" section cite the study in prose ("The findings
    were presented at the IASLC 2025 World Conference on Lung Cancer and
    published in Lung Cancer."); those sentences are the citation.
    """
    cited = [s for s in sentences if _PUBLISHED_IN.search(s) or _PRESENTED_AT.search(s)]
    if not cited:
        return None, None, None
    published = next((found for s in cited if (found := _PUBLISHED_IN.search(s))), None)
    if published is None:
        return " ".join(dict.fromkeys(cited)), None, None
    journal = _SMALL_WORDS_AT_END.sub("", published.group("journal")).strip()
    return " ".join(dict.fromkeys(cited)), journal or None, published.group("date")


def _published_date(doc: ParsedDocument, date_text: str | None) -> dt.date | None:
    if date_text is None:
        return None
    parsed = parse_partial_date(date_text)
    if parsed is None:
        doc.report(
            "parse", "WARNING", "publication date could not be read", field="published_date", observed=date_text
        )
        return None
    if parsed.precision != "DAY":
        doc.report(
            "parse", "INFO",
            f"publication date gives no day; stored as the first day of its {parsed.precision.lower()}",
            field="published_date", observed=date_text,
        )
    return parsed.value


def _study_sentences(sentences: list[str]) -> list[str]:
    """Sentences describing the article's own study, not the trials it is compared with."""
    return [s for s in sentences if _SAMPLE_SIZE.search(s) or _THIS_STUDY.search(s)]


def _study_design(sentences: list[str]) -> str | None:
    """The design words the article uses for its own study, in the order it uses them."""
    described = "\n".join(_study_sentences(sentences))
    positions = {label: found.start() for label, pattern in _DESIGN_TERMS if (found := pattern.search(described))}
    return ", ".join(sorted(positions, key=positions.__getitem__)) or None


def _read_sample_size(doc: ParsedDocument, sentences: list[str]) -> int | None:
    stated = (read_count(found.group(1) or found.group(2)) for s in sentences for found in _SAMPLE_SIZE.finditer(s))
    sizes = [size for size in stated if size is not None]
    if len(set(sizes)) > 1:
        doc.report(
            "consistency", "WARNING", f"the article gives different sample sizes; kept the first, {sizes[0]}",
            field="sample_size", observed=", ".join(map(str, sizes)),
        )
    return sizes[0] if sizes else None


# --- the figures ------------------------------------------------------------------


def _read_findings(doc: ParsedDocument, sentences: list[str], sample_size: int | None) -> list[dict[str, Any]]:
    """One row per distinct figure; an identical repeat (takeaway and body) is kept once."""
    mentions = [_group_mentions(sentence) for sentence in sentences]
    sizes = _cohort_sizes(doc, mentions)
    if sample_size is not None:
        sizes.setdefault(_ALL_PATIENTS, sample_size)
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for sentence, named in zip(sentences, mentions):
        for row in _sentence_findings(doc, sentence, named, sizes):
            rows.setdefault(tuple(row.values()), row)
    return list(rows.values())


def _group_mentions(sentence: str) -> list[_GroupMention]:
    """Treatment groups ("patients not receiving X") and any other group given an "(n = ...)"."""
    treated_matches = list(_TREATED_GROUP.finditer(sentence))
    treated = [
        _GroupMention(found.start(), _treated_group_label(found), _to_int(found.group("n")) or _size_before(sentence, found))
        for found in treated_matches
    ]
    taken_ends = {found.end() for found in treated_matches}
    named = [
        _GroupMention(found.start(), _plain_label(found.group("what")), _to_int(found.group("n")))
        for found in _NAMED_GROUP.finditer(sentence)
        if found.end() not in taken_ends
    ]
    taken = [(found.start(), found.end()) for found in treated_matches]
    arms = [
        _GroupMention(found.start(), _plain_label(found.group("what")), None)
        for found in _ARM_GROUP.finditer(sentence)
    ]
    numbered = [
        _GroupMention(found.start(), _plain_label(found.group("what")), _to_int(found.group("n")))
        for found in _NUMBERED_GROUP.finditer(sentence)
        if not any(start < found.end() and found.start() < end for start, end in taken)
    ]
    return sorted(treated + named + numbered + arms, key=lambda mention: mention.start)


def _size_before(sentence: str, found: re.Match[str]) -> int | None:
    """The size written just before a treated group: "the 257 patients treated with X"."""
    size = _SIZE_BEFORE.search(sentence, max(0, found.start() - 40), found.start())
    return _to_int(size.group("n")) if size else None


def _treated_group_label(found: re.Match[str]) -> str:
    """The treatment names the group; those who did not get it are "no <treatment>"."""
    what = _plain_label(found.group("what"))
    return f"no {what}" if found.group("without") or found.group("negated") else what


def _plain_label(phrase: str) -> str:
    return _lower_words(_LEADING_ARTICLE.sub("", phrase.strip()))


def _to_int(number: str | None) -> int | None:
    """A cohort size as written; one beyond BIGINT is no cohort and reads as unstated."""
    return None if number is None else read_count(number)


def _cohort_sizes(doc: ParsedDocument, mentions: list[list[_GroupMention]]) -> dict[str, int]:
    """Each cohort's size from the "(n = ...)" it is given somewhere in the article."""
    sizes: dict[str, int] = {}
    for mention in (m for named in mentions for m in named if m.n is not None):
        known = sizes.setdefault(mention.label, mention.n)
        if known != mention.n:
            doc.report(
                "consistency", "WARNING",
                f"cohort {mention.label!r} is given two sizes, {known} and {mention.n}; kept {known}",
                field="n", observed=str(mention.n),
            )
    return sizes


def _sentence_findings(
    doc: ParsedDocument, sentence: str, named: list[_GroupMention], sizes: dict[str, int]
) -> list[dict[str, Any]]:
    figures = _percent_figures(doc, sentence)
    if named:
        figures += _count_figures(sentence)
    rows = []
    starts = [mention.start for mention in named]
    for figure in sorted(figures, key=lambda f: f.position):
        cohort = figure.cohort or _group_named_by(figure, named) or _cohort_of(figure, named, starts)
        if cohort is None and figure.n is not None:
            cohort = _ALL_PATIENTS if sizes.get(_ALL_PATIENTS) in (None, figure.n) else f"{figure.n} patients"
        if cohort is None and _ALL_PATIENTS not in sizes:
            doc.report(
                "parse", "INFO", "percentage names no cohort and the article gives no sample size; not recorded",
                field="cohort", observed=sentence,
            )
            continue
        rows.append(_finding_row(figure, cohort or _ALL_PATIENTS, sizes))
    return rows


def _group_named_by(figure: _Figure, named: list[_GroupMention]) -> str | None:
    """The group a counted figure's own words name: "27 (10.5%) of the 257 patients treated with X" -> X."""
    if figure.end is None:
        return None
    return next((m.label for m in named if figure.position <= m.start <= figure.end), None)


def _cohort_of(figure: _Figure, named: list[_GroupMention], starts: list[int]) -> str | None:
    """The group named nearest before the figure, else the first one named after it (`starts` are the groups')."""
    before = bisect_right(starts, figure.position)
    if before:
        return named[before - 1].label
    return named[0].label if named else None


def _finding_row(figure: _Figure, cohort: str, sizes: dict[str, int]) -> dict[str, Any]:
    """A stated count and percentage are kept as written (the checks compare them); a missing one is derived."""
    n = figure.n if figure.n is not None else sizes.get(cohort)
    percent, count = figure.percent, figure.count
    if n is not None and percent is not None and count is None:
        count = _count_from_percent(percent, n)
    elif n is not None and count is not None and percent is None:
        percent = round(count / n * 100, 1) if n else None
    return {"cohort": cohort, "n": n, "measure": figure.measure, "percent": percent, "count": count}


def _count_from_percent(percent: float, n: int) -> int:
    return int((Decimal(str(percent)) * n / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _clauses(sentence: str) -> list[tuple[int, str]]:
    """The sentence's clauses with where each starts, so figures keep their place in the sentence."""
    pieces: list[tuple[int, str]] = []
    start = 0
    for found in _CLAUSE_BREAK.finditer(sentence):
        pieces.append((start, sentence[start : found.start()]))
        start = found.end()
    pieces.append((start, sentence[start:]))
    return [(at, text) for at, text in pieces if text.strip()]


def _percent_figures(doc: ParsedDocument, sentence: str) -> list[_Figure]:
    figures: list[_Figure] = []
    measures: dict[str, None] = {}  # the measures named so far (not spread), once each, in order
    for at, clause in _clauses(sentence):
        says_each: bool | None = None
        counted, spans = _counted_figures(doc, sentence, at, clause, figures[-1].measure if figures else None)
        figures += counted
        for found in _PERCENT.finditer(clause):
            if any(start <= found.start() < end for start, end in spans):
                continue
            measure = _measure_of_percent(clause, found)
            if measure is None and figures and _COMPARED.search(clause, 0, found.start()):
                measure = figures[-1].measure
            if measure is None:
                doc.report(
                    "parse", "INFO", f"{found.group(0)} could not be attached to a measure; not recorded",
                    field="measure", observed=sentence,
                )
                continue
            percent = float(found.group(1))
            generic = _GENERIC_EVENTS.match(measure)
            if generic and says_each is None:
                says_each = _EACH.search(clause) is not None
            if generic and says_each:
                # Spread over the measures named, never over figures spread before: a second "each"
                # would otherwise read "grade >=3 grade >=3 CRS", and each repetition lengthen it again.
                figures += [_Figure(at + found.start(), label, percent=percent)
                            for label in _spread_over_each(generic, list(measures))]
            else:
                share_of = _SHARE_OF.match(clause, found.end())
                end = at + (share_of.end() if share_of else found.end())
                figures.append(_Figure(at + found.start(), measure, percent=percent, end=end))
                measures[measure] = None
    return figures


def _counted_figures(
    doc: ParsedDocument, sentence: str, at: int, clause: str, previous: str | None
) -> tuple[list[_Figure], list[tuple[int, int]]]:
    """Figures that state their count ("4 patients (16%)", "9 of the 12 patients", "37.3% (22 of 59 ...)").

    Returns them and the spans of the clause they take, so their
    percentages are not read a second time as bare ones.
    """
    found_all = sorted(
        (found for pattern in _COUNTED_FIGURES for found in pattern.finditer(clause) if _is_counted(clause, found)),
        key=lambda found: (found.start(), -found.end()),
    )
    figures, spans = [], []
    for found in found_all:
        if spans and found.start() < spans[-1][1]:
            continue
        spans.append((found.start(), found.end()))
        groups = found.groupdict()
        measure = _measure_of_counted(clause, found)
        if measure is None and previous and _COMPARED.search(clause, 0, found.start()):
            measure = previous
        if measure is None:
            doc.report(
                "parse", "INFO", f"{found.group(0)!r} could not be attached to a measure; not recorded",
                field="measure", observed=sentence,
            )
            continue
        percent = groups.get("percent") or groups.get("first")
        who = _plain_label(groups["who"]) if groups.get("who") else None
        figures.append(
            _Figure(
                at + found.start(), measure,
                percent=float(percent) if percent else None,
                count=_read_number(groups["count"]),
                n=_read_number(groups["n"]) if groups.get("n") else None,
                cohort=who if who and who.split()[0] not in _PEOPLE_WORDS else None,
                end=at + found.end(),
            )
        )
    return figures, spans


_PEOPLE_WORDS = frozenset(re.findall(r"\w+", _PEOPLE))


def _is_counted(clause: str, found: re.Match[str]) -> bool:
    """A count of patients, not a grade, stage or time ("grade 2 (10%)"), and "9 of 12" only when it counts people."""
    if _NOT_A_COUNT.search(clause, 0, found.start()):
        return False
    groups = found.groupdict()
    if found.re is _COUNT_OF_N and not (groups.get("who") or groups.get("percent") or groups.get("first")):
        return False
    count, n = _read_number(groups["count"]), _read_number(groups["n"]) if groups.get("n") else None
    return count is not None and (n is None or count <= n)


def _read_number(text: str) -> int | None:
    word = text.lower()
    return _NUMBER_WORDS[word] if word in _NUMBER_WORDS else read_count(word)


def _measure_of_counted(clause: str, found: re.Match[str]) -> str | None:
    """What counted patients had: named after them ("... had grade 3 neutropenia") or before ("ORR was ...")."""
    after = _COUNT_THEN_MEASURE.match(clause, found.end())
    if after:
        return _measure_label(after.group("measure"))
    before_text = clause[_start_of_words_before(clause, found.start()) : found.start()]
    for pattern in _MEASURE_BEFORE_PERCENT:
        before = pattern.match(before_text)
        if before:
            return _trailing_phrase(before.group("measure"))
    return None


def _measure_of_percent(clause: str, found: re.Match[str]) -> str | None:
    """The measure a percentage is the share of: "CRS (53.3%)", "55% were male", "CRS occurred in 53.3%"."""
    before_text = clause[_start_of_words_before(clause, found.start()) : found.start()]
    in_parentheses = _MEASURE_THEN_PAREN.match(before_text)
    if in_parentheses and _CLOSING_PAREN.match(clause, found.end()):
        phrase = _trailing_phrase(in_parentheses.group("measure"))
        if phrase and phrase not in _QUANTIFIERS:
            return phrase
    after = _PERCENT_THEN_MEASURE.match(clause, found.start())
    if after:
        return _measure_label(after.group("measure"))
    for pattern in _MEASURE_BEFORE_PERCENT:
        before = pattern.match(before_text)
        if before:
            return _trailing_phrase(before.group("measure"))
    return None


def _start_of_words_before(clause: str, end: int) -> int:
    """Where the last `_WORDS_BEFORE_PERCENT` words before `end` begin (0 when there are fewer)."""
    position = end
    for _ in range(_WORDS_BEFORE_PERCENT):
        while position > 0 and clause[position - 1].isspace():
            position -= 1
        while position > 0 and not clause[position - 1].isspace():
            position -= 1
        if position == 0:
            break
    return position


def _spread_over_each(generic: re.Match[str], named_before: list[str]) -> list[str]:
    """One figure per toxicity named earlier in the sentence, for "grade >=3 events ... in 10% each"."""
    if named_before:
        return [f"{generic.group('qualifier')} {name}" for name in named_before]
    return [generic.group(0)]


def _count_figures(sentence: str) -> list[_Figure]:
    """Patients counted outright ("only 1 developed grade 2 CRS", "no ICANS events were reported")."""
    figures = []
    for at, clause in _clauses(sentence):
        text = _LEADING_CONNECTOR.sub("", clause.strip(" .!?"))
        for pattern in _COUNT_PATTERNS:
            found = pattern.match(text)
            if found:
                measure = _measure_label(found.group("measure"))
                word = found.group("count").lower()
                count = _NUMBER_WORDS[word] if word in _NUMBER_WORDS else read_count(word)
                if measure and count is not None:
                    figures.append(_Figure(at, measure, count=count))
                break
    return figures


def _trailing_phrase(text: str) -> str | None:
    """The noun phrase just before a figure ("higher-than-trial rates of CRS" -> "CRS")."""
    words: list[str] = []
    text = _GRADE_AT_LEAST.sub(lambda m: f"grade >={m.group(1) or m.group(2)}", text)
    for word in reversed(text.split()):
        if word.lower() in _PHRASE_STOPS or len(words) == _MAX_MEASURE_WORDS:
            break
        words.insert(0, word)
    return _measure_label(" ".join(words)) if words else None


def _measure_label(phrase: str) -> str | None:
    """A short, consistent measure label: "grade ≥ 3 CRS" -> "grade >=3 CRS", "ECOG ... of 0 to 1" -> "ECOG 0-1"."""
    text = _LEADING_ARTICLE.sub("", phrase.strip(" .,;:"))
    text = _GRADE_AT_LEAST.sub(lambda m: f"grade >={m.group(1) or m.group(2)}", text)
    text = _ECOG.sub(lambda m: "ECOG " + "-".join(g for g in m.groups() if g), text)
    return _lower_words(text) or None


def _lower_words(text: str) -> str:
    """Lower case except abbreviations (CRS, ICANS, ECOG), which are written in capitals."""
    return " ".join(word if word.isupper() else word.lower() for word in text.split())
