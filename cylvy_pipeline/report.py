"""Plain-text reports of pipeline executions for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace

import pandas as pd
import psycopg

from cylvy_pipeline.phases import content_analysis, estimate
from cylvy_pipeline.phases.content_scraping import serp_page_urls
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.providers.real.llm_analyzer import llm_version
from cylvy_pipeline.status.summary import get_execution_summary, phase_table
from cylvy_pipeline.storage import caches
from cylvy_pipeline.storage.tables import latest_output_rows, query_frame


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


def client_organic_rank(conn: psycopg.Connection, execution_id: str, market: str) -> str | None:
    """One line: the client's organic rank among all companies for all keywords (None: no DSI yet)."""
    row = conn.execute(
        """SELECT count(*), max(rank) FILTER (WHERE is_client), max(dsi_index) FILTER (WHERE is_client),
                  max(company_name) FILTER (WHERE is_client)
           FROM dsi_company
           WHERE pipeline_execution_id = %s AND market = %s AND landscape = 'All' AND serp_type = 'organic'""",
        (execution_id, market),
    ).fetchone()
    companies, rank, dsi_index, client = row
    if not companies:
        return None
    if rank is None:
        return f"The client has no organic result in {market} (all keywords): {companies} companies rank."
    return f"{client} ranks {rank} of {companies} companies by organic DSI in {market} (all keywords), DSI index {dsi_index:.2f}."


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
        # The top 10 may not hold the client: say where it is (the HTML report has the rest).
        if (rank := client_organic_rank(conn, execution_id, market)) is not None:
            lines.append(rank)
    if summary["status"] in ("failed", "canceled"):
        # The latest run: "Re-execute from failure" continues from it, in the same execution.
        lines.append(f"To continue it from its failed phases: cylvy-pipeline reexecute {summary['dagster_run_ids'][-1]}")
    return "\n".join(lines) + "\n"


def market_estimate(conn: psycopg.Connection, project: Project, market: str) -> pd.DataFrame:
    """What a run of ``market`` would call now (see :mod:`cylvy_pipeline.phases.estimate`)."""
    thresholds = project.thresholds
    serps = latest_output_rows(conn, "serp_collection", "serp_results", market)
    urls = [] if serps is None else serp_page_urls(serps)["normalized_url"].tolist()
    cache = estimate.CacheState(
        profile_domains=frozenset(caches.fresh_company_profiles(conn, thresholds.profile_freshness_days)["domain"]),
        page_fetches=caches.fresh_page_fetches(conn, urls, thresholds.scrape_freshness_days),
        resolved_channels=frozenset(
            caches.fresh_channel_resolutions(conn, thresholds.profile_freshness_days)["channel_id"]
        ),
    )
    latest = estimate.LatestResults(serps, latest_output_rows(conn, "youtube_enrichment", "youtube_videos", market),
                                    _unanalysed_items(conn, project, market))
    return estimate.estimate_market(project, latest, cache)


def _unanalysed_items(conn: psycopg.Connection, project: Project, market: str) -> int | None:
    """Of the market's latest analysed pages and videos, how many the configured LLM has not analysed."""
    if project.providers.vendor("content_analyzer").local:
        return 0
    analysed = latest_output_rows(conn, "content_analysis", "content_analyses", market)
    if analysed is None:
        return None
    model = SimpleNamespace(version=llm_version(project.providers.llm.model, project.providers.llm.max_text_chars))
    version = content_analysis.analysis_version(
        model, content_analysis.analysis_dimensions(project), content_analysis.brand_terms(project)
    )
    hashes = analysed["content_hash"].unique().tolist()
    cached = caches.cached_analyses(conn, hashes, version)
    return len(set(hashes) - set(cached["content_hash"]))


def estimate_report(conn: psycopg.Connection, project: Project, markets: Sequence[str]) -> str:
    """Per market, the calls and cost a run would make now, and the total."""
    lines, frames = [], []
    for market in markets:
        frame = market_estimate(conn, project, market)
        frames.append(frame)
        shown = frame.assign(
            calls=frame["calls"].map(lambda c: "unknown" if pd.isna(c) else str(int(c))),
            cost_usd=frame["cost_usd"].map(lambda c: "unknown" if pd.isna(c) else f"${c:.4f}"),
        )
        lines += [f"== {market}: what a run would call now (nothing has been called)", shown.to_string(index=False)]
    calls, cost = estimate.totals(frames)
    tokens = any(bool((f["calls"].notna() & f["cost_usd"].isna()).any()) for f in frames)  # LLM rows
    lines.append("Total: unknown until every market's SERPs have been collected once" if calls is None
                 else f"Total: {calls} calls, ${cost:.4f}" + (" plus the LLM's tokens" if tokens else ""))
    return "\n".join(lines) + "\n"
