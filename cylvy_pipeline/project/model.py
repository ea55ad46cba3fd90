"""The client's project: who they are, who they compete with, whom they sell to, and where.

Loaded from ``project.yaml`` + ``keywords.csv`` by :mod:`cylvy_pipeline.project.loader`. Every model is
frozen: a loaded project is a value that phases read, never mutate.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Market codes the product knows. UK is the market code; providers that say GB map it explicitly.
KNOWN_MARKETS: dict[str, str] = {
    "US": "United States",
    "UK": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "ES": "Spain",
    "IT": "Italy",
    "NL": "Netherlands",
    "IE": "Ireland",
    "CA": "Canada",
    "AU": "Australia",
    "SG": "Singapore",
    "IN": "India",
    "AE": "United Arab Emirates",
    "ZA": "South Africa",
    "BR": "Brazil",
    "MX": "Mexico",
    "JP": "Japan",
    "CH": "Switzerland",
    "SE": "Sweden",
    "PL": "Poland",
}

SERP_TYPES: tuple[str, ...] = ("organic", "news", "video")

JTBD_PHASE_NAMES: tuple[str, ...] = (
    "Problem Identification",
    "Solution Exploration",
    "Requirements Building",
    "Supplier Selection",
    "Validation",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Company(_Frozen):
    name: str
    domains: tuple[str, ...]


class Persona(_Frozen):
    name: str
    description: str
    goals: tuple[str, ...] = ()
    pain_points: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


class Dimension(_Frozen):
    """A JTBD phase, page type or custom dimension: something content is scored against."""

    name: str
    description: str
    signals: tuple[str, ...] = ()


class Landscape(_Frozen):
    """A named subset of the keyword list. ``categories`` empty means every keyword ("All")."""

    name: str
    categories: tuple[str, ...] = ()


class Thresholds(_Frozen):
    """Completeness gates and tuning knobs. Shares and coverages are fractions in [0, 1]."""

    keyword_volume_coverage: float = Field(0.8, ge=0, le=1)
    company_enrichment_coverage: float = Field(0.8, ge=0, le=1)
    scraping_coverage: float = Field(0.8, ge=0, le=1)
    analysis_coverage: float = Field(0.8, ge=0, le=1)
    youtube_coverage_warn: float = Field(0.5, ge=0, le=1)
    profile_freshness_days: int = Field(30, ge=0)
    scrape_freshness_days: int = Field(7, ge=0)
    default_search_volume: int = Field(10, ge=0)
    default_relevance: float = Field(0.5, ge=0, le=1)
    leader_dsi: float = Field(0.05, ge=0, le=1)
    challenger_dsi: float = Field(0.02, ge=0, le=1)
    competitor_dsi: float = Field(0.005, ge=0, le=1)
    #: The most keywords a project may list: what bounds a run's memory, time and provider cost.
    max_keywords: int = Field(10_000, ge=1, le=20_000)


class DataForSeoLocation(_Frozen):
    """Where DataForSEO searches for one market (its location and language codes)."""

    location_code: int = Field(ge=1)
    language_code: str


#: DataForSEO's location and language codes for the markets the sample project uses; a project adds
#: others (or overrides these) under ``providers.dataforseo.locations``.
DATAFORSEO_DEFAULT_LOCATIONS: dict[str, DataForSeoLocation] = {
    "US": DataForSeoLocation(location_code=2840, language_code="en"),
    "UK": DataForSeoLocation(location_code=2826, language_code="en"),
    "DE": DataForSeoLocation(location_code=2276, language_code="de"),
}


class DataForSeoSettings(_Frozen):
    """DataForSEO (keyword metrics and SERPs). Credentials: DATAFORSEO_LOGIN, DATAFORSEO_PASSWORD."""

    base_url: str = "https://api.dataforseo.com"
    serp_mode: Literal["live", "queue"] = "live"  # queue: ~3x cheaper, results within minutes
    #: Markets beyond the built-in US, UK and DE (or overriding them).
    locations: dict[str, DataForSeoLocation] = {}
    #: SERP API calls a minute (the vendor allows up to 2,000; task_post carries 100 SERPs a call).
    calls_per_minute: float = Field(600, gt=0)
    #: Google Ads search-volume calls a minute: DataForSEO documents about 12 a minute per account for
    #: this endpoint family, far below the SERP API's, so it has a limit of its own.
    keyword_data_calls_per_minute: float = Field(12, gt=0)
    #: List prices in USD the budget and `estimate` use (what a call is charged is what DataForSEO's
    #: answer states, recorded in api_usage).
    price_keyword_call_usd: float = Field(0.075, ge=0)  # a search-volume call, up to 1,000 keywords
    price_serp_live_usd: float = Field(0.002, ge=0)  # a live SERP of 10 results
    price_serp_queue_usd: float = Field(0.0006, ge=0)  # a SERP through the standard queue
    timeout_s: float = Field(60, gt=0)

    def market_locations(self) -> dict[str, DataForSeoLocation]:
        return {**DATAFORSEO_DEFAULT_LOCATIONS, **self.locations}

    def __hash__(self) -> int:  # a Project is a cache key; the locations mapping hashes as its items
        return hash((*(getattr(self, name) for name in type(self).model_fields if name != "locations"),
                     tuple(sorted(self.locations.items()))))


class HttpWebSettings(_Frozen):
    """Direct page fetching for content scraping."""

    #: Networks that may be fetched although they are not public (tests allow 127.0.0.1/32). Empty in
    #: production: a SERP can point anywhere, and the scraper must not reach internal services.
    allow_networks: tuple[str, ...] = ()
    max_per_host: int = Field(2, ge=1, le=32)
    timeout_s: float = Field(20, gt=0)
    max_page_bytes: int = Field(10 * 1024 * 1024, ge=1024)


class YouTubeSettings(_Frozen):
    """The YouTube Data API v3 (video and channel details). Credential: YOUTUBE_API_KEY."""

    base_url: str = "https://www.googleapis.com/youtube/v3"
    calls_per_minute: float = Field(600, gt=0)
    timeout_s: float = Field(30, gt=0)


class HomepageSettings(_Frozen):
    """Company data read from each domain's homepage (no account needed). The address rules of
    ``providers.http`` apply (``allow_networks``)."""

    url_template: str = "https://{domain}/"  # where a domain's homepage is fetched from
    timeout_s: float = Field(15, gt=0)


class PeopleDataLabsSettings(_Frozen):
    """People Data Labs' Company Enrichment API: company profiles bought per match (a domain it does not
    know costs nothing). Credential: PDL_API_KEY."""

    base_url: str = "https://api.peopledatalabs.com/v5"
    #: The least match likelihood (1-10) PDL may answer with; a weaker match is "no match". None: PDL's default.
    min_likelihood: int | None = Field(None, ge=1, le=10)
    #: List price of one match in USD (what the budget and `estimate` use; a no-match is free).
    price_per_match_usd: float = Field(0.10, ge=0)
    calls_per_minute: float = Field(600, gt=0)  # PDL allows 1,000 a minute on paid plans, 10 on the free one
    timeout_s: float = Field(30, gt=0)


class RenderingSettings(_Frozen):
    """A rendering scraper API (ScrapingBee's format) for sites that need JavaScript or a proxy: every
    page (``providers.web: rendering``) or only the ``domains`` listed here (with ``providers.web: http``).
    Credential: SCRAPINGBEE_API_KEY."""

    base_url: str = "https://app.scrapingbee.com/api/v1/"
    domains: tuple[str, ...] = ()
    render_js: bool = True
    premium_proxy: bool = False
    #: ScrapingBee's stealth proxy (75 credits a call; JavaScript rendering only).
    stealth_proxy: bool = False
    price_per_credit_usd: float = Field(0.0002, ge=0)
    timeout_s: float = Field(90, gt=0)

    @model_validator(mode="after")
    def _stealth_renders(self) -> RenderingSettings:
        if self.stealth_proxy and not self.render_js:
            raise ValueError("providers.rendering.stealth_proxy works only with render_js: true")
        return self


class LlmSettings(_Frozen):
    """An OpenAI-compatible chat-completions API for content analysis. Credential: OPENAI_API_KEY."""

    base_url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    price_input_per_mtok_usd: float = Field(0.15, ge=0)
    price_output_per_mtok_usd: float = Field(0.60, ge=0)
    max_text_chars: int = Field(12_000, ge=500)  # of a page's text sent to the model
    timeout_s: float = Field(60, gt=0)


class ProviderConcurrency(_Frozen):
    """How many calls one phase makes to each kind of provider at once (sample providers included).

    Results never depend on it: a phase gives the same output in the same order at any setting. Higher is
    faster until the provider's own rate limit (``calls_per_minute``) or a site's patience is the bound.
    """

    keyword_data: int = Field(1, ge=1, le=16)  # keyword batches (up to 1,000 keywords each)
    serp: int = Field(8, ge=1, le=256)  # SERPs (live: each waits seconds for its answer) or ready results (queue)
    video_data: int = Field(1, ge=1, le=16)  # batches of 50 video or channel ids
    company_data: int = Field(8, ge=1, le=64)  # domains looked up
    web: int = Field(16, ge=1, le=128)  # pages fetched (each host at most providers.http.max_per_host)
    content_analyzer: int = Field(4, ge=1, le=32)  # pages and videos analysed (one database connection each)


class Providers(_Frozen):
    """Which service each kind of provider calls (``sample``: the simulated market) and their settings.

    Secrets never go in project.yaml: each real provider reads them from environment variables.
    """

    keyword_data: Literal["sample", "dataforseo"] = "sample"
    serp: Literal["sample", "dataforseo"] = "sample"
    video_data: Literal["sample", "youtube"] = "sample"
    company_data: Literal["sample", "homepage", "peopledatalabs"] = "sample"
    content_analyzer: Literal["local", "openai"] = "local"
    web: Literal["sample", "http", "rendering"] = "sample"
    #: The most an execution (one market) may spend on providers; a phase stops before a call that
    #: would go past it. None: no limit.
    max_cost_usd: float | None = Field(None, gt=0)
    concurrency: ProviderConcurrency = ProviderConcurrency()
    dataforseo: DataForSeoSettings = DataForSeoSettings()
    youtube: YouTubeSettings = YouTubeSettings()
    homepage: HomepageSettings = HomepageSettings()
    peopledatalabs: PeopleDataLabsSettings = PeopleDataLabsSettings()
    llm: LlmSettings = LlmSettings()
    http: HttpWebSettings = HttpWebSettings()
    rendering: RenderingSettings = RenderingSettings()


class Keyword(_Frozen):
    keyword: str
    category: str
    jtbd_stage: str | None = None
    avg_monthly_searches: int | None = None
    is_brand: bool = False


class Project(_Frozen):
    name: str
    client: Company
    competitors: tuple[Company, ...] = ()
    personas: tuple[Persona, ...]
    jtbd_phases: tuple[Dimension, ...]
    page_types: tuple[Dimension, ...] = ()
    custom_dimensions: tuple[Dimension, ...] = ()
    markets: tuple[str, ...]
    landscapes: tuple[Landscape, ...]
    enabled_phases: tuple[str, ...]
    thresholds: Thresholds = Thresholds()
    serp_types: tuple[str, ...] = SERP_TYPES
    results_per_search: int = Field(10, ge=1, le=100)
    providers: Providers = Providers()
    keywords: tuple[Keyword, ...]
