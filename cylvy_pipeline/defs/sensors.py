"""Sensors: the status sync, the keyword-file watcher and the run-failure alert."""

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

import dagster as dg
import httpx

from cylvy_pipeline.defs.jobs import market_pipeline_job
from cylvy_pipeline.defs.resources import PostgresResource, ProjectResource
from cylvy_pipeline.project.loader import KEYWORDS_FILE, PROJECT_FILE, SAMPLE_PROJECT_DIR
from cylvy_pipeline.status.derive import derive_phase_statuses
from cylvy_pipeline.status.records import read_run
from cylvy_pipeline.status.sync import PARTITION_TAG, execution_id_of, execution_runs, sync, sync_executions

STATUS_SYNC_INTERVAL_S = 1


@dg.sensor(
    name="pipeline_status_sync",
    minimum_interval_seconds=STATUS_SYNC_INTERVAL_S,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Keeps pipeline_executions and pipeline_phase_status true to Dagster's run and event "
    "records: pending, running, completed, failed, blocked (with blocked_by) and skipped.",
)
def pipeline_status_sync(context: dg.SensorEvaluationContext, database: PostgresResource) -> dg.SensorResult:
    """The cursor is the newest run update already synced; it advances only after the upsert commits."""
    updated_after = datetime.fromisoformat(context.cursor) if context.cursor else None
    with database.connection() as conn:
        outcome = sync(context.instance, conn, updated_after)
    cursor = outcome.cursor.isoformat() if outcome.cursor else context.cursor
    if not outcome.executions:
        return dg.SensorResult(cursor=cursor, skip_reason="no pipeline runs changed")
    context.log.info(f"synced {len(outcome.executions)} executions, {outcome.changed_rows} rows changed")
    return dg.SensorResult(cursor=cursor)


def project_fingerprint(project_dir: str | None) -> str:
    """A hash of the project's keyword file and project file contents (not their timestamps)."""
    folder = Path(project_dir) if project_dir else SAMPLE_PROJECT_DIR
    digest = hashlib.sha256()
    for name in (KEYWORDS_FILE, PROJECT_FILE):
        path = folder / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"<missing>") + b"\0")
    return digest.hexdigest()


@dg.sensor(
    name="keyword_file_changed",
    job=market_pipeline_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Launches one pipeline run per market when the project's keyword list or project file "
    "content changes (a touch without a change launches nothing).",
)
def keyword_file_changed(context: dg.SensorEvaluationContext, project: ProjectResource) -> dg.SensorResult:
    fingerprint = project_fingerprint(project.project_dir)
    if context.cursor is None:
        return dg.SensorResult(cursor=fingerprint, skip_reason="first look at the project files: remembered")
    if fingerprint == context.cursor:
        return dg.SensorResult(skip_reason="project files unchanged")
    markets = project.load().markets
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=f"{fingerprint[:16]}-{market}", partition_key=market, tags={"cylvy/trigger": "keywords"})
            for market in markets
        ],
        cursor=fingerprint,
    )


@dg.run_failure_sensor(
    name="pipeline_failure_alert",
    monitored_jobs=[market_pipeline_job],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records every failed pipeline run in pipeline_alerts and posts it to "
    "CYLVY_ALERT_WEBHOOK_URL when that is set.",
)
def pipeline_failure_alert(context: dg.RunFailureSensorContext, database: PostgresResource) -> None:
    run = context.dagster_run
    execution_id = execution_id_of(run)
    runs = [read_run(context.instance, r.dagster_run) for r in execution_runs(context.instance, execution_id)]
    phases = derive_phase_statuses(runs)
    failed = {p.phase: p.result_data.get("error") for p in phases if p.status == "failed"}
    blocked = [p.phase for p in phases if p.status == "blocked"]
    market = run.tags.get(PARTITION_TAG)
    message = (
        f"cylvy_pipeline: {market} execution {execution_id} failed at {', '.join(failed) or 'start-up'}"
        + (f"; blocked: {', '.join(blocked)}" if blocked else "")
    )
    details = {
        "pipeline_execution_id": execution_id, "dagster_run_id": run.run_id, "market": market,
        "failed_phases": failed, "blocked_phases": blocked,
        "run_failure": context.failure_event.message,
    }
    webhook_status = _post_webhook({"text": message, **details})
    with database.connection() as conn:
        with conn.transaction():
            conn.execute(
                """INSERT INTO pipeline_alerts (pipeline_execution_id, dagster_run_id, market, message, details, webhook_status)
                   VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (dagster_run_id) DO NOTHING""",
                (execution_id, run.run_id, market, message, json.dumps(details), webhook_status),
            )
        # Failure is also a status change: make the table true now rather than at the next sync tick.
        sync_executions(context.instance, conn, [execution_id])


def _post_webhook(payload: dict) -> str | None:
    url = os.environ.get("CYLVY_ALERT_WEBHOOK_URL")
    if not url:
        return None
    try:
        response = httpx.post(url, json=payload, timeout=10.0)
        return f"HTTP {response.status_code}"
    except httpx.HTTPError as error:
        return f"error: {type(error).__name__}: {error}"


PIPELINE_SENSORS = [pipeline_status_sync, keyword_file_changed, pipeline_failure_alert]
