"""Dagster's log, as a terminal user wants it: one short line per thing that happened.

Dagster's console logger prints every event at DEBUG with the job name and
run id on each line (about 130 lines for the seeds). This logger prints
INFO and above as "time step: message"; failures keep their error.
"""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

# Where Dagster's log handler puts a record's step, message and event.
DAGSTER_META = "dagster_meta"


class TerminalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, DAGSTER_META, None) or {}
        where = meta.get("step_key") or "run"
        message = meta.get("orig_message") or record.getMessage()
        event = meta.get("dagster_event")
        error = getattr(getattr(event, "event_specific_data", None), "error", None)
        if error is not None:
            message += f": {error.message.strip()}"
        level = "" if record.levelno == logging.INFO else f"{record.levelname} "
        return f"{time.strftime('%H:%M:%S', time.localtime(record.created))} {where}: {level}{message}"


@dg.logger(
    config_schema={"log_level": dg.Field(str, is_required=False, default_value="INFO")},
    description="Short lines on stderr for a person at a terminal (python -m pipeline run).",
)
def terminal_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("trialflow", level=init_context.logger_config["log_level"])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TerminalFormatter())
    logger.addHandler(handler)
    return logger
