"""Plain-text reports of pipeline executions for the terminal."""

from __future__ import annotations

import pandas as pd
import psycopg

from cylvy_pipeline.status.summary import get_execution_summary, phase_table
from cylvy_pipeline.storage.tables import query_frame


def top_organic_companies(conn: psycopg.Connection, execution_id: str, market: str, n: int = 10) -> pd.DataFrame:
    return query_frame(
        conn,
        """SELECT rank, company_name, company_domain, round(dsi_index::numeric, 2) AS dsi_index,
                  round(coverage::numeric, 3) AS coverage, round(share::numeric, 3) AS share,
                  round(relevance::numeric, 3) AS relevance, market_position
           FROM dsi_company
           WHERE pipeline_execution_id = %s AND market = %s AND landscape = 'All' AND serp_type = 'organic'
           ORDER BY rank, company_domain LIMIT %s""",
        (execution_id, market, n),
    )


def _shortened(phases: pd.DataFrame, width: int = 100) -> pd.DataFrame:
    """Keep the terminal table readable: long error texts are cut (the full text is in the table)."""
    detail = phases["detail"].where(phases["detail"].str.len() <= width, phases["detail"].str[: width - 1] + "…")
    return phases.assign(detail=detail)


def execution_report(conn: psycopg.Connection, execution_id: str, *, with_top_companies: bool = True) -> str:
    """The phase table from pipeline_phase_status, a one-line summary, and the DSI top 10."""
    summary = get_execution_summary(conn, execution_id)
    market = summary["market"]
    lines = [
        f"== {market}: execution {execution_id} — {summary['status']} "
        f"(runs: {', '.join(summary['dagster_run_ids'])})",
        _shortened(phase_table(conn, execution_id)).to_string(index=False),
        "Summary: " + ", ".join(
            f"{summary[s]} {s}" for s in ("completed", "failed", "blocked", "skipped", "running", "pending") if summary[s]
        ),
        f"Provider calls: {summary['provider_calls']}, cost ${summary['cost_usd']:.4f}",
    ]
    if summary["failed_phases"]:
        lines.append(f"Failed phase(s) in {market}: {', '.join(summary['failed_phases'])}")
        errors = conn.execute(
            """SELECT phase_name, result_data->>'error' FROM pipeline_phase_status
               WHERE pipeline_execution_id = %s AND status = 'failed' ORDER BY created_at""",
            (execution_id,),
        ).fetchall()
        lines += [f"  {phase}: {error}" for phase, error in errors]
    if summary["blocked_phases"]:
        lines.append(f"Blocked phase(s) in {market}: {', '.join(summary['blocked_phases'])}")
    top = top_organic_companies(conn, execution_id, market) if with_top_companies else pd.DataFrame()
    if len(top):
        lines.append(f"Top {len(top)} companies by organic DSI ({market}, all keywords):")
        lines.append(top.to_string(index=False))
    return "\n".join(lines) + "\n"
