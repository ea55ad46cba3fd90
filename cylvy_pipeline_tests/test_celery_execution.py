"""The Celery executor: steps of a run executed by `cylvy-pipeline worker` processes on a Redis broker.

Debian's redis-server (its own process, on a free loopback port, nothing saved to disk) is the broker;
two workers, each the leader of its own session with its own state folder, are as if on two machines:
they share only Redis and the PostgreSQL servers, which they reach by URL. The run command executes the
run and submits its steps; it executes none of them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
import redis

from cylvy_pipeline.contract import PARTITION_TAG, PHASES, PROVIDER_POOLS
from cylvy_pipeline.runtime.celery_executor import CHECK_EVERY_S, LOST_AFTER_S
from cylvy_pipeline.runtime.celery_worker import RUN_CHECK_EVERY_S
from cylvy_pipeline_tests.dagster_ui import dagster_dev, launch, reexecute_from_failure_in_the_ui, wait_for
from cylvy_pipeline_tests.processes import kill_session, session_members, start_cli, wait_until_gone
from cylvy_pipeline_tests.robustness.runs import statuses

pytestmark = pytest.mark.slow

# Only the workers get the latency: a step reads it from the environment of the process executing it.
# 36 SERPs, 8 at a time, 3 s each: serp_collection lasts about 15 s, longer than the run takes to give
# up on a silent worker, so the first run shows a healthy worker is never taken for a dead one, and
# the others have seconds to interrupt it.
WORKER_LATENCY = {"CYLVY_SAMPLE_LATENCY_MS": "serp=3000"}


@dataclass
class Worker:
    name: str
    process: subprocess.Popen
    log: Path

    def pids(self) -> set[int]:
        return set(session_members(self.process.pid))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def broker_url(tmp_path_factory) -> Iterator[str]:
    """A redis-server of this test's own, stopped at the end."""
    server = shutil.which("redis-server")
    assert server, "redis-server is not installed: apt-get install redis-server (.ci/run installs it)"
    port = _free_port()
    log = tmp_path_factory.mktemp("redis") / "redis.log"
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True,  # noqa: SIM115
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        wait_for(lambda: _answers(client), timeout_s=20, interval_s=0.1, what=f"redis-server on port {port}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        finally:
            kill_session(process.pid)


def _answers(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="module")
def workers(broker_url, database_urls, tmp_path_factory) -> Iterator[dict[str, Worker]]:
    """Two workers, one step at a time each, ready on the broker; stopped (by session) at the end."""
    started = {}
    try:
        for name in ("alpha", "beta"):
            folder = tmp_path_factory.mktemp(f"worker-{name}")
            log = folder / "worker.log"
            process = start_cli(
                "worker", "--name", f"{name}@%h", "--concurrency", "1", log=log,
                CYLVY_CELERY_BROKER_URL=broker_url, CYLVY_STATE_DIR=str(folder / "state"),
                CYLVY_DATABASE_URL=database_urls.product, CYLVY_DAGSTER_DATABASE_URL=database_urls.dagster,
                **WORKER_LATENCY,
            )
            started[name] = Worker(name, process, log)
        for worker in started.values():
            wait_for(lambda w=worker: _ready(w), timeout_s=120, interval_s=0.2, what=f"worker {worker.name} ready")
        yield started
    finally:
        for worker in started.values():
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)  # a warm shutdown: it has no step left
        for worker in started.values():
            wait_until_gone(list(worker.pids()), timeout_s=10)
            kill_session(worker.process.pid)


def _ready(worker: Worker) -> bool:
    if worker.process.poll() is not None:
        raise RuntimeError(f"worker {worker.name} exited early:\n{worker.log.read_text()}")
    return f"{worker.name}@" in worker.log.read_text() and " ready." in worker.log.read_text()


def _celery_cli(broker_url: str, *args: str, log: Path) -> subprocess.Popen:
    return start_cli(*args, log=log, CYLVY_EXECUTOR="celery", CYLVY_CELERY_BROKER_URL=broker_url)


def _latest_run(instance: dg.DagsterInstance, market: str, after: float) -> str | None:
    records = instance.get_run_records(dg.RunsFilter(tags={PARTITION_TAG: market}), limit=1)
    if records and records[0].create_timestamp.timestamp() > after:
        return records[0].dagster_run.run_id
    return None


def _steps(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[int, float, float | None]]:
    """Step key -> (pid of the process that executed it, start, end or None)."""
    events = instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                                                dg.DagsterEventType.STEP_FAILURE})
    steps: dict[str, tuple[int, float, float | None]] = {}
    for e in events:
        if e.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            steps[e.step_key] = (e.dagster_event.pid, e.timestamp, None)
        elif e.step_key in steps:
            steps[e.step_key] = (*steps[e.step_key][:2], e.timestamp)
    return steps


def _worker_of(pid: int, workers: dict[str, Worker]) -> str | None:
    return next((name for name, worker in workers.items() if pid in worker.pids()), None)


@contextmanager
def _run_in_serp_collection(
    instance: dg.DagsterInstance, workers: dict[str, Worker], broker_url: str, market: str, log: Path
) -> Iterator[tuple[subprocess.Popen, str, int, Worker]]:
    """`run --market M` on Celery, caught while its serp_collection executes on a worker: the command, its
    run id, the pid of the step's process and that worker. The command's session is killed afterwards."""
    started = time.time()
    run = _celery_cli(broker_url, "run", "--market", market, log=log)
    try:
        run_id = wait_for(lambda: _latest_run(instance, market, started), timeout_s=120, interval_s=0.1,
                          what=f"the {market} run")
        pid = wait_for(lambda: _steps(instance, run_id).get("serp_collection", (None,))[0], timeout_s=120,
                       interval_s=0.1, what="serp_collection to start")
        yield run, run_id, pid, workers[_worker_of(pid, workers)]
    finally:
        kill_session(run.pid)


def test_steps_of_a_run_execute_on_both_workers(dagster_instance, product_db, workers, broker_url, tmp_path):
    started = time.time()
    run = _celery_cli(broker_url, "run", "--market", "UK", log=tmp_path / "run.log")
    try:
        assert run.wait(timeout=300) == 0, (tmp_path / "run.log").read_text()
        run_id = _latest_run(dagster_instance, "UK", started)
        steps = _steps(dagster_instance, run_id)
        executed_by = {key: _worker_of(pid, workers) for key, (pid, _, _) in steps.items()}
    finally:
        kill_session(run.pid)
    assert set(PHASES) <= set(steps)
    # Every step on a worker (none in the run command's own processes), and both workers took some: with
    # one step at a time each, the three phases after the SERPs cannot all go to one.
    assert None not in executed_by.values(), executed_by
    assert set(executed_by.values()) == set(workers), executed_by
    assert statuses(product_db, run_id) == dict.fromkeys(PHASES, "completed")
    # The run asked serp_collection's worker about it several times while it ran, and never took the
    # busy worker for a dead one.
    _, start, end = steps["serp_collection"]
    assert end - start > LOST_AFTER_S + 2 * CHECK_EVERY_S, steps["serp_collection"]


def test_ctrl_c_cancels_the_run_and_stops_its_running_step_on_the_worker(
    dagster_instance, product_db, workers, broker_url, tmp_path
):
    with _run_in_serp_collection(dagster_instance, workers, broker_url, "US", tmp_path / "run.log") as (
        run, run_id, pid, worker
    ):
        os.kill(run.pid, signal.SIGINT)
        assert run.wait(timeout=30) == 130, (tmp_path / "run.log").read_text()
        # The step's process on the worker was stopped, not waited for: it is gone by the time the
        # command has exited, and its SERPs (about 15 s of them) were neither finished nor stored.
        assert wait_until_gone([pid], timeout_s=1) == []
    stored = product_db.execute("SELECT count(*) FROM serp_results WHERE pipeline_execution_id = %s",
                                (run_id,)).fetchone()[0]
    assert stored == 0
    assert statuses(product_db, run_id) == {"keyword_metrics": "completed", "serp_collection": "failed",
                                            **dict.fromkeys(PHASES[2:], "skipped")}
    reason = product_db.execute(
        """SELECT result_data->>'reason' FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'serp_collection'""", (run_id,),
    ).fetchone()[0]
    assert reason == "canceled"
    # The worker lives on, with a new process for its next step.
    assert worker.process.poll() is None
    wait_for(lambda: len(worker.pids()) >= 2, timeout_s=10, interval_s=0.1, what="the worker's new pool process")
    assert run_id not in dagster_instance.event_log_storage.get_concurrency_info(
        PROVIDER_POOLS["serp_collection"]).active_run_ids


def test_a_step_process_killed_under_a_live_worker_fails_its_step_at_once(
    dagster_instance, product_db, workers, broker_url, tmp_path
):
    # The out-of-memory killer's choice: the process executing the step, not its worker.
    with _run_in_serp_collection(dagster_instance, workers, broker_url, "UK", tmp_path / "run.log") as (
        run, run_id, pid, worker
    ):
        os.kill(pid, signal.SIGKILL)
        assert run.wait(timeout=60) == 1, (tmp_path / "run.log").read_text()
    assert statuses(product_db, run_id) == {"keyword_metrics": "completed", "serp_collection": "failed",
                                            **dict.fromkeys(PHASES[2:], "blocked")}
    error = product_db.execute(
        """SELECT result_data->>'error' FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'serp_collection'""", (run_id,),
    ).fetchone()[0]
    # The worker reported the lost process itself (billiard's WorkerLostError), rather than the run
    # failing the step after the worker went silent for LOST_AFTER_S (its own "stopped answering" /
    # "no longer runs it" error): the cause, not a stopwatch, tells the two apart (a loaded machine
    # stretches how long the run command takes to exit either way).
    assert "WorkerLostError" in error and "SIGKILL" in error, error
    assert worker.process.poll() is None  # the worker replaced its process and goes on


def test_a_step_whose_run_died_stops_on_its_worker_once_sync_has_failed_the_run(
    dagster_instance, product_db, workers, broker_url, tmp_path
):
    with _run_in_serp_collection(dagster_instance, workers, broker_url, "US", tmp_path / "run.log") as (
        run, run_id, pid, worker
    ):
        # The run's own process tree dies at once (its machine lost), status follower included, so nothing
        # of it can fail the run on its way out; the worker executing its step lives on.
        members = session_members(run.pid)
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        assert wait_until_gone(members, timeout_s=5) == []
    assert pid in worker.pids(), "the step goes on with nobody left to revoke it"

    synced = subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", "sync"], capture_output=True, text=True,
                            timeout=120)
    assert synced.returncode == 0, synced.stderr
    assert dagster_instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    # The step learns that its run has ended and stops: its SERPs (about 15 s) are neither finished nor stored.
    assert wait_until_gone([pid], timeout_s=RUN_CHECK_EVERY_S + 5) == []
    assert "serp_collection" not in {e.step_key for e in dagster_instance.all_logs(
        run_id, of_type={dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE})}
    stored = product_db.execute("SELECT count(*) FROM serp_results WHERE pipeline_execution_id = %s",
                                (run_id,)).fetchone()[0]
    assert stored == 0
    assert statuses(product_db, run_id) == {"keyword_metrics": "completed", "serp_collection": "failed",
                                            **dict.fromkeys(PHASES[2:], "blocked")}
    said = [e.message for e in dagster_instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)]
    assert any(m.startswith(f"Stopped serp_collection on the Celery worker {worker.name}@")
               and m.endswith(f"(pid {pid}): its run had already ended (failure)") for m in said), said
    # The worker lives on, with a new process for its next step.
    assert worker.process.poll() is None
    wait_for(lambda: len(worker.pids()) >= 2, timeout_s=10, interval_s=0.1, what="the worker's new pool process")


def test_the_ui_runs_steps_on_the_workers_and_reexecutes_a_failed_command_line_run(
    dagster_instance, product_db, workers, broker_url, tmp_path, monkeypatch
):
    # `cylvy-pipeline dev` configured for Celery: the run worker it launches submits the steps.
    monkeypatch.setenv("CYLVY_EXECUTOR", "celery")
    monkeypatch.setenv("CYLVY_CELERY_BROKER_URL", broker_url)
    with dagster_dev(tmp_path / "dagster-dev.log") as ui:
        run_id = launch(ui, "DE")
        run = wait_for(lambda: (r := dagster_instance.get_run_by_id(run_id)) and r.is_finished and r,
                       timeout_s=240, interval_s=0.5, what="the launched run to end")
        assert run.status == dg.DagsterRunStatus.SUCCESS, (tmp_path / "dagster-dev.log").read_text()[-3000:]
        steps = _steps(dagster_instance, run_id)
        assert set(PHASES) <= set(steps)
        executed_by = {key: _worker_of(pid, workers) for key, (pid, _, _) in steps.items()}
        assert None not in executed_by.values(), executed_by
        assert statuses(product_db, run_id) == dict.fromkeys(PHASES, "completed")

        # A run the command line started fails (its SERP step's process killed on a worker); the UI's
        # "Re-execute from failure" completes its execution on the workers.
        with _run_in_serp_collection(dagster_instance, workers, broker_url, "US", tmp_path / "run.log") as (
            command, failed_id, pid, _
        ):
            os.kill(pid, signal.SIGKILL)
            assert command.wait(timeout=60) == 1, (tmp_path / "run.log").read_text()
        again = reexecute_from_failure_in_the_ui(ui, failed_id)
        wait_for(lambda: statuses(product_db, failed_id) == dict.fromkeys(PHASES, "completed"),
                 timeout_s=240, interval_s=1, what="the re-executed execution to complete")
    steps = _steps(dagster_instance, again)
    assert set(PHASES[1:]) <= set(steps) and "keyword_metrics" not in steps  # from the failed phase on
    assert None not in {_worker_of(pid, workers) for pid, _, _ in steps.values()}


def test_a_worker_killed_mid_step_fails_its_step_and_reexecution_completes_the_execution(
    dagster_instance, product_db, workers, broker_url, tmp_path
):
    with _run_in_serp_collection(dagster_instance, workers, broker_url, "DE", tmp_path / "run.log") as (
        run, run_id, pid, victim
    ):
        survivor = next(w for w in workers.values() if w is not victim)
        # The whole worker at once, as when its machine goes: the main process and the step's process.
        tree = victim.pids()
        assert pid in tree and len(tree) >= 2
        kill_session(victim.process.pid)
        assert wait_until_gone(list(tree), timeout_s=5) == []
        # The fault as the table shows it: the phase goes on "running" while nothing executes it.
        wait_for(lambda: statuses(product_db, run_id).get("serp_collection") == "running", timeout_s=5,
                 interval_s=0.1, what="serp_collection's row to say running")

        # The run ends by itself: serp_collection failed, naming the worker; what depends on it blocked.
        assert run.wait(timeout=LOST_AFTER_S + 60) == 1, (tmp_path / "run.log").read_text()
    assert dagster_instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    after_kill = statuses(product_db, run_id)
    assert after_kill == {"keyword_metrics": "completed", "serp_collection": "failed",
                          **dict.fromkeys(PHASES[2:], "blocked")}
    error = product_db.execute(
        """SELECT result_data->>'error' FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'serp_collection'""", (run_id,),
    ).fetchone()[0]
    assert error.startswith(f"the Celery worker {victim.name}@") and f"(pid {pid})" in error, error
    # The step's provider pool slot went back with the failure: later runs are not kept waiting on it.
    pool = PROVIDER_POOLS["serp_collection"]
    assert run_id not in dagster_instance.event_log_storage.get_concurrency_info(pool).active_run_ids

    resumed_at = time.time()
    resumed = _celery_cli(broker_url, "reexecute", run_id, log=tmp_path / "reexecute.log")
    try:
        assert resumed.wait(timeout=300) == 0, (tmp_path / "reexecute.log").read_text()
    finally:
        kill_session(resumed.pid)
    assert "Summary: 8 completed" in (tmp_path / "reexecute.log").read_text()
    assert statuses(product_db, run_id) == dict.fromkeys(PHASES, "completed")
    # The same execution, completed by its re-execution on the worker that is left.
    reexecution = _latest_run(dagster_instance, "DE", resumed_at)
    assert dagster_instance.get_run_by_id(reexecution).root_run_id == run_id
    executed_by = {_worker_of(pid, workers) for pid, _, _ in _steps(dagster_instance, reexecution).values()}
    assert executed_by == {survivor.name}
