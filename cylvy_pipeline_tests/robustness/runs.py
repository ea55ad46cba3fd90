"""Shared by the crash, signal and alert tests: a `cylvy-pipeline run` caught in the middle of a phase."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from cylvy_pipeline_tests.dagster_ui import wait_for
from cylvy_pipeline_tests.processes import start_cli

# One second per provider call keeps serp_collection (36 calls, 8 at a time) busy for about 5 s.
SLOW_PROVIDERS = {"CYLVY_SAMPLE_LATENCY_MS": "1000"}


def statuses(conn, execution_id: str) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT phase_name, status FROM pipeline_phase_status WHERE pipeline_execution_id = %s", (execution_id,)
    ).fetchall())


def running_execution(conn, market: str, phase: str, since: float) -> str | None:
    """The execution (created after ``since``) whose ``phase`` runs in ``market`` now, if any."""
    row = conn.execute(
        """SELECT pipeline_execution_id::text FROM pipeline_phase_status
           WHERE market = %s AND phase_name = %s AND status = 'running' AND created_at > to_timestamp(%s)""",
        (market, phase, since),
    ).fetchone()
    return row[0] if row else None


def start_run_in_serp_collection(conn, log: Path, *markets: str) -> tuple[subprocess.Popen, str]:
    """Start `run --market M…` with slow providers; return it and its first execution's id once that
    execution's serp_collection is running."""
    started = time.time()
    run = start_cli("run", *(a for m in markets for a in ("--market", m)), log=log, **SLOW_PROVIDERS)
    execution_id = wait_for(lambda: running_execution(conn, markets[0], "serp_collection", started),
                            timeout_s=120, interval_s=0.1, what="serp_collection to be running")
    return run, execution_id
