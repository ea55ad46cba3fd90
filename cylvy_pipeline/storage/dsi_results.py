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


def calculated_at(conn: psycopg.Connection, market: str, execution_id: UUID | str) -> datetime | None:
    """When the execution's DSI calculation of ``market`` was written (None: it has none)."""
    row = conn.execute(
        """SELECT produced_at FROM phase_outputs
           WHERE pipeline_execution_id = %s AND phase_name = 'dsi_calculation' AND market = %s""",
        (str(execution_id), market),
    ).fetchone()
    return None if row is None else row[0]


def previous_completed_dsi(conn: psycopg.Connection, market: str, before: datetime) -> str | None:
    """The execution of the market's latest completed DSI calculation written before ``before``: what a
    report's changes are measured against."""
    row = conn.execute(
        _COMPLETED_CALCULATIONS + " AND o.produced_at < %(before)s ORDER BY o.produced_at DESC LIMIT 1",
        {"market": market, "including": None, "before": before},
    ).fetchone()
    return None if row is None else str(row[0])


def input_execution(conn: psycopg.Connection, execution_id: UUID | str, phase: str, market: str) -> str | None:
    """The execution whose output of ``phase`` the execution read: its own if it produced one, else the
    one recorded in execution_inputs when it first read it (None: it read none)."""
    row = conn.execute(
        """SELECT pipeline_execution_id FROM phase_outputs
           WHERE pipeline_execution_id = %(execution)s AND phase_name = %(phase)s AND market = %(market)s
           UNION ALL
           SELECT input_execution_id FROM execution_inputs
           WHERE pipeline_execution_id = %(execution)s AND phase_name = %(phase)s AND market = %(market)s
           LIMIT 1""",
        {"execution": str(execution_id), "phase": phase, "market": market},
    ).fetchone()
    return None if row is None else str(row[0])


def company_source_types(
    conn: psycopg.Connection, enrichment_execution: UUID | str | None, market: str, domains: list[str]
) -> dict[str, str]:
    """Company domain → source type (OWNED, COMPETITOR, PREMIUM_PUBLISHER, …): as the execution's SERP
    company enrichment recorded it, else (companies found only through video channels) from the shared
    company profiles."""
    types: dict[str, str] = {}
    if enrichment_execution is not None:
        types.update(conn.execute(
            """SELECT DISTINCT ON (company_domain) company_domain, source_type FROM serp_domain_companies
               WHERE pipeline_execution_id = %s AND market = %s ORDER BY company_domain, source_type""",
            (str(enrichment_execution), market),
        ).fetchall())
    missing = [domain for domain in domains if domain not in types]
    if missing:
        types.update(conn.execute(
            "SELECT domain, source_type FROM company_profiles WHERE domain = ANY(%s)", (missing,)
        ).fetchall())
    return types
