"""Direct web fetching for content scraping: HTML and PDF pages over httpx, with the address guard.

A page's own answer is returned, not raised: a 404 is that page's result (content scraping records it and
does not ask again), a 5xx after the retries is a transient failure the next execution tries again. Only
HTML, XHTML and PDF bodies (or an unlabelled body, which extraction sniffs) are kept; anything else (an
image, an archive) comes back with an empty body, so extraction records "too little text" without
parsing it. At most ``max_per_host`` requests go to one host at a time, however many the phase runs.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from cylvy_pipeline.providers.base import FetchedPage
from cylvy_pipeline.providers.http import ProviderHttp
from cylvy_pipeline.providers.real import rendering
from cylvy_pipeline.providers.vendor import CallEstimate, ConfigProblem, Demand, Vendor, VendorSettings

ACCEPTED_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/pdf", "application/x-pdf"})
UNLABELLED_MEDIA_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "text/plain"})
DEFAULT_USER_AGENT = "cylvy-pipeline/0.1 (market research crawler)"


class HttpWebSettings(VendorSettings):
    """Direct page fetching for content scraping, under ``providers.http``."""

    #: Networks that may be fetched although they are not public (tests allow 127.0.0.1/32). Empty in
    #: production: a SERP can point anywhere, and the scraper must not reach internal services.
    allow_networks: tuple[str, ...] = ()
    max_per_host: int = Field(2, ge=1, le=32)
    timeout_s: float = Field(20, gt=0)  # the longest wait for a connection or the next bytes
    #: The most one page may take in all — connect, headers and body (None: three times timeout_s). A
    #: server that drips a page a byte at a time never trips the timeout; this ends it.
    max_fetch_s: float | None = Field(None, gt=0)
    max_page_bytes: int = Field(10 * 1024 * 1024, ge=1024)


class HttpWebFetcher:
    """:class:`~cylvy_pipeline.providers.base.WebFetcher` over :class:`ProviderHttp` (give it an
    :class:`~cylvy_pipeline.providers.http.AddressGuard`: pages come from URLs anyone can put in a SERP)."""

    def __init__(self, http: ProviderHttp, *, max_per_host: int = 2):
        self.http = http
        self.max_per_host = max_per_host
        self._host_slots: dict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(max_per_host)
        )
        self._lock = threading.Lock()

    def _slot(self, url: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._host_slots[(urlsplit(url).hostname or "").lower()]

    def fetch(self, url: str) -> FetchedPage:
        with self._slot(url):
            response = self.http.request("GET", url, endpoint="page", raise_for_status=False)
        media_type = response.content_type.split(";", 1)[0].strip().lower()
        body = response.body if media_type in ACCEPTED_MEDIA_TYPES | UNLABELLED_MEDIA_TYPES else b""
        return FetchedPage(url, response.url, response.status_code, response.content_type, body)


def _page_calls(providers: Any, demand: Demand) -> CallEstimate:
    # The pages of the sites listed under providers.rendering.domains go through the rendering API.
    sites = rendering.rendered_sites(providers.rendering.domains)
    rendered = sum(rendering.is_rendered(url, sites) for url in demand.urls) if sites else 0
    if not rendered:
        return CallEstimate(demand.count, 0.0, "retries of failing pages come on top")
    priced = rendering.VENDOR.estimate("web", providers, Demand(rendered))
    return CallEstimate(demand.count, priced.cost_usd,
                        f"{rendered} through the {rendering.PROVIDER} ({priced.basis}); retries of failing pages "
                        "come on top")


def _rendering_secrets(providers: Any) -> dict[str, tuple[str, ...]]:
    if not providers.rendering.domains:
        return {}
    return {"providers.rendering.domains lists sites to render": tuple(rendering.SECRETS.values())}


def _allowed_networks(providers: Any, _markets: Mapping[str, str]) -> ConfigProblem | None:
    for i, network in enumerate(providers.http.allow_networks):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            return ConfigProblem(f"providers.http.allow_networks[{i}]", f"'{network}' is not an IP network",
                                 "write an address or network, e.g. 127.0.0.1/32 or 10.0.0.0/8")
    return None


VENDOR = Vendor(
    name="http",
    prices={"web": _page_calls},
    usage_names="web",
    settings_key="http",
    settings_model=HttpWebSettings,
    secrets_when=_rendering_secrets,
    check=_allowed_networks,
)
