"""Keep ``pipeline_executions`` and ``pipeline_phase_status`` true to Dagster's records.

One code path serves the status-sync sensor, the ``sync`` command and ``run``: find the executions whose
runs changed, derive every phase's status from the event log, and upsert the rows in one short
transaction. Upserts only touch rows whose content changed, so syncing is idempotent and safe any time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
import psycopg

from cylvy_pipeline.contract import PARTITION_TAG, PHASES, execution_id_of
from cylvy_pipeline.runtime.run_launcher import fail_runs_of_dead_workers
from cylvy_pipeline.status.alerts import alert_failed_run
from cylvy_pipeline.status.derive import (
    PhaseStatus,
    RunRecord,
    derive_phase_statuses,
    execution_status,
    summarize,
)
from cylvy_pipeline.status.records import read_run
from cylvy_pipeline.status.runs import could_not_start, execution_runs, in_flight_pipeline_runs, is_pipeline_run


@dataclass(frozen=True)
class SyncOutcome:
    executions: tuple[str, ...]  # execution ids synced
    changed_rows: int
    cursor: datetime | None  # the newest run update seen (the sensor's next starting point)


def changed_executions(
    instance: dg.DagsterInstance, updated_after: datetime | None, in_flight: Sequence[dg.DagsterRun]
) -> tuple[set[str], datetime | None]:
    """Executions with a run updated after the cursor, plus every execution with a run in flight
    (a run's record does not change on step events, so in-flight runs are always looked at). A run found
    not to be startable counts too: rows a sync made while it was starting are taken away."""
    changed = list(instance.get_run_records(dg.RunsFilter(updated_after=updated_after)))
    newest = max((r.update_timestamp for r in changed), default=updated_after)
    executions = {
        execution_id_of(r.dagster_run) for r in changed
        if is_pipeline_run(r.dagster_run) or could_not_start(r.dagster_run)
    }
    return executions | {execution_id_of(run) for run in in_flight}, newest


def sync_executions(instance: dg.DagsterInstance, conn: psycopg.Connection, execution_ids: Iterable[str]) -> int:
    """Derive and upsert the given executions in one transaction. Returns the number of rows changed."""
    changed = 0
    with conn.transaction():
        for execution_id in sorted(set(execution_ids)):
            records = execution_runs(instance, execution_id)
            if not records:
                changed += _forget_unstarted_execution(instance, conn, execution_id)
                continue
            runs = [read_run(instance, r.dagster_run) for r in records]
            phases = derive_phase_statuses(runs)
            changed += _upsert_phases(conn, execution_id, records[0].dagster_run.tags[PARTITION_TAG], phases)
            changed += _upsert_execution(conn, execution_id, records, runs, phases)
    return changed


def sync(instance: dg.DagsterInstance, conn: psycopg.Connection, updated_after: datetime | None = None) -> SyncOutcome:
    """Sync every execution that changed since ``updated_after`` (None: every execution ever).

    A run whose worker process is gone (killed, or its machine restarted) is failed through Dagster
    first, and alerted, so nothing stays "running" after its run died, with or without the daemon.
    """
    in_flight = in_flight_pipeline_runs(instance)
    for run_id in fail_runs_of_dead_workers(instance, in_flight):
        alert_failed_run(instance, conn, instance.get_run_by_id(run_id))
    executions, newest = changed_executions(instance, updated_after, in_flight)
    changed = sync_executions(instance, conn, executions)
    return SyncOutcome(tuple(sorted(executions)), changed, newest)


def _forget_unstarted_execution(instance: dg.DagsterInstance, conn: psycopg.Connection, execution_id: str) -> int:
    """An execution whose root run could not start is none: remove what a sync wrote while it started."""
    root = instance.get_run_by_id(execution_id)
    if root is None or not could_not_start(root):
        return 0
    phases = conn.execute("DELETE FROM pipeline_phase_status WHERE pipeline_execution_id = %s", (execution_id,))
    executions = conn.execute("DELETE FROM pipeline_executions WHERE id = %s", (execution_id,))
    return phases.rowcount + executions.rowcount


def reconcile(instance: dg.DagsterInstance, conn: psycopg.Connection) -> SyncOutcome:
    """Sync every run that changed since the last reconcile (every run, the first time): what `status`,
    `report` and `dev` do first, so runs no daemon saw (started by Dagster's own commands, say) show too."""
    row = conn.execute("SELECT synced_through FROM status_reconcile_cursor").fetchone()
    outcome = sync(instance, conn, row[0] if row else None)
    if outcome.cursor is not None:
        with conn.transaction():
            conn.execute(
                """INSERT INTO status_reconcile_cursor (synced_through) VALUES (%s)
                   ON CONFLICT (id) DO UPDATE SET updated_at = clock_timestamp(),
                       synced_through = GREATEST(status_reconcile_cursor.synced_through, EXCLUDED.synced_through)""",
                (outcome.cursor,),
            )
    return outcome


_UPSERT_PHASE = """
INSERT INTO pipeline_phase_status AS s
    (pipeline_execution_id, phase_name, status, started_at, completed_at, result_data, error_message,
     market, dagster_run_id, attempts)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (pipeline_execution_id, phase_name) DO UPDATE SET
    status = EXCLUDED.status, started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at,
    result_data = EXCLUDED.result_data, error_message = EXCLUDED.error_message, market = EXCLUDED.market,
    dagster_run_id = EXCLUDED.dagster_run_id, attempts = EXCLUDED.attempts, updated_at = clock_timestamp()
WHERE (s.status, s.started_at, s.completed_at, s.result_data, s.error_message, s.dagster_run_id, s.attempts)
    IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.started_at, EXCLUDED.completed_at, EXCLUDED.result_data,
                      EXCLUDED.error_message, EXCLUDED.dagster_run_id, EXCLUDED.attempts)
"""


def _upsert_phases(conn: psycopg.Connection, execution_id: str, market: str, phases: Sequence[PhaseStatus]) -> int:
    changed = 0
    # One statement per phase, in the seed's order: clock_timestamp() then gives new rows distinct,
    # increasing created_at values, which the seed's monitoring query orders by.
    for p in phases:
        cursor = conn.execute(
            _UPSERT_PHASE,
            (execution_id, p.phase, p.status, p.started_at, p.completed_at, json.dumps(p.result_data, default=str),
             p.error_message, market, p.dagster_run_id, p.attempts),
        )
        changed += cursor.rowcount
    return changed


_UPSERT_EXECUTION = """
INSERT INTO pipeline_executions AS e
    (id, market, status, started_at, completed_at, run_config, selection, dagster_run_ids, summary)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status, started_at = EXCLUDED.started_at, completed_at = EXCLUDED.completed_at,
    run_config = EXCLUDED.run_config, selection = EXCLUDED.selection, dagster_run_ids = EXCLUDED.dagster_run_ids,
    summary = EXCLUDED.summary, updated_at = clock_timestamp()
WHERE (e.status, e.completed_at, e.dagster_run_ids, e.summary)
    IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.completed_at, EXCLUDED.dagster_run_ids, EXCLUDED.summary)
"""


def _timestamp(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


def _upsert_execution(
    conn: psycopg.Connection,
    execution_id: str,
    records: Sequence[dg.RunRecord],
    runs: Sequence[RunRecord],
    phases: Sequence[PhaseStatus],
) -> int:
    root = records[0].dagster_run
    status = execution_status(phases, runs[-1])
    selection = [p for p in PHASES if any(p in r.planned for r in runs)]
    cursor = conn.execute(
        _UPSERT_EXECUTION,
        (
            execution_id,
            root.tags[PARTITION_TAG],
            status,
            _timestamp(records[0].start_time) or records[0].create_timestamp,
            None if status == "running" else _timestamp(records[-1].end_time),
            json.dumps({"run_config": root.run_config, "tags": dict(root.tags), "job": root.job_name}, default=str),
            json.dumps(selection),
            [r.dagster_run.run_id for r in records],
            json.dumps(summarize(phases), default=str),
        ),
    )
    return cursor.rowcount
