"""People Data Labs' Company Enrichment API (the paid company-data source) against a local server speaking
its wire format: what a match becomes, no match, a refused key, spent credits, rate limiting, outages and
a malformed answer, each with the exact calls made and the ``api_usage`` rows they leave. The documented
match, no-match and rate-limit bodies are in fixtures/peopledatalabs/ (see fixtures/README.md); QUORVANE and
the 401/402/5xx bodies are hand-made in the documented shape."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from datetime import UTC, datetime

import pandas as pd
import psycopg
import pytest

from cylvy_pipeline.defs.providers import (
    PeopleDataLabsCompanyDataSource,
    ProviderScope,
    missing_provider_secrets,
    provider_resources,
)
from cylvy_pipeline.phases.company_enrichment import PROFILE_COLUMNS, enrich_serp_companies, fetch_missing_profiles
from cylvy_pipeline.phases.estimate import CacheState, LatestResults, estimate_market
from cylvy_pipeline.project.model import Project, Providers
from cylvy_pipeline.providers.base import CompanyProfile
from cylvy_pipeline.providers.errors import BudgetExceeded, ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpPolicy, ProviderHttp
from cylvy_pipeline.providers.real.peopledatalabs import (
    PeopleDataLabsCompanyData,
    PeopleDataLabsSettings,
    country_code,
    profile_from_record,
    revenue_usd,
)
from cylvy_pipeline.storage import caches
from cylvy_pipeline.storage.usage import UsageLog
from cylvy_pipeline_tests.providers.conftest import make_project
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply, Request
from cylvy_pipeline_tests.providers.vendor_fixtures import vendor_json

ENRICH = "/v5/company/enrich"
PRICE = 0.28
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)

#: A match, as PDL answers it: the record's fields at the top level, names in lower case, a display name.
QUORVANE = {
    "status": 200, "likelihood": 8, "id": "qV3nT8xLw2PzR5kYh7Jd0aFs1GcB", "name": "quorvane systems",
    "display_name": "Quorvane Systems", "size": "201-500", "employee_count": 312, "founded": 2009,
    "industry": "computer software", "inferred_revenue": "$25M-$50M",
    "location": {"name": "leeds, england, united kingdom", "locality": "leeds", "region": "england",
                 "metro": None, "country": "united kingdom", "continent": "europe"},
    "linkedin_url": "linkedin.com/company/quorvane-systems", "website": "quorvane.example", "type": "private",
    "summary": "quorvane systems builds core banking software for credit unions and community banks.",
    "tags": ["core banking", "credit unions"],
}
NO_PROFILES = pd.DataFrame(columns=list(PROFILE_COLUMNS))
NOT_FOUND = vendor_json("peopledatalabs", "company_enrich_404.json")


def pdl_error(status: int, kind: str, message: str) -> dict:
    return {"status": status, "error": {"type": kind, "message": message}}


def matched(record: dict) -> Reply:
    return Reply(200, record, {"x-call-credits-spent": "1", "x-call-credits-type": "enrich_company"})


@pytest.fixture
def execution_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def usage(database_urls, execution_id):
    """The phase's ``api_usage`` log (a fresh execution), as the provider scope gives it to adapters."""
    with UsageLog(lambda: psycopg.connect(database_urls.product), execution_id=execution_id, market="US",
                  phase="company_enrichment_serp") as log:
        yield log


@pytest.fixture
def api_usage(usage, execution_id, product_db):
    """The execution's ``api_usage`` rows so far: (endpoint, status, http_status, units, cost)."""

    def rows() -> list[tuple]:
        usage.flush()
        return [(endpoint, status, http_status, float(units), round(float(cost), 6))
                for endpoint, status, http_status, units, cost in product_db.execute(
                    "SELECT endpoint, status, http_status, units, cost_usd FROM api_usage "
                    "WHERE pipeline_execution_id = %s ORDER BY id", (execution_id,))]

    return rows


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def pdl(server: LocalServer, usage: UsageLog, sleeps: list[float]):
    http = ProviderHttp("People Data Labs", policy=HttpPolicy(timeout_s=2, attempts=4, base_delay_s=0.01),
                        credential_env="PDL_API_KEY", usage=usage, budget=usage.check_budget, sleep=sleeps.append)
    with http:
        yield PeopleDataLabsCompanyData(http, api_key="pdl-test-key", base_url=server.url + "/v5",
                                        min_likelihood=6, price_per_match_usd=PRICE)


def test_a_match_becomes_a_profile_and_costs_one_match(server: LocalServer, pdl, api_usage, product_db) -> None:
    server.route("GET", ENRICH, matched(QUORVANE))
    profile = pdl.company_profile("quorvane.example")
    # $25M-$50M -> the middle, $37.5M; "united kingdom" -> GB; "private" says nothing about the kind of site.
    assert profile == CompanyProfile(
        domain="quorvane.example", name="Quorvane Systems", industry="computer software",
        description="quorvane systems builds core banking software for credit unions and community banks.",
        employees=312, revenue_usd=37_500_000.0, hq_country="GB", source="People Data Labs", source_type=None,
    )
    (request,) = server.requests
    assert request.query == {"website": ["quorvane.example"], "min_likelihood": ["6"]}
    assert request.headers["X-Api-Key"] == "pdl-test-key"  # in a header, never in the URL
    assert api_usage() == [("company/enrich", "ok", 200, 1.0, PRICE)]


def test_the_documented_match_becomes_a_profile(server: LocalServer, pdl, api_usage, product_db) -> None:
    """PDL's full example response: no display_name and no inferred_revenue in it, a public company."""
    server.route("GET", ENRICH, matched(vendor_json("peopledatalabs", "company_enrich_200.json")))
    assert pdl.company_profile("brackwell.example") == CompanyProfile(
        domain="brackwell.example", name="Brackwell", industry="internet",
        description="brackwell\u2019s mission is to make every bank\u2018s ledger open and easy to build on. since our "
                    "founding in 1998, brackwell has grown from one core banking product to dozens of "
                    "services\u2014including payments, lending and data platforms\u2014for banks of every size.",
        employees=260979, revenue_usd=None, hq_country="US", source="People Data Labs", source_type=None,
    )
    assert api_usage() == [("company/enrich", "ok", 200, 1.0, PRICE)]


def test_without_a_display_name_the_name_is_capitalised_and_public_bodies_get_their_source_type() -> None:
    record = {"name": "northmere banking standards office", "display_name": None, "industry": "government administration",
              "employee_count": None, "inferred_revenue": None, "type": "government", "summary": None,
              "location": {"country": "germany"}}
    assert profile_from_record("northmere-bso.example", record) == CompanyProfile(
        "northmere-bso.example", "Northmere Banking Standards Office", "government administration", None, None, None,
        "DE", "People Data Labs", "GOVERNMENT")
    assert profile_from_record("x.example", {"type": "educational"}).source_type == "EDUCATION"
    assert profile_from_record("x.example", {"type": "nonprofit"}).source_type == "NON_PROFIT"
    assert profile_from_record("x.example", {"type": "public_subsidiary", "location": None}).source_type is None
    assert profile_from_record("x.example", {"employee_count": "1,200"}).employees is None  # not PDL's format


@pytest.mark.parametrize(("inferred", "usd"), [("$0-$1M", 500_000.0), ("$1M-$10M", 5_500_000.0),
                                               ("$50M-$100M", 75_000_000.0), ("$1B-$10B", 5_500_000_000.0),
                                               ("$10B+", 10_000_000_000.0), ("about $5M", None), (None, None)])
def test_revenue_ranges_as_one_figure(inferred, usd) -> None:
    assert revenue_usd(inferred) == usd


@pytest.mark.parametrize(("name", "code"), [("united states", "US"), ("united kingdom", "GB"), ("germany", "DE"),
                                            ("czechia", "CZ"), ("côte d’ivoire", "CI"), ("the gambia", "GM"),
                                            ("saint kitts and nevis", "KN"), ("turkey", "TR"), ("atlantis", None)])
def test_pdl_country_names_as_iso_codes(name, code) -> None:
    assert country_code(name) == code


def test_no_match_is_no_record_free_and_cached_like_any_answer(server: LocalServer, pdl, api_usage, product_db) -> None:
    domain = f"unlisted-{uuid.uuid4().hex[:8]}.example"
    server.route("GET", ENRICH, Reply(404, NOT_FOUND, {"x-call-credits-spent": "0"}))
    assert pdl.company_profile(domain) == CompanyProfile(domain, None, None, None, None, None, None, "People Data Labs")
    assert len(server.requests) == 1  # not retried
    assert api_usage() == [("company/enrich", "http_404", 404, 0.0, 0.0)]  # a no-match is free

    # The phase names it from its domain and caches the answer, so the next execution does not ask again.
    serp = pd.DataFrame({"serp_type": ["organic"], "domain": [f"www.{domain}"]})
    project = make_project()
    first = enrich_serp_companies(serp, project, caches.fresh_company_profiles(product_db, 30), pdl, now=NOW)
    (row,) = first.cache_updates["company_profiles"].to_dict("records")
    assert (row["source"], row["confidence"]) == ("People Data Labs (no record; named from domain)", 0.3)
    with product_db.transaction():
        caches.upsert_cache(product_db, "company_profiles", first.cache_updates["company_profiles"])
    second = enrich_serp_companies(serp, project, caches.fresh_company_profiles(product_db, 30), pdl, now=NOW)
    assert second.result["provider_calls"] == 0 and second.result["cache_hits"] == 1
    assert len(server.requests) == 2  # the adapter's own call and the first phase run's; none after


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_names_the_variable_and_stops_the_lookups(server: LocalServer, pdl, api_usage, product_db,
                                                                 status: int) -> None:
    server.route("GET", ENRICH, Reply(status, pdl_error(status, "authentication_error",
                                                         "Request contained a missing or invalid key")))
    with pytest.raises(ProviderAuthError) as error:
        fetch_missing_profiles(["a.example", "b.example", "c.example"], NO_PROFILES, pdl, {}, now=NOW, retry_delay_s=0)
    assert str(error.value) == (f"People Data Labs refused the API key (HTTP {status} authentication_error: Request "
                                "contained a missing or invalid key); check PDL_API_KEY")
    assert [r.query["website"] for r in server.requests] == [["a.example"]]  # not retried, no further domain
    assert api_usage() == [("company/enrich", f"http_{status}", status, 0.0, 0.0)]


def test_spent_credits_are_a_final_error_saying_so(server: LocalServer, pdl, api_usage, product_db) -> None:
    server.route("GET", ENRICH, Reply(402, pdl_error(402, "payment_required",
                                                     "You have hit your account maximum (all matches used)")))
    with pytest.raises(QuotaExhausted) as error:
        fetch_missing_profiles(["a.example", "b.example"], NO_PROFILES, pdl, {}, now=NOW, retry_delay_s=0)
    assert str(error.value) == (
        "People Data Labs has no credits left for company enrichment (HTTP 402 payment_required: You have hit your "
        "account maximum (all matches used)): add credits to the account or wait for the plan to renew, then "
        "re-execute from failure")
    assert not error.value.transient  # the phase fails at once, without its retry policy
    assert len(server.requests) == 1
    assert api_usage() == [("company/enrich", "http_402", 402, 0.0, 0.0)]


def test_a_rate_limit_waits_as_long_as_retry_after_says(server: LocalServer, pdl, api_usage, product_db, sleeps) -> None:
    server.route("GET", ENRICH, Reply(429, vendor_json("peopledatalabs", "error_429.json"), {"Retry-After": "3"}),
                 matched(QUORVANE))
    assert pdl.company_profile("quorvane.example").name == "Quorvane Systems"
    assert sleeps == [3.0] and len(server.requests) == 2
    assert api_usage() == [("company/enrich", "http_429", 429, 0.0, 0.0),
                                             ("company/enrich", "ok", 200, 1.0, PRICE)]


def test_a_burst_of_server_errors_is_retried_then_fails_the_phase_as_transient(server: LocalServer, pdl, api_usage,
                                                                               product_db, sleeps) -> None:
    outage = pdl_error(503, "api_error", "The server encountered an unexpected condition")
    server.route("GET", ENRICH, Reply(500, outage), Reply(502, outage), Reply(503, outage), Reply(503, outage))
    with pytest.raises(ProviderError) as error:
        fetch_missing_profiles(["quorvane.example"], NO_PROFILES, pdl, {}, now=NOW, retry_delay_s=0)
    assert str(error.value) == (
        "company profile for quorvane.example failed: People Data Labs company/enrich answered HTTP 503 api_error: "
        "The server encountered an unexpected condition after 4 tries")
    assert error.value.transient  # the phase's retry policy may try again later
    assert len(server.requests) == 4 and len(sleeps) == 3  # the HTTP layer's tries, not multiplied by the phase's
    assert api_usage() == [("company/enrich", f"http_{s}", s, 0.0, 0.0) for s in (500, 502, 503, 503)]


def test_a_short_outage_is_absorbed(server: LocalServer, pdl, api_usage, product_db) -> None:
    server.route("GET", ENRICH, Reply(500), Reply(503), matched(QUORVANE))
    assert pdl.company_profile("quorvane.example").employees == 312
    assert api_usage() == [("company/enrich", "http_500", 500, 0.0, 0.0),
                                             ("company/enrich", "http_503", 503, 0.0, 0.0),
                                             ("company/enrich", "ok", 200, 1.0, PRICE)]


def test_a_malformed_answer_fails_without_retry_and_is_still_recorded_as_paid(server: LocalServer, pdl, api_usage,
                                                                              product_db) -> None:
    server.route("GET", ENRICH, Reply(200, '{"status": 200, "name": "quorvane', {"x-call-credits-spent": "1"}))
    with pytest.raises(ProviderError) as error:
        pdl.company_profile("quorvane.example")
    assert str(error.value) == (f"People Data Labs answered {server.url}{ENRICH} with malformed JSON (Unterminated "
                                "string starting at: line 1 column 25 (char 24))")
    assert not error.value.transient and len(server.requests) == 1
    assert api_usage() == [("company/enrich", "ok", 200, 1.0, PRICE)]  # PDL counted a credit
    server.route("GET", ENRICH, Reply(200, ["not", "a", "record"]))
    with pytest.raises(ProviderError) as error:
        pdl.company_profile("quorvane.example")
    assert str(error.value) == "People Data Labs company/enrich answered with list, not a company record"


def test_a_lookup_that_would_pass_the_budget_is_not_made(server: LocalServer, database_urls, product_db) -> None:
    with UsageLog(lambda: psycopg.connect(database_urls.product), execution_id=str(uuid.uuid4()), market="US",
                  phase="company_enrichment_serp", budget_usd=0.5) as usage:
        http = ProviderHttp("People Data Labs", usage=usage, budget=usage.check_budget)
        adapter = PeopleDataLabsCompanyData(http, api_key="k", base_url=server.url + "/v5", price_per_match_usd=PRICE)
        server.route("GET", ENRICH, matched(QUORVANE))
        adapter.company_profile("quorvane.example")
        with pytest.raises(BudgetExceeded) as error:
            adapter.company_profile("other.example")
    assert str(error.value) == (
        "company_enrichment_serp stopped before a People Data Labs call that would take the execution past its "
        "budget: $0.2800 spent of $0.50, the call costs about $0.2800 — raise providers.max_cost_usd in project.yaml "
        "and re-execute from failure")
    assert len(server.requests) == 1


def test_chosen_in_project_yaml_with_its_key_from_the_environment(server: LocalServer, monkeypatch) -> None:
    monkeypatch.delenv("PDL_API_KEY", raising=False)
    providers = Providers(company_data="peopledatalabs",
                          peopledatalabs=PeopleDataLabsSettings(base_url=server.url + "/v5", price_per_match_usd=PRICE))
    assert missing_provider_secrets(providers) == ["providers.company_data is peopledatalabs, and PDL_API_KEY is not set"]
    bound = provider_resources(providers, {})["company_data"]
    assert isinstance(bound, PeopleDataLabsCompanyDataSource)

    monkeypatch.setenv("PDL_API_KEY", "pdl-from-env")
    assert missing_provider_secrets(providers) == []
    project: Project = make_project().model_copy(update={"providers": providers})
    resource = PeopleDataLabsCompanyDataSource(api_key="pdl-from-env")
    seen: list[Request] = []
    server.route("GET", ENRICH, lambda request: seen.append(request) or matched(QUORVANE))
    with ExitStack() as closing:
        client = resource.client(ProviderScope(project, "company_enrichment_serp", None, closing))
        assert client.company_profile("quorvane.example").name == "Quorvane Systems"
    assert seen[0].headers["X-Api-Key"] == "pdl-from-env" and "min_likelihood" not in seen[0].query
    assert resource.concurrency(ProviderScope(project, "company_enrichment_serp", None, ExitStack())) == 8


def test_estimate_prices_the_lookups_as_if_every_one_matched() -> None:
    project = make_project().model_copy(update={"providers": Providers(
        company_data="peopledatalabs", peopledatalabs=PeopleDataLabsSettings(price_per_match_usd=PRICE))})
    serps = pd.DataFrame({"serp_type": ["organic", "organic", "news", "organic", "video"],
                          "domain": ["www.quorvane.example", "blog.quorvane.example", "gazette.example",
                                     "brackwell.example", "www.youtube.com"],
                          "url": ["https://www.quorvane.example/a", "https://blog.quorvane.example/b",
                                  "https://gazette.example/c", "https://brackwell.example/d",
                                  "https://www.youtube.com/watch?v=v0000000001"]})
    cache = CacheState(profile_domains=frozenset({"gazette.example"}),
                       page_fetches=pd.DataFrame(columns=["normalized_url", "status", "http_status"]),
                       resolved_channels=frozenset())
    estimate = estimate_market(project, LatestResults(serps, None), cache).set_index("phase")
    row = estimate.loc["company_enrichment_serp"]
    # quorvane.example and brackwell.example have no fresh profile: two lookups at $0.28 at most.
    assert (row["provider"], row["calls"], round(row["cost_usd"], 6)) == ("People Data Labs", 2, 0.56)
    assert row["basis"] == ("3 domains in the latest SERPs, 1 with a fresh profile; at most $0.28 a lookup, charged "
                            "only for a match")
