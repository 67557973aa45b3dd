"""Which layout a document is written in, judged from its content.

File names say nothing reliable (analysts rename, portals number files), so
each layout module recognises its own text; the first layout that claims a
document parses it.
"""

from __future__ import annotations

import re
from types import ModuleType

from pipeline.extract.fields.nct_ids import WRITTEN_NCT_ID, to_ascii
from pipeline.extract.layouts import ctgov_json, ctgov_text, ctgov_xml, mirror_page, news_article, veeva_page

# Most specific first: the registry's own formats are recognised by their first
# characters, and a registry page quoting a news item is still a registry page.
LAYOUTS: tuple[ModuleType, ...] = (ctgov_json, ctgov_xml, mirror_page, ctgov_text, veeva_page, news_article)

NCT_ID = re.compile(rf"\b{WRITTEN_NCT_ID}\b")


def detect_layout(text: str) -> ModuleType | None:
    """The layout module that recognises `text`, or None."""
    for layout in LAYOUTS:
        if layout.matches(text):
            return layout
    return None


def unknown_layout_reason(text: str) -> str:
    """Why a document was not recognised, in words an analyst can act on."""
    found = NCT_ID.search(text)
    if found:
        return (
            f"mentions {to_ascii(found.group(0))} but its layout is not one trialflow reads "
            "(ClinicalTrials.gov JSON or XML, mirror page, ClinicalTrials.gov text export, "
            "ClinicalTrials.Veeva page, news article)"
        )
    return "not a trial record: no NCT id and no known layout"
