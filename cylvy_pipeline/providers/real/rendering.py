"""A rendering scraper API (ScrapingBee's wire format) for sites that need JavaScript or a proxy.

``GET {base_url}?api_key=…&url=…&render_js=true|false&premium_proxy=true|false&transparent_status_code=true``
(and ``stealth_proxy=true`` when chosen) answers with the target page's body and, with
``transparent_status_code``, the target's own status code. The target's headers come prefixed ``Spb-`` (its
content type is ``Spb-Content-Type``; the unprefixed ``Content-Type`` is the API server's own); ``Spb-Cost``
says how many credits the call used and ``Spb-Resolved-Url`` where the page ended up. The vendor's own
errors (a refused key, no credits left) come with its status codes and a JSON message.

:class:`RoutedWebFetcher` sends the domains a project lists through the rendering API and every other
page directly, so the paid API is used only where it is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import Field, model_validator

from cylvy_pipeline.analysis.identity import registrable_domain
from cylvy_pipeline.providers.base import FetchedPage, WebFetcher
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpResponse, ProviderHttp
from cylvy_pipeline.providers.vendor import CallEstimate, Demand, Vendor, VendorSettings

PROVIDER = "rendering API"
#: Its resource's key field and the environment variable that holds it.
SECRETS = {"api_key": "SCRAPINGBEE_API_KEY"}
CREDENTIAL_ENV = SECRETS["api_key"]
DEFAULT_BASE_URL = "https://app.scrapingbee.com/api/v1/"

#: Credits a call costs, by (proxy, JavaScript rendering), as ScrapingBee documents them: the "API credit
#: cost" table of https://www.scrapingbee.com/documentation/ (rotating proxy 1 without JavaScript, 5 with;
#: premium proxy 10 and 25) and the stealth proxy's 75 (JavaScript only) from the official CLI's
#: reference/proxy/strategies.md. The pre-call budget check prices a call from this; the recorded cost is
#: what ``Spb-Cost`` says it was.
CREDIT_COSTS: dict[tuple[str, bool], int] = {
    ("rotating", False): 1,
    ("rotating", True): 5,
    ("premium", False): 10,
    ("premium", True): 25,
    ("stealth", True): 75,
}


def credits_per_call(*, render_js: bool, premium_proxy: bool, stealth_proxy: bool = False) -> int:
    """The documented credit cost of one call with these options (stealth wins over premium, as the
    API gives the stealth proxy when both are asked for)."""
    proxy = "stealth" if stealth_proxy else "premium" if premium_proxy else "rotating"
    try:
        return CREDIT_COSTS[(proxy, render_js)]
    except KeyError:
        raise ValueError("the stealth proxy works only with JavaScript rendering (render_js)") from None


class RenderingSettings(VendorSettings):
    """A rendering scraper API (ScrapingBee's format) for sites that need JavaScript or a proxy: every
    page (``providers.web: rendering``) or only the ``domains`` listed here (with ``providers.web: http``);
    under ``providers.rendering``."""

    base_url: str = DEFAULT_BASE_URL
    domains: tuple[str, ...] = ()
    render_js: bool = True
    premium_proxy: bool = False
    #: ScrapingBee's stealth proxy (75 credits a call; JavaScript rendering only).
    stealth_proxy: bool = False
    price_per_credit_usd: float = Field(0.0002, ge=0)
    timeout_s: float = Field(90, gt=0)
    max_fetch_s: float | None = Field(None, gt=0)  # one page in all (None: three times timeout_s)

    @model_validator(mode="after")
    def _stealth_renders(self) -> RenderingSettings:
        if self.stealth_proxy and not self.render_js:
            raise ValueError("providers.rendering.stealth_proxy works only with render_js: true")
        return self

    @property
    def credits_per_call(self) -> int:
        return credits_per_call(render_js=self.render_js, premium_proxy=self.premium_proxy,
                                stealth_proxy=self.stealth_proxy)


class RenderingWebFetcher:
    """:class:`~cylvy_pipeline.providers.base.WebFetcher` through the rendering API."""

    def __init__(self, http: ProviderHttp, *, api_key: str, base_url: str = DEFAULT_BASE_URL, render_js: bool = True,
                 premium_proxy: bool = False, stealth_proxy: bool = False, price_per_credit_usd: float = 0.0):
        self.http = http
        self.api_key = api_key
        self.base_url = base_url
        self.render_js = render_js
        self.premium_proxy = premium_proxy
        self.stealth_proxy = stealth_proxy
        self.price_per_credit_usd = price_per_credit_usd
        self.credits_per_call = credits_per_call(render_js=render_js, premium_proxy=premium_proxy,
                                                 stealth_proxy=stealth_proxy)

    def _credits(self, response: HttpResponse) -> float:
        return float(response.headers.get("spb-cost") or 0)

    def fetch(self, url: str) -> FetchedPage:
        params = {"api_key": self.api_key, "url": url, "render_js": str(self.render_js).lower(),
                  "premium_proxy": str(self.premium_proxy).lower(), "transparent_status_code": "true"}
        if self.stealth_proxy:
            params["stealth_proxy"] = "true"
        expected = self.credits_per_call * self.price_per_credit_usd
        response = self.http.request("GET", self.base_url, endpoint="render", params=params, raise_for_status=False,
                                     units=self._credits, expected_cost=expected,
                                     cost=lambda r: self._credits(r) * self.price_per_credit_usd)
        if "spb-cost" not in response.headers and response.status_code in (401, 402, 403, 429):
            raise self._vendor_error(response)  # the API's own answer, not the page's
        final_url = response.headers.get("spb-resolved-url") or url
        # The page's own content type; the unprefixed one describes the API server's answer, not the page.
        content_type = response.headers.get("spb-content-type") or response.content_type
        return FetchedPage(url, final_url, response.status_code, content_type, response.body)

    def _vendor_error(self, response: HttpResponse) -> ProviderError:
        status = response.status_code
        if status == 401:
            return ProviderAuthError(f"{PROVIDER} refused the API key (HTTP 401); check {CREDENTIAL_ENV}")
        if status in (402, 403):
            return QuotaExhausted(f"{PROVIDER}: no credits left (HTTP {status})")
        return ProviderError(f"{PROVIDER}: too many requests at once (HTTP 429)", transient=True, retried=True)


class RoutedWebFetcher:
    """Pages of the listed registrable domains through ``rendering``, every other page through ``direct``."""

    def __init__(self, direct: WebFetcher, rendering: WebFetcher, domains: Iterable[str]):
        self.direct = direct
        self.rendering = rendering
        self.domains = rendered_sites(domains)

    def fetch(self, url: str) -> FetchedPage:
        return (self.rendering if is_rendered(url, self.domains) else self.direct).fetch(url)


def rendered_sites(domains: Iterable[str]) -> frozenset[str]:
    """The registrable domains of ``providers.rendering.domains``: the sites whose pages are rendered."""
    return frozenset(registrable_domain(domain) for domain in domains)


def is_rendered(url: str, sites: frozenset[str]) -> bool:
    try:
        return registrable_domain(url) in sites
    except ValueError:
        return False


def _rendered_page_calls(providers: Any, demand: Demand) -> CallEstimate:
    settings: RenderingSettings = providers.rendering
    credits = settings.credits_per_call
    return CallEstimate(demand.count, demand.count * credits * settings.price_per_credit_usd,
                        f"{credits} credits a page at ${settings.price_per_credit_usd:g} a credit")


VENDOR = Vendor(
    name="rendering",
    prices={"web": _rendered_page_calls},
    usage_names=PROVIDER,
    settings_key="rendering",
    settings_model=RenderingSettings,
    secrets=SECRETS,
)
