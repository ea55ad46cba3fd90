"""Sensors: the status sync, the keyword-file watcher and the run-failure alert."""

import hashlib
from datetime import datetime
from pathlib import Path

import dagster as dg

from cylvy_pipeline.contract import PIPELINE_JOB, TRIGGER_TAG, execution_id_of
from cylvy_pipeline.defs.jobs import enabled_phase_keys
from cylvy_pipeline.defs.resources import PostgresResource, ProjectResource
from cylvy_pipeline.project.loader import KEYWORDS_FILE, PROJECT_FILE, SAMPLE_PROJECT_DIR
from cylvy_pipeline.settings import ALERT_WEBHOOK_URL_ENV
from cylvy_pipeline.status.alerts import alert_failed_run
from cylvy_pipeline.status.runs import could_not_start, is_pipeline_run, runs_the_phases
from cylvy_pipeline.status.sync import sync, sync_executions

STATUS_SYNC_INTERVAL_S = 1
ALERT_INTERVAL_S = 5


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
    job_name=PIPELINE_JOB,
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
    loaded = project.load()
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"{fingerprint[:16]}-{market}", partition_key=market, tags={TRIGGER_TAG: "keywords"},
                asset_selection=enabled_phase_keys(loaded),
            )
            for market in loaded.markets
        ],
        cursor=fingerprint,
    )


@dg.run_failure_sensor(
    name="pipeline_failure_alert",
    # Every code location and none: runs executed by `cylvy-pipeline run` have no code-location origin,
    # and an ad-hoc materialization from the UI is not a run of the pipeline job. The alert itself
    # decides which runs are pipeline runs.
    monitor_all_code_locations=True,
    minimum_interval_seconds=ALERT_INTERVAL_S,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records every failed pipeline run (CLI, UI, schedule, sensor or ad-hoc materialization) in "
    f"pipeline_alerts and posts it once to {ALERT_WEBHOOK_URL_ENV} when that is set.",
)
def pipeline_failure_alert(context: dg.RunFailureSensorContext, database: PostgresResource) -> None:
    run = context.dagster_run
    if not runs_the_phases(run):
        return
    with database.connection() as conn:
        alert_failed_run(context.instance, conn, run)
        # Failure is also a status change: make the table true now rather than at the next sync tick.
        if is_pipeline_run(run) or could_not_start(run):
            sync_executions(context.instance, conn, [execution_id_of(run)])


PIPELINE_SENSORS = [pipeline_status_sync, keyword_file_changed, pipeline_failure_alert]
