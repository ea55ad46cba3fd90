"""Direct web fetching for content scraping: HTML and PDF pages over httpx, with the address guard.

A page's own answer is returned, not raised: a 404 is that page's result (content scraping records it and
does not ask again), a 5xx after the retries is a transient failure the next execution tries again. Only
HTML, XHTML and PDF bodies (or an unlabelled body, which extraction sniffs) are kept; anything else (an
image, an archive) comes back with an empty body, so extraction records "too little text" without
parsing it. At most ``max_per_host`` requests go to one host at a time, however many the phase runs.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from urllib.parse import urlsplit

from cylvy_pipeline.providers.base import FetchedPage
from cylvy_pipeline.providers.http import ProviderHttp

ACCEPTED_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/pdf", "application/x-pdf"})
UNLABELLED_MEDIA_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "text/plain"})
DEFAULT_USER_AGENT = "cylvy-pipeline/0.1 (market research crawler)"


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
