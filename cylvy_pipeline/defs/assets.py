"""The eight phases as Dagster assets, one group, partitioned by market.

Each asset is a thin wrapper: it reads its upstreams' output of the same execution from Postgres, calls
the phase's plain function, writes the rows tagged with the pipeline execution (the Dagster root run id)
and returns the phase's standardized result as materialization metadata.
"""


import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg
import psycopg

from cylvy_pipeline.analysis.analyzer import ANALYZER_VERSION
from cylvy_pipeline.analysis.dsi import DSI_FORMULA_VERSION, PositionCutoffs
from cylvy_pipeline.contract import (
    KEYWORDS_TAG,
    NOT_STARTED_TAG,
    PHASE_DEPENDENCIES,
    PHASE_GROUP,
    PROJECT_TAG,
    PROVIDER_POOLS,
)
from cylvy_pipeline.defs.checks import checks_of, evaluate_phase_checks
from cylvy_pipeline.defs.providers import (
    CompanyDataResource,
    ContentAnalyzerResource,
    KeywordDataResource,
    SerpResource,
    VideoDataResource,
    WebResource,
    provider_scope,
)
from cylvy_pipeline.defs.resources import PostgresResource, ProjectResource
from cylvy_pipeline.defs.upstream import UpstreamRows, execution_of, run_started_at
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
from cylvy_pipeline.phases.results import PhaseOutput
from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR
from cylvy_pipeline.project.queries import keywords_frame, landscape_keywords
from cylvy_pipeline.providers.errors import ProviderError
from cylvy_pipeline.reporting import dsi_report
from cylvy_pipeline.storage import caches
from cylvy_pipeline.storage.claims import SharedCacheClaims
from cylvy_pipeline.storage import dsi_results
from cylvy_pipeline.storage.tables import write_phase_output
from cylvy_pipeline.storage.usage import UsageLog

# Provider phases retry as a whole after per-request retries are exhausted (a provider outage).
PROVIDER_RETRY = dg.RetryPolicy(max_retries=2, delay=1, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


@dataclass(frozen=True)
class PhaseAsset:
    """A phase's compute function and how it is declared; :meth:`build` makes the asset for the markets
    the loaded project has (the partitions exist only once the definitions are built)."""

    name: str
    compute: Callable[..., dg.MaterializeResult]
    pool: str | None
    retries: bool
    options: Mapping[str, object]

    def build(self, markets: dg.PartitionsDefinition) -> dg.AssetsDefinition:
        return dg.asset(
            name=self.name,
            deps=list(PHASE_DEPENDENCIES[self.name]),
            group_name=PHASE_GROUP,
            partitions_def=markets,
            retry_policy=PROVIDER_RETRY if self.retries else None,
            pool=self.pool,
            kinds={"python", "postgres"},
            check_specs=[check.spec() for check in checks_of(self.name)],
            **self.options,
        )(_final_failures(_for_a_market_of_the_project(_for_the_project_of_its_execution(
            _with_its_checks(self.name, self.compute)))))


def phase_asset(name: str, *, retries: bool = True, **options):
    """Declare a phase asset: its seed name as the key, the seed's dependencies, the market partitions,
    its provider's pool."""
    return lambda compute: PhaseAsset(name, compute, PROVIDER_POOLS.get(name), retries, options)


def _with_its_checks(phase: str, compute):
    """The phase's checks are evaluated in its step, once its output is stored (a failed blocking check
    then fails the step; Dagster does not retry that)."""

    @functools.wraps(compute)
    def run_phase(context: dg.AssetExecutionContext, *args, **resources):
        return evaluate_phase_checks(phase, context, compute(context, *args, **resources), resources)

    return run_phase


def _for_a_market_of_the_project(compute):
    """A run is one market's execution: a run without a market partition (what the Launchpad and the
    GraphQL client send unless one is chosen) or for a market the project does not list fails in its first
    step, in one line naming the fix. The run is tagged with that line, so the status tables never show it
    as a market's execution and its alert says why it could not start."""

    @functools.wraps(compute)
    def run_phase(context: dg.AssetExecutionContext, *args, **kwargs):
        markets = context.assets_def.partitions_def.get_partition_keys()
        market = context.partition_key if context.has_partition_key else None
        if market not in markets:
            problem = "this run has no market" if market is None else f"{market!r} is not a market of this project"
            refusal = f"{problem} — choose a market partition: {', '.join(markets)}"
            context.instance.add_run_tags(context.run_id, {NOT_STARTED_TAG: refusal})
            raise dg.Failure(refusal, allow_retries=False)
        return compute(context, *args, **kwargs)

    return run_phase


def _for_the_project_of_its_execution(compute):
    """A run made for one project (its tags, set by `cylvy-pipeline run`) never executes with another: a
    re-execution launched where the code location serves a different project folder or keyword count
    (the UI of a `dev` started for another project) fails in its first step, naming both and the command
    that continues the execution with its own project, instead of mixing two projects in one execution."""

    @functools.wraps(compute)
    def run_phase(context: dg.AssetExecutionContext, *args, project: ProjectResource, **kwargs):
        tags = context.run.tags
        if PROJECT_TAG in tags:
            made_for = (tags[PROJECT_TAG], int(tags[KEYWORDS_TAG]) if KEYWORDS_TAG in tags else None)
            served = (os.path.abspath(project.project_dir or SAMPLE_PROJECT_DIR), project.keyword_count)
            if made_for != served:
                raise dg.Failure(
                    f"this execution was made for {_project_words(*made_for)}, and this code location serves "
                    f"{_project_words(*served)} — continue it with `cylvy-pipeline reexecute {context.run_id}`, "
                    "which serves the execution's own project",
                    allow_retries=False,
                )
        return compute(context, *args, project=project, **kwargs)

    return run_phase


def _project_words(folder: str, keyword_count: int | None) -> str:
    return f"the project in {folder}" + (f" scaled to {keyword_count} keywords" if keyword_count else "")


def _final_failures(compute):
    """An interrupted phase cancels its run, and a provider error that retrying cannot fix fails it at once.

    Dagster applies a step's retry policy to every error, a termination request included, so a
    canceled run would retry its running phase and carry on: cancellation is not worth retrying. And an
    interrupt that reached the step without a termination request (Ctrl-C or SIGTERM on a run executed
    in the `cylvy-pipeline run` process) would fail only this step while its sibling phases went on:
    the run is marked canceling, so Dagster stops it and ends it canceled, as a UI termination does.
    Refused credentials or a spent budget would fail every retry the same way: the phase fails without
    retries, with the provider's message.
    """

    @functools.wraps(compute)
    def run_phase(context: dg.AssetExecutionContext, *args, **kwargs):
        try:
            return compute(context, *args, **kwargs)
        except (KeyboardInterrupt, dg.DagsterExecutionInterruptedError):
            run = context.instance.get_run_by_id(context.run_id)
            if run is not None and run.status == dg.DagsterRunStatus.STARTED:
                context.instance.report_run_canceling(run, "the run was interrupted (Ctrl-C or SIGTERM)")
            raise dg.Failure("the run was canceled while this phase was running", allow_retries=False) from None
        except ProviderError as error:
            if error.transient:
                raise  # an outage: the phase's retry policy tries it again
            # Refused credentials, a spent budget, a bad request: the same again would fail the same way.
            raise dg.Failure(str(error), allow_retries=False) from error

    return run_phase


def store_output(
    context: dg.AssetExecutionContext,
    conn: psycopg.Connection,
    phase: str,
    output: PhaseOutput,
    upstream: UpstreamRows | None = None,
    usage: UsageLog | None = None,
) -> dg.MaterializeResult:
    """Write the phase's rows and cache updates in one transaction; describe them in the metadata,
    including which execution's output of each upstream phase was read and, for a phase that calls
    providers, its calls and their cost (``provider_calls``, ``provider_cost_usd``: plotted over time)."""
    execution_id = execution_of(context)
    with conn.transaction():
        for table, frame in output.cache_updates.items():
            caches.upsert_cache(conn, table, frame)
        counts = write_phase_output(
            conn,
            phase=phase,
            execution_id=execution_id,
            market=context.partition_key,
            dagster_run_id=context.run_id,
            frames=output.tables,
        )
    metadata: dict[str, object] = {
        "pipeline_execution_id": execution_id,
        "market": context.partition_key,
        "standardized_result": dg.MetadataValue.json(dict(output.result)),
        **{f"rows_{table}": dg.MetadataValue.int(count) for table, count in counts.items()},
        **({"upstream_executions": dg.MetadataValue.json(upstream.sources)} if upstream else {}),
        **({"provider_calls": dg.MetadataValue.int(usage.calls),
            "provider_cost_usd": dg.MetadataValue.float(round(usage.cost_usd, 6))} if usage else {}),
        **{k: v for k, v in output.result.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)},
    }
    if output.preview is not None and len(output.preview):
        metadata["preview"] = dg.MetadataValue.md(output.preview.to_markdown(index=False, floatfmt=".4g"))
    return dg.MaterializeResult(metadata=metadata)


def _now() -> datetime:
    return datetime.now(UTC)


@phase_asset("keyword_metrics")
def keyword_metrics_asset(
    context: dg.AssetExecutionContext,
    project: ProjectResource,
    database: PostgresResource,
    keyword_data: KeywordDataResource,
) -> dg.MaterializeResult:
    """Monthly search volume, competition and top-of-page bids for every keyword in the market.

    Volumes are per market (a German volume is not a US volume); a keyword the provider has no figure
    for is recorded as missing, never as zero.
    """
    loaded = project.load()
    with provider_scope(context, database.connect, loaded, "keyword_metrics") as scope:
        output = keyword_metrics.collect_keyword_metrics(
            keywords_frame(loaded), context.partition_key, keyword_data.client(scope),
            retry_delay_s=keyword_data.retry_delay_s, max_concurrency=keyword_data.concurrency(scope),
        )
    with database.connection() as conn:
        return store_output(context, conn, "keyword_metrics", output, usage=scope.usage)


@phase_asset("serp_collection")
def serp_collection_asset(
    context: dg.AssetExecutionContext,
    project: ProjectResource,
    database: PostgresResource,
    serp: SerpResource,
) -> dg.MaterializeResult:
    """The ranked organic, news and video results for every keyword, with estimated traffic.

    Estimated traffic = search volume × click-through rate of the position. Rows belong to this
    execution; a later execution never overwrites them.
    """
    loaded = project.load()
    market = context.partition_key
    with database.connection() as conn:
        upstream = UpstreamRows(context, conn)
        metrics = upstream.read("keyword_metrics", "keyword_metrics")
        with provider_scope(context, database.connect, loaded, "serp_collection") as scope:
            output = serp_collection.collect_serps(
                metrics,
                market,
                loaded.serp_types,
                loaded.results_per_search,
                serp.client(scope),
                default_search_volume=loaded.thresholds.default_search_volume,
                max_concurrency=serp.concurrency(scope),
                retry_delay_s=serp.retry_delay_s,
            )
        return store_output(context, conn, "serp_collection", output, upstream, scope.usage)


@phase_asset("company_enrichment_serp")
def company_enrichment_serp_asset(
    context: dg.AssetExecutionContext,
    project: ProjectResource,
    database: PostgresResource,
    company_data: CompanyDataResource,
) -> dg.MaterializeResult:
    """The company behind every ranking page: one company per registrable domain.

    ``www.`` and sub-domains are the same company; the client's and competitors' declared domains
    decide first; an unknown domain becomes its own company. Profiles are cached across markets and
    executions, so a fresh domain is never sent to the provider again.
    """
    loaded = project.load()
    market = context.partition_key
    with (
        provider_scope(context, database.connect, loaded, "company_enrichment_serp") as scope,
        database.connection() as conn,
        conn.transaction(),
    ):
        upstream = UpstreamRows(context, conn)
        serp = upstream.read("serp_collection", "serp_results", columns=["serp_type", "domain"])
        if serp.empty:
            raise dg.Failure(f"company_enrichment_serp needs stored SERP results for {market}, and there are none")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (caches.COMPANY_PROFILE_LOCK,))
        output = company_enrichment.enrich_serp_companies(
            serp,
            loaded,
            caches.fresh_company_profiles(conn, loaded.thresholds.profile_freshness_days),
            company_data.client(scope),
            now=_now(),
            retry_delay_s=company_data.retry_delay_s,
            max_concurrency=company_data.concurrency(scope),
        )
        return store_output(context, conn, "company_enrichment_serp", output, upstream, scope.usage)


@phase_asset("youtube_enrichment")
def youtube_enrichment_asset(
    context: dg.AssetExecutionContext,
    project: ProjectResource,
    database: PostgresResource,
    video_data: VideoDataResource,
) -> dg.MaterializeResult:
    """Views, likes, comments, duration and engagement rate of every ranking video.

    Non-critical: a video API outage or exhausted quota degrades this phase (``degraded`` in the
    metadata, a warning check) instead of failing the pipeline.
    """
    loaded = project.load()
    with database.connection() as conn:
        upstream = UpstreamRows(context, conn)
        serp = upstream.read("serp_collection", "serp_results", columns=["serp_type", "url"])
        with provider_scope(context, database.connect, loaded, "youtube_enrichment") as scope:
            output = youtube_enrichment.enrich_videos(
                serp, video_data.client(scope), retry_delay_s=video_data.retry_delay_s,
                max_concurrency=video_data.concurrency(scope),
            )
        if output.result["degraded"]:
            context.log.warning(f"youtube_enrichment degraded: {output.result['degraded_reason']}")
        return store_output(context, conn, "youtube_enrichment", output, upstream, scope.usage)


@phase_asset("content_scraping")
def content_scraping_asset(
    context: dg.AssetExecutionContext,
    project: ProjectResource,
    database: PostgresResource,
    web: WebResource,
) -> dg.MaterializeResult:
    """The main text of every ranking organic and news page (videos are not scraped).

    A page counts as scraped with at least 100 characters of text; failures are recorded with their
    reason. Fetches are cached across markets and executions (7 days by default); only a transient
    failure (no answer, 429, 5xx) is fetched again, by the next execution.
    """
    loaded = project.load()
    with database.connection() as conn:
        upstream = UpstreamRows(context, conn)
        serp = upstream.read("serp_collection", "serp_results", columns=["serp_type", "url"])
        urls = content_scraping.serp_page_urls(serp)
        # A page a concurrent execution recorded since this run started is taken, not fetched again
        # (a re-execution from failure fetches its execution's failed pages again).
        since = run_started_at(context)
        with (
            provider_scope(context, database.connect, loaded, "content_scraping") as scope,
            SharedCacheClaims(database.connect, "page_cache", "normalized_url", since=since) as claims,
        ):
            output = content_scraping.scrape_serp_pages(
                urls,
                caches.fresh_page_fetches(conn, urls["normalized_url"], loaded.thresholds.scrape_freshness_days),
                web.client(scope),
                claims.produce_once,
                now=_now(),
                max_concurrency=web.concurrency(scope),
                retry_delay_s=web.retry_delay_s,
            )
        return store_output(context, conn, "content_scraping", output, upstream, scope.usage)


@phase_asset("company_enrichment_youtube")
def company_enrichment_youtube_asset(
    context: dg.AssetExecutionContext,
    project: ProjectResource,
    database: PostgresResource,
    video_data: VideoDataResource,
    company_data: CompanyDataResource,
) -> dg.MaterializeResult:
    """The company behind every video channel, enriched through the same profile cache as the SERPs.

    Domains already enriched for the SERPs are never paid for again; channels that cannot be resolved
    are recorded as unresolved once.
    """
    loaded = project.load()
    freshness = loaded.thresholds.profile_freshness_days
    with (
        provider_scope(context, database.connect, loaded, "company_enrichment_youtube") as scope,
        database.connection() as conn,
        conn.transaction(),
    ):
        upstream = UpstreamRows(context, conn)
        videos = upstream.read("youtube_enrichment", "youtube_videos")
        domain_companies = upstream.read("company_enrichment_serp", "serp_domain_companies")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (caches.COMPANY_PROFILE_LOCK,))
        output = company_enrichment_youtube.resolve_channel_companies(
            videos,
            domain_companies,
            loaded,
            caches.fresh_channel_resolutions(conn, freshness),
            caches.fresh_company_profiles(conn, freshness),
            video_data.client(scope),
            company_data.client(scope),
            now=_now(),
            retry_delay_s=company_data.retry_delay_s,
            video_concurrency=video_data.concurrency(scope),
            company_concurrency=company_data.concurrency(scope),
        )
        return store_output(context, conn, "company_enrichment_youtube", output, upstream, scope.usage)


# The analyzer and formula versions are the code versions: the UI marks the assets out of date when they change.
@phase_asset("content_analysis", retries=False, code_version=ANALYZER_VERSION)
def content_analysis_asset(
    context: dg.AssetExecutionContext,
    project: ProjectResource,
    database: PostgresResource,
    content_analyzer: ContentAnalyzerResource,
) -> dg.MaterializeResult:
    """Relevance of every scraped page and ranking video to each persona, JTBD phase, page type and
    custom dimension (score and confidence 0–10, evidence), plus sentiment, key topics and mentions.

    The default analyzer is local and deterministic. Analyses are cached by content hash and analyzer
    version; a failed analysis is recorded as failed, never stored as a result.
    """
    loaded = project.load()
    with (
        provider_scope(context, database.connect, loaded, "content_analysis") as scope,
        database.connection() as conn,
    ):
        analyzer = content_analyzer.analyzer(scope)
        upstream = UpstreamRows(context, conn)
        pages = upstream.read("content_scraping", "scraped_pages")
        videos = upstream.read("youtube_enrichment", "youtube_videos")
        items = content_analysis.content_items(pages, caches.page_texts(conn, pages["normalized_url"]), videos)
        dimensions = content_analysis.analysis_dimensions(loaded)
        brands = content_analysis.brand_terms(loaded)
        version = content_analysis.analysis_version(analyzer, dimensions, brands)
        claim_scope, since = {"analyzer_version": version}, run_started_at(context)
        with SharedCacheClaims(database.connect, "analysis_cache", "content_hash", claim_scope, since=since) as claims:
            output = content_analysis.analyze_content(
                items,
                dimensions,
                brands,
                caches.cached_analyses(conn, items["content_hash"].unique().tolist(), version),
                analyzer,
                claims.produce_once,
                now=_now(),
                max_concurrency=content_analyzer.concurrency(scope),
            )
        if "language_warning" in output.result:
            context.log.warning(f"content_analysis: {output.result['language_warning']}")
        return store_output(context, conn, "content_analysis", output, upstream, scope.usage)


@phase_asset("dsi_calculation", retries=False, code_version=DSI_FORMULA_VERSION)
def dsi_calculation_asset(
    context: dg.AssetExecutionContext, project: ProjectResource, database: PostgresResource
) -> dg.MaterializeResult:
    """The Digital Share Index of every company, page and keyword, per landscape and SERP type.

    DSI = coverage × share × relevance: coverage is the share of the landscape's keywords where the
    company ranks, share its share of estimated traffic (news and video: of appearances), relevance the
    mean persona score of its content / 10. All are fractions in [0, 1], shown as an index 0–100.

    The metadata starts with ``calculation``: the market, execution and date it belongs to. Tables
    ("Show Markdown"): ``client_rank`` (the client's rank among all companies per landscape and SERP type,
    with changes since the previous calculation), ``top_companies`` (organic, all keywords, the client's
    row included wherever it ranks) and ``gaps`` (keywords where competitors rank and the client does not,
    by the traffic at stake). Charts: the top companies per landscape for each SERP type, the client
    against its competitors and each landscape's leader, and the client's DSI over the market's
    calculations. The client's
    DSI index and coverage per landscape and SERP type are plotted over time
    (``client_dsi_index_<landscape>_<serp type>``, ``client_coverage_<landscape>_<serp type>``).
    """
    loaded = project.load()
    thresholds = loaded.thresholds
    with database.connection() as conn:
        upstream = UpstreamRows(context, conn)
        serp_results = upstream.read("serp_collection", "serp_results")
        domain_companies = dsi_calculation.name_unrecorded_companies(
            upstream.read("company_enrichment_serp", "serp_domain_companies"),
            upstream.read("content_scraping", "scraped_pages", columns=["url", "title", "site_name"]),
            serp_results,
        )
        attributed = dsi_calculation.attribute_results(
            serp_results,
            domain_companies,
            upstream.read("youtube_enrichment", "youtube_videos"),
            upstream.read("company_enrichment_youtube", "youtube_channel_companies"),
        )
        output = dsi_calculation.calculate_market_dsi(
            attributed,
            upstream.read("content_analysis", "content_analyses"),
            landscape_keywords(loaded),
            company_enrichment.client_company_domain(loaded),
            default_search_volume=thresholds.default_search_volume,
            default_relevance=thresholds.default_relevance,
            cutoffs=PositionCutoffs(
                leader=thresholds.leader_dsi, challenger=thresholds.challenger_dsi, competitor=thresholds.competitor_dsi
            ),
        )
        stored = store_output(context, conn, "dsi_calculation", output, upstream)
        # The report reads back the rows just written (this connection sees them), so the UI shows what
        # `cylvy-pipeline report` will; its trend includes this calculation.
        market, execution_id = context.partition_key, str(execution_of(context))
        report = dsi_report.load_report(
            conn, loaded, market, execution_id, dsi_results.calculated_at(conn, market, execution_id)
        )
        return dg.MaterializeResult(metadata=_dsi_report_metadata(report, stored.metadata))


#: How many gap rows the metadata shows (the report and its export have them all).
METADATA_GAPS = 15


def _dsi_report_metadata(
    report: dsi_report.AnalystReport, stored: Mapping[str, object]
) -> dict[str, object]:
    """Which calculation this is (first, so the asset page says it before any number), the phase's own
    metadata, the report's tables as Markdown, its charts, and the client's numbers as floats Dagster plots
    over time."""
    calculation, subject, tables = report.calculation, report.subject, report.tables
    rendered = dsi_report.render_charts(report.companies, report.history, subject, calculation.market,
                                        calculation.caption)
    top = tables.top_companies
    headline = top[(top["landscape"] == subject.headline_landscape) & (top["SERP type"] == "organic")]
    lead = dsi_report.rank_sentence(tables.rank, subject, subject.headline_landscape, "organic")
    return {
        "calculation": dg.MetadataValue.md(
            f"**Market {calculation.market} · execution {calculation.execution_id} · calculated "
            f"{calculation.when}**\n\nChanges are compared with {calculation.compared_with}.\n\n{lead}"
        ),
        **stored,
        "client_rank": dg.MetadataValue.md(dsi_report.markdown_table(tables.rank[[
            "landscape", "SERP type", "client rank", "companies", "rank change", "DSI index", "DSI index change",
            "coverage", "share", "leader", "leader DSI index",
        ]])),
        "top_companies": dg.MetadataValue.md(dsi_report.markdown_table(headline[[
            "rank", "company", "source", "DSI index", "coverage", "share", "relevance", "standing", "rank change",
        ]])),
        "gaps": dg.MetadataValue.md(dsi_report.markdown_table(tables.gaps.head(METADATA_GAPS))
                                    if len(tables.gaps) else "No gaps: the client ranks wherever a competitor does."),
        **{key: dg.MetadataValue.md(text)
           for key, text in dsi_report.chart_markdown(rendered, subject, calculation.market).items()},
        **{key: dg.MetadataValue.float(value)
           for key, value in dsi_report.client_metrics(report.companies, subject).items()},
    }


PHASE_ASSETS: list[PhaseAsset] = [
    keyword_metrics_asset,
    serp_collection_asset,
    company_enrichment_serp_asset,
    youtube_enrichment_asset,
    content_scraping_asset,
    company_enrichment_youtube_asset,
    content_analysis_asset,
    dsi_calculation_asset,
]


def phase_assets(markets: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The eight phase assets, partitioned by ``markets``."""
    return [phase.build(markets) for phase in PHASE_ASSETS]
