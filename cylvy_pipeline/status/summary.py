"""Reading execution status back from the tables, for people: the seed's ``get_execution_summary()``."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pandas as pd
import psycopg

from cylvy_pipeline.storage.tables import query_frame
from cylvy_pipeline.storage.usage import execution_totals


def execution_of_run(conn: psycopg.Connection, run_id: str) -> UUID | None:
    """The execution a Dagster run belongs to: its first run or any re-execution of it."""
    row = conn.execute(
        "SELECT id FROM pipeline_executions WHERE id::text = %(run)s OR %(run)s = ANY(dagster_run_ids) LIMIT 1",
        {"run": run_id},
    ).fetchone()
    return row[0] if row else None


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
    """Totals per status, the failed and blocked phases, and each phase's duration in seconds.

    The sync stores this summary with the execution (see :func:`cylvy_pipeline.status.derive.summarize`)
    in the same transaction as the phase rows, so it always agrees with them.
    """
    row = conn.execute(
        "SELECT market, status, dagster_run_ids, summary FROM pipeline_executions WHERE id = %s",
        (str(execution_id),),
    ).fetchone()
    if row is None:
        raise LookupError(f"no pipeline execution {execution_id} in pipeline_phase_status")
    market, status, run_ids, summary = row
    calls, cost = execution_totals(conn, str(execution_id))
    return {
        "pipeline_execution_id": str(execution_id),
        "market": market,
        "status": status,
        "dagster_run_ids": list(run_ids),
        **summary,
        "provider_calls": calls,  # every attempt of every provider call (api_usage)
        "cost_usd": round(float(cost), 6),
    }
