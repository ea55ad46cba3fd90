"""Provider resources: every kind of external service behind one abstract Dagster resource.

Each kind — keyword data, SERPs, video data, company data, web pages, content analysis — is an abstract
``dg.ConfigurableResource`` with a sample implementation (the simulated market) and, where built, a real
one. Assets depend on the abstract types only; which implementation is bound is the project's choice
(``providers:`` in project.yaml, default ``sample``), read when the definitions load. Real providers take
their secrets through ``dg.EnvVar`` only, and their other settings from the project.

A phase opens a :func:`provider_scope`: it records every call of that phase in ``api_usage`` and closes
the HTTP clients when the phase ends. How many calls a phase makes to a kind of provider at once is the
project's ``providers.concurrency.<kind>`` (:meth:`ProviderResource.concurrency`), for sample and real
implementations alike.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import ClassVar

import dagster as dg
import psycopg
from pydantic import Field

from cylvy_pipeline.analysis.analyzer import ContentAnalyzer, LocalContentAnalyzer
from cylvy_pipeline.defs.upstream import execution_of
from cylvy_pipeline.project.model import Project, Providers
from cylvy_pipeline.providers.base import (
    CompanyDataProvider,
    KeywordMetricsProvider,
    SerpProvider,
    WebFetcher,
    YouTubeProvider,
)
from cylvy_pipeline.providers.http import AddressGuard, HttpPolicy, ProviderHttp, RateLimiter
from cylvy_pipeline.providers.catalog import LOCAL, SAMPLE
from cylvy_pipeline.providers.real import dataforseo, homepage, llm_analyzer, peopledatalabs, rendering, web, youtube
from cylvy_pipeline.providers.real.dataforseo import (
    DataForSeoClient,
    DataForSeoKeywordMetrics,
    DataForSeoPrices,
    DataForSeoSerp,
    MarketLocation,
)
from cylvy_pipeline.providers.real.homepage import HomepageCompanyData
from cylvy_pipeline.providers.real.llm_analyzer import LlmContentAnalyzer, LlmPrices
from cylvy_pipeline.providers.real.peopledatalabs import PeopleDataLabsCompanyData
from cylvy_pipeline.providers.real.rendering import RenderingWebFetcher, RoutedWebFetcher
from cylvy_pipeline.providers.real.web import DEFAULT_USER_AGENT as USER_AGENT
from cylvy_pipeline.providers.real.web import HttpWebFetcher
from cylvy_pipeline.providers.real.youtube import YouTubeDataApi
from cylvy_pipeline.providers.vendor import PROVIDER_KINDS, Vendor
from cylvy_pipeline.providers.sample.clients import (
    SampleCompanyData,
    SampleKeywordMetrics,
    SampleSerp,
    SampleWebFetcher,
    SampleYouTube,
)
from cylvy_pipeline.providers.sample.faults import (
    FaultInjector,
    parse_calls_per_minute,
    parse_fault_spec,
    parse_latency_ms,
)
from cylvy_pipeline.providers.sample.market import SimulatedMarket, get_market
from cylvy_pipeline.settings import SAMPLE_CALLS_PER_MINUTE_ENV, SAMPLE_FAULTS_ENV, SAMPLE_LATENCY_MS_ENV
from cylvy_pipeline.storage.rate_limits import SharedRateLimiter
from cylvy_pipeline.storage.usage import UsageLog

#: The resource keys of the provider kinds that have a sample implementation.
SAMPLE_PROVIDER_KEYS = SAMPLE.kinds


def sample_latency_run_config(latency_ms: float) -> dict:
    """Run config giving every sample provider call ``latency_ms`` of simulated network time."""
    return {"resources": {key: {"config": {"latency_ms": latency_ms}} for key in SAMPLE_PROVIDER_KEYS}}


@dataclass
class ProviderScope:
    """One phase's use of its providers: the project, the phase, the usage log, the database (where the
    shared rate limits live) and what to close."""

    project: Project
    phase: str
    usage: UsageLog | None
    resources: ExitStack
    connect: Callable[[], psycopg.Connection] | None = None

    def closing(self, http: ProviderHttp) -> ProviderHttp:
        self.resources.callback(http.close)
        return http

    def rate_limit(self, name: str, calls_per_minute: float | None) -> SharedRateLimiter | RateLimiter | None:
        """The limit ``name`` (a vendor's account, or one endpoint family of it), shared by every run,
        process and machine on this database: their calls together stay within ``calls_per_minute``.
        Without a database (a scope built outside a run) the limit is this process's own."""
        if not calls_per_minute:
            return None
        if self.connect is None:
            return RateLimiter(calls_per_minute)
        limiter = SharedRateLimiter(self.connect, name, calls_per_minute)
        self.resources.callback(limiter.close)
        return limiter

    def check_budget(self, expected_cost_usd: float, provider: str) -> None:
        if self.usage is not None:
            self.usage.check_budget(expected_cost_usd, provider)


@contextmanager
def provider_scope(
    context: dg.AssetExecutionContext, connect, project: Project, phase: str
) -> Iterator[ProviderScope]:
    """Record the phase's provider calls in ``api_usage`` (flushed in batches and when the phase ends,
    failed or not) and close its HTTP clients afterwards."""
    with UsageLog(connect, execution_id=execution_of(context), market=context.partition_key, phase=phase,
                  dagster_run_id=context.run_id, budget_usd=project.providers.max_cost_usd) as usage, \
            ExitStack() as resources:
        yield ProviderScope(project, phase, usage, resources, connect)


def missing_provider_secrets(providers: Providers) -> list[str]:
    """``"providers.<kind> is <name>, and <VAR> is not set"`` for every secret a chosen vendor lacks."""
    return providers.catalog.missing_secrets(providers, os.environ)


class ProviderResource(dg.ConfigurableResource, abc.ABC):
    """What every provider resource shares: which kind it is, and how many of its calls a phase makes at
    once (``providers.concurrency.<kind>`` in project.yaml; the results do not depend on it). Each kind is
    abstract (assets depend on it); only its vendors' implementations can be bound, each naming its
    vendor's declaration (:func:`provider_resources` finds it by the project's choice)."""

    #: The provider kind: its key under ``providers:`` and ``providers.concurrency:`` in project.yaml.
    kind: ClassVar[str]
    #: The vendor this implementation calls (None on the abstract kinds).
    vendor: ClassVar[Vendor | None] = None

    @classmethod
    def bound(cls, providers: Providers, sample_knobs: Mapping[str, dg.EnvVar]) -> ProviderResource:
        """This implementation with its vendor's secrets bound as ``dg.EnvVar`` (read where a step runs)."""
        return cls(**{field: dg.EnvVar(variable) for field, variable in cls.vendor.secrets.items()})

    def concurrency(self, scope: ProviderScope) -> int:
        return getattr(scope.project.providers.concurrency, self.kind)


# --- the sample market ---------------------------------------------------------------------------------


class _SampleMarketSettings(dg.ConfigurableResource):
    """Settings every sample provider shares. ``faults`` is ``CYLVY_SAMPLE_FAULTS`` (``"phase=rate,…"``:
    rate 1.0 fails every call of that phase, lower rates fail calls transiently); ``latencies`` is
    ``CYLVY_SAMPLE_LATENCY_MS`` (one number for every provider, or ``provider=ms,…``); ``calls_per_minute``
    is ``CYLVY_SAMPLE_CALLS_PER_MINUTE`` (the same forms), a limit shared by every run like a vendor's."""

    #: This provider's name in CYLVY_SAMPLE_LATENCY_MS.
    latency_provider: ClassVar[str]

    seed: int = Field(default=7, description="Seed of the simulated market")
    latency_ms: float = Field(
        default=0.0, ge=0, description="Simulated latency of every call (0: this provider's share of `latencies`)"
    )
    latencies: str = Field(default="", description=f"Simulated latency per provider ({SAMPLE_LATENCY_MS_ENV})")
    calls_per_minute: str = Field(
        default="",
        description=f"Simulated rate limit per provider, shared by every run ({SAMPLE_CALLS_PER_MINUTE_ENV})",
    )
    faults: str = Field(default="", description=f"Injected faults per phase ({SAMPLE_FAULTS_ENV})")
    retry_delay_s: float = Field(default=0.05, ge=0, description="Base backoff between per-request retries")

    vendor: ClassVar[Vendor] = SAMPLE

    @classmethod
    def bound(cls, providers: Providers, sample_knobs: Mapping[str, dg.EnvVar]) -> ProviderResource:
        return cls(**sample_knobs)

    def _sample(self, scope: ProviderScope) -> tuple[SimulatedMarket, dict]:
        faults = FaultInjector(scope.phase, parse_fault_spec(self.faults).get(scope.phase, 0.0))
        latency = (self.latency_ms or parse_latency_ms(self.latencies)[self.latency_provider]) / 1000
        rate = scope.rate_limit(f"sample {self.latency_provider}",
                                parse_calls_per_minute(self.calls_per_minute)[self.latency_provider])
        return get_market(scope.project, self.seed), {"faults": faults, "latency_s": latency, "usage": scope.usage,
                                                      "rate": rate}


# --- keyword data --------------------------------------------------------------------------------------


class KeywordDataResource(ProviderResource):
    """Where keyword metrics (search volume, competition, bids per market) come from."""

    kind: ClassVar[str] = "keyword_data"

    retry_delay_s: float = Field(default=0.5, ge=0, description="Base backoff between per-request retries")

    @abc.abstractmethod
    def client(self, scope: ProviderScope) -> KeywordMetricsProvider:
        """The client one phase calls: its HTTP clients close, and its calls are recorded, with ``scope``."""


class SampleKeywordData(_SampleMarketSettings, KeywordDataResource):
    """Keyword metrics of the simulated market."""

    latency_provider = "keyword_metrics"

    def client(self, scope: ProviderScope) -> KeywordMetricsProvider:
        market, options = self._sample(scope)
        return SampleKeywordMetrics(market, **options)


class _DataForSeoCredentials(dg.ConfigurableResource):
    vendor: ClassVar[Vendor] = dataforseo.VENDOR

    login: str = Field(description=f"DataForSEO API login (set {dataforseo.SECRETS['login']})")
    password: str = Field(description=f"DataForSEO API password (set {dataforseo.SECRETS['password']})")

    def _client(self, scope: ProviderScope, endpoints: str, calls_per_minute: float) -> DataForSeoClient:
        settings = scope.project.providers.dataforseo
        rate = scope.rate_limit(f"{dataforseo.PROVIDER} {endpoints}", calls_per_minute)
        http = scope.closing(ProviderHttp(dataforseo.PROVIDER, policy=HttpPolicy(timeout_s=settings.timeout_s),
                                          auth=(self.login, self.password), credential_env=dataforseo.CREDENTIAL_ENV,
                                          usage=scope.usage, budget=scope.check_budget, rate=rate))
        locations = {market: MarketLocation(location.location_code, location.language_code)
                     for market, location in settings.market_locations().items()}
        prices = DataForSeoPrices(settings.price_keyword_call_usd, settings.price_serp_live_usd,
                                  settings.price_serp_queue_usd)
        return DataForSeoClient(http, base_url=settings.base_url, locations=locations, prices=prices)


class DataForSeoKeywordData(_DataForSeoCredentials, KeywordDataResource):
    """Google Ads search volume through DataForSEO (``providers.keyword_data: dataforseo``)."""

    def client(self, scope: ProviderScope) -> KeywordMetricsProvider:
        # Its own rate: the search-volume endpoints allow far fewer calls a minute than the SERP API.
        settings = scope.project.providers.dataforseo
        return DataForSeoKeywordMetrics(self._client(scope, "search volume", settings.keyword_data_calls_per_minute))


# --- SERPs ---------------------------------------------------------------------------------------------


class SerpResource(ProviderResource):
    """Where ranked organic, news and video results come from."""

    kind: ClassVar[str] = "serp"
    retry_delay_s: float = Field(default=0.5, ge=0, description="Base backoff between per-request retries")

    @abc.abstractmethod
    def client(self, scope: ProviderScope) -> SerpProvider:
        """The client one phase calls: its HTTP clients close, and its calls are recorded, with ``scope``."""


class SampleSerpData(_SampleMarketSettings, SerpResource):
    """SERPs of the simulated market."""

    latency_provider = "serp"

    def client(self, scope: ProviderScope) -> SerpProvider:
        market, options = self._sample(scope)
        return SampleSerp(market, **options)


class DataForSeoSerpData(_DataForSeoCredentials, SerpResource):
    """Google organic and news and YouTube SERPs through DataForSEO, live or through the standard queue
    (``providers.serp: dataforseo``, ``providers.dataforseo.serp_mode``)."""

    def client(self, scope: ProviderScope) -> SerpProvider:
        settings = scope.project.providers.dataforseo
        return DataForSeoSerp(self._client(scope, "SERP API", settings.calls_per_minute), mode=settings.serp_mode,
                              concurrency=self.concurrency(scope))


# --- video data, company data ----------------------------------------------------------------------------


class VideoDataResource(ProviderResource):
    """Where video and channel details come from (the YouTube Data API's shape)."""

    kind: ClassVar[str] = "video_data"

    retry_delay_s: float = Field(default=0.5, ge=0, description="Base backoff between per-request retries")

    @abc.abstractmethod
    def client(self, scope: ProviderScope) -> YouTubeProvider:
        """The client one phase calls: its HTTP clients close, and its calls are recorded, with ``scope``."""


class SampleVideoData(_SampleMarketSettings, VideoDataResource):
    """Videos and channels of the simulated market."""

    latency_provider = "youtube"

    def client(self, scope: ProviderScope) -> YouTubeProvider:
        market, options = self._sample(scope)
        return SampleYouTube(market, **options)


class YouTubeVideoData(VideoDataResource):
    """The YouTube Data API v3 (``providers.video_data: youtube``; settings under ``providers.youtube``)."""

    vendor: ClassVar[Vendor] = youtube.VENDOR
    api_key: str = Field(description=f"YouTube Data API key (set {youtube.CREDENTIAL_ENV})")

    def client(self, scope: ProviderScope) -> YouTubeProvider:
        settings = scope.project.providers.youtube
        http = scope.closing(ProviderHttp(youtube.PROVIDER, policy=HttpPolicy(timeout_s=settings.timeout_s),
                                          credential_env=youtube.CREDENTIAL_ENV, usage=scope.usage,
                                          rate=scope.rate_limit(youtube.PROVIDER, settings.calls_per_minute)))
        return YouTubeDataApi(http, api_key=self.api_key, base_url=settings.base_url)


class CompanyDataResource(ProviderResource):
    """Where company profiles (name, industry, size, country, source type) come from."""

    kind: ClassVar[str] = "company_data"

    retry_delay_s: float = Field(default=0.5, ge=0, description="Base backoff between per-request retries")

    @abc.abstractmethod
    def client(self, scope: ProviderScope) -> CompanyDataProvider:
        """The client one phase calls: its HTTP clients close, and its calls are recorded, with ``scope``."""


class SampleCompanyDataSource(_SampleMarketSettings, CompanyDataResource):
    """Company profiles of the simulated market (about one domain in ten has no record)."""

    latency_provider = "company_data"

    def client(self, scope: ProviderScope) -> CompanyDataProvider:
        market, options = self._sample(scope)
        return SampleCompanyData(market, **options)


class HomepageCompanyDataSource(CompanyDataResource):
    """Company profiles from each domain's own homepage (``providers.company_data: homepage``)."""

    vendor: ClassVar[Vendor] = homepage.VENDOR

    def client(self, scope: ProviderScope) -> CompanyDataProvider:
        settings, web = scope.project.providers.homepage, scope.project.providers.http
        policy = HttpPolicy(timeout_s=settings.timeout_s, max_fetch_s=settings.max_fetch_s)
        http = scope.closing(ProviderHttp(homepage.SOURCE, policy=policy, usage=scope.usage,
                                          guard=AddressGuard.allowing(web.allow_networks),
                                          headers={"User-Agent": USER_AGENT}))
        return HomepageCompanyData(http, url_template=settings.url_template)


class PeopleDataLabsCompanyDataSource(CompanyDataResource):
    """Company profiles bought from People Data Labs' Company Enrichment API, charged per match
    (``providers.company_data: peopledatalabs``; settings under ``providers.peopledatalabs``)."""

    vendor: ClassVar[Vendor] = peopledatalabs.VENDOR
    api_key: str = Field(description=f"People Data Labs API key (set {peopledatalabs.CREDENTIAL_ENV})")

    def client(self, scope: ProviderScope) -> CompanyDataProvider:
        settings = scope.project.providers.peopledatalabs
        http = scope.closing(ProviderHttp(peopledatalabs.PROVIDER, policy=HttpPolicy(timeout_s=settings.timeout_s),
                                          credential_env=peopledatalabs.CREDENTIAL_ENV, usage=scope.usage,
                                          budget=scope.check_budget,
                                          rate=scope.rate_limit(peopledatalabs.PROVIDER, settings.calls_per_minute)))
        return PeopleDataLabsCompanyData(http, api_key=self.api_key, base_url=settings.base_url,
                                         min_likelihood=settings.min_likelihood,
                                         price_per_match_usd=settings.price_per_match_usd)


# --- web pages -----------------------------------------------------------------------------------------


class WebResource(ProviderResource):
    """How ranking pages are fetched for content scraping."""

    kind: ClassVar[str] = "web"
    retry_delay_s: float = Field(default=0.5, ge=0, description="Base backoff between per-request retries")

    @abc.abstractmethod
    def client(self, scope: ProviderScope) -> WebFetcher:
        """The client one phase calls: its HTTP clients close, and its calls are recorded, with ``scope``."""


class SampleWeb(_SampleMarketSettings, WebResource):
    """The simulated web: HTML and PDF pages, with their 404s, 500s and thin pages."""

    latency_provider = "web"

    def client(self, scope: ProviderScope) -> WebFetcher:
        market, options = self._sample(scope)
        return SampleWebFetcher(market, **options)


def _rendering_fetcher(scope: ProviderScope, api_key: str) -> RenderingWebFetcher:
    settings = scope.project.providers.rendering
    policy = HttpPolicy(timeout_s=settings.timeout_s, max_fetch_s=settings.max_fetch_s)
    http = scope.closing(ProviderHttp(rendering.PROVIDER, policy=policy,
                                      credential_env=rendering.CREDENTIAL_ENV, usage=scope.usage,
                                      budget=scope.check_budget))
    return RenderingWebFetcher(http, api_key=api_key, base_url=settings.base_url, render_js=settings.render_js,
                               premium_proxy=settings.premium_proxy, stealth_proxy=settings.stealth_proxy,
                               price_per_credit_usd=settings.price_per_credit_usd)


class HttpWeb(WebResource):
    """Direct HTTP fetching with httpx (``providers.web: http``; settings under ``providers.http``).
    Private, loopback and link-local addresses are refused unless ``allow_networks`` lists them. The
    sites listed in ``providers.rendering.domains`` go through the rendering API instead."""

    vendor: ClassVar[Vendor] = web.VENDOR
    rendering_api_key: str | None = Field(default=None,
                                          description=f"Rendering API key ({rendering.CREDENTIAL_ENV})")

    @classmethod
    def bound(cls, providers: Providers, sample_knobs: Mapping[str, dg.EnvVar]) -> ProviderResource:
        # The rendering API's key only when some sites are to be rendered.
        if not providers.rendering.domains:
            return cls()
        return cls(rendering_api_key=dg.EnvVar(rendering.CREDENTIAL_ENV))

    def client(self, scope: ProviderScope) -> WebFetcher:
        settings = scope.project.providers.http
        policy = HttpPolicy(timeout_s=settings.timeout_s, max_fetch_s=settings.max_fetch_s,
                            max_body_bytes=settings.max_page_bytes)
        http = scope.closing(ProviderHttp("web", policy=policy, usage=scope.usage,
                                          guard=AddressGuard.allowing(settings.allow_networks),
                                          headers={"User-Agent": USER_AGENT}))
        direct = HttpWebFetcher(http, max_per_host=settings.max_per_host)
        domains = scope.project.providers.rendering.domains
        if not domains or self.rendering_api_key is None:
            return direct
        return RoutedWebFetcher(direct, _rendering_fetcher(scope, self.rendering_api_key), domains)


class RenderingWeb(WebResource):
    """Every page through the rendering API (``providers.web: rendering``)."""

    vendor: ClassVar[Vendor] = rendering.VENDOR
    api_key: str = Field(description=f"Rendering API key (set {rendering.CREDENTIAL_ENV})")

    def client(self, scope: ProviderScope) -> WebFetcher:
        return _rendering_fetcher(scope, self.api_key)


# --- content analysis ----------------------------------------------------------------------------------


class ContentAnalyzerResource(ProviderResource):
    """What scores content against personas, JTBD phases, page types and custom dimensions."""

    kind: ClassVar[str] = "content_analyzer"

    @abc.abstractmethod
    def analyzer(self, scope: ProviderScope) -> ContentAnalyzer:
        """The analyzer one phase scores content with (an LLM's calls are recorded with ``scope``)."""


class LocalAnalyzer(ContentAnalyzerResource):
    """The local, deterministic analyzer: free, reproducible, no network."""

    vendor: ClassVar[Vendor] = LOCAL

    def analyzer(self, scope: ProviderScope) -> LocalContentAnalyzer:
        return LocalContentAnalyzer()


class OpenAiCompatibleAnalyzer(ContentAnalyzerResource):
    """An LLM behind an OpenAI-compatible chat-completions API (``providers.content_analyzer: openai``;
    settings under ``providers.llm``)."""

    vendor: ClassVar[Vendor] = llm_analyzer.VENDOR
    api_key: str = Field(description=f"API key of the chat-completions API (set {llm_analyzer.CREDENTIAL_ENV})")

    def analyzer(self, scope: ProviderScope) -> LlmContentAnalyzer:
        settings = scope.project.providers.llm
        http = scope.closing(ProviderHttp(llm_analyzer.PROVIDER, policy=HttpPolicy(timeout_s=settings.timeout_s),
                                          headers={"Authorization": f"Bearer {self.api_key}"},
                                          credential_env=llm_analyzer.CREDENTIAL_ENV, usage=scope.usage,
                                          budget=scope.check_budget))
        prices = LlmPrices(settings.price_input_per_mtok_usd, settings.price_output_per_mtok_usd)
        return LlmContentAnalyzer(http, model=settings.model, base_url=settings.base_url, prices=prices,
                                  max_text_chars=settings.max_text_chars)


# --- binding -------------------------------------------------------------------------------------------


def sample_knobs(environ: Mapping[str, str]) -> dict[str, dg.EnvVar]:
    """The sample providers' optional knobs, as ``dg.EnvVar`` so every process that runs a step reads
    them from its own environment. Only the variables that are set are bound: an ``EnvVar`` of an unset
    variable fails the run, and an unset knob means none."""
    knobs = {"faults": SAMPLE_FAULTS_ENV, "latencies": SAMPLE_LATENCY_MS_ENV,
             "calls_per_minute": SAMPLE_CALLS_PER_MINUTE_ENV}
    return {field: dg.EnvVar(variable) for field, variable in knobs.items() if environ.get(variable, "").strip()}


#: The abstract resource of each provider kind; its subclasses are the vendors' implementations.
KIND_RESOURCES: dict[str, type[ProviderResource]] = {
    "keyword_data": KeywordDataResource,
    "serp": SerpResource,
    "video_data": VideoDataResource,
    "company_data": CompanyDataResource,
    "web": WebResource,
    "content_analyzer": ContentAnalyzerResource,
}


def _implementations(kind: str) -> dict[str, type[ProviderResource]]:
    """The resource implementing ``kind`` for each vendor name."""
    found, pending = {}, [KIND_RESOURCES[kind]]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass.vendor is not None and not getattr(subclass, "__abstractmethods__", None):
                found[subclass.vendor.name] = subclass
            pending.append(subclass)
    return found


def provider_resources(providers: Providers, environ: Mapping[str, str]) -> dict[str, dg.ConfigurableResource]:
    """The resource of each provider kind, for the vendor the project chose: secrets as ``dg.EnvVar``,
    and the sample knobs ``environ`` sets."""
    knobs = sample_knobs(environ)
    resources = {}
    for kind in PROVIDER_KINDS:
        vendor = providers.vendor(kind)
        implementation = _implementations(kind).get(vendor.name)
        if implementation is None:
            raise ValueError(f"providers.{kind} is {vendor.name}, which has no {KIND_RESOURCES[kind].__name__}")
        resources[kind] = implementation.bound(providers, knobs)
    return resources
