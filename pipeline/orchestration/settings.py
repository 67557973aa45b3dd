"""Where trialflow reads and writes, from the contract's environment variables.

Read when Definitions are built (at code-location load), never at import, so
tests can point a pipeline at temporary folders without reloading modules.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

SOURCE_DIR_VARIABLE = "TRIALS_SOURCE_DIR"
WAREHOUSE_VARIABLE = "TRIALS_WAREHOUSE"
PUBLISH_DIR_VARIABLE = "TRIALS_PUBLISH_DIR"
REFRESH_CRON_VARIABLE = "TRIALS_REFRESH_CRON"
DEFAULT_REFRESH_CRON = "0 6 * * *"
MAX_DOCUMENT_BYTES_VARIABLE = "TRIALS_MAX_DOCUMENT_BYTES"
DEFAULT_MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
REDACT_CONTACTS_VARIABLE = "TRIALS_REDACT_CONTACTS"
TIME_BUDGET_VARIABLE = "TRIALS_DOCUMENT_TIME_BUDGET"
DEFAULT_TIME_BUDGET_SECONDS = 30.0
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class TrialSettings:
    source_dir: Path
    warehouse: Path
    publish_dir: Path
    refresh_cron: str = DEFAULT_REFRESH_CRON
    max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES
    redact_contacts: bool = False
    document_time_budget: float = DEFAULT_TIME_BUDGET_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "TrialSettings":
        """The contract's variables, each defaulting to its place in the project."""
        environ = os.environ if environ is None else environ

        def resolve(variable: str, default: str) -> Path:
            value = environ.get(variable) or default
            path = Path(value).expanduser()
            return path if path.is_absolute() else (PROJECT_ROOT / path)

        return cls(
            source_dir=resolve(SOURCE_DIR_VARIABLE, "seeds"),
            warehouse=resolve(WAREHOUSE_VARIABLE, "data/warehouse.duckdb"),
            publish_dir=resolve(PUBLISH_DIR_VARIABLE, "data/published"),
            refresh_cron=environ.get(REFRESH_CRON_VARIABLE) or DEFAULT_REFRESH_CRON,
            max_document_bytes=int(environ.get(MAX_DOCUMENT_BYTES_VARIABLE) or DEFAULT_MAX_DOCUMENT_BYTES),
            redact_contacts=(environ.get(REDACT_CONTACTS_VARIABLE) or "").strip().lower() in _TRUE,
            document_time_budget=float(environ.get(TIME_BUDGET_VARIABLE) or DEFAULT_TIME_BUDGET_SECONDS),
        )
