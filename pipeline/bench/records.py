"""A corpus of real-sized ClinicalTrials.gov API v2 records: the registry's bulk export, in miniature.

The generator's mix is mostly short pages; the registry itself is JSON
records of about 75 KB each, whose criteria, arms and descriptions cost the
extractors far more per document. So the benchmark also measures copies of
the real records of `tests/fixtures/registry_corpus/ctgov`, unchanged but
for a fresh NCT id each, so that every copy is its own trial and the sizes
are the corpus's own.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from pipeline.bench.generate import FOLDER_SIZE, LABEL_COLUMNS, PROJECT_ROOT, labels_path

REGISTRY_RECORDS_DIR = PROJECT_ROOT / "tests" / "fixtures" / "registry_corpus" / "ctgov"
# Fresh ids far from the generator's (90,000,000 up) and from real trials (below 08,000,000 today).
_ID_BASE = 80_000_000


def _originals(folder: Path) -> list[tuple[str, bytes]]:
    """Each record's own NCT id and its bytes, in name order so a seed gives the same corpus everywhere."""
    originals = []
    for path in sorted(folder.glob("*.json")):
        data = path.read_bytes()
        nct_id = json.loads(data)["protocolSection"]["identificationModule"]["nctId"]
        originals.append((nct_id, data))
    if not originals:
        raise FileNotFoundError(f"no ClinicalTrials.gov JSON record in {folder}")
    return originals


def generate_records(count: int, target: Path, seed: int = 0, originals: Path = REGISTRY_RECORDS_DIR) -> int:
    """Write `count` copies of the real records under `target`, each under a fresh NCT id; returns `count`.

    Every mention of the record's own id is replaced (its nctId, and URLs or
    texts naming it), so no two copies share a trial. Labels go beside
    `target` in the generator's format, so the benchmark changes one of
    them the same way.
    """
    if count < 0:
        raise ValueError(f"count must be 0 or more, not {count}")
    target = Path(target).resolve()
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty: a corpus is written to an empty folder")
    target.mkdir(parents=True, exist_ok=True)
    records = _originals(originals)
    order = random.Random(seed).sample(range(len(records)), len(records))
    with labels_path(target).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(LABEL_COLUMNS)
        for index in range(count):
            nct_id, data = records[order[index % len(records)]]
            fresh = f"NCT{_ID_BASE + index:08d}"
            file = f"{index // FOLDER_SIZE:04d}/{fresh}.json"
            if index % FOLDER_SIZE == 0:
                (target / file).parent.mkdir(exist_ok=True)
            (target / file).write_bytes(data.replace(nct_id.encode(), fresh.encode()))
            writer.writerow((file, "ctgov_json", fresh, "", ""))
    return count
