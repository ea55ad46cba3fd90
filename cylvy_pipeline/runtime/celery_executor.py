"""dagster-celery's executor, with Redis as the broker, and a run that notices when a worker dies.

With ``CYLVY_EXECUTOR=celery`` each step of a run is a Celery task on the ``dagster`` queue; any worker
started with ``cylvy-pipeline worker`` (on this machine or another, sharing only Redis and PostgreSQL)
takes it, rebuilds the job from its own environment and executes the step. The run's own process only
orchestrates: it submits the steps whose upstream is done and waits for their results.

What dagster-celery alone does when a worker dies mid-step (SIGKILL, OOM killer, a machine lost): the
task was acknowledged when it started, so Redis never delivers it again, and its result never comes; the
run waits for it forever, its phase "running", and since the run's own process is alive, run monitoring
never fails it. Acknowledging late instead (``task_acks_late``) would make Redis deliver the step again,
but only after the broker's visibility timeout (an hour by default), and to a second worker while the
first still runs it whenever a step lasts longer than that timeout. So here the run watches each started
step's worker: a step whose worker no longer answers, or no longer holds the task, for
``LOST_AFTER_S`` fails with that cause, its dependents are blocked, and ``cylvy-pipeline reexecute``
continues the execution from it. It is not retried, whatever the phase's retry policy: that policy is for
provider outages, while a worker that died in a step may have died of that step (its memory), and would
pay the step's provider calls again on the next worker with nobody having looked.
"""

from __future__ import annotations

import contextlib
import sys
import time
import warnings
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import dagster as dg
from celery.exceptions import DuplicateTaskNameWarning, TaskRevokedError
from dagster._core.event_api import EventLogCursor
from dagster._core.events import StepFailureData
from dagster._core.execution.retries import RetryMode
from dagster._utils.error import SerializableErrorInfo, serializable_error_info_from_exc_info
from dagster_celery.core_execution_loop import core_celery_execution_loop
from dagster_celery.executor import CELERY_CONFIG, CeleryExecutor, _submit_task

from cylvy_pipeline.settings import CELERY_BROKER_URL_ENV as BROKER_URL_ENV

#: Celery settings the run and the workers share (one dict, so the two sides cannot disagree).
CELERY_SETTINGS = {
    # A worker takes a step only when one of its processes is free: a ready step goes to an idle worker
    # instead of waiting behind a long step on a busy one (Redis brokers only).
    "worker_disable_prefetch": True,
    "worker_prefetch_multiplier": 1,
    # A started task records the worker's name and the step process's pid: the run watches that worker.
    "task_track_started": True,
    # Acknowledged when it starts (Celery's default, spelled out because the design relies on it): a
    # step whose worker dies is never delivered again behind the run's back (see the module docstring).
    "task_acks_late": False,
    "broker_connection_retry_on_startup": True,
}

#: How often the run asks a started step's worker whether it still executes it, how long it waits for
#: an answer, and how long the worker must have stayed silent (or without the task) before the step
#: fails. A busy worker answers at once (its main process never executes steps); the margin is for
#: a loaded machine and a broker reconnecting.
CHECK_EVERY_S = 2.0
ANSWER_TIMEOUT_S = 1.5
LOST_AFTER_S = 8.0


def result_backend(broker_url: str) -> str:
    """Where step results go: the Redis broker itself; another broker gets Celery's RPC backend."""
    return broker_url if urlsplit(broker_url).scheme in ("redis", "rediss", "redis+socket") else "rpc://"


def celery_pipeline_executor(broker_url: str) -> dg.ExecutorDefinition:
    """The executor of a job whose steps run on Celery workers. The broker URL is read by the process
    that runs the job (``dg.EnvVar``-style), so a run worker on another machine uses its own."""
    backend = result_backend(broker_url)
    return watched_celery_executor.configured(
        {
            "broker": {"env": BROKER_URL_ENV},
            # The same variable when the broker keeps the results: no URL (or password) in the definitions.
            "backend": {"env": BROKER_URL_ENV} if backend == broker_url else backend,
            "config_source": CELERY_SETTINGS,
        },
        name="celery",
    )


@dg.executor(name="celery", config_schema=CELERY_CONFIG, requirements=dg.multiple_process_executor_requirements())
def watched_celery_executor(init_context) -> CeleryExecutor:
    """dagster_celery's ``celery_executor`` (same configuration), whose runs fail a step whose worker died."""
    config = init_context.executor_config
    return WatchedCeleryExecutor(
        broker=config.get("broker"),
        backend=config.get("backend"),
        config_source=config.get("config_source"),
        include=config.get("include"),
        retries=RetryMode.from_config(config["retries"]),
    )


class WatchedCeleryExecutor(CeleryExecutor):
    def execute(self, plan_context, execution_plan):
        def submit(app, context, step, queue, priority, known_state):
            cursor = latest_event_id(context.instance, context.run_id)
            with warnings.catch_warnings():
                # dagster-celery registers its task again for every step it submits; Celery keeps the
                # first registration (the same function) and warns about each later one.
                warnings.simplefilter("ignore", DuplicateTaskNameWarning)
                result = _submit_task(app, context, step, queue, priority, known_state)
            return WatchedStep(result, app, context, step, cursor)

        try:
            yield from core_celery_execution_loop(plan_context, execution_plan, step_execution_fn=submit)
        finally:
            # The loop ends once no step of the run is out on a worker. A step it let go without an
            # end (revoked by a cancel) still holds its provider pool slot, and would hold it until the
            # daemon's run monitoring frees it, or, with no daemon, forever: every later run would wait.
            storage = plan_context.instance.event_log_storage
            if storage.supports_global_concurrency_limits:
                storage.free_concurrency_slots_for_run(plan_context.run_id)


def latest_event_id(instance: dg.DagsterInstance, run_id: str) -> int:
    """The storage id of the run's newest event (0 before its first): where a step's own events begin."""
    records = instance.get_records_for_run(run_id, limit=1, ascending=False).records
    return records[0].storage_id if records else 0


STEP_ENDS = frozenset(
    {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.STEP_UP_FOR_RETRY}
)


@dataclass
class WatchedStep:
    """What dagster-celery's execution loop holds for a submitted step (``ready``, ``get``, ``revoke``
    of a Celery ``AsyncResult``), which is also ready when the step's worker is lost. ``get`` then
    gives the loop the step's end as the event log has it: a failure naming the worker, unless the
    worker ended the step before it went (only its result was lost)."""

    result: object  # celery.result.AsyncResult
    app: object  # celery.Celery
    context: object  # PlanOrchestrationContext
    step: object  # ExecutionStep
    cursor: int  # the run's newest event id when the step was submitted
    lost: str | None = None
    _next_check: float = 0.0
    _silent_since: float | None = None
    _worker: dict = field(default_factory=dict)

    def ready(self) -> bool:
        if self.lost is not None or self.result.ready():
            return True
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + CHECK_EVERY_S
            self.lost = self._check_worker(now)
            if self.lost is not None:
                # A worker that was only cut off from the broker must not finish, once it is back, a
                # step its run has failed: the request to kill the step's process waits for it there.
                with contextlib.suppress(Exception):
                    self.result.revoke(terminate=True, signal="SIGKILL")
        return self.lost is not None

    def get(self):
        if self.lost is not None:
            return self._end_of_lost_step(self.lost)
        try:
            return self.result.get(propagate=True)
        except TaskRevokedError:
            raise  # the loop reports a revoked step itself (the run is being canceled)
        except Exception:
            # The task failed around the step (the step process killed under a live worker, the code
            # location failing to load there): the step fails with that error instead of leaving the
            # run with a step Dagster never saw end.
            error = serializable_error_info_from_exc_info(sys.exc_info())
            return self._end_of_lost_step(f"the Celery task of this step failed: {error.message.strip()}")

    def revoke(self) -> None:
        # The run is being canceled. dagster-celery only revokes, which keeps a queued step from
        # starting but lets a running one go on to its end (hours, for some phases) while the cancel
        # waits: the step's process is killed too (its transaction rolls back; the phase ends
        # "canceled") and the worker forks a new one. SIGKILL, not SIGTERM: Dagster turns SIGTERM into
        # an interrupt the process survives, and billiard then takes that process's next death, a
        # WorkerLostError, for this termination (the next step would end in an unknown state).
        self.result.revoke(terminate=True, signal="SIGKILL")

    def _check_worker(self, now: float) -> str | None:
        """Why the step is lost, once its worker has been silent or without it for LOST_AFTER_S."""
        if self.result.state != "STARTED":
            return None  # queued (any worker may take it) or just finished
        info = self.result.info if isinstance(self.result.info, dict) else {}
        self._worker = info or self._worker
        node = self._worker.get("hostname")
        if not node:
            return None
        try:
            answers = self.app.control.inspect(destination=[node], timeout=ANSWER_TIMEOUT_S).query_task(self.result.id)
        except Exception:  # the broker itself is unreachable: that says nothing about the worker
            self._silent_since = None
            return None
        if answers and answers.get(node, {}).get(self.result.id):
            self._silent_since = None
            return None
        if self.result.ready():
            return None  # it finished between the two questions
        self._silent_since = self._silent_since or now
        if now - self._silent_since < LOST_AFTER_S:
            return None
        how = "stopped answering" if not answers else "no longer runs it"
        return (f"the Celery worker {node} running this step (pid {self._worker.get('pid')}) {how} "
                f"for {LOST_AFTER_S:.0f} s: it died or lost its broker")

    def _end_of_lost_step(self, cause: str) -> list[str]:
        instance = self.context.instance
        events = step_events_since(instance, self.context.run_id, self.cursor, self.step.key)
        if any(e.event_type in STEP_ENDS for e in events):
            return [dg.serialize_value(e) for e in events]  # the step ended; only its Celery result is missing
        failure = dg.DagsterEvent.step_failure_event(
            self.context.for_step(self.step),
            StepFailureData(error=SerializableErrorInfo(cause, stack=[], cls_name=None), user_failure_data=None),
        )
        return [dg.serialize_value(e) for e in (*events, failure)]


def step_events_since(
    instance: dg.DagsterInstance, run_id: str, storage_id: int, step_key: str
) -> list[dg.DagsterEvent]:
    """The events of ``step_key`` in the run after the event ``storage_id``."""
    cursor = EventLogCursor.from_storage_id(storage_id).to_string()
    records = instance.get_records_for_run(run_id, cursor=cursor).records
    return [r.event_log_entry.dagster_event for r in records
            if r.event_log_entry.dagster_event is not None and r.event_log_entry.step_key == step_key]
