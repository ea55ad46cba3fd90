"""Dagster's default run launcher, plus a health check of the run worker process.

The default launcher starts each run worker as a local process but cannot tell the run-monitoring
daemon whether that process is still alive, so a killed worker leaves its run "started" forever (and
its phase "running"). Run workers here are local processes, so their health is simply whether the
process that started the run still exists.
"""

from __future__ import annotations

import dagster as dg
import psutil
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus


def run_worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The process that executes the run: the one that reported the run's start."""
    starts = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_START)
    return starts[-1].dagster_event.pid if starts and starts[-1].dagster_event else None


def process_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class LocalProcessRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher whose run workers can be health-checked by run monitoring."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        pid = run_worker_pid(self._instance, run.run_id)
        if pid is None:  # cannot happen for a STARTED run (RUN_START is what starts it); never fail on a guess
            return CheckRunHealthResult(WorkerStatus.RUNNING, "the run worker has not reported its pid")
        if process_alive(pid):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the run worker process (pid {pid}) died while the run was in progress"
        )
