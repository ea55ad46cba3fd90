"""Several first commands at once on a new state folder: the embedded server, both databases, the
product schema and Dagster's storage are created once, and every command succeeds."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from cylvy_pipeline.storage.database import REPOSITORY_ROOT
from cylvy_pipeline_tests.processes import start_cli

CONCURRENT_COMMANDS = 10


@pytest.fixture
def new_state_dir():
    # Inside the repository's state folder: the embedded server's own system user must reach it
    # (pytest's tmp folders are private to root).
    folder = REPOSITORY_ROOT / ".cylvy" / f"cold-start-{uuid.uuid4().hex[:8]}"
    yield folder
    stop = start_cli("db", "stop", CYLVY_STATE_DIR=str(folder))
    stop.communicate(timeout=60)
    shutil.rmtree(folder, ignore_errors=True)


def test_ten_concurrent_first_commands_on_a_new_state_folder_all_succeed(new_state_dir, monkeypatch):
    for name in ("CYLVY_DATABASE_URL", "CYLVY_DAGSTER_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    env = {"CYLVY_STATE_DIR": str(new_state_dir)}
    # `sync` touches everything a first command does: server, databases, migrations, Dagster's storage.
    commands = [start_cli("sync", **env) for _ in range(CONCURRENT_COMMANDS)]
    outcomes = [(c.wait(timeout=300), *c.communicate()) for c in commands]
    failures = [f"exit {code}: {err.strip()[-400:]}" for code, _, err in outcomes if code != 0]
    assert not failures, "\n".join(failures)
    assert all(out.startswith("synced 0 executions") for _, out, _ in outcomes)

    migrate = start_cli("db", "migrate", **env)
    out, _ = migrate.communicate(timeout=120)
    assert migrate.returncode == 0 and out.strip() == "database schema is up to date"
    assert os.path.exists(new_state_dir / "dagster_home" / "dagster.yaml")
