"""Whether a run's worker process is alive, and failing the run through Dagster when it is not.

Dagster's default run launcher starts each run worker as a local process but cannot tell the
run-monitoring daemon whether that process still exists, so a killed worker leaves its run "started"
forever (and its phase "running"). The same holds for a run executed in the `cylvy-pipeline run` process
itself when that process is killed. Run workers here are local processes, so their health is whether
the process that reported the run's start still exists: the daemon asks :class:`LocalProcessRunLauncher`,
and ``sync`` / ``status`` ask :func:`fail_runs_of_dead_workers` without needing the daemon.

The cause is recorded as structured data (an engine event whose metadata holds it), so the status rows
show "the run worker process (pid N) died" instead of a sentence parsed out of Dagster's log text.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

import dagster as dg
import psutil
from dagster._core.events import EngineEventData, JobFailureData, RunFailureReason
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

from cylvy_pipeline.contract import LAUNCHED_RUN_TAG, WORKER_HOST_TAG

#: Engine-event metadata key holding why a run's worker is gone.
WORKER_DEATH_KEY = "worker_death"


def worker_host_tags() -> dict[str, str]:
    return {WORKER_HOST_TAG: socket.gethostname()}


def _run_start(instance: dg.DagsterInstance, run_id: str) -> dg.EventLogEntry | None:
    starts = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_START)
    return starts[-1] if starts and starts[-1].dagster_event else None


def run_worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The process that executes the run: the one that reported the run's start."""
    start = _run_start(instance, run_id)
    return start.dagster_event.pid if start else None


def worker_death(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    """Why the run's worker is gone, or None while it lives or cannot be checked from this machine.

    Only runs tagged with this machine's name are judged here: a run without the tag was started by
    another run launcher (Kubernetes' K8sRunLauncher: its worker is a pid in another pod), whose own
    health check covers it, and a pid reported there means nothing here."""
    if run.tags.get(WORKER_HOST_TAG) != socket.gethostname():
        return None
    start = _run_start(instance, run.run_id)
    if start is None or start.dagster_event.pid is None:
        return None  # not started yet: run monitoring's start timeout covers a worker that never starts
    pid = start.dagster_event.pid
    try:
        process = psutil.Process(pid)
        # A process started after the run started is another one that reuses the number.
        if process.status() != psutil.STATUS_ZOMBIE and process.create_time() <= start.timestamp + 1:
            return None
    except psutil.NoSuchProcess:
        pass
    return f"the run worker process (pid {pid}) died while the run was in progress"


def record_worker_death(instance: dg.DagsterInstance, run: dg.DagsterRun, cause: str) -> None:
    instance.report_engine_event(cause, run, EngineEventData(metadata={WORKER_DEATH_KEY: cause}))


def fail_runs_of_dead_workers(instance: dg.DagsterInstance, runs: Iterable[dg.DagsterRun]) -> list[str]:
    """Fail (or, when it was being canceled, cancel) every started run whose worker is gone, through
    Dagster so its own records agree. Returns the ids of the runs ended here."""
    ended = []
    for run in runs:
        if run.status not in (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING):
            continue
        cause = worker_death(instance, run)
        current = instance.get_run_by_id(run.run_id)
        if cause is None or current is None or current.status != run.status:
            continue  # alive, or something else ended it meanwhile
        record_worker_death(instance, run, cause)
        if run.status == dg.DagsterRunStatus.CANCELING:
            instance.report_run_canceled(run, cause)
        else:
            instance.report_run_failed(
                run, cause, JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION)
            )
        free_pool_slots(instance, run.run_id)
        ended.append(run.run_id)
    return ended


def free_pool_slots(instance: dg.DagsterInstance, run_id: str) -> None:
    """Give back the provider pool slots the steps of a run with a dead worker held. Dagster's run
    monitoring frees them only `free_slots_after_run_end_seconds` after the run ended, if its daemon is
    still running then; until then, and without a daemon forever, every later run would wait for them."""
    if instance.event_log_storage.supports_global_concurrency_limits:
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)


class LocalProcessRunLauncher(dg.DefaultRunLauncher):
    """DefaultRunLauncher whose run workers can be health-checked by run monitoring."""

    def launch_run(self, context) -> None:
        self._instance.add_run_tags(context.dagster_run.run_id, {**worker_host_tags(), LAUNCHED_RUN_TAG: "true"})
        super().launch_run(context)

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        cause = worker_death(self._instance, run)
        if cause is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        # Run monitoring fails the run next, with a message of its own: the cause goes on record first.
        record_worker_death(self._instance, run, cause)
        free_pool_slots(self._instance, run.run_id)
        return CheckRunHealthResult(WorkerStatus.FAILED, cause)
