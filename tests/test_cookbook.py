"""The README's query cookbook, run as written against the seeds' warehouse."""

from __future__ import annotations

import re

import pytest

from tests.pipeline_helpers import PROJECT_ROOT, materialize_all, query, settings_in

_SQL_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)


def cookbook_queries() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Query cookbook", 1)[1].split("\n## ", 1)[0]
    return _SQL_BLOCK.findall(section)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("cookbook"))
    assert materialize_all(settings).success
    return settings


def test_the_cookbook_has_four_queries():
    assert len(cookbook_queries()) == 4


def test_trials_open_to_ecog_2(seeded):
    rows = query(seeded, cookbook_queries()[0])
    assert [nct_id for nct_id, _ in rows] == ["NCT07203053", "NCT07358676"]


def test_trials_with_a_neutrophil_threshold_of_at_most_1_5(seeded):
    assert query(seeded, cookbook_queries()[1]) == [
        ("NCT06931145", ">=", 1.5, "x10^9/L"),
        ("NCT07358676", ">=", 1.5, "x10^9/L"),
    ]


def test_the_tarlatamab_step_up_schedules(seeded):
    schedule = [(1, 1.0, "mg", "IV", "C1D1"), (2, 10.0, "mg", "IV", "C1D8"),
                (3, 10.0, "mg", "IV", "C1D15"), (4, 10.0, "mg", "IV", "Q2W")]
    rows = query(seeded, cookbook_queries()[2])
    assert rows == [("NCT06893783", *step) for step in schedule] + [("NCT07203053", *step) for step in schedule]


def test_safety_evidence_linked_to_recruiting_trials(seeded):
    rows = query(seeded, cookbook_queries()[3])
    assert {r[0] for r in rows} == {"NCT07203053"}
    assert len(rows) == 8
    assert ("no prophylactic tocilizumab", "CRS", 53.3, 16) in [r[4:] for r in rows]
    assert rows[0][3] == "retrospective, single-center"
