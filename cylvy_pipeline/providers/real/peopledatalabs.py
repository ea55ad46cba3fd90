"""Company data bought from People Data Labs' Company Enrichment API (``providers.company_data: peopledatalabs``).

The wire format, as PDL documents it:

- ``GET {base_url}/company/enrich?website=<domain>[&min_likelihood=<1-10>]`` with the API key in the
  ``X-Api-Key`` header (never in the URL: URLs end up in messages and logs).
- A match is ``200`` and the company's fields sit at the top level of the body (not under ``data``):
  ``display_name`` and ``name`` (lower case), ``industry``, ``summary``, ``employee_count``, ``size`` (a
  range), ``inferred_revenue`` (a range such as ``$50M-$100M``), ``location.country`` (a lower-case
  English name), ``type`` (``public``, ``private``, ``public_subsidiary``, ``educational``, ``government``,
  ``nonprofit``) and ``likelihood`` (1-10). Fields PDL does not know are ``null``.
- No match is ``404`` ``not_found``, and is not charged: PDL charges per match. The ``x-call-credits-spent``
  header says how many credits a call used.
- Errors are ``{"status": n, "error": {"type": …, "message": …}}``: ``401`` ``authentication_error`` (a
  missing or bad key), ``402`` ``payment_required`` (the account's matches are used up), ``429``
  ``rate_limit_error``, ``5xx`` ``api_error``.

Here a match becomes a :class:`CompanyProfile`; no match is a profile without a name (the phase names
the company from its domain and caches the answer like any other, so it is not bought again). A refused
key names ``PDL_API_KEY``; spent credits stop the phase at once, without retries; 429 and 5xx are retried
by the HTTP layer, then fail the phase as transient (its retry policy may try again later).
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import cache
from typing import Any

from pydantic import Field

from cylvy_pipeline.providers.base import CompanyProfile
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpResponse, ProviderHttp
from cylvy_pipeline.providers.vendor import CallEstimate, Demand, Vendor, VendorSettings

PROVIDER = "People Data Labs"
SOURCE = PROVIDER
#: Its resource's key field and the environment variable that holds it.
SECRETS = {"api_key": "PDL_API_KEY"}
CREDENTIAL_ENV = SECRETS["api_key"]
DEFAULT_BASE_URL = "https://api.peopledatalabs.com/v5"
ENDPOINT = "company/enrich"

class PeopleDataLabsSettings(VendorSettings):
    """People Data Labs' Company Enrichment API: company profiles bought per match (a domain it does not
    know costs nothing), under ``providers.peopledatalabs``."""

    base_url: str = DEFAULT_BASE_URL
    #: The least match likelihood (1-10) PDL may answer with; a weaker match is "no match". None: PDL's default.
    min_likelihood: int | None = Field(None, ge=1, le=10)
    #: List price of one match in USD (what the budget and `estimate` use; a no-match is free).
    price_per_match_usd: float = Field(0.10, ge=0)
    calls_per_minute: float = Field(600, gt=0)  # PDL allows 1,000 a minute on paid plans, 10 on the free one
    timeout_s: float = Field(30, gt=0)


#: PDL's company types -> the source type they establish (public, private and public_subsidiary say
#: nothing about the kind of site: the phase classifies those from the industry).
TYPE_SOURCE_TYPES: dict[str, str] = {
    "educational": "EDUCATION",
    "government": "GOVERNMENT",
    "nonprofit": "NON_PROFIT",
}
#: PDL's canonical country names that differ from the Unicode CLDR English names (as normalised below).
_COUNTRY_ALIASES: dict[str, str] = {
    "turkey": "TR",
    "the gambia": "GM",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    "ivory coast": "CI",
    "hong kong": "HK",
    "macau": "MO",
    "palestine": "PS",
    "myanmar": "MM",
    "saint vincent and the grenadines": "VC",
    "saint helena": "SH",
    "swaziland": "SZ",
    "macedonia": "MK",
    "pitcairn": "PN",
    "united states virgin islands": "VI",
    "east timor": "TL",
}
_REVENUE_RANGE = re.compile(r"^\$(\d+(?:\.\d+)?)([KMB]?)(?:-\$(\d+(?:\.\d+)?)([KMB]?)|(\+))$")
_SCALE = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9}


def _country_key(name: str) -> str:
    """A country name compared without case, accents or CLDR's short forms ("St. Kitts & Nevis")."""
    name = unicodedata.normalize("NFKD", name.strip().casefold().replace("\u2019", "'"))
    name = "".join(ch for ch in name if not unicodedata.combining(ch)).replace(" & ", " and ")
    return re.sub(r"^st\. ", "saint ", name)


@cache
def _country_codes() -> dict[str, str]:
    """Country name key -> ISO 3166-1 alpha-2, from the CLDR English names babel ships."""
    from babel import Locale

    names = {_country_key(name): code for code, name in Locale("en").territories.items()
             if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "QO", "XA", "XB", "ZZ")}
    return {**names, **_COUNTRY_ALIASES}


def country_code(name: Any) -> str | None:
    """PDL's country name (``"united kingdom"``) as ISO 3166-1 alpha-2 (``"GB"``); None when unknown."""
    if not isinstance(name, str) or not name.strip():
        return None
    return _country_codes().get(_country_key(name))


def revenue_usd(value: Any) -> float | None:
    """An inferred revenue range as one figure in USD: the middle of a closed range (``$50M-$100M`` ->
    75,000,000), the bound of an open one (``$10B+`` -> 10,000,000,000); None for anything else."""
    match = _REVENUE_RANGE.match(value.strip().upper()) if isinstance(value, str) else None
    if not match:
        return None
    low = float(match.group(1)) * _SCALE[match.group(2)]
    if match.group(5):
        return low
    high = float(match.group(3)) * _SCALE[match.group(4)]
    return (low + high) / 2 if high >= low else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def profile_from_record(domain: str, record: dict) -> CompanyProfile:
    """A matched PDL company record as a profile of ``domain``. The display name is preferred; PDL's
    ``name`` is lower case, so without a display name its words are capitalised."""
    name = _text(record.get("display_name")) or (string.capwords(n) if (n := _text(record.get("name"))) else None)
    location = record.get("location") if isinstance(record.get("location"), dict) else {}
    kind = _text(record.get("type"))
    return CompanyProfile(
        domain=domain,
        name=name,
        industry=_text(record.get("industry")),
        description=_text(record.get("summary")),
        employees=_count(record.get("employee_count")),
        revenue_usd=revenue_usd(record.get("inferred_revenue")),
        hq_country=country_code(location.get("country")),
        source=SOURCE,
        source_type=TYPE_SOURCE_TYPES.get(kind.casefold()) if kind else None,
    )


class PeopleDataLabsCompanyData:
    """:class:`~cylvy_pipeline.providers.base.CompanyDataProvider` over PDL's Company Enrichment API.

    One call per domain; ``price_per_match_usd`` prices each credit a call spends (the budget check sees
    it before every call, since any call may match).
    """

    def __init__(self, http: ProviderHttp, *, api_key: str, base_url: str = DEFAULT_BASE_URL,
                 min_likelihood: int | None = None, price_per_match_usd: float = 0.0):
        self.http = http
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.min_likelihood = min_likelihood
        self.price_per_match_usd = price_per_match_usd

    @staticmethod
    def _credits(response: HttpResponse) -> float:
        """Credits the call used: as PDL's header states, else one for a match and none otherwise."""
        stated = response.headers.get("x-call-credits-spent", "").strip()
        try:
            return max(0.0, float(stated))
        except ValueError:
            return 1.0 if response.status_code == 200 else 0.0

    def company_profile(self, domain: str) -> CompanyProfile:
        params: dict[str, Any] = {"website": domain}
        if self.min_likelihood is not None:
            params["min_likelihood"] = self.min_likelihood
        response = self.http.request(
            "GET", f"{self.base_url}/{ENDPOINT}", endpoint=ENDPOINT, params=params,
            headers={"X-Api-Key": self.api_key}, units=self._credits,
            cost=lambda r: self._credits(r) * self.price_per_match_usd,
            expected_cost=self.price_per_match_usd, raise_for_status=False,
        )
        if response.status_code == 404:  # no match: PDL does not know this company (and charges nothing)
            return CompanyProfile(domain, None, None, None, None, None, None, SOURCE)
        if response.status_code != 200:
            raise self._error(response)
        record = response.json(provider=PROVIDER)
        if not isinstance(record, dict):
            raise ProviderError(f"{PROVIDER} {ENDPOINT} answered with {type(record).__name__}, not a company record",
                                transient=False)
        return profile_from_record(domain, record)

    def _error(self, response: HttpResponse) -> ProviderError:
        status = response.status_code
        error = response.error_object(provider=PROVIDER)
        said = ": ".join(str(part) for part in (error.get("type"), error.get("message")) if part)
        answer = f"HTTP {status}" + (f" {said}" if said else "")
        if status in (401, 403):
            return ProviderAuthError(f"{PROVIDER} refused the API key ({answer}); check {CREDENTIAL_ENV}")
        if status == 402:
            return QuotaExhausted(
                f"{PROVIDER} has no credits left for company enrichment ({answer}): add credits to the account "
                "or wait for the plan to renew, then re-execute from failure"
            )
        if status == 429 or status >= 500:  # after the HTTP layer's retries
            return ProviderError(
                f"{PROVIDER} {ENDPOINT} answered {answer} after {self.http.policy.attempts} tries",
                transient=True, retried=True,
            )
        return ProviderError(f"{PROVIDER} {ENDPOINT} answered {answer}", transient=False)


def _company_data_calls(providers: Any, demand: Demand) -> CallEstimate:
    # Charged per match: the cost if every lookup matches.
    price = providers.peopledatalabs.price_per_match_usd
    return CallEstimate(demand.count, demand.count * price, f"at most ${price:g} a lookup, charged only for a match")


VENDOR = Vendor(
    name="peopledatalabs",
    prices={"company_data": _company_data_calls},
    usage_names=PROVIDER,
    settings_key="peopledatalabs",
    settings_model=PeopleDataLabsSettings,
    secrets=SECRETS,
)
