"""Which Dagster runs are pipeline runs, and how they group into pipeline executions.

An execution is a root run and its re-executions; its id is the root run id. A pipeline run is a run of
the ``market_pipeline`` job or an ad-hoc materialization of some phases for one market (from the UI).
"""

from __future__ import annotations

import dagster as dg

from cylvy_pipeline.contract import NOT_STARTED_TAG, PARTITION_TAG, PHASES, PIPELINE_JOB, ROOT_RUN_TAG
from cylvy_pipeline.status.derive import IN_FLIGHT_RUN_STATUSES


def runs_the_phases(run: dg.DagsterRun) -> bool:
    """A run of the pipeline job, or an ad-hoc materialization of some phases (from the UI)."""
    if run.job_name == PIPELINE_JOB:
        return True
    selected = {k.to_user_string() for k in run.asset_selection or ()}
    return run.job_name.startswith("__ASSET_JOB") and bool(selected & set(PHASES))


def could_not_start(run: dg.DagsterRun) -> str | None:
    """Why the run never started its market's execution (no market, or one the project does not list)."""
    return run.tags.get(NOT_STARTED_TAG)


def is_pipeline_run(run: dg.DagsterRun) -> bool:
    """A run of the phases for one market of the project: part of a pipeline execution."""
    return PARTITION_TAG in run.tags and not could_not_start(run) and runs_the_phases(run)


def execution_runs(instance: dg.DagsterInstance, execution_id: str) -> list[dg.RunRecord]:
    """The root run and its re-executions that started, oldest first."""
    records = list(instance.get_run_records(dg.RunsFilter(run_ids=[execution_id])))
    records += instance.get_run_records(dg.RunsFilter(tags={ROOT_RUN_TAG: execution_id}))
    started = {r.dagster_run.run_id: r for r in records if not could_not_start(r.dagster_run)}
    return sorted(started.values(), key=lambda r: r.create_timestamp)


def in_flight_pipeline_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    records = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus[s] for s in IN_FLIGHT_RUN_STATUSES]))
    return [r.dagster_run for r in records if is_pipeline_run(r.dagster_run)]
