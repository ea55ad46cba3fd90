"""What a code location serves, read from its environment, and the Dagster definitions describing it.

Building the definitions reads configuration only — the environment, project.yaml and keywords.csv —
and touches no database: a UI, a daemon, a run worker or a step process on another machine rebuilds the
same definitions from the same environment. Settings a step needs at run time (secrets, the database
URL, the sample knobs) are bound as ``dg.EnvVar`` so each process reads them from its own environment.
The variables themselves, and how their values are read, are in settings.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg

from cylvy_pipeline.defs.assets import phase_assets
from cylvy_pipeline.defs.jobs import market_pipeline_job, pipeline_executor
from cylvy_pipeline.defs.providers import provider_resources
from cylvy_pipeline.defs.resources import PostgresResource, ProjectResource
from cylvy_pipeline.defs.schedules import PIPELINE_SCHEDULES
from cylvy_pipeline.defs.sensors import PIPELINE_SENSORS
from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.settings import (
    DATABASE_URL_ENV,
    KEYWORD_COUNT_ENV,
    PROJECT_DIR_ENV,
    configured_celery_broker_url,
    configured_database_url,
    configured_executor,
    configured_keyword_count,
    configured_max_concurrent_steps,
    configured_project_dir,
)


@dataclass(frozen=True)
class LocationSettings:
    """The project a code location serves and how its runs execute.

    ``project_dir`` / ``keyword_count`` given explicitly (a ``--project`` option, a re-executed run's
    tags) are bound as values; otherwise they come from the environment and are bound as ``dg.EnvVar``.
    """

    environ: Mapping[str, str]
    project_dir: str | None = None
    keyword_count: int | None = None

    @property
    def executor(self) -> str:
        return configured_executor(self.environ)

    @property
    def max_concurrent_steps(self) -> int:
        return configured_max_concurrent_steps(self.environ)

    @property
    def celery_broker_url(self) -> str:
        """The broker the run submits its steps to, and workers take them from (``CYLVY_CELERY_BROKER_URL``)."""
        return configured_celery_broker_url(self.environ)

    def executor_definition(self) -> dg.ExecutorDefinition:
        kind = self.executor
        return pipeline_executor(
            kind, self.max_concurrent_steps, celery_broker_url=self.celery_broker_url if kind == "celery" else None
        )

    def project_resource(self) -> ProjectResource:
        project_dir = self.project_dir or (dg.EnvVar(PROJECT_DIR_ENV) if configured_project_dir(self.environ) else None)
        keyword_count = self.keyword_count if self.keyword_count is not None else (
            dg.EnvVar.int(KEYWORD_COUNT_ENV) if configured_keyword_count(self.environ) else None
        )
        return ProjectResource(project_dir=project_dir, keyword_count=keyword_count)

    def database_resource(self) -> PostgresResource:
        # Unset: the embedded server, found (or started) when a step first connects, never at load.
        return PostgresResource(url=dg.EnvVar(DATABASE_URL_ENV) if configured_database_url(self.environ) else None)

    def load_project(self):
        return load_project(
            self.project_dir or configured_project_dir(self.environ),
            keyword_count=self.keyword_count if self.keyword_count is not None
            else configured_keyword_count(self.environ),
        )


def pipeline_definitions(settings: LocationSettings) -> dg.Definitions:
    """The phases partitioned by the project's markets, their checks, the market pipeline job, the
    schedule and sensors, and the resources: which service each provider kind calls is the project's
    choice (``providers:`` in project.yaml)."""
    project = settings.load_project()
    markets = dg.StaticPartitionsDefinition(list(project.markets))
    return dg.Definitions(
        assets=phase_assets(markets),
        jobs=[market_pipeline_job(markets, settings.executor_definition())],
        schedules=PIPELINE_SCHEDULES,
        sensors=PIPELINE_SENSORS,
        resources={
            "project": settings.project_resource(),
            "database": settings.database_resource(),
            **provider_resources(project.providers, settings.environ),
        },
    )
