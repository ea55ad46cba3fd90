"""Start the real Dagster webserver + daemon (`cylvy-pipeline dev`) for a test, and drive it."""

from __future__ import annotations

import base64
import itertools
import json
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
from dagster_graphql import DagsterGraphQLClient
from websockets.sync.client import connect

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
            raise RuntimeError(f"the Dagster webserver exited early; see {log_path}")
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


def launch(base_url: str, market: str, run_config: dict | None = None) -> str:
    """Launch market_pipeline for one market through the webserver, as the UI's Launchpad does; the run id."""
    port = int(base_url.rsplit(":", 1)[1])
    client = DagsterGraphQLClient("127.0.0.1", port_number=port)
    return client.submit_job_execution(
        "market_pipeline", repository_location_name="cylvy_pipeline", repository_name="__repository__",
        tags={"dagster/partition": market}, run_config=run_config or {},
    )


def reexecute_from_failure_in_the_ui(base_url: str, run_id: str) -> str:
    """What the UI's "Re-execute from failure" button sends; the new run's id."""
    launched = graphql(
        base_url,
        """mutation($params: ReexecutionParams!) { launchRunReexecution(reexecutionParams: $params) {
             __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
        {"params": {"parentRunId": run_id, "strategy": "FROM_FAILURE"}},
    )["launchRunReexecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def chromium(*args: str, user_data_dir: Path) -> str:
    result = subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", *args],
        capture_output=True, text=True, timeout=120,
    )
    return result.stdout


class BrowserPage:
    """One headless Chromium tab driven over the DevTools protocol: for pages that need a click."""

    def __init__(self, websocket) -> None:
        self._websocket = websocket
        self._ids = itertools.count(1)

    def send(self, method: str, **params) -> dict:
        message_id = next(self._ids)
        self._websocket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:  # events arrive between the answers; only our answer matters here
            message = json.loads(self._websocket.recv(timeout=60))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:80]}…: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, *, timeout_s: float = 60, what: str):
        return wait_for(lambda: self.evaluate(expression), timeout_s=timeout_s, what=what)

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))


@contextmanager
def browser_page(url: str, *, user_data_dir: Path) -> Iterator[BrowserPage]:
    """Open ``url`` in headless Chromium with a DevTools port; stop that Chromium (by PID) afterwards."""
    # A virtual time budget would end the browser while the test still drives it.
    flags = [f for f in CHROMIUM_FLAGS if not f.startswith("--virtual-time-budget")]
    process = subprocess.Popen(
        ["chromium", *flags, f"--user-data-dir={user_data_dir}", "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        # Chromium writes the port it chose into its profile folder once it listens.
        port_file = user_data_dir / "DevToolsActivePort"
        port = wait_for(
            lambda: process.poll() is None and port_file.exists() and port_file.read_text().split("\n", 1)[0].strip(),
            timeout_s=30, interval_s=0.1, what="headless Chromium's DevTools port",
        )
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        target = next(t for t in targets if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None) as websocket:
            page = BrowserPage(websocket)
            page.send("Page.enable")
            page.send("Page.navigate", url=url)
            yield page
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
