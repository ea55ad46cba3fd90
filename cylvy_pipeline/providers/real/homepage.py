"""Company data from the company's own homepage: no paid account needed.

The homepage of a registrable domain usually says who runs it: an Organization JSON-LD block (name,
description, employees, address, ``sameAs`` social profiles, and a schema.org type that tells a
government body, a university, a news organisation or a charity apart), ``og:site_name``, the title and
the meta description, the page language. A homepage that cannot be fetched, or says nothing, is "no
record" (every field None), which the phase names from the domain and caches like any answer.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import html as lxml_html
from pydantic import Field

from cylvy_pipeline.analysis.extraction import json_ld_nodes, schema_types_of
from cylvy_pipeline.analysis.identity import MAX_SITE_NAME_WORDS, title_segments
from cylvy_pipeline.providers.base import CompanyProfile
from cylvy_pipeline.providers.errors import ProviderError
from cylvy_pipeline.providers.http import ProviderHttp
from cylvy_pipeline.providers.vendor import Vendor, VendorSettings, free_per_item

SOURCE = "homepage"
DEFAULT_URL_TEMPLATE = "https://{domain}/"

class HomepageSettings(VendorSettings):
    """Company data read from each domain's homepage (no account needed), under ``providers.homepage``.
    The address rules of ``providers.http`` apply (``allow_networks``)."""

    url_template: str = DEFAULT_URL_TEMPLATE  # where a domain's homepage is fetched from
    timeout_s: float = Field(15, gt=0)
    max_fetch_s: float | None = Field(None, gt=0)  # one homepage in all (None: three times timeout_s)


#: schema.org organisation types -> the source type they establish.
SCHEMA_SOURCE_TYPES: dict[str, str] = {
    "GovernmentOrganization": "GOVERNMENT",
    "EducationalOrganization": "EDUCATION",
    "CollegeOrUniversity": "EDUCATION",
    "NGO": "NON_PROFIT",
    "NewsMediaOrganization": "PREMIUM_PUBLISHER",
}
#: Country-code suffixes -> ISO 3166-1 alpha-2 (a hint when the page states no address).
_COUNTRY_SUFFIXES = {"uk": "GB", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "ie": "IE", "ca": "CA",
                     "au": "AU", "sg": "SG", "in": "IN", "ae": "AE", "za": "ZA", "br": "BR", "mx": "MX", "jp": "JP",
                     "ch": "CH", "se": "SE", "pl": "PL"}
_LANG_COUNTRY = re.compile(r"^[a-z]{2}-([a-z]{2})$", re.IGNORECASE)


def _organization(tree: lxml_html.HtmlElement) -> dict:
    for item in json_ld_nodes(tree):
        types = schema_types_of(item)
        if any(t in SCHEMA_SOURCE_TYPES or t.endswith("Organization") or t in ("Corporation", "LocalBusiness",
               "BankOrCreditUnion", "FinancialService") for t in types):
            return item
    return {}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _employees(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("value") or value.get("maxValue") or value.get("minValue")
    try:
        return int(str(value).replace(",", "")) if value is not None else None
    except ValueError:
        return None


def _country(organization: dict, domain: str, lang: str | None) -> str | None:
    address = organization.get("address")
    if isinstance(address, list):
        address = address[0] if address else None
    if isinstance(address, dict):
        country = address.get("addressCountry")
        if isinstance(country, dict):
            country = country.get("name")
        if isinstance(country, str) and len(country.strip()) == 2:
            return country.strip().upper().replace("UK", "GB")
    suffix = domain.rsplit(".", 1)[-1].lower()
    labels = domain.lower().split(".")
    for label in reversed(labels[:-1] if suffix == "example" else labels):  # "x.co.uk.example" -> uk
        if label in _COUNTRY_SUFFIXES:
            return _COUNTRY_SUFFIXES[label]
    match = _LANG_COUNTRY.match(lang or "")
    return match.group(1).upper().replace("UK", "GB") if match else None


_GENERIC_TITLE_PARTS = frozenset({"home", "homepage", "home page", "welcome", "official site", "official website"})


def _brand_from_title(title: str | None) -> str | None:
    """A homepage title's brand: its shortest part that is not "Home" ("Ledgerline | Core banking for the
    cloud" -> "Ledgerline"); a title without separators counts when it is short enough to be a name."""
    parts = [part for part in title_segments(title or "") if part.casefold() not in _GENERIC_TITLE_PARTS]
    if not parts:
        return None
    brand = min(parts, key=lambda part: len(part.split()))
    return brand if len(brand.split()) <= MAX_SITE_NAME_WORDS else None


def profile_from_homepage(domain: str, page: bytes) -> CompanyProfile:
    """What a homepage's markup says about the company behind ``domain``."""
    try:
        tree = lxml_html.fromstring(page)
    except (ValueError, lxml_html.etree.ParserError):
        return CompanyProfile(domain, None, None, None, None, None, None, SOURCE)
    organization = _organization(tree)

    def meta(xpath: str) -> str | None:
        values = tree.xpath(xpath)
        return _text(values[0]) if values else None

    site_name = meta("//meta[@property='og:site_name']/@content")
    title = meta("//title/text()")
    name = _text(organization.get("name")) or site_name or _brand_from_title(title)
    description = (_text(organization.get("description")) or meta("//meta[@name='description']/@content")
                   or meta("//meta[@property='og:description']/@content"))
    source_type = next((SCHEMA_SOURCE_TYPES[t] for t in schema_types_of(organization) if t in SCHEMA_SOURCE_TYPES), None)
    lang = meta("/html/@lang")
    return CompanyProfile(
        domain=domain,
        name=name,
        industry=None,
        description=description,
        employees=_employees(organization.get("numberOfEmployees")),
        revenue_usd=None,
        hq_country=_country(organization, domain, lang) if name else None,
        source=SOURCE,
        source_type=source_type,
    )


class HomepageCompanyData:
    """:class:`~cylvy_pipeline.providers.base.CompanyDataProvider` reading each domain's homepage (give
    its HTTP client an address guard: domains come from search results)."""

    def __init__(self, http: ProviderHttp, *, url_template: str = DEFAULT_URL_TEMPLATE):
        self.http = http
        self.url_template = url_template

    def company_profile(self, domain: str) -> CompanyProfile:
        url = self.url_template.format(domain=domain)
        # Every domain is its own server: one that cannot be reached (after the HTTP layer's retries), has
        # no valid certificate or answers with an error is a domain without a record, never a failed phase.
        try:
            response = self.http.request("GET", url, endpoint="homepage", raise_for_status=False)
        except ProviderError:
            return CompanyProfile(domain, None, None, None, None, None, None, f"{SOURCE} (unreachable)")
        if response.status_code >= 400:
            return CompanyProfile(domain, None, None, None, None, None, None,
                                  f"{SOURCE} (HTTP {response.status_code})")
        return profile_from_homepage(domain, response.body)


VENDOR = Vendor(
    name="homepage",
    prices={"company_data": free_per_item()},
    usage_names=SOURCE,
    settings_key="homepage",
    settings_model=HomepageSettings,
)
