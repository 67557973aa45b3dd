"""Long alternations that Python's `re` can scan quickly: branches grouped by their first character.

Python's `re` enters every branch of an alternation in turn at each
position of a text, so a vocabulary of hundreds of spellings costs hundreds
of attempts per character. Grouped under an opening that tests the first
character they share, a position that starts none of a group's branches is
ruled out with one test per group. The drug and analyte vocabularies both
scan every criteria line and dosing text this way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def grouped_alternation(branches: Iterable[tuple[str, str]], opening: Callable[[str], str]) -> str:
    """The branches as one alternation, those with one first character behind `opening(character)`.

    `branches` are (first character, pattern) in the order they must be
    tried; `opening` and the pattern together match what the branch matched
    alone (the opening consumes the first character and the pattern holds
    the rest, or the opening only looks ahead). The order is kept within a
    group, and branches of different groups cannot match at one position,
    so the first branch to match is the one the plain alternation matches.
    """
    groups: dict[str, list[str]] = {}
    for first, pattern in branches:
        groups.setdefault(first, []).append(pattern)
    return "|".join(f"{opening(first)}(?:{'|'.join(patterns)})" for first, patterns in groups.items())
