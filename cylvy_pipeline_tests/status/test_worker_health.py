"""Which runs' workers this machine judges: only runs started here (tagged with this machine's name). A run
another launcher started (Kubernetes' K8sRunLauncher runs each worker in a pod of its own) reports a pid
that means nothing here, and must never be failed as dead because no such process exists on this machine."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import pytest

from cylvy_pipeline.runtime.run_launcher import fail_runs_of_dead_workers, worker_host_tags
from cylvy_pipeline_tests.status.test_run_records import started_run


def _a_pid_that_no_longer_exists() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def started_runs(dagster_instance):
    """Runs left 'started' on purpose are deleted afterwards, so no other test sees them in flight."""
    runs: list[dg.DagsterRun] = []
    yield runs
    for run in runs:
        dagster_instance.delete_run(run.run_id)


def _started_by(instance: dg.DagsterInstance, pid: int, tags: dict[str, str], runs: list) -> dg.DagsterRun:
    run = started_run(instance)
    instance.add_run_tags(run.run_id, tags)
    start = dg.DagsterEvent(event_type_value=dg.DagsterEventType.RUN_START.value, job_name=run.job_name, pid=pid)
    instance.report_dagster_event(start, run_id=run.run_id)
    runs.append(run)
    return instance.get_run_by_id(run.run_id)


def test_a_run_started_elsewhere_is_not_failed_for_a_pid_missing_here(dagster_instance, started_runs):
    run = _started_by(dagster_instance, _a_pid_that_no_longer_exists(), {}, started_runs)
    assert fail_runs_of_dead_workers(dagster_instance, [run]) == []
    assert dagster_instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED


def test_a_run_started_here_whose_worker_is_gone_is_failed(dagster_instance, started_runs):
    run = _started_by(dagster_instance, _a_pid_that_no_longer_exists(), worker_host_tags(), started_runs)
    assert fail_runs_of_dead_workers(dagster_instance, [run]) == [run.run_id]
    assert dagster_instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
