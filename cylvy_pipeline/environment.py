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
from cylvy_pipeline.storage.database import REPOSITORY_ROOT, DatabaseUrls, database_urls, default_state_dir, state_dir
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
    if (REPOSITORY_ROOT / "pyproject.toml").is_file() and state_dir() == default_state_dir().resolve():
        write_dagster_dotenv(REPOSITORY_ROOT, home, urls.dagster)
    return urls


#: The first line of a ``.env`` file this package wrote (and may rewrite); any other ``.env`` is the user's.
DOTENV_HEADER = "# Written by cylvy-pipeline: Dagster's own commands run here use the pipeline's instance."


def write_dagster_dotenv(folder: Path, home: Path, storage_url: str) -> bool:
    """Let Dagster's own commands (``dagster asset materialize``, ``dagster job launch``) run from
    ``folder`` on the pipeline's instance: they read ``.env`` in the folder they run in before they open
    an instance. Without it, from a checkout they would read its dagster.yaml with no storage URL and fail.
    A ``.env`` the user wrote is left alone. Returns whether the file was written."""
    dotenv = folder / ".env"
    content = f"{DOTENV_HEADER}\nDAGSTER_HOME='{home}'\n{DAGSTER_STORAGE_URL_ENV}='{storage_url}'\n"
    if dotenv.exists():
        current = dotenv.read_text()
        if current == content or not current.startswith(DOTENV_HEADER):
            return False
    partial = folder / f".env.{os.getpid()}"
    # Readable by its owner only: an external database's URL holds its password.
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(content)
    os.replace(partial, dotenv)
    return True
