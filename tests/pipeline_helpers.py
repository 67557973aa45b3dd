"""Running the real Definitions on temporary folders, for the wiring tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow.parquet as pq

from pipeline.definitions import build_definitions
from pipeline.extract.document import ParsedDocument
from pipeline.extract.layouts import ctgov_json, ctgov_xml
from pipeline.orchestration.settings import TrialSettings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def settings_in(folder: Path, copy_seeds: bool = True) -> TrialSettings:
    """Settings whose source folder is a copy of the seeds inside `folder`."""
    source = folder / "sources"
    if copy_seeds:
        shutil.copytree(PROJECT_ROOT / "seeds", source)
    else:
        source.mkdir(parents=True)
    return TrialSettings(
        source_dir=source,
        warehouse=folder / "data" / "warehouse.duckdb",
        publish_dir=folder / "data" / "published",
    )


def materialize_all(settings: TrialSettings, instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
    """Materialize every asset (and run every check) the Definitions hold."""
    defs = build_definitions(settings)
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance or dg.DagsterInstance.ephemeral(), raise_on_error=False)


def published(settings: TrialSettings, table: str) -> list[dict]:
    return pq.read_table(settings.publish_dir / f"{table}.parquet").to_pylist()


def query(settings: TrialSettings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


SEED_TRIALS = {"NCT07203053", "NCT06893783", "NCT07358676", "NCT06931145"}


def assert_survives(settings: TrialSettings, result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """What every hostile-input case must show: the run succeeded, published the seeds' trials,
    and gave every file in the source folder exactly one documents row. Returns the documents rows by file."""
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    documents = published(settings, "documents")
    names = [row["source_file"] for row in documents]
    assert len(names) == len(set(names)), "a file has more than one documents row"
    assert SEED_TRIALS <= {row["nct_id"] for row in published(settings, "studies")}
    return {row["source_file"]: row for row in documents}


REGISTRY_CORPUS = PROJECT_ROOT / "tests" / "fixtures" / "registry_corpus"


def parsed_corpus_record(nct_id: str) -> ParsedDocument:
    """A record of the registry corpus through its layout's parser, as its JSON if there is one, else its XML."""
    json_path = REGISTRY_CORPUS / "ctgov" / f"{nct_id}.json"
    if json_path.exists():
        return ctgov_json.parse(json_path.read_text(encoding="utf-8"))
    return ctgov_xml.parse((REGISTRY_CORPUS / "ctgov_xml" / f"{nct_id}.xml").read_text(encoding="utf-8"))
