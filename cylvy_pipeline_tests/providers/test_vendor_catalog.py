"""One declaration per vendor: a new SERP vendor declared next to the built-in ones is a choice the project
model accepts, is priced by ``estimate`` from its own price table, has its secret asked for at launch, its
settings checked by the loader, and its resource bound — with no other code knowing its name."""

from __future__ import annotations

import math

import dagster as dg
import pandas as pd
import pytest
from pydantic import Field, ValidationError

from cylvy_pipeline.defs.providers import ProviderScope, SerpResource, missing_provider_secrets, provider_resources
from cylvy_pipeline.phases.estimate import CacheState, LatestResults, estimate_market
from cylvy_pipeline.project.model import Providers, providers_model
from cylvy_pipeline.providers.catalog import SAMPLE, VENDORS, VendorCatalog
from cylvy_pipeline.providers.real.rendering import RenderingSettings
from cylvy_pipeline.providers.real.web import HttpWebSettings
from cylvy_pipeline.providers.vendor import CallEstimate, Demand, Vendor, VendorSettings
from cylvy_pipeline_tests.providers.conftest import make_project


class ExampleSerpSettings(VendorSettings):
    base_url: str = "https://serp-api.example/v2"
    price_per_search_usd: float = Field(0.003, ge=0)


#: Ten searches a batched call, priced per search: not DataForSEO's table, not free like the sample.
SEARCHES_PER_CALL = 10


def _example_serp_calls(providers, demand: Demand) -> CallEstimate:
    price = providers.serpexample.price_per_search_usd
    return CallEstimate(math.ceil(demand.count / SEARCHES_PER_CALL), demand.count * price,
                        f"{SEARCHES_PER_CALL} searches a call at ${price:g} a search")


EXAMPLE_SERP = Vendor(
    name="serpexample",
    prices={"serp": _example_serp_calls},
    usage_names="Example SERP API",
    settings_key="serpexample",
    settings_model=ExampleSerpSettings,
    secrets={"api_key": "EXAMPLE_SERP_KEY"},
)
WITH_EXAMPLE = VENDORS.with_vendor(EXAMPLE_SERP)
ExampleProviders = providers_model(WITH_EXAMPLE)

NO_CACHE = CacheState(frozenset(), pd.DataFrame(columns=["status", "http_status", "normalized_url"]), frozenset())


def _project(providers):
    # A project is validated against the built-in vendors; this one carries the extended providers model.
    return make_project().model_copy(update={"providers": providers})


def test_a_second_serp_vendor_is_priced_from_its_own_declaration():
    project = _project(ExampleProviders(serp="serpexample", serpexample={"price_per_search_usd": 0.004}))
    keywords, serp_types = len(project.keywords), len(project.serp_types)
    estimate = estimate_market(project, LatestResults(None, None), NO_CACHE).set_index("phase")

    row = estimate.loc["serp_collection"]
    searches = keywords * serp_types
    assert (row["provider"], row["calls"]) == ("Example SERP API", math.ceil(searches / 10))
    assert row["cost_usd"] == pytest.approx(searches * 0.004)
    assert row["basis"] == f"{keywords} keywords × {serp_types} SERP types; 10 searches a call at $0.004 a search"
    assert estimate.loc["keyword_metrics", "provider"] == "sample keyword metrics"  # the other kinds as chosen


def test_the_same_project_on_dataforseo_is_priced_by_dataforseo_and_on_the_sample_for_free():
    base = make_project()
    searches = len(base.keywords) * len(base.serp_types)
    on_dataforseo = estimate_market(_project(Providers(serp="dataforseo")), LatestResults(None, None), NO_CACHE)
    row = on_dataforseo.set_index("phase").loc["serp_collection"]
    assert (row["provider"], row["calls"]) == ("DataForSEO", searches)
    assert row["cost_usd"] == pytest.approx(searches * 0.002)  # live, the list price
    sample = estimate_market(base, LatestResults(None, None), NO_CACHE).set_index("phase").loc["serp_collection"]
    assert (sample["provider"], sample["calls"], sample["cost_usd"]) == ("sample SERP", searches, 0.0)


def test_the_new_vendor_is_a_choice_with_settings_and_a_secret_asked_for_at_launch(monkeypatch):
    monkeypatch.delenv("EXAMPLE_SERP_KEY", raising=False)
    providers = ExampleProviders(serp="serpexample")
    assert providers.vendor("serp") is EXAMPLE_SERP
    assert providers.serpexample == ExampleSerpSettings()
    assert missing_provider_secrets(providers) == ["providers.serp is serpexample, and EXAMPLE_SERP_KEY is not set"]
    monkeypatch.setenv("EXAMPLE_SERP_KEY", "k")
    assert missing_provider_secrets(providers) == []
    # The built-in model does not know it: a project must not choose a vendor the product cannot call.
    with pytest.raises(ValidationError, match="serpexample"):
        Providers(serp="serpexample")


def test_the_loader_checks_the_new_vendors_api_address():
    providers = ExampleProviders(serp="serpexample", serpexample={"base_url": "serp-api.example/v2"})
    assert WITH_EXAMPLE.config_problems(providers, {"US": "United States"}) == [(
        "providers.serpexample.base_url", "'serp-api.example/v2' is not an http(s) URL",
        "write the API's address, e.g. https://serp-api.example/v2",
    )]


def test_its_resource_is_bound_with_its_secret_once_it_has_one():
    providers = ExampleProviders(serp="serpexample")
    with pytest.raises(ValueError, match="^providers.serp is serpexample, which has no SerpResource$"):
        provider_resources(providers, {})

    class ExampleSerpData(SerpResource):
        vendor = EXAMPLE_SERP
        api_key: str

        def client(self, scope: ProviderScope):
            raise NotImplementedError("not called here")

    bound = provider_resources(providers, {})["serp"]
    assert isinstance(bound, ExampleSerpData)
    assert bound.api_key == dg.EnvVar("EXAMPLE_SERP_KEY")


def test_pages_through_the_rendering_api_are_priced_by_its_credit_table():
    pages = tuple(f"https://{site}/page-{i}" for site in ("spa.example", "plain.example") for i in range(3))
    demand = Demand(len(pages), urls=pages)
    # Every page rendered: 6 pages × 5 credits (JavaScript, rotating proxy) × $0.0002.
    rendered = Providers(web="rendering")
    assert rendered.vendor("web").estimate("web", rendered, demand) == CallEstimate(
        6, pytest.approx(6 * 5 * 0.0002), "5 credits a page at $0.0002 a credit")
    # Direct fetching, with one site's pages (3) through the rendering API on a premium proxy (10 credits).
    routed = Providers(web="http", http=HttpWebSettings(allow_networks=()),
                       rendering=RenderingSettings(domains=("spa.example",), render_js=False, premium_proxy=True))
    assert routed.vendor("web").estimate("web", routed, demand) == CallEstimate(
        6, pytest.approx(3 * 10 * 0.0002),
        "3 through the rendering API (10 credits a page at $0.0002 a credit); retries of failing pages come on top")


def test_a_catalog_refuses_declarations_that_would_collide():
    with pytest.raises(ValueError, match="^two serp vendors are named 'sample'$"):
        VendorCatalog([SAMPLE, Vendor(name="sample", prices={"serp": _example_serp_calls}, usage_names="x")])
    with pytest.raises(ValueError, match=r"^vendor 'shadow': providers.dataforseo is taken$"):
        VENDORS.with_vendor(Vendor(name="shadow", prices={"serp": _example_serp_calls}, usage_names="x",
                                   settings_key="dataforseo", settings_model=ExampleSerpSettings))
    with pytest.raises(ValueError, match="^vendor 'odd': unknown provider kind 'weather'$"):
        Vendor(name="odd", prices={"weather": _example_serp_calls}, usage_names="x")
    with pytest.raises(ValueError, match="^no vendor serves content_analyzer$"):
        VendorCatalog([SAMPLE])
