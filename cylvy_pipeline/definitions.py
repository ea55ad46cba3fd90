"""The Dagster definitions of cylvy_pipeline: the code location the UI, the daemon and the CLI load.

Importing this module does nothing but define functions: Dagster calls :func:`defs` when it loads the
code location, which reads the environment and the project's files (see ``defs/location.py``) and never
a database.
"""

from __future__ import annotations

import os

import dagster as dg

from cylvy_pipeline.contract import PIPELINE_JOB
from cylvy_pipeline.defs.location import LocationSettings, pipeline_definitions


#: Why a process without DAGSTER_HOME may not load the location: Dagster's own commands (`dagster asset
#: materialize`, say) would then run on a temporary instance, writing product rows for runs that neither
#: the UI nor pipeline_phase_status ever see.
NO_DAGSTER_HOME = (
    "cylvy_pipeline: DAGSTER_HOME is not set, so this Dagster command would keep its runs in a temporary "
    "instance that the UI and pipeline_phase_status never see — run `eval \"$(cylvy-pipeline db env)\"` first"
)


@dg.definitions
def defs() -> dg.Definitions:
    """The definitions this process's environment describes."""
    if not os.environ.get("DAGSTER_HOME"):
        raise SystemExit(NO_DAGSTER_HOME)  # one line, not a traceback: it is how the command was called
    return pipeline_definitions(LocationSettings(os.environ))


def market_pipeline(project_dir: str | None = None, keyword_count: int | None = None) -> dg.JobDefinition:
    """The market pipeline job with its resources, for ``project_dir`` (default: the environment's).

    The CLI executes runs through this function (``dg.build_reconstructable_job`` with these arguments),
    so every process that executes a step of the run rebuilds the job for the same project.
    """
    settings = LocationSettings(os.environ, project_dir=project_dir, keyword_count=keyword_count)
    return pipeline_definitions(settings).resolve_job_def(PIPELINE_JOB)
