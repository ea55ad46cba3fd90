"""Completeness gates on the phases (SPEC 6.9). Blocking checks stop dependents when they fail.

Each check reads its phase's stored output of the same execution and market and asks the phase module for
the verdict; the numbers behind the verdict are in the check's metadata.
"""


import warnings
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg

from cylvy_pipeline.defs.resources import PostgresResource, ProjectResource
from cylvy_pipeline.defs.upstream import UpstreamRows
from cylvy_pipeline.phases import (
    company_enrichment,
    company_enrichment_youtube,
    content_analysis,
    content_scraping,
    dsi_calculation,
    keyword_metrics,
    serp_collection,
    youtube_enrichment,
)
from cylvy_pipeline.phases.results import CheckOutcome


def _result(outcome: CheckOutcome, *, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR):
    return dg.AssetCheckResult(
        passed=outcome.passed,
        severity=severity,
        description=outcome.description,
        metadata={"outcome": outcome.description, **outcome.metrics},
    )


# Partitioned asset checks are marked "preview" in Dagster 1.13; they are what makes a check run per
# market, so the warning says nothing actionable to a user.
warnings.filterwarnings("ignore", message=".*partitions_def on an AssetCheckSpec.*", category=dg.PreviewWarning)


@dataclass(frozen=True)
class PhaseCheck:
    """A check's function and its phase; :meth:`build` makes it for the loaded project's markets."""

    phase: str
    name: str
    blocking: bool
    evaluate: Callable[..., dg.AssetCheckResult]

    def build(self, markets: dg.PartitionsDefinition) -> dg.AssetChecksDefinition:
        return dg.asset_check(asset=self.phase, name=self.name, blocking=self.blocking, partitions_def=markets)(
            self.evaluate
        )


def phase_check(phase: str, name: str, *, blocking: bool = True):
    return lambda evaluate: PhaseCheck(phase, name, blocking, evaluate)


@phase_check("keyword_metrics", "every_keyword_has_metrics")
def every_keyword_has_metrics(
    context: dg.AssetCheckExecutionContext, project: ProjectResource, database: PostgresResource
) -> dg.AssetCheckResult:
    """Every keyword has a row for the market, and the share with a search volume meets the threshold."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        rows = stored.read("keyword_metrics", "keyword_metrics")
    return _result(
        keyword_metrics.check_keyword_metrics(rows, len(loaded.keywords), loaded.thresholds.keyword_volume_coverage)
    )


@phase_check("serp_collection", "every_serp_fetched")
def every_serp_fetched(
    context: dg.AssetCheckExecutionContext, project: ProjectResource, database: PostgresResource
) -> dg.AssetCheckResult:
    """Every (keyword, SERP type) was fetched; an empty SERP is recorded explicitly, not left out."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        fetches = stored.read("serp_collection", "serp_fetches")
    return _result(
        serp_collection.check_serps_fetched(fetches, [k.keyword for k in loaded.keywords], loaded.serp_types)
    )


@phase_check("company_enrichment_serp", "serp_domains_enriched")
def serp_domains_enriched(
    context: dg.AssetCheckExecutionContext, project: ProjectResource, database: PostgresResource
) -> dg.AssetCheckResult:
    """At least 80% (configurable) of SERP domains are enriched, and no company holds unrelated domains."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        rows = stored.read("company_enrichment_serp", "serp_domain_companies")
    return _result(
        company_enrichment.check_serp_companies(rows, loaded, loaded.thresholds.company_enrichment_coverage)
    )


@phase_check("youtube_enrichment", "video_coverage", blocking=False)
def video_coverage(
    context: dg.AssetCheckExecutionContext, project: ProjectResource, database: PostgresResource
) -> dg.AssetCheckResult:
    """Warns when few ranking videos could be enriched (the phase is non-critical: never blocks)."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        videos = stored.read("youtube_enrichment", "youtube_videos", columns=["video_id"])
        serp = stored.read("serp_collection", "serp_results", columns=["serp_type", "url"])
    ranking = serp.loc[serp["serp_type"] == "video", "url"].map(youtube_enrichment.video_id_from_url).nunique()
    return _result(
        youtube_enrichment.check_video_coverage(len(videos), ranking, loaded.thresholds.youtube_coverage_warn),
        severity=dg.AssetCheckSeverity.WARN,
    )


@phase_check("company_enrichment_youtube", "channels_named_after_their_companies")
def channels_named_after_their_companies(
    context: dg.AssetCheckExecutionContext, database: PostgresResource
) -> dg.AssetCheckResult:
    """No company is credited with several channels that are not named after it: a company that only
    appears in channels' links (a social network, say) must not collect their videos (catch-all guard)."""
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        channels = stored.read("company_enrichment_youtube", "youtube_channel_companies")
    return _result(company_enrichment_youtube.check_channel_companies(channels))


@phase_check("content_scraping", "pages_scraped")
def pages_scraped(
    context: dg.AssetCheckExecutionContext, project: ProjectResource, database: PostgresResource
) -> dg.AssetCheckResult:
    """At least 80% (configurable) of organic and news URLs were scraped (videos are not counted)."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        pages = stored.read("content_scraping", "scraped_pages", columns=["status"])
    return _result(content_scraping.check_scrape_coverage(pages, loaded.thresholds.scraping_coverage))


@phase_check("content_analysis", "pages_analysed")
def pages_analysed(
    context: dg.AssetCheckExecutionContext, project: ProjectResource, database: PostgresResource
) -> dg.AssetCheckResult:
    """At least 80% (configurable) of the scraped pages have an analysis."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        analyses = stored.read("content_analysis", "content_analyses", columns=["content_kind"])
        pages = stored.read("content_scraping", "scraped_pages", columns=["status"])
    return _result(
        content_analysis.check_analysis_coverage(
            int((analyses["content_kind"] == "page").sum()),
            int((pages["status"] == "scraped").sum()),
            loaded.thresholds.analysis_coverage,
        )
    )


@phase_check("dsi_calculation", "dsi_values_consistent")
def dsi_values_consistent(context: dg.AssetCheckExecutionContext, database: PostgresResource) -> dg.AssetCheckResult:
    """Coverage ≤ 1, shares sum to 1 per landscape and SERP type, and every DSI lies in [0, 1]."""
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        companies = stored.read("dsi_calculation", "dsi_company")
        pages = stored.read("dsi_calculation", "dsi_page")
        keywords = stored.read("dsi_calculation", "dsi_keyword")
    return _result(dsi_calculation.check_dsi(companies, pages, keywords))


PHASE_CHECKS: list[PhaseCheck] = [
    every_keyword_has_metrics,
    every_serp_fetched,
    serp_domains_enriched,
    video_coverage,
    channels_named_after_their_companies,
    pages_scraped,
    pages_analysed,
    dsi_values_consistent,
]


def phase_checks(markets: dg.PartitionsDefinition) -> list[dg.AssetChecksDefinition]:
    """The completeness checks of the phases, partitioned by ``markets``."""
    return [check.build(markets) for check in PHASE_CHECKS]
