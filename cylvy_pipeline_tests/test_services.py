"""The code server (gRPC), the webserver and the daemon as three separate process trees against external
PostgreSQL, started exactly as the README's "Running the services separately" shows: the database URLs
in CYLVY_DATABASE_URL / CYLVY_DAGSTER_DATABASE_URL, `eval "$(cylvy-pipeline db env)"`, then
`dagster code-server start`, `dagster-webserver` and `dagster-daemon run` on deploy/workspace-grpc.yaml.

A market launched through the webserver's GraphQL API is queued, dequeued by the daemon, executed by a run
worker the code server starts, and its pipeline_phase_status rows are written by the daemon's status-sync
sensor: every service has a part, and nothing else (no `cylvy-pipeline dev`, no follower) runs.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline_tests.dagster_ui import free_port, graphql, wait_for, wait_until_ready
from cylvy_pipeline_tests.processes import kill_session, session_members, start_process, wait_until_gone

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[1]
WORKSPACE = REPOSITORY / "deploy" / "workspace-grpc.yaml"
BIN = Path(sys.executable).parent


@pytest.fixture
def external_databases(database_urls):
    """Two empty databases on the test session's PostgreSQL server, standing in for an external one: the
    services create every table they need themselves."""
    suffix = uuid.uuid4().hex[:8]
    names = (f"services_cylvy_{suffix}", f"services_dagster_{suffix}")
    admin = psycopg.conninfo.make_conninfo(database_urls.product, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield tuple(psycopg.conninfo.make_conninfo(database_urls.product, dbname=name) for name in names)
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _service_environment(product_url: str, dagster_url: str, state_dir: Path, code_port: int) -> dict[str, str]:
    """What an operator's shell holds after the README's set-up: the external databases, a state folder
    of its own, the code server's address, and the exports `cylvy-pipeline db env` prints."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "CYLVY_DAGSTER_STORAGE_URL")}
    env |= {
        "CYLVY_DATABASE_URL": product_url,
        "CYLVY_DAGSTER_DATABASE_URL": dagster_url,
        "CYLVY_STATE_DIR": str(state_dir),
        "CYLVY_CODE_SERVER_HOST": "127.0.0.1",
        "CYLVY_CODE_SERVER_PORT": str(code_port),
    }
    exports = subprocess.run(
        [sys.executable, "-m", "cylvy_pipeline.cli", "db", "env"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert exports.returncode == 0, exports.stdout + exports.stderr
    for line in exports.stdout.splitlines():  # what `eval` does with `export NAME=VALUE` lines
        keyword, assignment = shlex.split(line)
        assert keyword == "export"
        name, value = assignment.split("=", 1)
        env[name] = value
    assert env["DAGSTER_HOME"] == str(state_dir / "dagster_home")
    return env


LAUNCH_RUN = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message stack }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""

RUN_STATUS = """
query RunStatus($runId: ID!) {
  runOrError(runId: $runId) { __typename ... on Run { status } }
}
"""

LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace {
    locationEntries { name locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def launch_market(base_url: str, market: str) -> str:
    """launchRun of job market_pipeline for one market partition, as the UI's Launchpad does."""
    params = {
        "selector": {"repositoryLocationName": "cylvy_pipeline", "repositoryName": "__repository__",
                     "jobName": "market_pipeline"},
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": market}]},
    }
    result = graphql(base_url, LAUNCH_RUN, {"executionParams": params})["launchRun"]
    assert result["__typename"] == "LaunchRunSuccess", result
    return result["run"]["runId"]


def run_status(base_url: str, run_id: str) -> str:
    return graphql(base_url, RUN_STATUS, {"runId": run_id})["runOrError"]["status"]


def phase_statuses(product_url: str, execution_id: str) -> dict[str, str]:
    with psycopg.connect(product_url) as conn:
        rows = conn.execute(
            "SELECT phase_name, status FROM pipeline_phase_status WHERE pipeline_execution_id = %s", (execution_id,)
        ).fetchall()
    return dict(rows)


def stop(process: subprocess.Popen, timeout_s: float = 30) -> None:
    """SIGINT, as Ctrl-C would; SIGKILL only if it ignored that."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_three_services_run_a_market_launched_through_the_webserver(external_databases, tmp_path):
    product_url, dagster_url = external_databases
    code_port, web_port = free_port(), free_port()
    env = _service_environment(product_url, dagster_url, tmp_path / "state", code_port)
    logs = {name: tmp_path / f"{name}.log" for name in ("code-server", "webserver", "daemon")}

    # 1. The code server first: the webserver and the daemon load the code location from it at start.
    code_server = start_process(
        [BIN / "dagster", "code-server", "start", "-m", "cylvy_pipeline.definitions",
         "--location-name", "cylvy_pipeline", "-h", "127.0.0.1", "-p", str(code_port)],
        env=env, log=logs["code-server"],
    )
    services = [code_server]
    try:
        def code_server_serves() -> bool:
            assert code_server.poll() is None, f"the code server exited; see {logs['code-server']}"
            check = subprocess.run([BIN / "dagster", "api", "grpc-health-check", "-p", str(code_port)],
                                   env=env, capture_output=True, timeout=60)
            return check.returncode == 0

        wait_for(code_server_serves, timeout_s=180, interval_s=1, what=f"the code server (see {logs['code-server']})")

        # 2. and 3. The webserver and the daemon, on the workspace file that points at the code server.
        services.append(start_process(
            [BIN / "dagster-webserver", "-w", WORKSPACE, "-h", "127.0.0.1", "-p", str(web_port)],
            env=env, log=logs["webserver"],
        ))
        services.append(start_process([BIN / "dagster-daemon", "run", "-w", WORKSPACE], env=env, log=logs["daemon"]))
        base_url = wait_until_ready(f"http://127.0.0.1:{web_port}", services[1], logs["webserver"])

        entries = graphql(base_url, LOCATIONS)["workspaceOrError"]["locationEntries"]
        assert [(e["name"], e["locationOrLoadError"]["__typename"]) for e in entries] == [
            ("cylvy_pipeline", "RepositoryLocation")
        ], entries

        run_id = launch_market(base_url, "US")
        final = wait_for(
            lambda: (status := run_status(base_url, run_id)) in ("SUCCESS", "FAILURE", "CANCELED") and status,
            timeout_s=300, interval_s=1, what=f"run {run_id} to end (see {logs['daemon']}, {logs['code-server']})",
        )
        assert final == "SUCCESS"

        # The daemon's status-sync sensor (every 5 s at most) is the only writer of the rows here.
        statuses = wait_for(
            lambda: (rows := phase_statuses(product_url, run_id)) and set(rows.values()) == {"completed"} and rows,
            timeout_s=90, interval_s=1, what="pipeline_phase_status rows all completed",
        )
        assert sorted(statuses) == sorted(PHASES)
    finally:
        for process in reversed(services):  # daemon, webserver, then the code server they talk to
            stop(process)
        leftovers = {p.pid: session_members(p.pid) for p in services}
        for process in services:
            kill_session(process.pid)
        for process in services:
            wait_until_gone(leftovers[process.pid], timeout_s=10)
    assert not any(leftovers.values()), f"processes left running after SIGINT: {leftovers}"
