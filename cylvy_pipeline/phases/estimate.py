"""What a run of one market would call and pay now, before anything is called (``cylvy-pipeline estimate``).

The keyword list and the SERP settings fix the first two phases. What the later phases call depends on
what the SERPs will contain, which is only known after they are collected: the estimate takes the
market's latest collected SERPs as the best guess (search results change slowly) and subtracts what the
caches already hold fresh. A market never collected before gets "unknown" for those phases, never a
made-up number. Provider names are those ``api_usage`` records, so a run can be compared with its
estimate phase by phase.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from cylvy_pipeline.analysis.identity import registrable_domain
from cylvy_pipeline.phases.content_scraping import reusable_fetches, serp_page_urls
from cylvy_pipeline.phases.youtube_enrichment import video_id_from_url
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.providers.real.dataforseo import (
    MAX_KEYWORDS_PER_CALL,
    MAX_TASKS_PER_POST,
    apart_from_close_variants,
)
from cylvy_pipeline.providers.real.peopledatalabs import PROVIDER as PDL_PROVIDER
from cylvy_pipeline.providers.real.youtube import MAX_IDS_PER_CALL as YOUTUBE_IDS_PER_CALL

ESTIMATE_COLUMNS = ("phase", "provider", "calls", "cost_usd", "basis")


@dataclass(frozen=True)
class CacheState:
    """What the shared caches hold fresh now."""

    profile_domains: frozenset[str]  # company profiles (records and no-records alike)
    page_fetches: pd.DataFrame  # fresh page_cache rows (status, http_status, normalized_url)
    resolved_channels: frozenset[str]


@dataclass(frozen=True)
class LatestResults:
    """The market's latest collected SERP rows and video details (None: never collected), and how many
    of its latest analysed pages and videos have no analysis cached for the analyzer now configured."""

    serps: pd.DataFrame | None
    videos: pd.DataFrame | None
    unanalysed_items: int | None = None


def _row(phase: str, provider: str, calls: int | None, cost: float | None, basis: str) -> dict:
    return {"phase": phase, "provider": provider, "calls": calls, "cost_usd": cost, "basis": basis}


def estimate_market(project: Project, latest: LatestResults, cache: CacheState) -> pd.DataFrame:
    """Per phase and provider: predicted calls, cost (USD, list prices) and how it was worked out."""
    providers = project.providers
    dataforseo = providers.dataforseo
    keywords = len(project.keywords)
    rows = []

    keyword_calls = math.ceil(keywords / MAX_KEYWORDS_PER_CALL)
    if providers.keyword_data == "dataforseo":
        # As the phase sends them: batches of up to 1,000, each split so that close variants go apart.
        names = [k.keyword for k in project.keywords]
        keyword_calls = sum(len(apart_from_close_variants(names[start:start + MAX_KEYWORDS_PER_CALL]))
                            for start in range(0, keywords, MAX_KEYWORDS_PER_CALL))
        rows.append(_row("keyword_metrics", "DataForSEO", keyword_calls, keyword_calls * dataforseo.price_keyword_call_usd,
                         f"{keywords} keywords, up to {MAX_KEYWORDS_PER_CALL} per call, close variants apart"))
    else:
        rows.append(_row("keyword_metrics", "sample keyword metrics", keyword_calls, 0.0, f"{keywords} keywords"))

    serps = keywords * len(project.serp_types)
    basis = f"{keywords} keywords × {len(project.serp_types)} SERP types"
    if providers.serp != "dataforseo":
        rows.append(_row("serp_collection", "sample SERP", serps, 0.0, basis))
    elif dataforseo.serp_mode == "live":
        rows.append(_row("serp_collection", "DataForSEO", serps, serps * dataforseo.price_serp_live_usd,
                         f"{basis}, live: one call each"))
    else:
        posts = sum(math.ceil(keywords / MAX_TASKS_PER_POST) for _ in project.serp_types)
        calls = posts + len(project.serp_types) + serps  # posts, at least one tasks_ready poll per type, task_gets
        rows.append(_row("serp_collection", "DataForSEO", calls, serps * dataforseo.price_serp_queue_usd,
                         f"{basis}, queue: {posts} task_post, ≥{len(project.serp_types)} tasks_ready, {serps} task_get"))

    video_provider = "sample YouTube" if providers.video_data == "sample" else "YouTube Data API"
    company_provider = {"sample": "sample company data", "homepage": "homepage",
                        "peopledatalabs": PDL_PROVIDER}[providers.company_data]
    web_provider = {"sample": "sample web", "http": "web", "rendering": "rendering API"}[providers.web]
    if latest.serps is None:
        unknown = "unknown until the market's SERPs are collected once"
        rows += [_row(phase, provider, None, None, unknown) for phase, provider in (
            ("company_enrichment_serp", company_provider), ("youtube_enrichment", video_provider),
            ("content_scraping", web_provider), ("company_enrichment_youtube", video_provider))]
        rows.append(_analysis_row(project, latest))
        return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))

    serp = latest.serps
    domains = set(serp.loc[serp["serp_type"] != "video", "domain"].map(registrable_domain))
    missing_profiles = len(domains - cache.profile_domains)
    basis = f"{len(domains)} domains in the latest SERPs, {len(domains) - missing_profiles} with a fresh profile"
    if providers.company_data == "peopledatalabs":  # charged per match: the cost if every lookup matches
        price = providers.peopledatalabs.price_per_match_usd
        rows.append(_row("company_enrichment_serp", company_provider, missing_profiles, missing_profiles * price,
                         f"{basis}; at most ${price:g} a lookup, charged only for a match"))
    else:
        rows.append(_row("company_enrichment_serp", company_provider, missing_profiles, 0.0, basis))

    videos = set(serp.loc[serp["serp_type"] == "video", "url"].map(video_id_from_url).dropna())
    video_calls = math.ceil(len(videos) / YOUTUBE_IDS_PER_CALL)
    rows.append(_row("youtube_enrichment", video_provider, video_calls, 0.0,
                     f"{len(videos)} videos in the latest SERPs, {YOUTUBE_IDS_PER_CALL} per call (not cached)"))

    urls = serp_page_urls(serp)
    cached = cache.page_fetches[cache.page_fetches["normalized_url"].isin(urls["normalized_url"])]
    reusable = set(reusable_fetches(cached)["normalized_url"])
    to_fetch = int((~urls["normalized_url"].isin(reusable)).sum())
    rows.append(_row("content_scraping", web_provider, to_fetch, 0.0,
                     f"{len(urls)} pages in the latest SERPs, {len(reusable)} fresh in the page cache"
                     + ("" if providers.web == "sample" else "; retries of failing pages come on top")))

    channels = set() if latest.videos is None else set(latest.videos["channel_id"].dropna())
    pending = len(channels - cache.resolved_channels)
    rows.append(_row("company_enrichment_youtube", video_provider, math.ceil(pending / YOUTUBE_IDS_PER_CALL), 0.0,
                     f"{len(channels)} channels, {len(channels) - pending} resolved fresh"
                     + ("" if not pending else "; the profiles of the sites they link to come on top")))
    rows.append(_analysis_row(project, latest))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))


def _analysis_row(project: Project, latest: LatestResults) -> dict:
    providers = project.providers
    if providers.content_analyzer == "local":
        return _row("content_analysis", "local analyzer", 0, 0.0, "analysed locally: no provider")
    if latest.unanalysed_items is None:
        return _row("content_analysis", "LLM", None, None, "unknown until the market's content is analysed once")
    return _row("content_analysis", "LLM", latest.unanalysed_items, 0.0 if latest.unanalysed_items == 0 else None,
                f"{latest.unanalysed_items} pages and videos without an analysis by {providers.llm.model} "
                "(priced by tokens)")


def totals(estimates: Iterable[pd.DataFrame]) -> tuple[int | None, float | None]:
    """Total calls and cost over estimates; None when any part is unknown."""
    frame = pd.concat(list(estimates), ignore_index=True)
    if frame["calls"].isna().any():
        return None, None
    return int(frame["calls"].sum()), float(frame["cost_usd"].fillna(0.0).sum())
