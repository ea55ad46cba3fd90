"""Benchmark: how far pipeline_phase_status lags behind Dagster's step events.

For each phase of each execution, the lag of a step's start is the time from its STEP_START event to
the first moment its row shows it started (running, completed or failed); the lag of its end is the
time from the last step end of the phase (its own step or its checks' steps: a phase is completed only
once its blocking checks passed) to the first moment the row shows the outcome. Rows are polled every
50 ms from a separate process. Two modes:

- ``run``: `cylvy-pipeline run` (in-process execution, statuses synced live by the command itself);
- ``dev``: `cylvy-pipeline dev` (runs launched over GraphQL; statuses synced by its follower process and
  by the sensor in the daemon), and ``dev --no-follow`` (the sensor alone; the daemon evaluates sensors
  at most every 5 s).

    python benchmarks/status_lag_benchmark.py [--keywords 100] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

STATE = Path(tempfile.mkdtemp(prefix="cylvy-lag-", dir="/tmp"))
os.chmod(STATE, 0o755)
os.environ["CYLVY_STATE_DIR"] = str(STATE)
for name in ("CYLVY_DATABASE_URL", "CYLVY_DAGSTER_DATABASE_URL", "CYLVY_SAMPLE_FAULTS", "CYLVY_PROJECT_DIR"):
    os.environ.pop(name, None)

import dagster as dg  # noqa: E402
import psycopg  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cylvy_pipeline.contract import PHASES  # noqa: E402
from cylvy_pipeline.defs.providers import sample_latency_run_config  # noqa: E402
from cylvy_pipeline.environment import prepare_environment  # noqa: E402
from cylvy_pipeline.status.records import phase_of_step  # noqa: E402
from cylvy_pipeline_tests.dagster_ui import dagster_dev, wait_for  # noqa: E402

STARTED = {"running", "completed", "failed"}
ENDED = {"completed", "failed"}


class RowWatcher(threading.Thread):
    """Polls pipeline_phase_status; remembers when each (execution, phase) first showed start and end."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop, self.seen = url, threading.Event(), {}

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                now = datetime.now(UTC)
                for execution, phase, status in conn.execute(
                    "SELECT pipeline_execution_id::text, phase_name, status FROM pipeline_phase_status"
                ):
                    if status in STARTED:
                        self.seen.setdefault((execution, phase, "start"), now)
                    if status in ENDED:
                        self.seen.setdefault((execution, phase, "end"), now)
                time.sleep(0.05)


def lags(instance: dg.DagsterInstance, run_id: str, seen: dict) -> list[float]:
    """Start: STEP_START of the phase's step. End: the last of its step's and its checks' step ends
    (a phase is completed only once its blocking checks have passed)."""
    starts, ends = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        phase = phase_of_step(event.step_key) if event else None
        if phase is None:
            continue
        when = datetime.fromtimestamp(entry.timestamp, UTC)
        if event.event_type_value == "STEP_START" and event.step_key == phase:
            starts[phase] = when
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            ends[phase] = max(ends.get(phase, when), when)
    result = []
    for kind, events in (("start", starts), ("end", ends)):
        for phase, when in events.items():
            if shown := seen.get((run_id, phase, kind)):
                result.append((shown - when).total_seconds())
    return result


def report(mode: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (f"| {mode} | {len(values)} | {statistics.median(values):.2f} | {p95:.2f} | {max(values):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=20)
    args = parser.parse_args()
    os.environ["CYLVY_SAMPLE_KEYWORDS"] = str(args.keywords)
    urls = prepare_environment()
    instance = dg.DagsterInstance.get()
    watcher = RowWatcher(urls.product)
    watcher.start()
    rows = ["| mode | events | median lag (s) | p95 lag (s) | max (s) |", "|---|---|---|---|---|"]
    try:
        # run: the command line, one execution per market.
        before = {r.dagster_run.run_id for r in instance.get_run_records()}
        subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", "run"], check=True, capture_output=True)
        cli_runs = [r.dagster_run.run_id for r in instance.get_run_records() if r.dagster_run.run_id not in before]
        time.sleep(0.5)
        rows.append(report("`cylvy-pipeline run`", [x for r in cli_runs for x in lags(instance, r, watcher.seen)]))

        # dev: the webserver and daemon; runs launched over GraphQL, one at a time. With the follower
        # that `cylvy-pipeline dev` starts, and with the status-sync sensor alone (--no-follow).
        from dagster_graphql import DagsterGraphQLClient

        for mode, extra in (("`cylvy-pipeline dev`", ()), ("`cylvy-pipeline dev --no-follow` (sensor only)", ("--no-follow",))):
            with dagster_dev(STATE / "dagster-dev.log", *extra) as base_url:
                client = DagsterGraphQLClient("127.0.0.1", port_number=int(base_url.rsplit(":", 1)[1]))
                dev_runs = []
                for market in ("US", "UK", "DE"):
                    run_id = client.submit_job_execution(
                        "market_pipeline", repository_location_name="cylvy_pipeline", repository_name="__repository__",
                        tags={"dagster/partition": market},
                        run_config=sample_latency_run_config(args.latency_ms),
                    )
                    wait_for(lambda run_id=run_id: all((run_id, p, "end") in watcher.seen for p in PHASES),
                             timeout_s=300, interval_s=0.2, what=f"run {run_id} to be synced")
                    dev_runs.append(run_id)
            rows.append(report(mode, [x for r in dev_runs for x in lags(instance, r, watcher.seen)]))
    finally:
        watcher.stop.set()
        subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", "db", "stop"], capture_output=True)
        shutil.rmtree(STATE, ignore_errors=True)
    print(f"#### Status lag, sample project at {args.keywords} keywords, US/UK/DE\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
