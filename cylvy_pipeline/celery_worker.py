"""`cylvy-pipeline worker`: a Celery worker that executes the steps of runs made with ``CYLVY_EXECUTOR=celery``.

A worker needs what a step needs and nothing of the machine that launched the run: the broker
(``CYLVY_CELERY_BROKER_URL``), the databases (``CYLVY_DATABASE_URL``, ``CYLVY_DAGSTER_DATABASE_URL``, or the
embedded server of this machine's state folder), the project and the providers' secrets. It loads the
code location from its own environment once before it starts, so a mistake there stops it in one line
instead of failing every step it takes, and so its pool processes, forked from it, start each step with
Dagster, pandas and the pipeline already imported. Each task rebuilds the run's job (the project the run
was made for, from the task's reconstructable job) and executes one step in a pool process; a pool
process dies with the worker, as a multiprocess step dies with its run worker.
"""

from __future__ import annotations

import os

from celery import Celery, signals

from cylvy_pipeline.defs.location import LocationSettings, pipeline_definitions


def worker_app(broker_url: str) -> Celery:
    """The Celery app of the workers: dagster-celery's, with the settings the runs use, and its task
    that executes a step."""
    from dagster_celery.executor import CeleryExecutor
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    from cylvy_pipeline.defs.celery_executor import CELERY_SETTINGS, result_backend

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


def run_worker(*, name: str | None, concurrency: int | None, loglevel: str) -> None:
    """Start a worker in this process; it returns when the worker stops (Ctrl-C or SIGTERM: a warm
    shutdown that lets running steps finish; a second Ctrl-C stops at once)."""
    from cylvy_pipeline.defs.parent_death import die_with_parent
    from cylvy_pipeline.environment import prepare_environment

    settings = LocationSettings(os.environ)
    broker = settings.celery_broker_url
    pipeline_definitions(settings)  # the code location loads here, or the worker does not start
    # What each step would load after the fork, loaded once before it (as the fork server does).
    import dagster_postgres  # noqa: F401  (Dagster's storage, which every step opens)

    from cylvy_pipeline.defs.step_warmup import warm_step_caches

    warm_step_caches()
    prepare_environment()  # the databases answer, and Dagster's storage URL is set for the steps
    app = worker_app(broker)
    signals.worker_process_init.connect(die_with_parent, weak=False)
    app.worker_main([
        "worker",
        f"--hostname={name or default_worker_name()}",
        f"--concurrency={concurrency or settings.max_concurrent_steps}",
        f"--loglevel={loglevel}",
        "--pool=prefork",
    ])
