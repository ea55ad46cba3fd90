"""Reading execution status back from the tables, for people: the seed's ``get_execution_summary()``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pandas as pd
import psycopg

from cylvy_pipeline.storage.tables import query_frame


def latest_execution_id(conn: psycopg.Connection, market: str | None = None) -> UUID | None:
    row = conn.execute(
        """SELECT id FROM pipeline_executions WHERE %(market)s::text IS NULL OR market = %(market)s
           ORDER BY created_at DESC LIMIT 1""",
        {"market": market},
    ).fetchone()
    return row[0] if row else None


def phase_table(conn: psycopg.Connection, execution_id: UUID | str) -> pd.DataFrame:
    """The execution's phases in pipeline order with status, duration and the reason when not completed."""
    return query_frame(
        conn,
        """SELECT phase_name AS phase, status,
                  round(EXTRACT(EPOCH FROM (completed_at - started_at))::numeric, 2) AS seconds,
                  attempts,
                  COALESCE(result_data->>'error', result_data->>'blocked_by', result_data->>'reason', '') AS detail
           FROM pipeline_phase_status WHERE pipeline_execution_id = %s ORDER BY created_at""",
        (str(execution_id),),
    )


def get_execution_summary(conn: psycopg.Connection, execution_id: UUID | str) -> dict[str, Any]:
    """Totals per status, the failed and blocked phases, and each phase's duration in seconds."""
    phases = phase_table(conn, execution_id)
    if phases.empty:
        raise LookupError(f"no pipeline execution {execution_id} in pipeline_phase_status")
    execution = conn.execute(
        "SELECT market, status, dagster_run_ids FROM pipeline_executions WHERE id = %s", (str(execution_id),)
    ).fetchone()
    counts = phases["status"].value_counts()
    return {
        "pipeline_execution_id": str(execution_id),
        "market": execution[0] if execution else None,
        "status": execution[1] if execution else None,
        "dagster_run_ids": list(execution[2]) if execution else [],
        "total": len(phases),
        **{s: int(counts.get(s, 0)) for s in ("pending", "running", "completed", "failed", "blocked", "skipped")},
        "failed_phases": phases.loc[phases["status"] == "failed", "phase"].tolist(),
        "blocked_phases": phases.loc[phases["status"] == "blocked", "phase"].tolist(),
        "durations_seconds": {
            row.phase: float(row.seconds) for row in phases.itertuples() if row.seconds is not None
        },
    }
