"""CYLVY_SAMPLE_FAULTS parsing and the fault injector the sample providers call on every request."""

from __future__ import annotations

import pytest

from cylvy_pipeline.providers.errors import ProviderError
from cylvy_pipeline.providers.retry import call_with_retries
from cylvy_pipeline.providers.sample.clients import (
    SampleCompanyData,
    SampleKeywordMetrics,
    SampleSerp,
    SampleWebFetcher,
    SampleYouTube,
)
from cylvy_pipeline.providers.sample.faults import FaultInjector, fault_injector_from_env, parse_fault_spec

ALL_PHASES = (
    "keyword_metrics, serp_collection, company_enrichment_serp, youtube_enrichment, content_scraping, "
    "company_enrichment_youtube, content_analysis, dsi_calculation"
)


def test_parse_fault_spec_accepts_phase_rate_pairs():
    assert parse_fault_spec("") == {}
    assert parse_fault_spec("   ") == {}
    assert parse_fault_spec("company_enrichment_serp=1.0") == {"company_enrichment_serp": 1.0}
    assert parse_fault_spec(" content_scraping = 0.2 , serp_collection=1,youtube_enrichment=0 ,") == {
        "content_scraping": 0.2,
        "serp_collection": 1.0,
        "youtube_enrichment": 0.0,
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("serp=0.5", f"CYLVY_SAMPLE_FAULTS: unknown phase 'serp' — use one of {ALL_PHASES}"),
        ("content_analysis=1.0", "CYLVY_SAMPLE_FAULTS: content_analysis calls no provider, so no fault can be "
         "injected there — use one of keyword_metrics, serp_collection, company_enrichment_serp, "
         "youtube_enrichment, content_scraping, company_enrichment_youtube"),
        (
            "content_scraping=1.5",
            "CYLVY_SAMPLE_FAULTS: rate for 'content_scraping' must be a number between 0 and 1, got '1.5'",
        ),
        (
            "content_scraping=-0.1",
            "CYLVY_SAMPLE_FAULTS: rate for 'content_scraping' must be a number between 0 and 1, got '-0.1'",
        ),
        (
            "content_scraping=lots",
            "CYLVY_SAMPLE_FAULTS: rate for 'content_scraping' must be a number between 0 and 1, got 'lots'",
        ),
        (
            "content_scraping=nan",
            "CYLVY_SAMPLE_FAULTS: rate for 'content_scraping' must be a number between 0 and 1, got 'nan'",
        ),
        (
            "content_scraping",
            "CYLVY_SAMPLE_FAULTS: expected phase=rate, got 'content_scraping' — "
            "e.g. CYLVY_SAMPLE_FAULTS=content_scraping=0.2",
        ),
        (
            "content_scraping=",
            "CYLVY_SAMPLE_FAULTS: expected phase=rate, got 'content_scraping=' — "
            "e.g. CYLVY_SAMPLE_FAULTS=content_scraping=0.2",
        ),
        (
            "keyword_metrics=0.1,keyword_metrics=0.2",
            "CYLVY_SAMPLE_FAULTS: phase 'keyword_metrics' is given twice — give each phase once",
        ),
    ],
)
def test_parse_fault_spec_rejects_bad_input_with_one_helpful_line(spec, message):
    with pytest.raises(ValueError) as info:
        parse_fault_spec(spec)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_injector_at_rate_one_always_fails_transiently_with_a_clear_message():
    faults = FaultInjector("company_enrichment_serp", 1.0)
    for _ in range(50):
        with pytest.raises(ProviderError) as info:
            faults.maybe_fail("company data")
        assert info.value.transient is True
        assert str(info.value) == (
            "simulated outage of the company data provider (CYLVY_SAMPLE_FAULTS company_enrichment_serp=1.0)"
        )
    assert faults.failures == 50


def test_injector_at_rate_zero_never_fails():
    faults = FaultInjector("content_scraping", 0.0)
    for _ in range(1000):
        faults.maybe_fail("web")
    assert faults.failures == 0


def _failures(faults: FaultInjector, calls: int) -> list[bool]:
    outcomes = []
    for _ in range(calls):
        try:
            faults.maybe_fail("web")
            outcomes.append(False)
        except ProviderError:
            outcomes.append(True)
    return outcomes


def test_injector_fails_about_rate_of_calls_and_is_reproducible_with_a_seed():
    first = _failures(FaultInjector("content_scraping", 0.3, rng_seed=42), 1000)
    assert 0.25 <= sum(first) / 1000 <= 0.35
    assert _failures(FaultInjector("content_scraping", 0.3, rng_seed=42), 1000) == first
    assert _failures(FaultInjector("content_scraping", 0.3, rng_seed=43), 1000) != first


def test_injector_without_seed_is_random():
    runs = {tuple(_failures(FaultInjector("content_scraping", 0.5), 64)) for _ in range(3)}
    assert len(runs) > 1


@pytest.mark.parametrize(("phase", "rate"), [("scraping", 0.1), ("content_scraping", 1.1), ("content_scraping", -1)])
def test_injector_validates_its_arguments(phase, rate):
    with pytest.raises(ValueError, match="CYLVY_SAMPLE_FAULTS"):
        FaultInjector(phase, rate)


def test_injector_from_environment():
    env = {"CYLVY_SAMPLE_FAULTS": "content_scraping=1,serp_collection=0.5"}
    assert fault_injector_from_env("content_scraping", env).rate == 1.0
    assert fault_injector_from_env("serp_collection", env).rate == 0.5
    assert fault_injector_from_env("keyword_metrics", env).rate == 0.0
    assert fault_injector_from_env("keyword_metrics", {}).rate == 0.0
    with pytest.raises(ValueError, match="unknown phase 'serp'"):
        fault_injector_from_env("keyword_metrics", {"CYLVY_SAMPLE_FAULTS": "serp=1"})


def test_every_sample_provider_call_goes_through_the_injector(market):
    video_id = market.videos[0].video_id
    channel_id = market.channels[0].channel_id
    calls = [
        (
            SampleKeywordMetrics, "keyword_metrics", "keyword metrics",
            lambda c: c.keyword_metrics(["kyc software"], "US"),
        ),
        (SampleSerp, "serp_collection", "SERP", lambda c: c.search("kyc software", "US", "organic", 10)),
        (SampleYouTube, "youtube_enrichment", "YouTube", lambda c: c.videos([video_id])),
        (SampleYouTube, "youtube_enrichment", "YouTube", lambda c: c.channels([channel_id])),
        (SampleCompanyData, "company_enrichment_serp", "company data", lambda c: c.company_profile("x.example")),
        (SampleWebFetcher, "content_scraping", "web", lambda c: c.fetch(market.client.homepage_url)),
    ]
    for cls, phase, what, call in calls:
        client = cls(market, faults=FaultInjector(phase, 1.0))
        for _ in range(3):
            with pytest.raises(ProviderError, match=f"simulated outage of the {what} provider"):
                call(client)
        assert client.faults.failures == 3
        healthy = cls(market, faults=FaultInjector(phase, 0.0))
        call(healthy)  # the same call succeeds without faults


def test_per_request_retries_absorb_partial_faults(market):
    serp = SampleSerp(market, faults=FaultInjector("serp_collection", 0.3, rng_seed=1))
    sleeps: list[float] = []
    frames = [
        call_with_retries(
            lambda k=k: serp.search(k, "US", "organic", 10), describe=f"SERP {k}", attempts=8, sleep=sleeps.append
        )
        for k in ("kyc software", "core banking system", "loan origination software") * 10
    ]
    assert all(len(frame) == 10 for frame in frames)
    assert serp.faults.failures > 0 and len(sleeps) == serp.faults.failures
