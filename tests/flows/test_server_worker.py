"""The team setup end to end: a real ``prefect server start`` on loopback (SQLite in a
temporary PREFECT_HOME), a process work pool and worker, ``prefect deploy`` of prefect.yaml,
a run triggered from the CLI; then the warehouse and the report are checked.

Every process started here is ended in a ``finally`` (its whole process group: the worker's
flow-run subprocesses too).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import rows

pytestmark = [pytest.mark.flow, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 120.0
RUN_TIMEOUT = 240.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End a process and its group: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )


def _prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "prefect"), "--no-prompt", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``prefect server start`` on a free loopback port; yields the environment to use it."""
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_WORKER_PREFETCH_SECONDS": "5",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PWD": str(ROOT),  # prefect.yaml's pull step: run flows from this checkout
        "COLUMNS": "200",
    }
    started = time.monotonic()
    server = _start(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env,
        tmp_path / "server.log",
    )
    try:
        while True:
            try:
                if _get(f"http://127.0.0.1:{port}/api/health") is True:
                    break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            assert time.monotonic() - started < SERVER_START_TIMEOUT, "server did not start"
            time.sleep(0.5)
        print(f"prefect server start healthy after {time.monotonic() - started:.1f} s")
        yield env
    finally:
        _stop(server)


def test_scheduled_deployment_runs_through_a_process_worker(
    prefect_server: dict[str, str], landing: Path, tmp_path: Path
) -> None:
    env = prefect_server
    api = env["PREFECT_API_URL"]
    warehouse, reports = tmp_path / "warehouse.duckdb", tmp_path / "reports"
    _prefect(env, "work-pool", "create", "scar-evidence", "--type", "process")
    _prefect(env, "deploy", "--name", "nightly")
    deployment = _get(f"{api}/deployments/name/scar-evidence/nightly")
    assert isinstance(deployment, dict)
    assert (deployment.get("global_concurrency_limit") or {}).get("limit") == 1, deployment
    assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["0 2 * * *"]

    worker = _start(
        [str(BIN / "prefect"), "worker", "start", "--pool", "scar-evidence"],
        env,
        tmp_path / "worker.log",
    )
    try:
        triggered = time.monotonic()
        output = _prefect(
            env,
            "deployment",
            "run",
            "scar-evidence/nightly",
            "--param",
            f"landing={json.dumps(str(landing))}",
            "--param",
            f"warehouse={json.dumps(str(warehouse))}",
            "--param",
            f"reports={json.dumps(str(reports))}",
        )
        match = re.search(r"UUID: ([0-9a-f-]{36})", output)
        assert match, output
        state: dict[str, object] = {}
        while time.monotonic() - triggered < RUN_TIMEOUT:
            run = _get(f"{api}/flow_runs/{match.group(1)}")
            assert isinstance(run, dict)
            state = run["state"] or {}
            if state.get("type") in {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}:
                break
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(1)
        print(f"triggered run finished through the worker in {time.monotonic() - triggered:.1f} s")
        assert state.get("type") == "COMPLETED", (
            f"{state}\n{(tmp_path / 'worker.log').read_text()[-5000:]}"
        )
        assert "rows quarantined" in str(state.get("message"))
    finally:
        _stop(worker)

    assert rows(warehouse, "select count(*) from improvement_by_severity")[0][0] > 0
    assert rows(warehouse, "select count(*) from runs")[0][0] == 1
    (flow_run_id,) = rows(warehouse, "select prefect_flow_run_id from runs")[0]
    assert flow_run_id == match.group(1)
    assert list(reports.glob("*/report.html"))
