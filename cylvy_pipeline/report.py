"""Plain-text reports of pipeline executions for the terminal."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import psycopg

from cylvy_pipeline.execution import MarketRun
from cylvy_pipeline.phase_graph import PHASES
from cylvy_pipeline.storage.database import product_database_url
from cylvy_pipeline.storage.tables import query_frame


def phase_outcomes(instance: dg.DagsterInstance, run_id: str) -> pd.DataFrame:
    """Each phase's step outcome and duration in one run (phases that never started: "not run")."""
    stats = {s.step_key: s for s in instance.get_run_step_stats(run_id)}
    rows = []
    for phase in PHASES:
        stat = stats.get(phase)
        status = stat.status.value.lower() if stat and stat.status else "not run"
        duration = (stat.end_time - stat.start_time) if stat and stat.end_time and stat.start_time else None
        rows.append({"phase": phase, "outcome": status, "seconds": None if duration is None else round(duration, 2)})
    return pd.DataFrame(rows)


def top_organic_companies(execution_id: str, market: str, n: int = 10) -> pd.DataFrame:
    with psycopg.connect(product_database_url()) as conn:
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


def market_report(instance: dg.DagsterInstance, outcome: MarketRun) -> str:
    verdict = "completed" if outcome.success else "FAILED"
    lines = [f"== {outcome.market}: execution {outcome.execution_id} (run {outcome.run_id}) {verdict}"]
    phases = phase_outcomes(instance, outcome.run_id)
    lines.append(phases.to_string(index=False))
    failed = phases.loc[phases["outcome"] == "failure", "phase"].tolist()
    if failed:
        lines.append(f"Failed phase(s) in {outcome.market}: {', '.join(failed)}")
    top = top_organic_companies(outcome.execution_id, outcome.market)
    if len(top):
        lines.append(f"Top {len(top)} companies by organic DSI ({outcome.market}, all keywords):")
        lines.append(top.to_string(index=False))
    return "\n".join(lines) + "\n"
