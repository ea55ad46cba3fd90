"""Markets as partitions: one partition per market of the configured project."""

from __future__ import annotations

import functools

import dagster as dg

from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.project.settings import configured_keyword_count, configured_project_dir


@functools.cache
def configured_project() -> Project:
    """The project this code location serves (see :mod:`cylvy_pipeline.project.settings`)."""
    return load_project(configured_project_dir(), keyword_count=configured_keyword_count())


market_partitions = dg.StaticPartitionsDefinition(list(configured_project().markets))
