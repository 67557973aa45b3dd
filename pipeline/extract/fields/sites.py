"""A trial site as the sites table holds it."""

from __future__ import annotations

from pipeline.extract.document import ParsedDocument
from pipeline.registry import vocabularies as vocab


def add_site(doc: ParsedDocument, facility: str | None, city: str | None, state: str | None,
             zip_code: str | None, country: str | None, status: str | None) -> None:
    """One `sites` row, its recruitment status in the contract's vocabulary (a finding when it is not)."""
    doc.add_row("sites", {
        "facility": facility,
        "city": city,
        "state": state,
        "zip": zip_code,
        "country": country,
        "status": doc.vocabulary_value(status, vocab.SITE_STATUS, "site_status"),
    })
