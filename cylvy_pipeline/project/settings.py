"""Which project this process serves: ``CYLVY_PROJECT_DIR`` (default: the bundled sample project) and
``CYLVY_SAMPLE_KEYWORDS`` (the sample scale knob: a generated keyword list of that size)."""

from __future__ import annotations

import functools
import os

from cylvy_pipeline.project.loader import ProjectConfigError, load_project
from cylvy_pipeline.project.model import Project


def configured_project_dir() -> str | None:
    return os.environ.get("CYLVY_PROJECT_DIR") or None


def configured_keyword_count() -> int | None:
    raw = os.environ.get("CYLVY_SAMPLE_KEYWORDS", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ProjectConfigError(
            path="CYLVY_SAMPLE_KEYWORDS", location="value", problem=f"{raw!r} is not a positive whole number",
            fix="set it to the number of keywords to generate, e.g. 1000, or unset it",
        )
    return int(raw)


@functools.cache
def configured_project() -> Project:
    """The project this process serves, loaded once: its markets are the partitions, and its
    ``providers`` section decides which provider resources the definitions bind."""
    return load_project(configured_project_dir(), keyword_count=configured_keyword_count())
