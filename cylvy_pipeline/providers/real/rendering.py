"""A rendering scraper API (ScrapingBee's wire format) for sites that need JavaScript or a proxy.

``GET {base_url}?api_key=…&url=…&render_js=true|false&premium_proxy=true|false&transparent_status_code=true``
answers with the target page's body and, with ``transparent_status_code``, the target's own status code;
``Spb-Cost`` says how many credits the call used and ``Spb-Resolved-Url`` where the page ended up. The
vendor's own errors (a refused key, no credits left) come with its status codes and a JSON message.

:class:`RoutedWebFetcher` sends the domains a project lists through the rendering API and every other
page directly, so the paid API is used only where it is needed.
"""

from __future__ import annotations

from collections.abc import Iterable

from cylvy_pipeline.analysis.identity import registrable_domain
from cylvy_pipeline.providers.base import FetchedPage, WebFetcher
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpResponse, ProviderHttp

PROVIDER = "rendering API"
CREDENTIAL_ENV = "SCRAPINGBEE_API_KEY"
DEFAULT_BASE_URL = "https://app.scrapingbee.com/api/v1/"


class RenderingWebFetcher:
    """:class:`~cylvy_pipeline.providers.base.WebFetcher` through the rendering API."""

    def __init__(self, http: ProviderHttp, *, api_key: str, base_url: str = DEFAULT_BASE_URL, render_js: bool = True,
                 premium_proxy: bool = False, price_per_credit_usd: float = 0.0):
        self.http = http
        self.api_key = api_key
        self.base_url = base_url
        self.render_js = render_js
        self.premium_proxy = premium_proxy
        self.price_per_credit_usd = price_per_credit_usd

    def _credits(self, response: HttpResponse) -> float:
        return float(response.headers.get("spb-cost") or 0)

    def fetch(self, url: str) -> FetchedPage:
        params = {"api_key": self.api_key, "url": url, "render_js": str(self.render_js).lower(),
                  "premium_proxy": str(self.premium_proxy).lower(), "transparent_status_code": "true"}
        expected = (25 if self.premium_proxy else 5 if self.render_js else 1) * self.price_per_credit_usd
        response = self.http.request("GET", self.base_url, endpoint="render", params=params, raise_for_status=False,
                                     units=self._credits, expected_cost=expected,
                                     cost=lambda r: self._credits(r) * self.price_per_credit_usd)
        if "spb-cost" not in response.headers and response.status_code in (401, 402, 403, 429):
            raise self._vendor_error(response)  # the API's own answer, not the page's
        final_url = response.headers.get("spb-resolved-url") or url
        return FetchedPage(url, final_url, response.status_code, response.content_type, response.body)

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
        self.domains = frozenset(registrable_domain(domain) for domain in domains)

    def fetch(self, url: str) -> FetchedPage:
        try:
            rendered = registrable_domain(url) in self.domains
        except ValueError:
            rendered = False
        return (self.rendering if rendered else self.direct).fetch(url)
