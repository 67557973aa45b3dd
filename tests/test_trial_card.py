"""Asking about trials: `python -m pipeline show NCT...` and `make sql`, over the published Parquet."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from pipeline.cli.card import UnknownTrialError, normalized_nct_id
from tests.pipeline_helpers import PROJECT_ROOT, materialize_all, settings_in


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    settings = settings_in(tmp_path_factory.mktemp("card"))
    assert materialize_all(settings).success
    return settings


def _command(settings, *arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "TRIALS_PUBLISH_DIR": str(settings.publish_dir),
                   "TRIALS_WAREHOUSE": str(settings.warehouse), "TRIALS_SOURCE_DIR": str(settings.source_dir)}
    return subprocess.run([sys.executable, "-m", "pipeline", *arguments], cwd=PROJECT_ROOT, env=environment,
                          input=stdin, capture_output=True, text=True, timeout=120)


def _section(lines: list[str], title: str) -> list[str]:
    start = lines.index(title) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


def test_the_card_of_nct07203053_shows_its_fields_dosing_thresholds_and_evidence(seeded):
    # A run writing the warehouse holds its lock; the card reads only the Parquet.
    with duckdb.connect(str(seeded.warehouse)):
        shown = _command(seeded, "show", "nct07203053")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == ("NCT07203053  A Trial of Tarlatamab in Patients With Pretreated Extensive-stage "
                        "Small Cell Lung Cancer (ES-SCLC) and ECOG PS 2")
    assert "  phase                      PHASE2" in lines
    assert "  enrollment                 48" in lines
    assert "  start_date                 2026-05-31" in lines
    assert _section(lines, "sources (1)") == ["  1. 000_d2c7a984589bc891.txt (mirror_page, updated 2026-01-22)"]
    assert _section(lines, "arms (1)") == ["  Tarlatamab (EXPERIMENTAL): Tarlatamab"]
    assert _section(lines, "dosing (4)") == [
        "  tarlatamab step 1: 1 mg, IV, C1D1",
        "  tarlatamab step 2: 10 mg, IV, C1D8",
        "  tarlatamab step 3: 10 mg, IV, C1D15",
        "  tarlatamab step 4: 10 mg, IV, Q2W",
    ]
    thresholds = _section(lines, "eligibility thresholds (7)")
    assert thresholds[0] == "  ECOG = 2   (inclusion #4: ECOG Performance Status 2)"
    assert thresholds[1] == "  AGE >= 18 years   (inclusion #5: Age ≥18 years)"
    assert thresholds[-1] == "  LVEF >= 50 %   (inclusion #9: Left ventricular ejection fraction (LVEF) ≥50%)"
    (evidence,) = _section(lines, "evidence (1)")
    assert evidence.startswith("  004_05c86904299774e9.txt: Prophylactic Tocilizumab May Limit Tarlatamab Toxicities")
    assert evidence.endswith("(Clin Lung Can, 2025-12-05); shares tarlatamab")
    assert lines[-1] == "findings: none"


def test_a_card_lists_the_trials_findings_with_field_and_observed_value(seeded):
    shown = _command(seeded, "show", "NCT06893783")
    assert shown.returncode == 0, shown.stderr
    findings = _section(shown.stdout.splitlines(), "findings (2)")
    assert "  WARNING field_swap age_range,sex = age_range='ALL'; sex='19 Years'" in findings
    assert any(line.strip().endswith("[001_0e0bfe03180ab1a6.txt:47]") and "have been put back" in line for line in findings)


@pytest.mark.parametrize(("nct_id", "message"), [
    ("NCT0720305", "error: 'NCT0720305' is not an NCT id: expected NCT followed by 8 digits, for example NCT07203053"),
    ("NCT00000001", "error: NCT00000001 is not in the published studies: no document of it was parsed"),
])
def test_an_unknown_or_malformed_nct_id_is_said_plainly_with_a_failing_status(seeded, nct_id, message):
    shown = _command(seeded, "show", nct_id)
    assert (shown.returncode, shown.stdout, shown.stderr.strip()) == (2, "", message)


def test_nct_ids_are_accepted_as_people_type_them():
    assert normalized_nct_id(" nct07203053 ") == "NCT07203053"
    with pytest.raises(UnknownTrialError):
        normalized_nct_id("NCT07203053; drop table studies")


def test_the_sql_shell_runs_a_piped_query_over_a_view_per_published_table(seeded):
    shell = _command(seeded, "sql", stdin="select count(*) as trials from studies;\n"
                                          "select count(*) as views from duckdb_views() where not internal;\n")
    assert shell.returncode == 0, shell.stderr
    rows = [line for line in shell.stdout.splitlines() if line.startswith("│") and "int64" not in line]
    assert [row.split("│")[1].strip() for row in rows] == ["trials", "4", "views", "21"]


def test_a_failing_statement_is_reported_and_the_shell_exits_non_zero(seeded):
    shell = _command(seeded, "sql", stdin="select no_such_column from studies;\nselect 7 as seven;\n")
    assert shell.returncode == 1
    assert 'Referenced column "no_such_column" not found' in shell.stderr
    assert "│     7 │" in shell.stdout, "the statements after a failing one still run"


def test_nothing_published_yet_says_what_to_do(tmp_path):
    settings = settings_in(tmp_path, copy_seeds=False)
    shell = _command(settings, "sql", stdin="select 1;\n")
    assert (shell.returncode, shell.stderr.strip()) == (
        2, f"error: nothing is published in {settings.publish_dir} yet: run `make run` first")
