"""Phase 8 — dsi_calculation: each company's, page's and keyword's Digital Share Index.

DSI = coverage × share × relevance, per market × landscape × SERP type (see
:mod:`cylvy_pipeline.analysis.dsi` for the maths). Organic and news results belong to the company of
their domain; a video belongs to the company its channel resolved to, or else to the channel itself,
as its own company — nothing is lumped into a catch-all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cylvy_pipeline.analysis.dsi import (
    DSI_FORMULA_VERSION,
    DsiResult,
    PositionCutoffs,
    calculate_dsi,
    validate_dsi,
)
from cylvy_pipeline.analysis.identity import site_name_from_pages
from cylvy_pipeline.phases.results import CheckOutcome, PhaseOutput
from cylvy_pipeline.phases.youtube_enrichment import video_id_from_url


def name_unrecorded_companies(
    domain_companies: pd.DataFrame, scraped_pages: pd.DataFrame, serp_results: pd.DataFrame
) -> pd.DataFrame:
    """``domain_companies`` with the companies the company-data source had no record of (named from
    their domain) renamed to what their own scraped pages call them (see
    :func:`~cylvy_pipeline.analysis.identity.site_name_from_pages`); everything else unchanged. A page
    belongs to the company of the SERP host it ranked under."""
    unrecorded = ~domain_companies["enriched"].astype(bool)
    if not unrecorded.any() or scraped_pages.empty:
        return domain_companies
    pages = (
        scraped_pages.merge(serp_results[["url", "domain"]].drop_duplicates("url"), on="url")
        .merge(domain_companies[["host", "company_domain"]], left_on="domain", right_on="host")
    )
    names = {
        company: site_name_from_pages(group["site_name"], group["title"])
        for company, group in pages.groupby("company_domain", sort=False)
    }
    renamed = domain_companies["company_domain"].map(names)
    return domain_companies.assign(
        company_name=domain_companies["company_name"].where(~unrecorded | renamed.isna(), renamed)
    )


def attribute_results(
    serp_results: pd.DataFrame,
    domain_companies: pd.DataFrame,
    videos: pd.DataFrame,
    channel_companies: pd.DataFrame,
) -> pd.DataFrame:
    """SERP rows with the company they belong to (company_domain, company_name)."""
    pages = serp_results[serp_results["serp_type"] != "video"].merge(
        domain_companies[["host", "company_domain", "company_name"]], left_on="domain", right_on="host", how="left"
    )
    video_rows = serp_results[serp_results["serp_type"] == "video"].copy()
    video_rows["video_id"] = video_rows["url"].map(video_id_from_url)
    owners = videos[["video_id", "channel_id", "channel_title"]].merge(
        channel_companies[["channel_id", "company_domain", "company_name"]], on="channel_id", how="left"
    )
    video_rows = video_rows.merge(owners, on="video_id", how="left")
    # An unresolved channel is its own company; a video we know nothing about belongs to the channel
    # named in the SERP.
    channel_key = video_rows["channel_id"].fillna(video_rows["source"].fillna(video_rows["video_id"]))
    video_rows["company_domain"] = video_rows["company_domain"].fillna("channel:" + channel_key.astype(str))
    video_rows["company_name"] = (
        video_rows["company_name"].fillna(video_rows["channel_title"]).fillna(video_rows["source"]).fillna(channel_key)
    )
    # A SERP host that company enrichment never saw (it should not happen) stays visible as itself.
    pages["company_domain"] = pages["company_domain"].fillna(pages["domain"])
    pages["company_name"] = pages["company_name"].fillna(pages["domain"])
    columns = ["keyword", "serp_type", "position", "url", "company_domain", "company_name", "search_volume"]
    return pd.concat([pages[columns], video_rows[columns]], ignore_index=True)


def calculate_market_dsi(
    attributed: pd.DataFrame,
    analyses: pd.DataFrame,
    landscapes: Mapping[str, Sequence[str]],
    client_domain: str,
    *,
    default_search_volume: int,
    default_relevance: float,
    cutoffs: PositionCutoffs,
    ctr_curve: Mapping[int, float] | None = None,
) -> PhaseOutput:
    """Company, page and keyword DSI for every landscape and SERP type of one market."""
    dsi = calculate_dsi(
        attributed,
        analyses[["url", "persona_relevance"]].rename(columns={"persona_relevance": "relevance"}),
        landscapes,
        default_search_volume=default_search_volume,
        default_relevance=default_relevance,
        position_cutoffs=cutoffs,
        ctr_curve=ctr_curve,
    )
    companies = dsi.companies.assign(is_client=dsi.companies["company_domain"] == client_domain)
    keywords = dsi.keywords.assign(is_client=dsi.keywords["company_domain"] == client_domain)
    top = top_companies(companies, "organic")
    client = companies[companies["is_client"] & (companies["serp_type"] == "organic")]
    result = {
        "success": True,
        "formula_version": DSI_FORMULA_VERSION,
        "landscapes": len(landscapes),
        "company_rows": len(companies),
        "page_rows": len(dsi.pages),
        "keyword_rows": len(keywords),
        "rows_with_defaulted_volume": dsi.defaulted_volume_rows,
        "rows_with_defaulted_relevance": dsi.defaulted_relevance_rows,
        "top_organic_company": top["company_name"].iloc[0] if len(top) else None,
        "client_organic_dsi_index": {
            row.landscape: round(float(row.dsi_index), 3) for row in client.itertuples()
        },
    }
    return PhaseOutput(
        tables={"dsi_company": companies, "dsi_page": dsi.pages, "dsi_keyword": keywords},
        result=result,
        preview=top[["rank", "company_name", "company_domain", "coverage", "share", "relevance", "dsi_index"]],
    )


def top_companies(companies: pd.DataFrame, serp_type: str, landscape: str = "All", n: int = 10) -> pd.DataFrame:
    """The ``n`` highest-DSI companies of one landscape and SERP type (the landscape of all keywords)."""
    scope = companies[(companies["serp_type"] == serp_type) & (companies["landscape"] == landscape)]
    return scope.sort_values(["rank", "company_domain"]).head(n)


def check_dsi(companies: pd.DataFrame, pages: pd.DataFrame, keywords: pd.DataFrame) -> CheckOutcome:
    """Coverage ≤ 1, shares sum to 1 per scope, DSI in [0, 1] — without any clamping hiding a fault."""
    problems = validate_dsi(
        DsiResult(
            companies=companies, pages=pages, keywords=keywords, defaulted_volume_rows=0, defaulted_relevance_rows=0
        )
    )
    return CheckOutcome(
        passed=not problems,
        description="DSI values are consistent" if not problems else f"{len(problems)} problems: {problems[0]}",
        metrics={"problems": len(problems), "company_rows": len(companies)},
    )
