"""Completeness gates on the phases (SPEC 6.9). Blocking checks stop dependents when they fail.

Each check reads its phase's stored output of the same execution and market and asks the phase module for
the verdict; the numbers behind the verdict are in the check's metadata. The checks run inside the step
that materializes their phase (``check_specs`` on the asset, see :func:`evaluate_phase_checks`): they are
checks in the UI like any other, a failed blocking one fails the step and so blocks its dependents, and a
re-execution from failure runs the phase again with its checks, rather than only the check again. No
step process of their own to start, either: a check costs its queries, not a process.
"""


import inspect
from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class PhaseCheck:
    """A check of a phase: its name, whether a failure blocks the dependents (a check that does not block
    only warns), and the function that evaluates it (given the step's context and the resources it names)."""

    phase: str
    name: str
    blocking: bool
    evaluate: Callable[..., CheckOutcome]

    def spec(self) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(self.name, asset=self.phase, blocking=self.blocking,
                                 description=inspect.getdoc(self.evaluate))

    def result(self, context: dg.AssetExecutionContext, resources: Mapping[str, object]) -> dg.AssetCheckResult:
        wanted = [name for name in inspect.signature(self.evaluate).parameters if name != "context"]
        outcome = self.evaluate(context, **{name: resources[name] for name in wanted})
        return dg.AssetCheckResult(
            check_name=self.name,
            asset_key=self.phase,
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR if self.blocking else dg.AssetCheckSeverity.WARN,
            description=outcome.description,
            metadata={"outcome": outcome.description, **outcome.metrics},
        )


def phase_check(phase: str, name: str, *, blocking: bool = True):
    return lambda evaluate: PhaseCheck(phase, name, blocking, evaluate)


@phase_check("keyword_metrics", "every_keyword_has_metrics")
def every_keyword_has_metrics(
    context: dg.AssetExecutionContext, project: ProjectResource, database: PostgresResource
) -> CheckOutcome:
    """Every keyword has a row for the market, and the share with a search volume meets the threshold."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        rows = stored.read("keyword_metrics", "keyword_metrics")
    return keyword_metrics.check_keyword_metrics(rows, len(loaded.keywords), loaded.thresholds.keyword_volume_coverage)


@phase_check("serp_collection", "every_serp_fetched")
def every_serp_fetched(
    context: dg.AssetExecutionContext, project: ProjectResource, database: PostgresResource
) -> CheckOutcome:
    """Every (keyword, SERP type) was fetched; an empty SERP is recorded explicitly, not left out."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        fetches = stored.read("serp_collection", "serp_fetches")
    return serp_collection.check_serps_fetched(fetches, [k.keyword for k in loaded.keywords], loaded.serp_types)


@phase_check("company_enrichment_serp", "serp_domains_enriched")
def serp_domains_enriched(
    context: dg.AssetExecutionContext, project: ProjectResource, database: PostgresResource
) -> CheckOutcome:
    """At least 80% (configurable) of SERP domains are enriched, and no company holds unrelated domains."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        rows = stored.read("company_enrichment_serp", "serp_domain_companies")
    return company_enrichment.check_serp_companies(rows, loaded, loaded.thresholds.company_enrichment_coverage)


@phase_check("youtube_enrichment", "video_coverage", blocking=False)
def video_coverage(
    context: dg.AssetExecutionContext, project: ProjectResource, database: PostgresResource
) -> CheckOutcome:
    """Warns when few ranking videos could be enriched (the phase is non-critical: never blocks)."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        videos = stored.read("youtube_enrichment", "youtube_videos", columns=["video_id"])
        serp = stored.read("serp_collection", "serp_results", columns=["serp_type", "url"])
    ranking = serp.loc[serp["serp_type"] == "video", "url"].map(youtube_enrichment.video_id_from_url).nunique()
    return youtube_enrichment.check_video_coverage(len(videos), ranking, loaded.thresholds.youtube_coverage_warn)


@phase_check("company_enrichment_youtube", "channels_named_after_their_companies")
def channels_named_after_their_companies(
    context: dg.AssetExecutionContext, database: PostgresResource
) -> CheckOutcome:
    """No company is credited with several channels that are not named after it: a company that only
    appears in channels' links (a social network, say) must not collect their videos (catch-all guard)."""
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        channels = stored.read("company_enrichment_youtube", "youtube_channel_companies")
    return company_enrichment_youtube.check_channel_companies(channels)


@phase_check("content_scraping", "pages_scraped")
def pages_scraped(
    context: dg.AssetExecutionContext, project: ProjectResource, database: PostgresResource
) -> CheckOutcome:
    """At least 80% (configurable) of organic and news URLs were scraped (videos are not counted)."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        pages = stored.read("content_scraping", "scraped_pages", columns=["status"])
    return content_scraping.check_scrape_coverage(pages, loaded.thresholds.scraping_coverage)


@phase_check("content_analysis", "pages_analysed")
def pages_analysed(
    context: dg.AssetExecutionContext, project: ProjectResource, database: PostgresResource
) -> CheckOutcome:
    """At least 80% (configurable) of the scraped pages have an analysis."""
    loaded = project.load()
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        analyses = stored.read("content_analysis", "content_analyses", columns=["content_kind"])
        pages = stored.read("content_scraping", "scraped_pages", columns=["status"])
    return content_analysis.check_analysis_coverage(
        int((analyses["content_kind"] == "page").sum()),
        int((pages["status"] == "scraped").sum()),
        loaded.thresholds.analysis_coverage,
    )


@phase_check("dsi_calculation", "dsi_values_consistent")
def dsi_values_consistent(context: dg.AssetExecutionContext, database: PostgresResource) -> CheckOutcome:
    """Coverage ≤ 1, shares sum to 1 per landscape and SERP type, and every DSI lies in [0, 1]."""
    with database.connection() as conn:
        stored = UpstreamRows(context, conn)
        companies = stored.read("dsi_calculation", "dsi_company")
        pages = stored.read("dsi_calculation", "dsi_page")
        keywords = stored.read("dsi_calculation", "dsi_keyword")
    return dsi_calculation.check_dsi(companies, pages, keywords)


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


def checks_of(phase: str) -> list[PhaseCheck]:
    return [check for check in PHASE_CHECKS if check.phase == phase]


def evaluate_phase_checks(phase: str, context: dg.AssetExecutionContext, result: dg.MaterializeResult,
                          resources: Mapping[str, object]) -> dg.MaterializeResult:
    """The phase's materialization with its checks' results, evaluated on what the phase just stored."""
    checks = [check.result(context, resources) for check in checks_of(phase)]
    return dg.MaterializeResult(metadata=result.metadata, check_results=checks, data_version=result.data_version,
                                tags=result.tags)
