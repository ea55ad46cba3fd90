"""One alert per failed pipeline run: a row in ``pipeline_alerts`` and, when a webhook is configured,
one JSON post.

Several places may notice the same failure: the ``pipeline_failure_alert`` sensor in the daemon, the
``run`` / ``reexecute`` command that executed the run, and ``sync`` when it fails a run whose worker
died. Whichever comes first claims the alert by inserting its row; the others find the row and do
nothing, so a re-evaluated sensor tick never posts twice.
"""

from __future__ import annotations

import json
import os

import dagster as dg
import httpx
import psycopg

from cylvy_pipeline.contract import PARTITION_TAG, execution_id_of
from cylvy_pipeline.settings import configured_alert_webhook_url
from cylvy_pipeline.status.derive import derive_phase_statuses
from cylvy_pipeline.status.records import read_run
from cylvy_pipeline.status.runs import could_not_start, execution_runs, is_pipeline_run, runs_the_phases

WEBHOOK_TIMEOUT_S = 10.0


def alert_failed_run(instance: dg.DagsterInstance, conn: psycopg.Connection, run: dg.DagsterRun) -> bool:
    """Record and post the alert for a failed pipeline run unless it was raised already.

    Returns whether this call raised it. Runs that are not pipeline runs, or did not fail, raise nothing.
    A run of the phases that could not start (no market, or an unknown one) raises its own alert, saying why.
    """
    if run.status != dg.DagsterRunStatus.FAILURE:
        return False
    if (refusal := could_not_start(run)) and runs_the_phases(run):
        return _claim_and_post(conn, execution_id_of(run), run.run_id, run.tags.get(PARTITION_TAG),
                               f"cylvy_pipeline: run {run.run_id} could not start: {refusal}",
                               {"could_not_start": refusal})
    if not is_pipeline_run(run):
        return False
    execution_id = execution_id_of(run)
    runs = [read_run(instance, r.dagster_run) for r in execution_runs(instance, execution_id)]
    if any(r.run_id == run.run_id and r.status == "CANCELED" for r in runs):
        return False  # interrupted by Ctrl-C or SIGTERM: canceled, like a run canceled in the UI
    phases = derive_phase_statuses(runs)
    failed = {p.phase: p.result_data.get("error") for p in phases if p.status == "failed"}
    blocked = [p.phase for p in phases if p.status == "blocked"]
    market = run.tags.get(PARTITION_TAG)
    message = (
        f"cylvy_pipeline: {market} execution {execution_id} failed at {', '.join(failed) or 'start-up'}"
        + (f"; blocked: {', '.join(blocked)}" if blocked else "")
    )
    details = {
        "failed_phases": failed, "blocked_phases": blocked,
        "run_failure": next((r.failure_reason for r in runs if r.run_id == run.run_id), None),
    }
    return _claim_and_post(conn, execution_id, run.run_id, market, message, details)


def _claim_and_post(
    conn: psycopg.Connection, execution_id: str, run_id: str, market: str | None, message: str, details: dict
) -> bool:
    """Claim the run's alert by inserting its row, then post it: only the first caller for a run does."""
    details = {"pipeline_execution_id": execution_id, "dagster_run_id": run_id, "market": market, **details}
    with conn.transaction():
        claimed = conn.execute(
            """INSERT INTO pipeline_alerts (pipeline_execution_id, dagster_run_id, market, message, details)
               VALUES (%s, %s, %s, %s, %s) ON CONFLICT (dagster_run_id) DO NOTHING RETURNING id""",
            (execution_id, run_id, market, message, json.dumps(details)),
        ).fetchone()
    if claimed is None:
        return False
    webhook_status = _post_webhook({"text": message, **details})
    if webhook_status is not None:
        with conn.transaction():
            conn.execute("UPDATE pipeline_alerts SET webhook_status = %s WHERE id = %s", (webhook_status, claimed[0]))
    return True


def _post_webhook(payload: dict) -> str | None:
    url = configured_alert_webhook_url(os.environ)
    if not url:
        return None
    try:
        response = httpx.post(url, json=payload, timeout=WEBHOOK_TIMEOUT_S)
        return f"HTTP {response.status_code}"
    except httpx.HTTPError as error:
        return f"error: {type(error).__name__}: {error}"
