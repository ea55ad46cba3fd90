"""The rendering scraper API (ScrapingBee's wire format) against a local server, and routing by domain.

The documented response headers and credit table are in fixtures/scrapingbee/ (see fixtures/README.md);
the vendor's refusal bodies are hand-made (its documentation shows their status codes, not their bodies).
"""

from __future__ import annotations

import pydantic
import pytest

from cylvy_pipeline.providers.base import FetchedPage
from cylvy_pipeline.providers.errors import ProviderAuthError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpPolicy, ProviderHttp
from cylvy_pipeline.providers.real.rendering import (
    RenderingSettings,
    RenderingWebFetcher,
    RoutedWebFetcher,
    credits_per_call,
)
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply, Request
from cylvy_pipeline_tests.providers.vendor_fixtures import vendor_json

PAGE = "<html><head><title>Rendered</title></head><body><main><p>" + "Rendered text. " * 20 + "</p></main></body></html>"
#: The rows of ScrapingBee's documented credit table, as the options that choose them.
OPTIONS_BY_FEATURE = {
    "Rotating Proxy without JavaScript rendering": {"render_js": False, "premium_proxy": False},
    "Rotating Proxy with JavaScript rendering (default)": {"render_js": True, "premium_proxy": False},
    "Premium Proxy without JavaScript rendering": {"render_js": False, "premium_proxy": True},
    "Premium Proxy with JavaScript rendering": {"render_js": True, "premium_proxy": True},
    "Stealth Proxy with JavaScript rendering": {"render_js": True, "premium_proxy": False, "stealth_proxy": True},
}


def rendering(server: LocalServer, calls, budget=None, **options) -> RenderingWebFetcher:
    http = ProviderHttp("rendering API", policy=HttpPolicy(timeout_s=2, attempts=2, base_delay_s=0),
                        credential_env="SCRAPINGBEE_API_KEY", usage=calls.append, budget=budget,
                        sleep=lambda s: None)
    return RenderingWebFetcher(http, api_key="sb-key", base_url=server.url + "/api/v1/", price_per_credit_usd=0.001,
                               **options)


def test_a_rendered_page_with_its_own_status_and_cost(server: LocalServer, calls) -> None:
    def answer(request: Request) -> Reply:
        target = request.query["url"][0]
        status = 404 if target.endswith("/gone") else 200
        return Reply(status, PAGE, {"Content-Type": "text/html; charset=utf-8", "Spb-Cost": "5",
                                    "Spb-Resolved-Url": target + "?ref=1"})

    server.route("GET", "/api/v1/", answer)
    fetcher = rendering(server, calls)
    page = fetcher.fetch("https://spa.example/pricing")
    assert server.requests[0].query == {"api_key": ["sb-key"], "url": ["https://spa.example/pricing"],
                                        "render_js": ["true"], "premium_proxy": ["false"],
                                        "transparent_status_code": ["true"]}
    assert (page.status_code, page.final_url, page.content_type) == (
        200, "https://spa.example/pricing?ref=1", "text/html; charset=utf-8")
    assert b"Rendered text." in page.body
    assert fetcher.fetch("https://spa.example/gone").status_code == 404  # the page's answer, recorded as such
    assert [(c.units, round(c.cost_usd, 6)) for c in calls] == [(5.0, 0.005), (5.0, 0.005)]


def test_the_documented_response_headers(server: LocalServer, calls) -> None:
    """ScrapingBee's documented header set: the page's content type is Spb-content-type (the unprefixed
    Content-Type is its own server's), Spb-cost the credits, Spb-resolved-url where the page ended up."""
    server.route("GET", "/api/v1/", Reply(200, PAGE, vendor_json("scrapingbee", "response_headers.json")))
    page = rendering(server, calls).fetch("https://website.example/")
    assert (page.url, page.final_url, page.status_code, page.content_type) == (
        "https://website.example/", "https://www.website.example/", 200, "text/html; charset=utf-8")
    assert page.body == PAGE.encode()
    assert [(c.endpoint, c.status, c.units, round(c.cost_usd, 6)) for c in calls] == [("render", "ok", 5.0, 0.005)]


@pytest.mark.parametrize("row", vendor_json("scrapingbee", "credit_costs.json")["table"],
                         ids=lambda row: row["Feature used"])
def test_the_budget_check_prices_a_call_from_the_documented_credit_table(server: LocalServer, calls,
                                                                         row: dict) -> None:
    options = OPTIONS_BY_FEATURE[row["Feature used"]]
    credits = int(row["API credit cost"])
    assert credits_per_call(**options) == credits
    expected: list[float] = []
    server.route("GET", "/api/v1/", Reply(200, PAGE, {"Spb-cost": row["API credit cost"]}))
    rendering(server, calls, budget=lambda cost, provider: expected.append(round(cost, 6)),
              **options).fetch("https://spa.example/")
    assert expected == [round(credits * 0.001, 6)]  # before the call, at $0.001 a credit
    query = server.requests[0].query
    assert (query["render_js"], query["premium_proxy"], query.get("stealth_proxy")) == (
        [str(options["render_js"]).lower()], [str(options["premium_proxy"]).lower()],
        ["true"] if options.get("stealth_proxy") else None)


def test_the_stealth_proxy_needs_javascript_rendering() -> None:
    with pytest.raises(ValueError) as error:
        credits_per_call(render_js=False, premium_proxy=False, stealth_proxy=True)
    assert str(error.value) == "the stealth proxy works only with JavaScript rendering (render_js)"
    with pytest.raises(pydantic.ValidationError) as invalid:
        RenderingSettings(stealth_proxy=True, render_js=False)
    assert "providers.rendering.stealth_proxy works only with render_js: true" in str(invalid.value)


def test_the_vendors_own_refusals(server: LocalServer, calls) -> None:
    server.route("GET", "/api/v1/", Reply(401, {"message": "Invalid api key"}))
    with pytest.raises(ProviderAuthError) as error:
        rendering(server, calls).fetch("https://spa.example/")
    assert str(error.value) == "rendering API refused the API key (HTTP 401); check SCRAPINGBEE_API_KEY"
    server.route("GET", "/api/v1/", Reply(402, {"message": "No more credits"}))
    with pytest.raises(QuotaExhausted):
        rendering(server, calls).fetch("https://spa.example/")
    assert "sb-key" not in " ".join(c.endpoint for c in calls)


class Recorded:
    def __init__(self, name: str):
        self.name, self.urls = name, []

    def fetch(self, url: str) -> FetchedPage:
        self.urls.append(url)
        return FetchedPage(url, url, 200, "text/html", self.name.encode())


def test_only_the_listed_sites_go_through_the_rendering_api() -> None:
    direct, rendered = Recorded("direct"), Recorded("rendered")
    routed = RoutedWebFetcher(direct, rendered, ["www.spa.example", "app.co.uk.example"])
    for url in ("https://spa.example/a", "https://blog.spa.example/b", "https://app.co.uk.example/c",
                "https://static.example/d", "not a url"):
        routed.fetch(url)
    assert rendered.urls == ["https://spa.example/a", "https://blog.spa.example/b", "https://app.co.uk.example/c"]
    assert direct.urls == ["https://static.example/d", "not a url"]


def test_rendering_needs_its_key_whenever_it_is_used(monkeypatch) -> None:
    from cylvy_pipeline.defs.providers import missing_provider_secrets
    from cylvy_pipeline.project.model import Providers

    monkeypatch.delenv("SCRAPINGBEE_API_KEY", raising=False)
    assert missing_provider_secrets(Providers(web="http")) == []
    assert missing_provider_secrets(Providers(web="http", rendering=RenderingSettings(domains=("spa.example",)))) == [
        "providers.rendering.domains lists sites to render, and SCRAPINGBEE_API_KEY is not set"
    ]
    assert missing_provider_secrets(Providers(web="rendering")) == [
        "providers.web is rendering, and SCRAPINGBEE_API_KEY is not set"
    ]
    monkeypatch.setenv("SCRAPINGBEE_API_KEY", "sb-key")
    assert missing_provider_secrets(Providers(web="rendering")) == []
