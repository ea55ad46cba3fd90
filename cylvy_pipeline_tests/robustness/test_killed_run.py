"""A `cylvy-pipeline run` killed with SIGKILL mid-phase, with no Dagster daemon running: nothing of the
command survives it, `sync` fails the run through Dagster, and `reexecute` completes the execution."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import dagster as dg
import pytest

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline_tests.processes import kill_session, session_members, wait_until_gone
from cylvy_pipeline_tests.robustness.runs import start_run_in_serp_collection, statuses

pytestmark = pytest.mark.slow


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", *args], capture_output=True, text=True,
                          timeout=300)


def test_a_killed_run_is_failed_by_sync_and_completed_by_reexecute(product_db, dagster_instance, tmp_path):
    run, execution_id = start_run_in_serp_collection(product_db, tmp_path / "run.log", "UK")
    try:
        members = session_members(run.pid)
        assert len(members) >= 2, "the run command and its status follower"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        assert wait_until_gone(members, timeout_s=5) == [], "a process of the killed command outlived it"
    finally:
        kill_session(run.pid)

    # The fault: nothing ends the run by itself.
    time.sleep(1)
    assert statuses(product_db, execution_id)["serp_collection"] == "running"
    assert dagster_instance.get_run_by_id(execution_id).status == dg.DagsterRunStatus.STARTED
    assert execution_id in dagster_instance.event_log_storage.get_concurrency_info("serp_api").active_run_ids

    synced = cli("sync")
    assert synced.returncode == 0, synced.stderr
    assert dagster_instance.get_run_by_id(execution_id).status == dg.DagsterRunStatus.FAILURE
    # The provider pool slot the dead run held is free again, or every later run would wait for it.
    assert execution_id not in dagster_instance.event_log_storage.get_concurrency_info("serp_api").active_run_ids
    after_kill = statuses(product_db, execution_id)
    assert after_kill["keyword_metrics"] == "completed" and after_kill["serp_collection"] == "failed"
    assert {after_kill[p] for p in PHASES[2:]} == {"blocked"}
    error = product_db.execute(
        """SELECT result_data->>'error' FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'serp_collection'""", (execution_id,),
    ).fetchone()[0]
    assert error == f"the run worker process (pid {run.pid}) died while the run was in progress"

    resumed = cli("reexecute", execution_id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "Summary: 8 completed" in resumed.stdout
    assert set(statuses(product_db, execution_id).values()) == {"completed"}
