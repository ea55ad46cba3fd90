"""Jobs: the whole pipeline for one market, and the executor that runs its steps."""

from __future__ import annotations

import dagster as dg

from cylvy_pipeline.contract import PHASE_GROUP, PIPELINE_JOB
from cylvy_pipeline.project.model import Project

#: Modules the multiprocess executor's fork server imports before it forks any step: each step starts
#: with Dagster, its Postgres storage, pandas and the pipeline already imported instead of importing them
#: again (seconds per step on a small machine), and dies with the run worker (runtime/step_processes.py).
STEP_PROCESS_PRELOAD = ["cylvy_pipeline.runtime.step_processes", "cylvy_pipeline.definitions", "dagster_postgres"]


def pipeline_executor(
    kind: str, max_concurrent_steps: int, celery_broker_url: str | None = None
) -> dg.ExecutorDefinition:
    """``multiprocess``: each step in its own process, up to ``max_concurrent_steps`` at once, so
    independent phases (company enrichment, YouTube enrichment and scraping after the SERPs) wait on
    their providers at the same time. ``in_process``: one step after another in the run's process.
    ``celery``: each step a Celery task that any `cylvy-pipeline worker` takes (each worker executes up
    to its own concurrency at once, which is where ``CYLVY_MAX_CONCURRENT_STEPS`` applies then)."""
    if kind == "in_process":
        return dg.in_process_executor
    if kind == "celery":
        # Imported here: only a location that uses Celery pays for importing it.
        from cylvy_pipeline.runtime.celery_executor import celery_pipeline_executor

        return celery_pipeline_executor(celery_broker_url or "")
    return dg.multiprocess_executor.configured(
        {
            "max_concurrent": max_concurrent_steps,
            "start_method": {"forkserver": {"preload_modules": STEP_PROCESS_PRELOAD}},
        },
        name="multiprocess",
    )


def market_pipeline_job(markets: dg.PartitionsDefinition, executor: dg.ExecutorDefinition) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        name=PIPELINE_JOB,
        selection=dg.AssetSelection.groups(PHASE_GROUP),
        partitions_def=markets,
        description="All eight phases for one market (one run = one pipeline execution).",
        executor_def=executor,
    )


def enabled_phase_keys(project: Project) -> list[dg.AssetKey]:
    """The assets a run of the project materializes: its enabled phases (the CLI runs the same)."""
    return [dg.AssetKey(phase) for phase in project.enabled_phases]
