"""The client's project: who they are, who they compete with, whom they sell to, and where.

Loaded from ``project.yaml`` + ``keywords.csv`` by :mod:`cylvy_pipeline.project.loader`. Every model is
frozen: a loaded project is a value that phases read, never mutate.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from cylvy_pipeline.providers.catalog import VENDORS, VendorCatalog
from cylvy_pipeline.providers.vendor import Vendor

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


class _ProvidersBase(_Frozen):
    """Which vendor serves each kind of provider (``sample``: the simulated market; ``local``: the local
    analyzer), the spending limit, the concurrency per kind, and every vendor's settings under its own key.

    The choices and the vendors' settings come from the vendor declarations of a catalog
    (:data:`cylvy_pipeline.providers.catalog.VENDORS`). Secrets never go in project.yaml: each real vendor
    reads them from environment variables.
    """

    #: The vendor declarations the model was made from.
    catalog: ClassVar[VendorCatalog]

    def vendor(self, kind: str) -> Vendor:
        """The vendor chosen for a provider kind."""
        return self.catalog.chosen(self, kind)


def providers_model(catalog: VendorCatalog) -> type[_ProvidersBase]:
    """The model of ``providers:`` in project.yaml for the vendors of ``catalog``."""
    return catalog.providers_model(
        _ProvidersBase,
        max_cost_usd=(float | None, Field(
            None, gt=0, description="The most an execution (one market) may spend on providers; a phase stops "
            "before a call that would go past it. None: no limit.")),
        concurrency=(ProviderConcurrency, ProviderConcurrency()),
    )


#: ``providers:`` in project.yaml.
Providers = providers_model(VENDORS)


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
