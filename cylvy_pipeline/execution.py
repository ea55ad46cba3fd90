"""Run the pipeline from Python: one execution per market on the persistent Dagster instance.

Runs started here are ordinary Dagster runs of the ``market_pipeline`` job, so they show in the UI and
can be re-executed from failure there or from here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import psycopg

from cylvy_pipeline.environment import prepare_environment
from cylvy_pipeline.phase_graph import PHASES
from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.run_launcher import worker_host_tags
from cylvy_pipeline.status.live import LiveStatusSync
from cylvy_pipeline.status.alerts import alert_failed_run
from cylvy_pipeline.status.runs import execution_id_of
from cylvy_pipeline.status.sync import sync_executions


@dataclass(frozen=True)
class MarketRun:
    market: str
    run_id: str
    execution_id: str
    success: bool


PROJECT_TAG = "cylvy/project_dir"
KEYWORDS_TAG = "cylvy/keyword_count"


def project_tags() -> dict[str, str]:
    """Tags that record which project a run was made for, so a re-execution can serve the same one."""
    return {PROJECT_TAG: os.environ.get("CYLVY_PROJECT_DIR", ""), KEYWORDS_TAG: os.environ.get("CYLVY_SAMPLE_KEYWORDS", "")}



def configure_project(project_dir: str | None, keyword_count: int | None) -> Project:
    """Validate the project and make it the one this process's definitions serve (before they load)."""
    project = load_project(project_dir, keyword_count=keyword_count)
    if project_dir:
        os.environ["CYLVY_PROJECT_DIR"] = os.path.abspath(project_dir)
    else:
        os.environ.pop("CYLVY_PROJECT_DIR", None)
    if keyword_count:
        os.environ["CYLVY_SAMPLE_KEYWORDS"] = str(keyword_count)
    else:
        os.environ.pop("CYLVY_SAMPLE_KEYWORDS", None)
    return project


def _reconstructable_job() -> dg.ReconstructableJob:
    from cylvy_pipeline import definitions

    return dg.reconstructable(definitions.market_pipeline)


# The run's own log (in the UI and the event log) keeps every event; the terminal shows the status table.
_QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_market(
    instance: dg.DagsterInstance, market: str, phases: Sequence[str] = PHASES, *, run_config: dict | None = None
) -> MarketRun:
    """Materialize ``phases`` for ``market`` in-process and wait for the run to end.

    ``run_config`` adds to the defaults (e.g. resource settings such as the sample market's latency).

    ``pipeline_phase_status`` is final on return; inside :func:`following_statuses` it also changes
    while the run executes.
    """
    result = dg.execute_job(
        _reconstructable_job(),
        instance=instance,
        # This process is the run's worker: the host tag lets `sync` here tell whether it is still alive.
        tags={"dagster/partition": market, **project_tags(), **worker_host_tags()},
        asset_selection=[dg.AssetKey(p) for p in phases],
        run_config={**_QUIET_CONSOLE, **(run_config or {})},
    )
    _final_sync(instance, result.run_id)
    run = instance.get_run_by_id(result.run_id)
    return MarketRun(market, result.run_id, run.root_run_id or run.run_id, result.success)


class NothingToReexecute(ValueError):
    """The run cannot be re-executed from failure (unknown, still running, or it succeeded)."""


def reexecute_from_failure(instance: dg.DagsterInstance, run_id: str) -> MarketRun:
    """Re-execute a failed run from its failed steps; the execution (root run) stays the same."""
    parent = instance.get_run_by_id(run_id)
    if parent is None:
        raise NothingToReexecute(f"reexecute: there is no run {run_id!r}")
    if parent.status == dg.DagsterRunStatus.SUCCESS:
        raise NothingToReexecute(f"reexecute: nothing to re-execute, run {run_id} succeeded")
    if not parent.is_finished:
        raise NothingToReexecute(f"reexecute: run {run_id} is still {parent.status.value.lower()}; wait for it to end")
    # The job is rebuilt from the code location: serve the project the run was made for.
    if PROJECT_TAG in parent.tags:
        count = parent.tags.get(KEYWORDS_TAG)
        configure_project(parent.tags[PROJECT_TAG] or None, int(count) if count else None)
    result = dg.execute_job(
        _reconstructable_job(),
        instance=instance,
        reexecution_options=dg.ReexecutionOptions.from_failure(run_id, instance),
        # execute_job carries neither the parent's tags nor the lineage tags the UI sets on a
        # re-execution; the partition tag says which market, the root tag which execution.
        tags={
            **{k: v for k, v in parent.tags.items() if k == "dagster/partition" or not k.startswith("dagster/")},
            "dagster/root_run_id": parent.root_run_id or parent.run_id,
            "dagster/parent_run_id": parent.run_id,
            **worker_host_tags(),
        },
        run_config=parent.run_config,
    )
    _final_sync(instance, result.run_id)
    return MarketRun(
        parent.tags.get("dagster/partition", "?"), result.run_id, parent.root_run_id or parent.run_id, result.success
    )


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


def open_instance() -> dg.DagsterInstance:
    prepare_environment()
    return dg.DagsterInstance.get()
