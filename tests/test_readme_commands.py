"""Every command the README shows runs as written, in a copy of the project.

The README's ```sh blocks are parsed like the cookbook's queries: each
command is run in a temporary copy of the project (its `data/` and
`DAGSTER_HOME` inside the copy), or, when it runs for minutes or until
stopped (the UI, the suite, the benchmark, fuzzing), its make target is
checked with `make -n`. A command this file does not know fails the test,
so the README cannot show a command nobody ran. The sample of what
`make run` prints is compared with what it printed.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.pipeline_helpers import PROJECT_ROOT, SEED_TRIALS

README = PROJECT_ROOT / "README.md"
_SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
_SAMPLE_BLOCK = re.compile(r"```text\n(.*?)```", re.DOTALL)
# What a copy of the project needs to run: the code, its configuration and the seeds.
_PROJECT_FILES = ("Makefile", "pyproject.toml", "dagster.yaml", "workspace.yaml")
_PROJECT_FOLDERS = ("pipeline", "assets", "checks", "seeds")
# The recipe lines make echoes before running them (its DAGSTER_HOME set-up, then the run).
_MAKE_ECHOES = ("mkdir -p ", "cp dagster.yaml ", ".venv/bin/python -m pipeline run")


def readme_commands() -> list[str]:
    """Every command of the README's sh blocks, comments dropped, continued lines joined."""
    commands = []
    for block in _SH_BLOCK.findall(README.read_text(encoding="utf-8")):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split(" #", 1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project sharing the installed virtualenv, with nothing in `data/` yet.

    The copy gets its own `.venv` folder of links to the real one and its own
    install stamp, so make never reinstalls the shared virtualenv (it would
    point the editable install at the copy).
    """
    root = tmp_path_factory.mktemp("readme") / "trialflow"
    root.mkdir()
    for name in _PROJECT_FILES:
        shutil.copy2(PROJECT_ROOT / name, root / name)
    for name in _PROJECT_FOLDERS:
        shutil.copytree(PROJECT_ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    venv = root / ".venv"
    venv.mkdir()
    for entry in (PROJECT_ROOT / ".venv").iterdir():
        if entry.name != ".installed":
            (venv / entry.name).symlink_to(entry)
    (venv / ".installed").touch()
    return root


def _environment() -> dict[str, str]:
    """The user's environment without trialflow's or Dagster's settings: the copy's defaults apply."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith(("TRIALS_", "DAGSTER_", "MAKE")) and name != "MFLAGS"}


def shell(project: Path, command: str, stdin: str | None = "") -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=project, env=_environment(), input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


@dataclass(frozen=True)
class Check:
    """How one kind of README command is checked: run it, or dry-run its make target."""

    pattern: str
    check: Callable[[Path, str, re.Match], None]


def _runs(expected: str) -> Callable[[Path, str, re.Match], None]:
    def check(project: Path, command: str, _: re.Match) -> None:
        result = shell(project, command)
        assert result.returncode == 0, f"{command}\n{result.stdout}"
        assert expected in result.stdout, f"{command}: {expected!r} not in\n{result.stdout}"
    return check


def _dry_run(project: Path, command: str, match: re.Match) -> None:
    """A command that runs for minutes or until stopped: its target exists and make can plan it."""
    arguments = shlex.split(match.group("arguments") or "")
    result = subprocess.run(["make", "-n", match.group("target"), *arguments], cwd=project, env=_environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    assert result.returncode == 0, f"{command}\n{result.stdout}"
    assert ".venv/bin/" in result.stdout, f"{command}: make -n planned nothing\n{result.stdout}"


def _make_run(project: Path, command: str, _: re.Match) -> None:
    result = shell(project, command)
    assert result.returncode == 0, f"{command}\n{result.stdout}"
    assert "trials published  4" in result.stdout and (project / "data" / "published" / "studies.parquet").exists()


_SEED = sorted(SEED_TRIALS)[0]
_DAGSTER = r'DAGSTER_HOME="\$PWD/data/dagster_home" \.venv/bin/dagster'

# Order matters only in that `make run` comes first in the README, as it must for a reader too.
CHECKS: tuple[Check, ...] = (
    Check(r"make run( STRICT=1)?", _make_run),
    Check(r"\.venv/bin/python -m pipeline run( --strict)?", _make_run),
    Check(r"make (?P<target>test|ui|bench|fuzz|check-defs)(?P<arguments>( [A-Z_]+=\S+)*)", _dry_run),
    Check(r"make sql", _runs("")),
    Check(r'echo "select [^"]+" \| make sql', _runs(_SEED)),
    Check(r"\.venv/bin/python -m pipeline show NCT\d{8}", _runs("NCT")),
    Check(r"make show NCT=NCT\d{8}", _runs("NCT")),
    Check(_DAGSTER + r" sensor list -w workspace\.yaml", _runs("source_folder_sensor")),
    Check(_DAGSTER + r" (sensor|schedule) (stop|start) (source_folder_sensor|daily_refresh) -w workspace\.yaml",
          _runs("")),
)


def _check_of(command: str) -> tuple[Check, re.Match] | None:
    for check in CHECKS:
        match = re.fullmatch(check.pattern, command)
        if match:
            return check, match
    return None


def test_every_readme_command_is_one_this_test_knows():
    commands = readme_commands()
    assert commands[0] == "make run" and "make test" in commands[:3]
    assert [c for c in commands if _check_of(c) is None] == []
    assert _check_of("make clean") is None and _check_of("make run FOO=1") is None


@pytest.fixture(scope="module")
def first_run(project) -> subprocess.CompletedProcess:
    """`make run` on the fresh copy, as a new user's first command."""
    return shell(project, "make run")


def test_every_readme_command_runs_as_written(project, first_run):
    assert first_run.returncode == 0, first_run.stdout
    for command in readme_commands():
        known = _check_of(command)
        assert known is not None, f"no check for README command {command!r}"
        check, match = known
        check.check(project, command, match)


def _normalized(lines: list[str]) -> list[str]:
    """A run's output without what changes from run to run: clock times, run id, duration, the project's folder."""
    shown = []
    for line in lines:
        line = re.sub(r"^\d\d:\d\d:\d\d ", "HH:MM:SS ", line)
        line = re.sub(r"(/[^\s:]*)?/trialflow(?=/)", "<project>", line)
        line = re.sub(r"^run [0-9a-f]{8} (\w+) in [\d.]+ s$", r"run ID \1 in N s", line)
        shown.append(line)
    return shown


def test_the_readme_shows_what_make_run_prints(first_run):
    """A first run on a fresh copy, step lines and summary, line for line (after make's echo of its commands)."""
    printed = [line for line in first_run.stdout.splitlines() if not line.startswith(_MAKE_ECHOES)]
    samples = _SAMPLE_BLOCK.findall(README.read_text(encoding="utf-8"))
    assert samples, "the README shows no ```text sample of make run"
    assert _normalized(samples[0].splitlines()) == _normalized(printed)
