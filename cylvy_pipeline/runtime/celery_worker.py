"""`cylvy-pipeline worker`: a Celery worker that executes the steps of runs made with ``CYLVY_EXECUTOR=celery``.

A worker needs what a step needs and nothing of the machine that launched the run: the broker
(``CYLVY_CELERY_BROKER_URL``), the databases (``CYLVY_DATABASE_URL``, ``CYLVY_DAGSTER_DATABASE_URL``, or the
embedded server of this machine's state folder), the project and the providers' secrets. It loads the
code location from its own environment once before it starts, so a mistake there stops it in one line
instead of failing every step it takes, and so its pool processes, forked from it, start each step with
Dagster, pandas and the pipeline already imported. Each task rebuilds the run's job (the project the run
was made for, from the task's reconstructable job) and executes one step in a pool process; a pool
process dies with the worker, as a multiprocess step dies with its run worker, and a step dies once its
run has ended (:class:`RunWatch`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable

from celery import Celery, signals

from cylvy_pipeline.settings import configured_celery_broker_url, configured_max_concurrent_steps

#: How often a step on a worker checks that its run is still going.
RUN_CHECK_EVERY_S = 1.0


def worker_app(broker_url: str) -> Celery:
    """The Celery app of the workers: dagster-celery's, with the settings the runs use, and its task
    that executes a step."""
    from dagster_celery.executor import CeleryExecutor
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    from cylvy_pipeline.runtime.celery_executor import CELERY_SETTINGS, result_backend

    app = make_app(
        CeleryExecutor.for_cli(broker=broker_url, backend=result_backend(broker_url), config_source=CELERY_SETTINGS)
        .app_args()
    )
    create_task(app)
    return app


def default_worker_name() -> str:
    """Unique on its machine (``%h`` is the host name): the run asks a step's worker by name whether it
    still executes the step, so two workers must never share one, nor a restarted worker its old one."""
    return f"cylvy-{os.getpid()}@%h"


def run_worker(
    *, name: str | None, concurrency: int | None, loglevel: str, load_location: Callable[[], object]
) -> None:
    """Start a worker in this process; it returns when the worker stops (Ctrl-C or SIGTERM: a warm
    shutdown that lets running steps finish; a second Ctrl-C stops at once).

    ``load_location`` builds the code location from this process's environment (the CLI passes the
    ``@dg.definitions`` function Dagster calls): given, not imported, because the definitions import
    this wing for their executors, never the other way round."""
    from cylvy_pipeline.environment import prepare_environment
    from cylvy_pipeline.runtime.parent_death import die_with_parent

    broker = configured_celery_broker_url(os.environ)
    load_location()  # the code location loads here, or the worker does not start
    # What each step would load after the fork, loaded once before it (as the fork server does).
    import dagster_postgres  # noqa: F401  (Dagster's storage, which every step opens)

    from cylvy_pipeline.runtime.step_warmup import warm_step_caches

    warm_step_caches()
    prepare_environment()  # the databases answer, and Dagster's storage URL is set for the steps
    app = worker_app(broker)
    signals.worker_process_init.connect(die_with_parent, weak=False)
    signals.task_prerun.connect(RunWatch.start_for_task, weak=False)
    signals.task_postrun.connect(RunWatch.stop_for_task, weak=False)
    app.worker_main([
        "worker",
        f"--hostname={name or default_worker_name()}",
        f"--concurrency={concurrency or configured_max_concurrent_steps(os.environ)}",
        f"--loglevel={loglevel}",
        "--pool=prefork",
    ])


class RunWatch:
    """Stops a step whose run has ended while the step still executes here.

    A run whose own process dies (SIGKILL, its machine lost) is failed by ``cylvy-pipeline sync`` or the
    daemon's run monitoring, and its phase row says "failed"; but the step it had handed to this worker
    would go on to its end, paying for provider calls nobody will use, and could write its rows while a
    re-execution of the same execution runs the phase again. Nothing on the run's side is left to
    revoke it, so the step itself asks, every ``RUN_CHECK_EVERY_S``, whether its run is still going, and
    once the run has ended its process is killed (its transaction rolls back; the worker forks a new
    one). The run's event log says why.
    """

    _current: RunWatch | None = None  # one step at a time per pool process

    def __init__(self, instance, run_id: str, step_keys: list[str], worker: str) -> None:
        from cylvy_pipeline.runtime.celery_executor import latest_event_id

        self.instance, self.run_id, self.step_keys, self.worker = instance, run_id, step_keys, worker
        self.cursor = latest_event_id(instance, run_id)  # the step's own events come after this one
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"run-watch-{run_id[:8]}", daemon=True)

    @classmethod
    def start_for_task(cls, task=None, args=(), kwargs=None, **_signal) -> None:
        import dagster as dg
        from dagster._grpc.types import ExecuteStepArgs
        from dagster._serdes import unpack_value

        # dagster-celery's step task, as its executor submits it: the step's arguments, packed, by name.
        packed = (kwargs or {}).get("execute_step_args_packed")
        if not isinstance(packed, dict):
            return
        step = unpack_value(packed, as_type=ExecuteStepArgs)
        instance = dg.DagsterInstance.from_ref(step.instance_ref)
        cls._current = cls(instance, step.run_id, list(step.step_keys_to_execute or []), task.request.hostname)
        cls._current._thread.start()

    @classmethod
    def stop_for_task(cls, **_kwargs) -> None:
        watch, cls._current = cls._current, None
        if watch is not None:
            watch._stopped.set()
            watch._thread.join()
            watch.instance.dispose()

    def _watch(self) -> None:
        said = None
        while not self._stopped.wait(RUN_CHECK_EVERY_S):
            try:
                if self._run_ended_before_the_step():
                    self._stop_step()
            except Exception as error:  # the database away for a moment: the step finds out for itself
                if repr(error) != said:
                    said = repr(error)
                    print(f"Could not check the run of {', '.join(self.step_keys)}: {error!r}", file=sys.stderr,
                          flush=True)

    def _run_ended_before_the_step(self) -> bool:
        import dagster as dg

        from cylvy_pipeline.runtime.celery_executor import STEP_ENDS, step_events_since

        run = self.instance.get_run_by_id(self.run_id)
        if run is None or run.status not in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
            return False
        # Celery stores a task's result before it says the task is over: a step that has ended (and may
        # be what ended its run) is not stopped in that moment.
        return not any(event.event_type in STEP_ENDS for key in self.step_keys
                       for event in step_events_since(self.instance, self.run_id, self.cursor, key))

    def _stop_step(self) -> None:
        run = self.instance.get_run_by_id(self.run_id)
        message = (f"Stopped {', '.join(self.step_keys)} on the Celery worker {self.worker} (pid {os.getpid()}): "
                   f"its run had already ended ({run.status.value.lower()})")
        try:
            self.instance.report_engine_event(message, run, step_key=self.step_keys[0] if self.step_keys else None)
        finally:
            print(message, file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
