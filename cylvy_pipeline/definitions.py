"""The Dagster definitions of cylvy_pipeline: the code location the UI, the daemon and the CLI load."""

from __future__ import annotations

import dagster as dg

from cylvy_pipeline.defs.assets import PHASE_ASSETS
from cylvy_pipeline.defs.checks import PHASE_CHECKS
from cylvy_pipeline.defs.jobs import market_pipeline_job
from cylvy_pipeline.defs.providers import provider_resources
from cylvy_pipeline.defs.resources import PostgresResource, ProjectResource
from cylvy_pipeline.defs.schedules import PIPELINE_SCHEDULES
from cylvy_pipeline.defs.sensors import PIPELINE_SENSORS
from cylvy_pipeline.project.settings import configured_keyword_count, configured_project, configured_project_dir

defs = dg.Definitions(
    assets=PHASE_ASSETS,
    asset_checks=PHASE_CHECKS,
    jobs=[market_pipeline_job],
    schedules=PIPELINE_SCHEDULES,
    sensors=PIPELINE_SENSORS,
    resources={
        "project": ProjectResource(project_dir=configured_project_dir(), keyword_count=configured_keyword_count()),
        "database": PostgresResource(),
        # Which service each provider kind calls is the project's choice (providers: in project.yaml).
        **provider_resources(configured_project().providers),
    },
)


def market_pipeline():
    """The market pipeline job, resolved with its resources (the CLI executes it reconstructably)."""
    return defs.resolve_job_def("market_pipeline")
