"""What a run of one market would call and pay now, before anything is called (``cylvy-pipeline estimate``).

The keyword list and the SERP settings fix the first two phases. What the later phases call depends on
what the SERPs will contain, which is only known after they are collected: the estimate takes the
market's latest collected SERPs as the best guess (search results change slowly) and subtracts what the
caches already hold fresh. A market never collected before gets "unknown" for those phases, never a
made-up number. Each phase's demand is priced by the chosen vendor's declaration (its batch limits and
list prices); provider names are those ``api_usage`` records, so a run can be compared with its
estimate phase by phase.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from cylvy_pipeline.analysis.identity import registrable_domain
from cylvy_pipeline.phases.content_scraping import reusable_fetches, serp_page_urls
from cylvy_pipeline.phases.youtube_enrichment import video_id_from_url
from cylvy_pipeline.project.model import Project, Providers
from cylvy_pipeline.providers.vendor import Demand

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


def _priced(providers: Providers, phase: str, kind: str, demand: Demand | None, what: str) -> dict:
    """The row of one phase's use of a provider kind: ``what`` the demand is, priced by the chosen vendor's
    declaration (unknown when the demand is)."""
    vendor = providers.vendor(kind)
    name = vendor.usage_name(kind)
    if demand is None and not vendor.local:
        return _row(phase, name, None, None, what)
    priced = vendor.estimate(kind, providers, demand or Demand(0))
    if vendor.local:
        return _row(phase, name, priced.calls, priced.cost_usd, priced.basis)
    return _row(phase, name, priced.calls, priced.cost_usd, f"{what}; {priced.basis}" if priced.basis else what)


def estimate_market(project: Project, latest: LatestResults, cache: CacheState) -> pd.DataFrame:
    """Per phase and provider: predicted calls, cost (USD, list prices) and how it was worked out."""
    providers = project.providers
    keywords = tuple(k.keyword for k in project.keywords)
    serp_types = len(project.serp_types)
    rows = [
        _priced(providers, "keyword_metrics", "keyword_data", Demand(len(keywords), keywords=keywords),
                f"{len(keywords)} keywords"),
        _priced(providers, "serp_collection", "serp",
                Demand(len(keywords) * serp_types, keywords=keywords, serp_types=serp_types),
                f"{len(keywords)} keywords × {serp_types} SERP types"),
    ]
    if latest.serps is None:
        unknown = "unknown until the market's SERPs are collected once"
        rows += [_priced(providers, phase, kind, None, unknown) for phase, kind in (
            ("company_enrichment_serp", "company_data"), ("youtube_enrichment", "video_data"),
            ("content_scraping", "web"), ("company_enrichment_youtube", "video_data"))]
        rows.append(_analysis_row(project, latest))
        return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))

    serp = latest.serps
    domains = set(serp.loc[serp["serp_type"] != "video", "domain"].map(registrable_domain))
    missing_profiles = len(domains - cache.profile_domains)
    rows.append(_priced(providers, "company_enrichment_serp", "company_data", Demand(missing_profiles),
                        f"{len(domains)} domains in the latest SERPs, {len(domains) - missing_profiles} with a "
                        "fresh profile"))

    videos = set(serp.loc[serp["serp_type"] == "video", "url"].map(video_id_from_url).dropna())
    rows.append(_priced(providers, "youtube_enrichment", "video_data", Demand(len(videos)),
                        f"{len(videos)} videos in the latest SERPs (not cached)"))

    urls = serp_page_urls(serp)
    cached = cache.page_fetches[cache.page_fetches["normalized_url"].isin(urls["normalized_url"])]
    reusable = set(reusable_fetches(cached)["normalized_url"])
    to_fetch = urls.loc[~urls["normalized_url"].isin(reusable), "url"]
    rows.append(_priced(providers, "content_scraping", "web", Demand(len(to_fetch), urls=tuple(to_fetch)),
                        f"{len(urls)} pages in the latest SERPs, {len(reusable)} fresh in the page cache"))

    channels = set() if latest.videos is None else set(latest.videos["channel_id"].dropna())
    pending = len(channels - cache.resolved_channels)
    rows.append(_priced(providers, "company_enrichment_youtube", "video_data", Demand(pending),
                        f"{len(channels)} channels, {len(channels) - pending} resolved fresh"
                        + ("" if not pending else "; the profiles of the sites they link to come on top")))
    rows.append(_analysis_row(project, latest))
    return pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS))


def _analysis_row(project: Project, latest: LatestResults) -> dict:
    items = latest.unanalysed_items
    if items is None:
        return _priced(project.providers, "content_analysis", "content_analyzer", None,
                       "unknown until the market's content is analysed once")
    return _priced(project.providers, "content_analysis", "content_analyzer", Demand(items),
                   f"{items} pages and videos without a current analysis")


def totals(estimates: Iterable[pd.DataFrame]) -> tuple[int | None, float | None]:
    """Total calls and cost over estimates; None when any part is unknown."""
    frame = pd.concat(list(estimates), ignore_index=True)
    if frame["calls"].isna().any():
        return None, None
    return int(frame["calls"].sum()), float(frame["cost_usd"].fillna(0.0).sum())
