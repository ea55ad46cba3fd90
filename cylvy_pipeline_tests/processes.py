"""Start the `cylvy-pipeline` command the way an operator's shell, systemd or Docker would: default
signal handling, each process the leader of its own process group (``setsid``), so tests can send it
real signals and check that nothing it started outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil


def start_cli(*args: str, log: Path | None = None, **env: str) -> subprocess.Popen:
    """Start ``cylvy-pipeline ARGS`` as a new session leader; output goes to ``log`` (or is captured)."""
    return start_process([sys.executable, "-m", "cylvy_pipeline.cli", *args], log=log, env={**os.environ, **env})


def start_process(command: Sequence[str], *, env: Mapping[str, str], log: Path | None = None) -> subprocess.Popen:
    """Start ``command`` as a new session leader with ``env``; output goes to ``log`` (or is captured)."""
    output = open(log, "w") if log else subprocess.PIPE  # noqa: SIM115 (closed with the process)
    return subprocess.Popen(
        [str(part) for part in command],
        stdout=output, stderr=subprocess.STDOUT if log else subprocess.PIPE, text=True,
        env=dict(env), start_new_session=True,
        # Python's default: SIGINT raises KeyboardInterrupt, SIGTERM terminates. Never inherit an ignore.
        preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGTERM)],
    )


def session_members(session_id: int) -> list[int]:
    """Every live process in the session ``session_id`` (what a terminal would still be holding)."""
    members = []
    for process in psutil.process_iter(["pid"]):
        try:
            if os.getsid(process.pid) == session_id and is_alive(process.pid):
                members.append(process.pid)
        except (ProcessLookupError, PermissionError, psutil.NoSuchProcess):
            continue
    return members


def wait_until_gone(pids: list[int], timeout_s: float) -> list[int]:
    """Wait for the processes to end; return the ones still alive after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if is_alive(p)]
    return alive


def is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kill_session(session_id: int) -> None:
    """Clean-up for a failed test: SIGKILL whatever is left of a session this test started."""
    for pid in session_members(session_id):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
