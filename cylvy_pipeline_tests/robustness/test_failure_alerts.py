"""Failure alerts end to end, with the Dagster daemon running: every failed pipeline run, including
runs executed by the command line (which have no code-location origin), gives exactly one alert row
and one webhook post."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.run_request import InstigatorType

from cylvy_pipeline.environment import WORKSPACE_YAML
from cylvy_pipeline_tests.dagster_ui import wait_for
from cylvy_pipeline_tests.processes import kill_session, start_cli
from cylvy_pipeline_tests.robustness.runs import start_run_in_serp_collection
from cylvy_pipeline_tests.webhook import webhook_receiver

pytestmark = pytest.mark.slow


def sensor_has_ticked(instance: dg.DagsterInstance, name: str) -> bool:
    states = instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
    return any(s.name == name and s.instigator_data and s.instigator_data.cursor for s in states)


@pytest.fixture(scope="module")
def daemon_and_webhook(database_urls, tmp_path_factory):
    """`dagster-daemon run` on the test instance (no webserver), and the webhook it posts to."""
    log = tmp_path_factory.mktemp("daemon") / "daemon.log"
    with webhook_receiver() as (url, received), open(log, "w") as output:
        os.environ["CYLVY_ALERT_WEBHOOK_URL"] = url  # for the daemon and the commands started below
        daemon = subprocess.Popen(
            [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-w", str(WORKSPACE_YAML)],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ.copy(),
        )
        try:
            with dg.DagsterInstance.get() as instance:
                wait_for(lambda: sensor_has_ticked(instance, "pipeline_failure_alert"), timeout_s=180,
                         interval_s=1, what=f"the daemon's first alert-sensor tick (see {log})")
            yield received
        finally:
            os.environ.pop("CYLVY_ALERT_WEBHOOK_URL", None)
            daemon.send_signal(signal.SIGINT)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            kill_session(daemon.pid)


def alerts_for(conn, run_id: str) -> list[tuple]:
    return conn.execute(
        "SELECT market, webhook_status FROM pipeline_alerts WHERE dagster_run_id = %s", (run_id,)
    ).fetchall()


def posts_for(received: list[dict], run_id: str) -> list[dict]:
    return [p for p in received if p["dagster_run_id"] == run_id]


def test_a_failed_cli_run_gives_one_alert_and_one_post(daemon_and_webhook, product_db, dagster_instance, tmp_path):
    run = start_cli("run", "--market", "DE", log=tmp_path / "run.log", CYLVY_SAMPLE_FAULTS="serp_collection=1.0")
    assert run.wait(timeout=300) == 1
    run_id = dagster_instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": "DE"}), limit=1)[0].dagster_run.run_id
    wait_for(lambda: posts_for(daemon_and_webhook, run_id), timeout_s=60, what="the webhook post")
    time.sleep(12)  # two more alert-sensor intervals: a later tick must not post again
    assert alerts_for(product_db, run_id) == [("DE", "HTTP 204")]
    posts = posts_for(daemon_and_webhook, run_id)
    assert len(posts) == 1
    assert posts[0]["text"].startswith("cylvy_pipeline: DE execution ") and "failed at serp_collection" in posts[0]["text"]


def test_a_killed_cli_run_is_failed_by_the_daemon_and_alerted_once(
    daemon_and_webhook, product_db, dagster_instance, tmp_path
):
    run, execution_id = start_run_in_serp_collection(product_db, tmp_path / "run.log", "US")
    try:
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
    finally:
        kill_session(run.pid)
    # Nobody runs a command now: the daemon's run monitoring fails the run, its alert sensor alerts.
    posts = wait_for(lambda: posts_for(daemon_and_webhook, execution_id), timeout_s=90, what="the webhook post")
    time.sleep(12)
    assert len(posts_for(daemon_and_webhook, execution_id)) == 1
    assert alerts_for(product_db, execution_id) == [("US", "HTTP 204")]
    assert posts[0]["failed_phases"] == {
        "serp_collection": f"the run worker process (pid {run.pid}) died while the run was in progress"
    }
    # The SERP pool slot the dead run held is free at once, not after run monitoring's delay (by which time
    # the daemon may be gone): else every later run waits for it.
    assert execution_id not in dagster_instance.event_log_storage.get_concurrency_info("serp_api").active_run_ids
