"""Shared fixtures: the seed documents, read from the project's seeds/ folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# `make test` runs a bounded number of fuzz examples; `make fuzz` the long profile.
_FUZZ_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("default", max_examples=60, deadline=None, suppress_health_check=_FUZZ_HEALTH)
settings.register_profile("fuzz", max_examples=5000, deadline=None, suppress_health_check=_FUZZ_HEALTH)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_ROOT / "seeds"

SEED_FILES = {
    "000": "000_d2c7a984589bc891.txt",
    "001": "001_0e0bfe03180ab1a6.txt",
    "002": "002_3119735172ec348a.txt",
    "003": "003_78907bef003bf639.txt",
    "004": "004_05c86904299774e9.txt",
}


def read_seed(number: str) -> str:
    """The text of seed `number` ("000" to "004")."""
    return (SEEDS_DIR / SEED_FILES[number]).read_text(encoding="utf-8")


@pytest.fixture
def seed_text():
    return read_seed
