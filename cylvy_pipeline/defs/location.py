"""What a code location serves, read from its environment, and the Dagster definitions describing it.

Building the definitions reads configuration only — the environment, project.yaml and keywords.csv —
and touches no database: a UI, a daemon, a run worker or a step process on another machine rebuilds the
same definitions from the same environment. Settings a step needs at run time (secrets, the database
URL, the sample knobs) are bound as ``dg.EnvVar`` so each process reads them from its own environment.

=============================== ===========================================================================
``CYLVY_PROJECT_DIR``           the project folder (default: the bundled sample project)
``CYLVY_SAMPLE_KEYWORDS``       the sample scale knob: a generated keyword list of that size
``CYLVY_EXECUTOR``              ``multiprocess`` (default: independent phases at once), ``in_process`` or
                                ``celery`` (each step a task for the ``cylvy-pipeline worker`` processes)
``CYLVY_MAX_CONCURRENT_STEPS``  steps of one run at once with the multiprocess executor, and steps one
                                Celery worker executes at once (default 4)
``CYLVY_CELERY_BROKER_URL``     the Redis URL of the Celery broker (required with ``celery``)
=============================== ===========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg

from cylvy_pipeline.defs.assets import phase_assets
from cylvy_pipeline.defs.checks import phase_checks
from cylvy_pipeline.defs.jobs import market_pipeline_job, pipeline_executor
from cylvy_pipeline.defs.providers import provider_resources
from cylvy_pipeline.defs.resources import PostgresResource, ProjectResource
from cylvy_pipeline.defs.schedules import PIPELINE_SCHEDULES
from cylvy_pipeline.defs.sensors import PIPELINE_SENSORS
from cylvy_pipeline.project.loader import ProjectConfigError, load_project

PROJECT_DIR_ENV = "CYLVY_PROJECT_DIR"
KEYWORD_COUNT_ENV = "CYLVY_SAMPLE_KEYWORDS"
EXECUTOR_ENV = "CYLVY_EXECUTOR"
MAX_CONCURRENT_STEPS_ENV = "CYLVY_MAX_CONCURRENT_STEPS"
DATABASE_URL_ENV = "CYLVY_DATABASE_URL"
CELERY_BROKER_URL_ENV = "CYLVY_CELERY_BROKER_URL"
EXECUTORS = ("multiprocess", "in_process", "celery")
DEFAULT_MAX_CONCURRENT_STEPS = 4


def _positive_whole_number(environ: Mapping[str, str], variable: str, example: str) -> int | None:
    raw = environ.get(variable, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ProjectConfigError(
            path=None, location="", display=variable, problem=f"{raw!r} is not a positive whole number",
            fix=f"set it to {example}, or unset it",
        )
    return int(raw)


def configured_project_dir(environ: Mapping[str, str]) -> str | None:
    return environ.get(PROJECT_DIR_ENV) or None


def configured_keyword_count(environ: Mapping[str, str]) -> int | None:
    return _positive_whole_number(environ, KEYWORD_COUNT_ENV, "the number of keywords to generate, e.g. 1000")


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
        kind = self.environ.get(EXECUTOR_ENV, "").strip() or "multiprocess"
        if kind not in EXECUTORS:
            raise ProjectConfigError(
                path=None, location="", display=EXECUTOR_ENV, problem=f"{kind!r} is not an executor",
                fix=f"use one of {', '.join(EXECUTORS)}, or unset it",
            )
        return kind

    @property
    def max_concurrent_steps(self) -> int:
        count = _positive_whole_number(self.environ, MAX_CONCURRENT_STEPS_ENV, "the number of steps, e.g. 4")
        return count or DEFAULT_MAX_CONCURRENT_STEPS

    @property
    def celery_broker_url(self) -> str:
        """The broker the run submits its steps to, and workers take them from (``CYLVY_CELERY_BROKER_URL``)."""
        url = self.environ.get(CELERY_BROKER_URL_ENV, "").strip()
        if not url:
            raise ProjectConfigError(
                path=None, location="", display=CELERY_BROKER_URL_ENV,
                problem="not set, and the celery executor needs the broker its workers listen on",
                fix="set it to the Redis URL, e.g. redis://127.0.0.1:6379/0, or choose another CYLVY_EXECUTOR",
            )
        return url

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
        return PostgresResource(url=dg.EnvVar(DATABASE_URL_ENV) if self.environ.get(DATABASE_URL_ENV) else None)

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
        asset_checks=phase_checks(markets),
        jobs=[market_pipeline_job(markets, settings.executor_definition())],
        schedules=PIPELINE_SCHEDULES,
        sensors=PIPELINE_SENSORS,
        resources={
            "project": settings.project_resource(),
            "database": settings.database_resource(),
            **provider_resources(project.providers, settings.environ),
        },
    )
