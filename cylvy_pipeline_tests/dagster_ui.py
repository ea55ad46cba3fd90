"""Start the real Dagster webserver + daemon (`cylvy-pipeline dev`) for a test, and drive it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=15000", "--window-size=1600,1000",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(base_url: str, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(f"{base_url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30)
    response.raise_for_status()
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def wait_for(condition, *, timeout_s: float, interval_s: float = 0.5, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(interval_s)
    raise TimeoutError(f"gave up after {timeout_s:.0f} s waiting for {what}")


def wait_until_ready(base_url: str, process: subprocess.Popen, log_path: Path) -> str:
    """Wait until the webserver answers and the daemon's sensor, run-queue and monitoring loops are healthy."""

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"dagster dev exited early; see {log_path}")
        try:
            data = graphql(base_url, "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }")
        except (httpx.HTTPError, AssertionError):
            return False
        statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
        return bool(statuses) and all(
            s["healthy"] for s in statuses if s["daemonType"] in ("SENSOR", "QUEUED_RUN_COORDINATOR", "MONITORING")
        )

    wait_for(ready, timeout_s=180, interval_s=1, what="the Dagster webserver and daemon")
    graphql(base_url, "mutation { setNuxSeen }")  # hide the first-visit pop-up
    return base_url


@contextmanager
def dagster_dev(log_path: Path, *extra_args: str) -> Iterator[str]:
    """Run `cylvy-pipeline dev` on a free port; yield its base URL; stop it (SIGINT, by PID) afterwards."""
    port = free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cylvy_pipeline.cli", "dev", "--port", str(port), *extra_args],
            stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
        )
        try:
            yield wait_until_ready(f"http://127.0.0.1:{port}", process, log_path)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def chromium(*args: str, user_data_dir: Path) -> str:
    result = subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", *args],
        capture_output=True, text=True, timeout=120,
    )
    return result.stdout
