"""Everything a process needs before it touches Dagster or the product tables.

Starts (or finds) the databases, applies migrations, and points Dagster at its Postgres storage:
``DAGSTER_HOME`` is a folder in the state directory holding a copy of the package's dagster.yaml,
and ``CYLVY_DAGSTER_STORAGE_URL`` is the URL that file reads.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

from cylvy_pipeline.settings import DAGSTER_STORAGE_URL_ENV
from cylvy_pipeline.storage.database import DatabaseUrls, database_urls, state_dir
from cylvy_pipeline.storage.migrations import apply_migrations

# Package data (links to the repository's top-level files; a built package holds copies), so an
# installed package (no checkout) has them too.
DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")
WORKSPACE_YAML = Path(__file__).with_name("workspace.yaml")


def dagster_home() -> Path:
    return state_dir() / "dagster_home"


@functools.cache
def prepare_environment() -> DatabaseUrls:
    """Start/find the databases, migrate the product schema, and configure Dagster's instance."""
    urls = database_urls()
    apply_migrations(urls.product)
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != DAGSTER_YAML.read_bytes():
        # Copy, then rename over: a process starting at the same moment never reads a half-written file.
        partial = home / f".dagster.yaml.{os.getpid()}"
        shutil.copyfile(DAGSTER_YAML, partial)
        os.replace(partial, target)
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ[DAGSTER_STORAGE_URL_ENV] = urls.dagster
    return urls
