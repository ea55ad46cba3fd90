"""Reading the DSI back for reports: which calculations of a market count, and the client's history.

A DSI calculation counts once its phase completed (``pipeline_phase_status``): a calculation whose
consistency check failed keeps its rows, but no report or trend shows them. The execution being
calculated right now counts too when named, since its own status is still ``running`` when it draws
its charts.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pandas as pd
import psycopg

from cylvy_pipeline.storage.tables import query_frame

#: The trend shows at most this many of the market's latest DSI calculations.
TREND_EXECUTIONS = 30

_COMPLETED_CALCULATIONS = """
    SELECT o.pipeline_execution_id, o.produced_at
    FROM phase_outputs o
    LEFT JOIN pipeline_phase_status s
           ON s.pipeline_execution_id = o.pipeline_execution_id AND s.phase_name = o.phase_name
    WHERE o.phase_name = 'dsi_calculation' AND o.market = %(market)s
      AND (s.status = 'completed' OR o.pipeline_execution_id = %(including)s::uuid)
"""


def latest_completed_dsi(conn: psycopg.Connection, market: str) -> tuple[str, datetime] | None:
    """The execution of the market's latest completed DSI calculation and when it was calculated."""
    row = conn.execute(
        _COMPLETED_CALCULATIONS + " ORDER BY o.produced_at DESC LIMIT 1", {"market": market, "including": None}
    ).fetchone()
    return (str(row[0]), row[1]) if row else None


def client_dsi_history(
    conn: psycopg.Connection,
    market: str,
    *,
    including_execution: UUID | str | None = None,
    up_to: datetime | None = None,
    executions: int = TREND_EXECUTIONS,
) -> pd.DataFrame:
    """The client's DSI per landscape and SERP type in each completed DSI calculation of ``market``,
    oldest first (the latest ``executions`` calculations, none after ``up_to``).

    One row per (execution, landscape, SERP type) where the client ranked; an execution where it ranked
    nowhere has one row with no landscape, so it still counts as a point of the trend.
    Columns: pipeline_execution_id, calculated_at, landscape, serp_type, dsi_index, coverage.
    """
    return query_frame(
        conn,
        f"""WITH calculations AS (
               {_COMPLETED_CALCULATIONS} AND (%(up_to)s::timestamptz IS NULL OR o.produced_at <= %(up_to)s)
               ORDER BY o.produced_at DESC LIMIT %(executions)s)
            SELECT k.pipeline_execution_id::text AS pipeline_execution_id, k.produced_at AS calculated_at,
                   c.landscape, c.serp_type, c.dsi_index, c.coverage
            FROM calculations k
            LEFT JOIN dsi_company c
                   ON c.pipeline_execution_id = k.pipeline_execution_id AND c.market = %(market)s AND c.is_client
            ORDER BY k.produced_at, c.landscape, c.serp_type""",
        {
            "market": market,
            "including": None if including_execution is None else str(including_execution),
            "up_to": up_to,
            "executions": executions,
        },
    )
