"""Company data read from homepages: the markup rules by hand, then the adapter against a local server."""

from __future__ import annotations

import json

import pytest

from cylvy_pipeline.providers.base import CompanyProfile
from cylvy_pipeline.providers.http import AddressGuard, HttpPolicy, ProviderHttp
from cylvy_pipeline.providers.real.homepage import HomepageCompanyData, profile_from_homepage
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply


def homepage(*, head: str = "", lang: str = "en", ld: object | None = None) -> bytes:
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld is not None else ""
    return f'<html lang="{lang}"><head>{head}{script}</head><body><h1>Welcome</h1></body></html>'.encode()


def test_an_organization_block_says_most() -> None:
    ld = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebSite", "name": "Ledgerline website"},
        {"@type": "Corporation", "name": "Ledgerline Ltd", "description": "Cloud banking software.",
         "numberOfEmployees": {"@type": "QuantitativeValue", "value": "1,200"},
         "address": {"@type": "PostalAddress", "addressCountry": "UK"},
         "sameAs": ["https://prolink-network.example/company/ledgerline"]},
    ]}
    profile = profile_from_homepage("ledgerline.example", homepage(ld=ld, head='<meta name="description" content="x">'))
    assert profile == CompanyProfile("ledgerline.example", "Ledgerline Ltd", None, "Cloud banking software.", 1200,
                                     None, "GB", "homepage", None)


@pytest.mark.parametrize(
    ("schema_type", "source_type"),
    [("GovernmentOrganization", "GOVERNMENT"), ("CollegeOrUniversity", "EDUCATION"), ("NGO", "NON_PROFIT"),
     ("NewsMediaOrganization", "PREMIUM_PUBLISHER"), ("Corporation", None)],
)
def test_the_schema_type_establishes_the_source_type(schema_type: str, source_type: str | None) -> None:
    profile = profile_from_homepage("body.example", homepage(ld={"@type": schema_type, "name": "The Body"}))
    assert (profile.name, profile.source_type) == ("The Body", source_type)


def test_without_json_ld_the_site_name_then_the_title_brand() -> None:
    declared = homepage(head='<meta property="og:site_name" content="Banking Gazette"><title>Home | BG</title>'
                             '<meta name="description" content="News for bankers.">', lang="en-GB")
    profile = profile_from_homepage("bankinggazette.example", declared)
    assert (profile.name, profile.description, profile.hq_country) == ("Banking Gazette", "News for bankers.", "GB")
    titled = profile_from_homepage("quorvane.example", homepage(head="<title>Quorvane Systems | Core banking for "
                                                                     "credit unions and community banks</title>"))
    assert titled.name == "Quorvane Systems"
    assert profile_from_homepage("x.example", homepage(head="<title>Home</title>")).name is None


def test_the_country_from_the_address_the_domain_or_the_language() -> None:
    named = '<meta property="og:site_name" content="N">'
    assert profile_from_homepage("bank.co.uk.example", homepage(head=named)).hq_country == "GB"
    assert profile_from_homepage("bank.de", homepage(head=named)).hq_country == "DE"
    assert profile_from_homepage("bank.example", homepage(head=named, lang="de-DE")).hq_country == "DE"
    assert profile_from_homepage("bank.example", homepage(head=named, lang="en")).hq_country is None


def test_a_page_that_says_nothing_is_no_record() -> None:
    profile = profile_from_homepage("quiet.example", homepage())
    assert profile == CompanyProfile("quiet.example", None, None, None, None, None, None, "homepage", None)
    assert profile_from_homepage("broken.example", b"").name is None


def adapter(server: LocalServer, guard: AddressGuard | None = None) -> HomepageCompanyData:
    http = ProviderHttp("homepage", policy=HttpPolicy(timeout_s=2, attempts=2, base_delay_s=0), sleep=lambda s: None,
                        guard=guard or AddressGuard.allowing(["127.0.0.1/32"]))
    return HomepageCompanyData(http, url_template=server.url + "/{domain}/")


def test_the_adapter_reads_each_domains_homepage(server: LocalServer) -> None:
    server.route("GET", "/ledgerline.example/", Reply(200, homepage(ld={"@type": "Organization", "name": "Ledgerline"}),
                                                      {"Content-Type": "text/html"}))
    server.route("GET", "/gone.example/", Reply(404, "not here"))
    server.route("GET", "/down.example/", Reply(503))
    companies = adapter(server)
    assert companies.company_profile("ledgerline.example").name == "Ledgerline"
    gone = companies.company_profile("gone.example")
    assert (gone.name, gone.source) == (None, "homepage (HTTP 404)")  # no record, cached like an answer
    # A site that is down (after the retries) is a domain without a record, not a failed phase.
    down = companies.company_profile("down.example")
    assert (down.name, down.source) == (None, "homepage (HTTP 503)")
    assert len(server.requests_to("/down.example/")) == 2


def test_a_homepage_on_a_private_address_is_never_fetched(server: LocalServer) -> None:
    server.route("GET", "/ledgerline.example/", Reply(200, homepage(ld={"@type": "Organization", "name": "L"})))
    profile = adapter(server, guard=AddressGuard()).company_profile("ledgerline.example")
    assert (profile.name, profile.source) == (None, "homepage (unreachable)") and server.requests == []
