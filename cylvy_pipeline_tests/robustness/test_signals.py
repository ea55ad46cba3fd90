"""Ctrl-C and SIGTERM, sent the way a terminal, systemd or Docker send them, to commands started with
default signal handling: everything stops within 10 s, every status row is final, and an interrupted
execution is canceled (not failed), with exit status 130 for `run`."""

from __future__ import annotations

import os
import signal
import socket
import time

import dagster as dg
import pytest

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline_tests.dagster_ui import free_port, wait_for, wait_until_ready
from cylvy_pipeline_tests.processes import kill_session, session_members, start_cli, wait_until_gone
from cylvy_pipeline_tests.robustness.runs import start_run_in_serp_collection, statuses
from cylvy_pipeline_tests.test_ui import SLOW_PROVIDERS, launch

pytestmark = pytest.mark.slow
STOP_WITHIN_S = 10


def executions_since(conn, since: float) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT market, status FROM pipeline_executions WHERE created_at > to_timestamp(%s) ORDER BY created_at",
        (since,),
    ).fetchall()


def assert_canceled_at_serp_collection(conn, instance: dg.DagsterInstance, execution_id: str) -> None:
    final = statuses(conn, execution_id)
    assert final["keyword_metrics"] == "completed" and final["serp_collection"] == "failed", final
    assert {final[p] for p in PHASES[2:]} == {"skipped"}, final
    # Dagster says CANCELED, or FAILURE with the interrupt as the run's error when the signal landed
    # between steps (in Dagster's own code); either way the execution was canceled.
    assert instance.get_run_by_id(execution_id).status in (dg.DagsterRunStatus.CANCELED, dg.DagsterRunStatus.FAILURE)
    assert conn.execute(
        "SELECT status FROM pipeline_executions WHERE id = %s", (execution_id,)
    ).fetchone()[0] == "canceled"


@pytest.mark.parametrize(
    ("how", "send"),
    [
        ("ctrl-c", lambda pid: os.killpg(pid, signal.SIGINT)),  # a terminal signals the whole group
        ("sigterm", lambda pid: os.kill(pid, signal.SIGTERM)),  # systemd, Docker: the main process
    ],
)
def test_an_interrupted_multi_market_run_cancels_its_market_and_starts_no_other(
    how, send, product_db, dagster_instance, tmp_path
):
    started = time.time()
    run, execution_id = start_run_in_serp_collection(product_db, tmp_path / "run.log", "US", "UK")
    try:
        members = session_members(run.pid)
        send(run.pid)
        stopped = time.monotonic()
        assert run.wait(timeout=STOP_WITHIN_S) == 130, (tmp_path / "run.log").read_text()
        assert wait_until_gone(members, timeout_s=STOP_WITHIN_S - (time.monotonic() - stopped)) == []
    finally:
        kill_session(run.pid)
    assert_canceled_at_serp_collection(product_db, dagster_instance, execution_id)
    assert executions_since(product_db, started) == [("US", "canceled")]  # UK never started
    output = (tmp_path / "run.log").read_text()
    assert "Traceback" not in output
    assert "cylvy-pipeline: interrupted — US canceled; not started: UK" in output


def port_is_bound(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_dev_and_everything_it_started(product_db, dagster_instance, tmp_path):
    port = free_port()
    dev = start_cli("dev", "--port", str(port), log=tmp_path / "dev.log")
    try:
        base_url = wait_until_ready(f"http://127.0.0.1:{port}", dev, tmp_path / "dev.log")
        run_id = launch(base_url, "DE", SLOW_PROVIDERS)
        wait_for(lambda: statuses(product_db, run_id).get("serp_collection") == "running",
                 timeout_s=240, interval_s=0.25, what="serp_collection to be running")
        members = session_members(dev.pid)
        assert len(members) >= 5, "cylvy-pipeline dev, its follower, dagster dev, webserver, daemon, code server"
        os.kill(dev.pid, signal.SIGTERM)
        stopped = time.monotonic()
        dev.wait(timeout=STOP_WITHIN_S)
        assert wait_until_gone(members, timeout_s=STOP_WITHIN_S - (time.monotonic() - stopped)) == []
        assert not port_is_bound(port)
    finally:
        kill_session(dev.pid)
    assert_canceled_at_serp_collection(product_db, dagster_instance, run_id)
