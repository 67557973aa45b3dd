"""Starting `dagster dev` for the browser test, on temporary folders and a free port."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAGSTER = PROJECT_ROOT / ".venv" / "bin" / "dagster"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _default_signals() -> None:
    # A parent that ignores SIGINT would make dagster dev ignore SIGTERM too.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@dataclass
class UiServer:
    url: str
    process: subprocess.Popen
    folder: Path
    log: Path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())["data"]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_ui(folder: Path, timeout: float = 90) -> UiServer:
    """dagster dev over a copy of the seeds, answering on 127.0.0.1."""
    home = folder / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    shutil.copytree(PROJECT_ROOT / "seeds", folder / "sources")
    port = free_port()
    log = folder / "dagster_dev.log"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "HOME": str(folder),
        "TRIALS_SOURCE_DIR": str(folder / "sources"),
        "TRIALS_WAREHOUSE": str(folder / "data" / "warehouse.duckdb"),
        "TRIALS_PUBLISH_DIR": str(folder / "data" / "published"),
    }
    process = subprocess.Popen(
        [str(DAGSTER), "dev", "--host", "127.0.0.1", "--port", str(port), "-w", "workspace.yaml"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        preexec_fn=_default_signals,
        start_new_session=True,
    )
    server = UiServer(f"http://127.0.0.1:{port}", process, folder, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dagster dev exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/server_info", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    raise TimeoutError(f"dagster dev did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
