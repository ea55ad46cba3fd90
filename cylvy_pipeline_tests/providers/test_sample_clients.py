"""The sample provider clients: the provider interfaces, limits, quota, latency and market mapping."""

from __future__ import annotations

import time

import pytest

from cylvy_pipeline.providers.base import KEYWORD_METRIC_COLUMNS, CompanyProfile, FetchedPage
from cylvy_pipeline.providers.errors import ProviderError, QuotaExhausted
from cylvy_pipeline.providers.sample.clients import (
    SampleCompanyData,
    SampleKeywordMetrics,
    SampleSerp,
    SampleWebFetcher,
    SampleYouTube,
)
from cylvy_pipeline.providers.sample.faults import FaultInjector


def _no_faults(phase: str) -> FaultInjector:
    return FaultInjector(phase, 0.0)


def test_keyword_metrics_client(market, project):
    client = SampleKeywordMetrics(market, faults=_no_faults("keyword_metrics"))
    assert client.max_keywords_per_call == 1000
    keywords = [k.keyword for k in project.keywords]
    frame = client.keyword_metrics(keywords, "DE")
    assert tuple(frame.columns) == KEYWORD_METRIC_COLUMNS and len(frame) == len(keywords)
    assert client.keyword_metrics(keywords, "GB").equals(client.keyword_metrics(keywords, "UK"))
    with pytest.raises(ValueError, match="at most 1000 keywords per call"):
        client.keyword_metrics([f"k{i}" for i in range(1001)], "US")
    assert client.calls == 3


def test_serp_client_maps_gb_to_uk_and_rejects_unknown_markets(market):
    client = SampleSerp(market, faults=_no_faults("serp_collection"))
    uk = client.search("core banking software", "UK", "organic", 10)
    assert client.search("core banking software", "GB", "organic", 10).equals(uk)
    assert client.search("core banking software", "gb", "organic", 10).equals(uk)
    with pytest.raises(ProviderError) as info:
        client.search("core banking software", "XX", "organic", 10)
    assert info.value.transient is False and "unknown market 'XX'" in str(info.value)
    with pytest.raises(ValueError, match="unknown SERP type 'images'"):
        client.search("core banking software", "US", "images", 10)


def test_youtube_client_limits_ids_and_counts_quota_per_call(market):
    client = SampleYouTube(market, faults=_no_faults("youtube_enrichment"))
    assert client.max_ids_per_call == 50
    ids = [v.video_id for v in market.videos]
    assert len(client.videos(ids[:50])) == 50
    with pytest.raises(ValueError, match="at most 50 ids per call, got 51"):
        client.videos(ids[:51])
    with pytest.raises(ValueError, match="at most 50 ids per call, got 51"):
        client.channels(["x"] * 51)
    channels = client.channels([c.channel_id for c in market.channels[:10]])
    assert len(channels) == 10
    assert client.quota_units_used == 2  # rejected requests never reached the API
    assert client.videos(["unknown-id"]).empty
    assert client.quota_units_used == 3

    flaky = SampleYouTube(market, faults=FaultInjector("youtube_enrichment", 1.0))
    with pytest.raises(ProviderError):
        flaky.videos(ids[:5])
    assert flaky.quota_units_used == 1  # a failed call still costs a unit


def test_youtube_quota_limit(market):
    client = SampleYouTube(market, faults=_no_faults("youtube_enrichment"), quota_limit=2)
    ids = [v.video_id for v in market.videos[:3]]
    client.videos(ids)
    client.channels([market.channels[0].channel_id])
    with pytest.raises(QuotaExhausted, match="quota of 2 units is used up"):
        client.videos(ids)
    assert client.quota_units_used == 2


def test_company_data_client(market):
    client = SampleCompanyData(market, faults=_no_faults("company_enrichment_serp"))
    profile = client.company_profile(market.client.domain)
    assert isinstance(profile, CompanyProfile)
    assert profile.name == market.client.name and profile.domain == market.client.domain
    assert profile.source == "sample-company-data"
    assert client.company_profile("unknown-company.example").name is None


def test_web_fetcher_client(market):
    client = SampleWebFetcher(market, faults=_no_faults("content_scraping"))
    page = client.fetch(market.client.homepage_url)
    assert isinstance(page, FetchedPage) and page.status_code == 200
    assert client.fetch("https://unknown-host.example/page").status_code == 404


def test_latency_is_slept_on_every_call(market):
    client = SampleCompanyData(market, faults=_no_faults("company_enrichment_serp"), latency_s=0.02)
    started = time.perf_counter()
    for _ in range(3):
        client.company_profile(market.client.domain)
    assert time.perf_counter() - started >= 0.06
    with pytest.raises(ValueError):
        SampleSerp(market, faults=_no_faults("serp_collection"), latency_s=-1)


def test_clients_are_thin_views_of_one_shared_market(market):
    serp = SampleSerp(market, faults=_no_faults("serp_collection"))
    fetcher = SampleWebFetcher(market, faults=_no_faults("content_scraping"))
    assert serp.market is fetcher.market
    url = serp.search("kyc software", "US", "organic", 10)["url"].iloc[0]
    assert fetcher.fetch(url).status_code in (200, 404, 500)
