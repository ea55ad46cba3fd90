"""Jobs: the whole pipeline for one market."""

from __future__ import annotations

import dagster as dg

from cylvy_pipeline.defs.assets import GROUP
from cylvy_pipeline.defs.partitions import market_partitions
from cylvy_pipeline.project.model import Project

MARKET_PIPELINE_JOB = "market_pipeline"

market_pipeline_job = dg.define_asset_job(
    name=MARKET_PIPELINE_JOB,
    selection=dg.AssetSelection.groups(GROUP),
    partitions_def=market_partitions,
    description="All eight phases for one market (one run = one pipeline execution).",
    # Steps run in the run worker's process: the phases are fast and Postgres-bound, and a subprocess
    # per step would spend more time importing than working.
    executor_def=dg.in_process_executor,
)


def enabled_phase_keys(project: Project) -> list[dg.AssetKey]:
    """The assets a run of the project materializes: its enabled phases (the CLI runs the same)."""
    return [dg.AssetKey(phase) for phase in project.enabled_phases]
