"""The database goes away mid-run (its own embedded server, in a state folder of its own): one line says
which database and what to do, nothing of the command is left running, the status follower outlives a
short outage, and `reexecute` completes the execution once the database is back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from cylvy_pipeline.storage.database import REPOSITORY_ROOT
from cylvy_pipeline_tests.dagster_ui import wait_for
from cylvy_pipeline_tests.processes import is_alive, kill_session, session_members, start_cli, wait_until_gone

pytestmark = pytest.mark.slow


@pytest.fixture
def state(monkeypatch):
    """A state folder with its own embedded server (so stopping it disturbs no other test)."""
    for name in ("CYLVY_DATABASE_URL", "CYLVY_DAGSTER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    folder = REPOSITORY_ROOT / ".cylvy" / f"outage-{uuid.uuid4().hex[:8]}"
    env = {"CYLVY_STATE_DIR": str(folder)}
    yield env
    subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", "db", "stop"], env={**os.environ, **env},
                   capture_output=True, timeout=60)
    shutil.rmtree(folder, ignore_errors=True)


def cli(state: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", *args], env={**os.environ, **state},
                          capture_output=True, text=True, timeout=300)


def running_phase(url: str) -> str | None:
    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT pipeline_execution_id::text FROM pipeline_phase_status WHERE status = 'running' LIMIT 1"
            ).fetchone()
    except psycopg.OperationalError:
        return None
    return row[0] if row else None


def test_a_lost_database_is_one_line_and_reexecute_completes_once_it_is_back(state, tmp_path):
    assert cli(state, "db", "migrate").returncode == 0
    url = cli(state, "db", "url").stdout.strip()
    run = start_cli("run", "--market", "US", CYLVY_SAMPLE_LATENCY_MS="300", **state)
    try:
        execution_id = wait_for(lambda: running_phase(url), timeout_s=120, interval_s=0.2, what="a running phase")
        time.sleep(1)
        members = session_members(run.pid)
        assert cli(state, "db", "stop").returncode == 0
        out, err = run.communicate(timeout=120)
        assert wait_until_gone(members, timeout_s=10) == []
    finally:
        kill_session(run.pid)
    assert run.returncode == 3
    # One line: what Dagster and the steps said about the lost connection (retry warnings, "too many
    # retries", tracebacks: which of them depends on what each process was doing) went to the state
    # folder's log.
    [last] = err.strip().splitlines()
    dagster_log = (Path(state["CYLVY_STATE_DIR"]) / "logs" / "dagster.log").read_text()
    assert re.search(r"(?i)\b(database|DB) connection", dagster_log), dagster_log
    assert last.startswith(f"cylvy-pipeline: lost the embedded PostgreSQL server in {state['CYLVY_STATE_DIR']} (")
    assert last.endswith("— start it again (`cylvy-pipeline db url` starts the embedded one), then "
                         "`cylvy-pipeline status` shows the execution and `cylvy-pipeline reexecute RUN_ID` completes it")

    assert cli(state, "db", "url").returncode == 0  # the server is back
    resumed = cli(state, "reexecute", execution_id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Summary: 8 completed" in resumed.stdout


def test_the_status_follower_outlives_a_short_outage(state, tmp_path):
    assert cli(state, "db", "migrate").returncode == 0
    follower = start_cli("sync", "--follow", log=tmp_path / "follower.log", **state)
    try:
        time.sleep(8)  # following (it has imported Dagster and synced once)
        assert cli(state, "db", "stop").returncode == 0
        time.sleep(4)
        assert cli(state, "db", "url").returncode == 0
        time.sleep(6)
        assert is_alive(follower.pid), (tmp_path / "follower.log").read_text()
        # It syncs again: a run finished now shows in the table while the follower keeps going.
        done = cli(state, "run", "--market", "UK", "--select", "keyword_metrics")
        assert done.returncode == 0, done.stderr
        assert is_alive(follower.pid)
    finally:
        kill_session(follower.pid)
    assert "Traceback" not in (tmp_path / "follower.log").read_text()
