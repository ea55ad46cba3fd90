"""The sample providers: the interfaces of :mod:`cylvy_pipeline.providers.base` over a SimulatedMarket.

Every client takes ``(market, *, faults, latency_s=0.0)``. Each call sleeps ``latency_s`` (simulated
network time), then asks ``faults`` whether this call fails (a transient
:class:`~cylvy_pipeline.providers.errors.ProviderError`), then answers from the market. Request
validation (too many ids, unknown market) happens before either, like a client library would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd

from cylvy_pipeline.providers.base import CompanyProfile, FetchedPage, ProviderCall, RateLimit, UsageCallback
from cylvy_pipeline.providers.errors import ProviderError, QuotaExhausted
from cylvy_pipeline.providers.sample.faults import FaultInjector
from cylvy_pipeline.providers.sample.market import SimulatedMarket, canonical_market


class _SampleClient:
    #: Provider name used in fault messages ("simulated outage of the <what> provider ...").
    what = "sample"

    def __init__(self, market: SimulatedMarket, *, faults: FaultInjector, latency_s: float = 0.0,
                 usage: UsageCallback | None = None, rate: RateLimit | None = None):
        if latency_s < 0:
            raise ValueError(f"latency_s must be >= 0, got {latency_s}")
        self.market = market
        self.faults = faults
        self.latency_s = float(latency_s)
        self.usage = usage
        self.rate = rate  # the simulated vendor's calls-per-minute limit, shared like a real one
        self._calls = 0
        self._calls_lock = threading.Lock()

    @property
    def calls(self) -> int:
        """Provider calls made through this client (including failed ones)."""
        return self._calls

    def _call(self, endpoint: str, units: float = 1.0) -> None:
        if self.rate is not None:
            self.rate.acquire()
        with self._calls_lock:
            self._calls += 1
        started = time.monotonic()
        if self.latency_s:
            time.sleep(self.latency_s)
        try:
            self.faults.maybe_fail(self.what)
        except ProviderError:
            self._record(endpoint, "error", 0.0, started)
            raise
        self._record(endpoint, "ok", units, started)

    def _record(self, endpoint: str, status: str, units: float, started: float) -> None:
        if self.usage is not None:  # the simulated market charges nothing
            self.usage(ProviderCall(f"sample {self.what}", endpoint, status, None, units, 0.0,
                                    time.monotonic() - started, datetime.now(UTC)))

    def _market(self, market: str) -> str:
        try:
            return canonical_market(market)
        except ValueError as error:
            raise ProviderError(f"{self.what} provider: {error}", transient=False) from None


class SampleKeywordMetrics(_SampleClient):
    """Keyword volumes, competition and bids per market (a DataForSEO-style keyword endpoint)."""

    what = "keyword metrics"
    max_keywords_per_call = 1000

    def keyword_metrics(self, keywords: Sequence[str], market: str) -> pd.DataFrame:
        if len(keywords) > self.max_keywords_per_call:
            raise ValueError(
                f"at most {self.max_keywords_per_call} keywords per call, got {len(keywords)} — batch them"
            )
        m = self._market(market)
        self._call("keyword_metrics", units=len(keywords))
        return self.market.keyword_metrics(keywords, m)


class SampleSerp(_SampleClient):
    """Ranked organic, news and video results. Market "GB" is the product's "UK"."""

    what = "SERP"

    def search(self, keyword: str, market: str, serp_type: str, depth: int) -> pd.DataFrame:
        m = self._market("UK" if str(market).strip().upper() == "GB" else market)
        self._call(f"serp/{serp_type}")
        return self.market.serp(keyword, m, serp_type, depth)


class SampleYouTube(_SampleClient):
    """Video and channel details, at most 50 ids per call, one quota unit per call.

    ``quota_limit`` (optional) simulates a daily quota: once that many units are used, calls raise
    :class:`~cylvy_pipeline.providers.errors.QuotaExhausted`.
    """

    what = "YouTube"
    max_ids_per_call = 50

    def __init__(
        self,
        market: SimulatedMarket,
        *,
        faults: FaultInjector,
        latency_s: float = 0.0,
        quota_limit: int | None = None,
        usage: UsageCallback | None = None,
        rate: RateLimit | None = None,
    ):
        super().__init__(market, faults=faults, latency_s=latency_s, usage=usage, rate=rate)
        self.quota_limit = quota_limit
        self._units = 0

    @property
    def quota_units_used(self) -> int:
        return self._units

    def _spend(self, ids: Sequence[str], endpoint: str) -> None:
        if isinstance(ids, str):
            raise TypeError(f"{endpoint}() takes a sequence of ids, not a single string")
        if len(ids) > self.max_ids_per_call:
            raise ValueError(
                f"YouTube {endpoint}.list takes at most {self.max_ids_per_call} ids per call, got {len(ids)}"
            )
        with self._calls_lock:
            if self.quota_limit is not None and self._units >= self.quota_limit:
                raise QuotaExhausted(f"YouTube quota of {self.quota_limit} units is used up")
            self._units += 1  # a list call costs one unit, whether or not it then fails
        self._call(f"{endpoint}.list")

    def videos(self, video_ids: Sequence[str]) -> pd.DataFrame:
        self._spend(video_ids, "videos")
        return self.market.video_details(video_ids)

    def channels(self, channel_ids: Sequence[str]) -> pd.DataFrame:
        self._spend(channel_ids, "channels")
        return self.market.channel_details(channel_ids)


class SampleCompanyData(_SampleClient):
    """Company profiles by registrable domain; ~10% of non-project domains are unknown (fields None)."""

    what = "company data"

    def company_profile(self, domain: str) -> CompanyProfile:
        self._call("company_profile")
        return self.market.company_profile(domain)


class SampleWebFetcher(_SampleClient):
    """Serves the simulated web: page HTML or PDF bytes; 404/500 as statuses; unknown hosts → 404."""

    what = "web"

    def fetch(self, url: str) -> FetchedPage:
        self._call("page")
        return self.market.fetch(url)
