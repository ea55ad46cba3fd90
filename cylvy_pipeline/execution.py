"""Run the pipeline from Python: one execution per market on the persistent Dagster instance.

Runs started here are ordinary Dagster runs of the ``market_pipeline`` job, so they show in the UI and
can be re-executed from failure there or from here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import dagster as dg

from cylvy_pipeline.environment import prepare_environment
from cylvy_pipeline.phase_graph import PHASES
from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.project.model import Project


@dataclass(frozen=True)
class MarketRun:
    market: str
    run_id: str
    execution_id: str
    success: bool


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


# The run's own log (in the UI and the event log) keeps every event; the terminal shows warnings only.
_QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run_market(
    instance: dg.DagsterInstance, market: str, phases: Sequence[str] = PHASES
) -> MarketRun:
    """Materialize ``phases`` for ``market`` in-process and wait for the run to end."""
    result = dg.execute_job(
        _reconstructable_job(),
        instance=instance,
        tags={"dagster/partition": market},
        asset_selection=[dg.AssetKey(p) for p in phases],
        run_config=_QUIET_CONSOLE,
    )
    run = instance.get_run_by_id(result.run_id)
    return MarketRun(market, result.run_id, run.root_run_id or run.run_id, result.success)


def reexecute_from_failure(instance: dg.DagsterInstance, run_id: str) -> MarketRun:
    """Re-execute a failed run from its failed steps; the execution (root run) stays the same."""
    parent = instance.get_run_by_id(run_id)
    result = dg.execute_job(
        _reconstructable_job(),
        instance=instance,
        reexecution_options=dg.ReexecutionOptions.from_failure(run_id, instance),
    )
    return MarketRun(
        parent.tags.get("dagster/partition", "?"), result.run_id, parent.root_run_id or parent.run_id, result.success
    )


def open_instance() -> dg.DagsterInstance:
    prepare_environment()
    return dg.DagsterInstance.get()
