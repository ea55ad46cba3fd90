"""Test session set-up: a real PostgreSQL (embedded, in a test-only state folder) and a real,
Postgres-backed Dagster instance. Nothing here mocks Dagster or the database.

The environment is set before anything runs: the Dagster definitions each test builds, and the CLI
processes tests start, read the project (and so the market partitions) from it. Tests run the sample project scaled to a
small generated keyword list so an end-to-end execution takes seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TEST_KEYWORDS = 12
_REPOSITORY = Path(__file__).resolve().parents[1]

# The suite runs in two pytest-xdist workers (setup.cfg), each with a state folder, and so an embedded
# PostgreSQL server and Dagster instance, of its own: a test sees only its own worker's runs and rows.
# The workers inherit the environment pytest's main process set here, hence the base kept apart.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_STATE_BASE = os.environ.setdefault(
    "CYLVY_TEST_STATE_BASE", os.environ.get("CYLVY_STATE_DIR") or str(_REPOSITORY / ".cylvy" / "test")
)
os.environ["CYLVY_STATE_DIR"] = f"{_STATE_BASE}-{_WORKER}" if _WORKER else _STATE_BASE
os.environ["CYLVY_SAMPLE_KEYWORDS"] = str(TEST_KEYWORDS)
os.environ.pop("CYLVY_PROJECT_DIR", None)
os.environ.pop("CYLVY_SAMPLE_FAULTS", None)
# Steps run one after another in the run's process: a step process costs about a second to start, and
# most tests are about what a phase does, not how steps are scheduled. The multiprocess executor (the
# product's default) has tests of its own (test_parallel_execution.py).
os.environ.setdefault("CYLVY_EXECUTOR", "in_process")


def _reset_embedded_databases() -> None:
    """Start each session from empty databases (only ever the embedded, test-only server)."""
    import psycopg
    from psycopg import sql

    from cylvy_pipeline.storage import database

    if not database.uses_embedded_server():
        return
    server_url = database.database_urls().product
    admin = psycopg.conninfo.make_conninfo(server_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in (database.PRODUCT_DATABASE, database.DAGSTER_DATABASE):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def database_urls():
    from cylvy_pipeline.environment import prepare_environment

    _reset_embedded_databases()
    return prepare_environment()


@pytest.fixture(scope="session")
def dagster_instance(database_urls):
    from cylvy_pipeline.execution import open_instance

    instance = open_instance()  # as the CLI opens it: storage created, provider pool limits in place
    yield instance
    instance.dispose()


@pytest.fixture
def product_db(database_urls):
    import psycopg

    with psycopg.connect(database_urls.product, autocommit=True) as conn:
        yield conn
