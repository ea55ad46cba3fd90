"""The interfaces every provider implements, sample or real.

Batch results are pandas DataFrames with the columns named in each method's docstring; a phase relies on
those columns and nothing else. Every method is one provider call (one unit of quota) unless it says
otherwise, and raises :class:`~cylvy_pipeline.providers.errors.ProviderError` on failure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pandas as pd

KEYWORD_METRIC_COLUMNS = (
    "keyword",
    "search_volume",  # Int64, <NA> when the provider has no figure (missing is not zero)
    "competition",  # "LOW" | "MEDIUM" | "HIGH" | <NA>
    "competition_index",  # Int64 0..100 | <NA>
    "low_top_of_page_bid",  # float | NaN
    "high_top_of_page_bid",  # float | NaN
)

SERP_ITEM_COLUMNS = (
    "position",  # int, 1-based rank within this SERP type
    "url",
    "title",
    "snippet",
    "domain",  # host exactly as returned, e.g. "www.acme.example"
    "source",  # publisher for news, channel title for video, <NA> otherwise
    "published_at",  # tz-aware timestamp | NaT
    "video_length_seconds",  # Int64 | <NA> (video only)
)

VIDEO_COLUMNS = (
    "video_id",
    "title",
    "description",
    "channel_id",
    "channel_title",
    "published_at",
    "view_count",  # Int64
    "like_count",  # Int64 | <NA> when hidden
    "comment_count",  # Int64 | <NA> when disabled
    "duration_seconds",  # Int64
)

CHANNEL_COLUMNS = (
    "channel_id",
    "title",
    "description",
    "custom_url",  # e.g. "@acmebank" | <NA>
    "links",  # list[str] of URLs from the channel's about page (may be empty)
)


@dataclass(frozen=True)
class CompanyProfile:
    """What a company-data source knows about the company behind a registrable domain."""

    domain: str
    name: str | None
    industry: str | None
    description: str | None
    employees: int | None
    revenue_usd: float | None
    hq_country: str | None
    source: str
    #: One of SOURCE_TYPES when the source can tell, else None (the phase classifies).
    source_type: str | None = None


SOURCE_TYPES = (
    "OWNED",
    "COMPETITOR",
    "PREMIUM_PUBLISHER",
    "PROFESSIONAL_BODY",
    "EDUCATION",
    "GOVERNMENT",
    "NON_PROFIT",
    "SOCIAL_MEDIA",
    "OTHER",
)


@dataclass(frozen=True)
class ProviderCall:
    """One HTTP request to a provider, as recorded in ``api_usage``."""

    provider: str
    endpoint: str
    status: str  # "ok", "http_<code>", "timeout", "connection_error", "too_large", "refused"
    http_status: int | None
    units: float
    cost_usd: float
    duration_s: float
    at: datetime


#: Receives every provider call (the ``api_usage`` recorder, see storage/usage.py).
UsageCallback = Callable[[ProviderCall], None]


class RateLimit(Protocol):
    """A calls-per-minute limit: :meth:`acquire` returns when the next call may start (the shared one,
    across runs and machines, is :class:`cylvy_pipeline.storage.rate_limits.SharedRateLimiter`)."""

    def acquire(self) -> None: ...


@dataclass(frozen=True)
class FetchedPage:
    url: str
    final_url: str
    status_code: int
    content_type: str  # e.g. "text/html; charset=utf-8", "application/pdf"
    body: bytes


class KeywordMetricsProvider(Protocol):
    max_keywords_per_call: int

    def keyword_metrics(self, keywords: Sequence[str], market: str) -> pd.DataFrame:
        """One row per requested keyword, columns KEYWORD_METRIC_COLUMNS, volumes for ``market``."""


class SerpProvider(Protocol):
    """A SERP source. One that works through a task queue also has ``batches_searches = True`` and
    ``search_many(queries, market, depth)`` (``queries``: (keyword, serp_type) pairs, frames in that
    order), and the phase hands it every SERP at once."""

    def search(self, keyword: str, market: str, serp_type: str, depth: int) -> pd.DataFrame:
        """Top ``depth`` results (columns SERP_ITEM_COLUMNS); an empty frame when there are none."""


class YouTubeProvider(Protocol):
    max_ids_per_call: int  # 50 for the YouTube Data API

    @property
    def quota_units_used(self) -> int:
        """API quota units spent by this client so far (one per call for list endpoints)."""

    def videos(self, video_ids: Sequence[str]) -> pd.DataFrame:
        """Details of up to ``max_ids_per_call`` videos (columns VIDEO_COLUMNS); unknown ids are absent."""

    def channels(self, channel_ids: Sequence[str]) -> pd.DataFrame:
        """Details of up to ``max_ids_per_call`` channels (columns CHANNEL_COLUMNS)."""


class CompanyDataProvider(Protocol):
    def company_profile(self, domain: str) -> CompanyProfile:
        """Profile for a registrable domain; fields the source does not know are None."""


class WebFetcher(Protocol):
    def fetch(self, url: str) -> FetchedPage:
        """GET ``url``. HTTP error statuses are returned, not raised; network failures raise."""
