"""Dagster resources: the project being analysed, the product database, and the market-data providers."""


import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dagster as dg
import psycopg
from pydantic import Field

from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.providers.base import (
    CompanyDataProvider,
    KeywordMetricsProvider,
    SerpProvider,
    WebFetcher,
    YouTubeProvider,
)
from cylvy_pipeline.providers.sample.clients import (
    SampleCompanyData,
    SampleKeywordMetrics,
    SampleSerp,
    SampleWebFetcher,
    SampleYouTube,
)
from cylvy_pipeline.providers.sample.faults import LATENCY_ENV_VAR, FaultInjector, parse_fault_spec, parse_latency_ms
from cylvy_pipeline.providers.sample.market import get_market
from cylvy_pipeline.storage.database import product_database_url


class ProjectResource(dg.ConfigurableResource):
    """The client's project folder (project.yaml + keywords.csv); empty means the bundled sample."""

    project_dir: str | None = Field(default=None, description="Project folder; None = the sample project")
    keyword_count: int | None = Field(
        default=None, description="Sample scale knob: replace the keyword list with N generated keywords"
    )

    def load(self) -> Project:
        return _load_project_cached(self.project_dir, self.keyword_count)


@functools.lru_cache(maxsize=8)
def _load_project_cached(project_dir: str | None, keyword_count: int | None) -> Project:
    return load_project(project_dir, keyword_count=keyword_count)


class PostgresResource(dg.ConfigurableResource):
    """The product database. Empty URL = CYLVY_DATABASE_URL, else the embedded server."""

    url: str | None = Field(default=None, description="libpq URL of the product database")

    def connect(self) -> psycopg.Connection:
        """A new connection; the caller closes it (see :meth:`connection` for a ``with`` block)."""
        return psycopg.connect(self.url or product_database_url())

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        with self.connect() as conn:
            yield conn


@dataclass(frozen=True)
class PhaseProviders:
    """The provider clients one phase may call; each counts its calls against that phase's faults."""

    keyword_metrics: KeywordMetricsProvider
    serp: SerpProvider
    youtube: YouTubeProvider
    company_data: CompanyDataProvider
    web: WebFetcher


class SampleMarketResource(dg.ConfigurableResource):
    """The simulated market: deterministic, seeded providers for every external service.

    Fault injection comes from the environment (``CYLVY_SAMPLE_FAULTS="phase=rate,…"``): rate 1.0 makes
    every provider call of that phase fail; lower rates fail calls transiently for retries to absorb.
    """

    seed: int = Field(default=7, description="Seed of the simulated market")
    latency_ms: float = Field(
        default=0.0, ge=0, description="Simulated latency of every provider call (0: CYLVY_SAMPLE_LATENCY_MS, if set)"
    )
    retry_delay_s: float = Field(default=0.05, ge=0, description="Base backoff between per-request retries")

    def for_phase(self, project: Project, phase: str) -> PhaseProviders:
        market = get_market(project, self.seed)
        faults = FaultInjector(phase, parse_fault_spec(os.environ.get("CYLVY_SAMPLE_FAULTS", "")).get(phase, 0.0))
        latency = (self.latency_ms or parse_latency_ms(os.environ.get(LATENCY_ENV_VAR))) / 1000
        return PhaseProviders(
            keyword_metrics=SampleKeywordMetrics(market, faults=faults, latency_s=latency),
            serp=SampleSerp(market, faults=faults, latency_s=latency),
            youtube=SampleYouTube(market, faults=faults, latency_s=latency),
            company_data=SampleCompanyData(market, faults=faults, latency_s=latency),
            web=SampleWebFetcher(market, faults=faults, latency_s=latency),
        )
