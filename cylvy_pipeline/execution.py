"""Run the pipeline from Python: one execution per market on the persistent Dagster instance.

Runs started here are created as Dagster's own launchers create them (the UI's Launchpad, `dagster job
launch`): each names the code location the workspace describes (its remote job origin) and the code that
rebuilds its job (its code origin). So the UI, the GraphQL API and the daemon treat them like any run they
launched themselves: the UI's "Re-execute from failure" works on them. This process then executes the run
and waits for it, as the run worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import psycopg

# The steps below are what `execute_job` does, minus what it cannot do: record where the run's job lives
# for the UI (a remote job origin). Dagster has no public API for creating such a run and executing it in
# this process, so these are the functions its own `execute_job` and re-execution are made of.
from dagster._core.execution.api import create_execution_plan, execute_run
from dagster._core.execution.plan.state import KnownExecutionState
from dagster._core.remote_origin import RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.storage.tags import RESUME_RETRY_TAG
from dagster._core.workspace.load import location_origins_from_yaml_paths

from cylvy_pipeline.contract import (
    KEYWORDS_TAG,
    LAUNCHED_RUN_TAG,
    PARENT_RUN_TAG,
    PARTITION_TAG,
    PHASES,
    PIPELINE_JOB,
    PROJECT_TAG,
    PROVIDER_POOLS,
    REPOSITORY_NAME,
    ROOT_RUN_TAG,
    WORKER_HOST_TAG,
    execution_id_of,
)
from cylvy_pipeline.defs.location import LocationSettings
from cylvy_pipeline.environment import WORKSPACE_YAML, prepare_environment
from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.runtime.run_launcher import worker_host_tags
from cylvy_pipeline.settings import CODE_LOCATION_ENV, configured_keyword_count, configured_project_dir
from cylvy_pipeline.status.alerts import alert_failed_run
from cylvy_pipeline.status.live import LiveStatusSync
from cylvy_pipeline.status.records import was_interrupted
from cylvy_pipeline.status.runs import in_flight_pipeline_runs
from cylvy_pipeline.status.sync import sync_executions


@dataclass(frozen=True)
class MarketRun:
    market: str
    run_id: str
    execution_id: str
    success: bool
    interrupted: bool = False  # canceled by Ctrl-C / SIGTERM (or a termination request) while it ran


def _outcome(instance: dg.DagsterInstance, market: str, run_id: str) -> MarketRun:
    run = instance.get_run_by_id(run_id)
    failures = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    interrupted = run.status == dg.DagsterRunStatus.CANCELED or any(was_interrupted(f.dagster_event) for f in failures)
    return MarketRun(
        market, run_id, execution_id_of(run), run.status == dg.DagsterRunStatus.SUCCESS, interrupted=interrupted
    )


@dataclass(frozen=True)
class ProjectChoice:
    """The project a run is made for: a folder and keyword count given explicitly (``--project``,
    ``--keywords``, a re-executed run's tags) or, where not given, the environment's."""

    project_dir: str | None = None
    keyword_count: int | None = None

    def __post_init__(self):
        if self.project_dir:
            object.__setattr__(self, "project_dir", os.path.abspath(self.project_dir))

    def load(self) -> Project:
        return LocationSettings(os.environ, self.project_dir, self.keyword_count).load_project()

    def tags(self) -> dict[str, str]:
        """Tags that record which project a run was made for, so a re-execution serves the same one: the
        project folder always (the sample project's when none is configured), the keyword count if set."""
        folder = self.project_dir or configured_project_dir(os.environ) or str(SAMPLE_PROJECT_DIR)
        tags = {PROJECT_TAG: os.path.abspath(folder)}
        count = self.keyword_count if self.keyword_count is not None else configured_keyword_count(os.environ)
        if count:
            tags[KEYWORDS_TAG] = str(count)
        return tags

    @classmethod
    def of_run(cls, run: dg.DagsterRun) -> ProjectChoice:
        count = run.tags.get(KEYWORDS_TAG)
        return cls(run.tags.get(PROJECT_TAG), int(count) if count else None)

    def job(self) -> dg.ReconstructableJob:
        """The job, rebuilt for this project by every process that executes one of its steps."""
        return dg.build_reconstructable_job(
            "cylvy_pipeline.definitions",
            "market_pipeline",
            reconstructable_kwargs={"project_dir": self.project_dir, "keyword_count": self.keyword_count},
        )


# The run's own log (in the UI and the event log) keeps every event; the terminal shows the status table.
_QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_market(
    instance: dg.DagsterInstance,
    market: str,
    phases: Sequence[str] = PHASES,
    *,
    run_config: dict | None = None,
    project: ProjectChoice = ProjectChoice(),
) -> MarketRun:
    """Materialize ``phases`` for ``market`` with this process as the run worker, and wait for the run
    to end.

    ``run_config`` adds to the defaults (e.g. resource settings such as the sample market's latency).

    ``pipeline_phase_status`` is final on return; inside :func:`following_statuses` it also changes
    while the run executes.
    """
    job = project.job()
    run = _create_run(
        instance,
        job,
        # This process is the run's worker: the host tag lets `sync` here tell whether it is still alive.
        tags={PARTITION_TAG: market, **project.tags(), **worker_host_tags()},
        run_config={**_QUIET_CONSOLE, **(run_config or {})},
        asset_selection=frozenset(dg.AssetKey(p) for p in phases),
    )
    return _execute(instance, job, run, market)


class NothingToReexecute(ValueError):
    """The run cannot be re-executed from failure (unknown, still running, or it succeeded)."""


def reexecute_from_failure(instance: dg.DagsterInstance, run_id: str) -> MarketRun:
    """Re-execute a failed run from its failed steps, as the UI's "Re-execute from failure" does; the
    execution (root run) stays the same."""
    parent = instance.get_run_by_id(run_id)
    if parent is None:
        raise NothingToReexecute(f"reexecute: there is no run {run_id!r}")
    if parent.status == dg.DagsterRunStatus.SUCCESS:
        raise NothingToReexecute(f"reexecute: nothing to re-execute, run {run_id} succeeded")
    if not parent.is_finished:
        raise NothingToReexecute(f"reexecute: run {run_id} is still {parent.status.value.lower()}; wait for it to end")
    job = ProjectChoice.of_run(parent).job()  # serve the project the run was made for
    if parent.asset_selection:
        job = job.get_subset(asset_selection=parent.asset_selection)
    steps, known_state = KnownExecutionState.build_resume_retry_reexecution(instance, parent_run=parent)
    if not steps:
        raise NothingToReexecute(f"reexecute: nothing to re-execute, every step of run {run_id} succeeded")
    plan = create_execution_plan(
        job, parent.run_config, step_keys_to_execute=steps, known_state=known_state, tags=parent.tags,
        instance_ref=instance.get_ref(),
    )
    run = _create_run(
        instance,
        job,
        # The parent's own tags (market, project, trigger) and the lineage tags the UI sets on a
        # re-execution; not Dagster's bookkeeping of the parent, nor the mark of a launched run.
        tags={
            **{k: v for k, v in parent.tags.items()
               if (k == PARTITION_TAG or not k.startswith("dagster/")) and k != LAUNCHED_RUN_TAG},
            ROOT_RUN_TAG: parent.root_run_id or parent.run_id,
            PARENT_RUN_TAG: parent.run_id,
            RESUME_RETRY_TAG: "true",
            **worker_host_tags(),
        },
        run_config=parent.run_config,
        asset_selection=parent.asset_selection,
        plan=plan,
        parent=parent,
    )
    return _execute(instance, job, run, parent.tags.get(PARTITION_TAG, "?"))


def workspace_job_origin() -> RemoteJobOrigin:
    """Where the UI, the daemon and Dagster's clients find the pipeline job: the code location named
    ``CYLVY_CODE_LOCATION`` (default: the one the package's workspace.yaml describes, which `dev` serves).
    A location the workspace file does not describe (a Helm user deployment, a gRPC server of its own) is
    recorded by its name alone, which is all the UI needs to re-execute a run there."""
    described = {origin.location_name: origin for origin in location_origins_from_yaml_paths([str(WORKSPACE_YAML)])}
    name = os.environ.get(CODE_LOCATION_ENV, "").strip() or next(iter(described))
    location = described.get(name) or RegisteredCodeLocationOrigin(name)
    return RemoteJobOrigin(RemoteRepositoryOrigin(location, REPOSITORY_NAME), PIPELINE_JOB)


def _create_run(
    instance: dg.DagsterInstance,
    job: dg.ReconstructableJob,
    *,
    tags: dict[str, str],
    run_config: dict,
    asset_selection: frozenset[dg.AssetKey] | None,
    plan=None,
    parent: dg.DagsterRun | None = None,
) -> dg.DagsterRun:
    """A run of ``job`` with both origins recorded: the workspace's code location (remote job origin) and
    the code every process executing a step rebuilds the job from (code origin, carrying the project)."""
    definition = job.get_definition()
    return instance.create_run_for_job(
        job_def=definition,
        execution_plan=plan,
        run_config=run_config,
        tags={**definition.run_tags, **tags},
        asset_selection=asset_selection,
        root_run_id=(parent.root_run_id or parent.run_id) if parent else None,
        parent_run_id=parent.run_id if parent else None,
        remote_job_origin=workspace_job_origin(),
        job_code_origin=job.get_python_origin(),
    )


def _execute(instance: dg.DagsterInstance, job: dg.ReconstructableJob, run: dg.DagsterRun, market: str) -> MarketRun:
    """Execute ``run`` in this process (its run worker) and wait for it to end."""
    execute_run(job, run, instance)
    _final_sync(instance, run.run_id)
    return _outcome(instance, market, run.run_id)


def _final_sync(instance: dg.DagsterInstance, run_id: str) -> None:
    """Make the execution's status rows final and, if the run failed, raise its alert (the daemon's
    alert sensor may raise it too; only one of them does)."""
    run = instance.get_run_by_id(run_id)
    with psycopg.connect(prepare_environment().product) as conn:
        sync_executions(instance, conn, [execution_id_of(run)])
        alert_failed_run(instance, conn, run)


def following_statuses() -> LiveStatusSync:
    """A ``with`` block in which the status rows of runs started here change as their steps do."""
    return LiveStatusSync(prepare_environment().product, updated_after=datetime.now(UTC) - timedelta(seconds=1))


# Serialises the creation of Dagster's storage tables: Dagster creates them when the first instance
# opens, and two processes doing that at once collide on the same table. Any fixed 64-bit number.
_DAGSTER_STORAGE_LOCK = 0x6379_6C76_7930_0004


#: Pools whose limit is not dagster.yaml's default. One content-scraping step at a time across runs: a
#: rate cannot say how many requests a site takes at once, and every page in flight holds a database
#: connection for its cache claim (three markets scraping 64 pages each would want 192).
OWN_POOL_LIMITS: dict[str, int] = {"web_scraping": 1}


def _initialize_provider_pools(instance: dg.DagsterInstance) -> None:
    """Give each provider pool dagster.yaml's default limit (or its own) before any step claims it.

    Dagster does it when a step first claims a pool whose limit is missing or differs from the default,
    by inserting the limit's row and, if the row exists, updating it; on PostgreSQL the failed insert
    aborts the transaction and the run fails. Two runs claiming a pool at the same moment hit that,
    and so does every run after the default changed. Here the rows are made right once, under the lock.
    """
    storage = instance.event_log_storage
    default = instance.global_op_concurrency_default_limit
    if default is None or not storage.supports_global_concurrency_limits:
        return
    limits = {limit.name: limit for limit in storage.get_pool_limits()}
    for pool in sorted(set(PROVIDER_POOLS.values())):
        current = limits.get(pool)
        if pool in OWN_POOL_LIMITS:
            if current is None or current.from_default:  # one set with `dagster instance concurrency set` stays
                storage.set_concurrency_slots(pool, OWN_POOL_LIMITS[pool])
            continue
        if current is None:
            storage.initialize_concurrency_limit_to_default(pool)
        elif current.from_default and current.limit != default:
            storage.delete_concurrency_limit(pool)
            storage.initialize_concurrency_limit_to_default(pool)


def open_instance() -> dg.DagsterInstance:
    """The persistent Dagster instance (its storage created on first use, one process at a time), with
    the provider pools' limits in place."""
    urls = prepare_environment()
    with psycopg.connect(urls.product, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_DAGSTER_STORAGE_LOCK,))
        try:
            instance = dg.DagsterInstance.get()
            _initialize_provider_pools(instance)
            return instance
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_DAGSTER_STORAGE_LOCK,))


def cancel_launched_runs(instance: dg.DagsterInstance, *, timeout_s: float) -> list[str]:
    """Cancel the in-flight pipeline runs that were launched on this machine through the code location
    (from the UI, a schedule or a sensor), and wait up to ``timeout_s`` for them to end. Runs executed by
    a `cylvy-pipeline run` command belong to that command and are left alone. Returns the canceled ids."""
    here = worker_host_tags()[WORKER_HOST_TAG]
    launched = [
        run for run in in_flight_pipeline_runs(instance)
        if (run.status == dg.DagsterRunStatus.QUEUED or LAUNCHED_RUN_TAG in run.tags)
        and run.tags.get(WORKER_HOST_TAG, here) == here
    ]
    for run in launched:
        instance.run_launcher.terminate(run.run_id)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(not instance.get_run_by_id(r.run_id).is_finished for r in launched):
        time.sleep(0.2)
    return [r.run_id for r in launched]
