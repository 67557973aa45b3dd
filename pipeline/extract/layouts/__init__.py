"""One module per source layout: `matches(text)` and `parse(text) -> ParsedDocument`.

Layout modules are pure functions of the text: no I/O, no Dagster, no state.
"""
