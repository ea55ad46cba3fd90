"""Direct web fetching against a local server, alone and through content scraping's page scraper."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from cylvy_pipeline.phases.content_scraping import scrape_page
from cylvy_pipeline.providers.errors import ProviderError
from cylvy_pipeline.providers.http import AddressGuard, HttpPolicy, ProviderCall, ProviderHttp
from cylvy_pipeline.providers.real.web import HttpWebFetcher
from cylvy_pipeline.providers.sample.pdf import make_pdf
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply, Request

NOW = datetime(2026, 11, 29, tzinfo=UTC)
PAGE = (
    "<html><head><title>Payment hubs explained | Banking Gazette</title>"
    '<meta property="og:site_name" content="Banking Gazette"></head><body><main><article>'
    "<h1>Payment hubs explained</h1>"
    + "<p>A payment hub routes every payment through one place, so operations teams see every exception.</p>" * 3
    + "</article></main></body></html>"
)


def fetcher(calls: list[ProviderCall] | None = None, **kwargs) -> HttpWebFetcher:
    http = ProviderHttp("web", policy=HttpPolicy(timeout_s=2.0, attempts=3, base_delay_s=0.0),
                        guard=AddressGuard.allowing(["127.0.0.1/32"]), usage=None if calls is None else calls.append)
    return HttpWebFetcher(http, **kwargs)


def test_html_and_pdf_pages_are_scraped(server: LocalServer) -> None:
    server.route("GET", "/hubs", Reply(200, PAGE, {"Content-Type": "text/html; charset=utf-8"}))
    server.route("GET", "/report.pdf", Reply(200, make_pdf("Hub report", ["Payment hub adoption grew again. " * 8]),
                                             {"Content-Type": "application/pdf"}))
    web = fetcher()
    html = scrape_page(f"{server.url}/hubs", "hubs", web, now=NOW, retry_delay_s=0)
    assert (html["status"], html["title"], html["site_name"]) == (
        "scraped", "Payment hubs explained | Banking Gazette", "Banking Gazette")
    pdf = scrape_page(f"{server.url}/report.pdf", "report", web, now=NOW, retry_delay_s=0)
    assert (pdf["status"], pdf["content_type"]) == ("scraped", "pdf")


def test_a_page_answer_is_recorded_not_raised(server: LocalServer) -> None:
    server.route("GET", "/gone", Reply(404, "<html>Not found</html>"))
    server.route("GET", "/flaky", Reply(503), Reply(503), Reply(200, PAGE, {"Content-Type": "text/html"}))
    server.route("GET", "/down", Reply(500))
    calls: list[ProviderCall] = []
    web = fetcher(calls)
    gone = scrape_page(f"{server.url}/gone", "gone", web, now=NOW, retry_delay_s=0)
    assert (gone["status"], gone["http_status"], gone["failure_reason"]) == ("failed", 404, "HTTP 404")
    assert len(server.requests_to("/gone")) == 1  # a 404 is final
    assert scrape_page(f"{server.url}/flaky", "flaky", web, now=NOW, retry_delay_s=0)["status"] == "scraped"
    down = scrape_page(f"{server.url}/down", "down", web, now=NOW, retry_delay_s=0)
    assert (down["http_status"], len(server.requests_to("/down"))) == (500, 3)
    assert [c.status for c in calls].count("http_503") == 2


def test_non_text_bodies_are_not_kept(server: LocalServer) -> None:
    server.route("GET", "/logo.png", Reply(200, b"\x89PNG" + b"\x00" * 500, {"Content-Type": "image/png"}))
    page = fetcher().fetch(f"{server.url}/logo.png")
    assert (page.status_code, page.content_type, page.body) == (200, "image/png", b"")
    row = scrape_page(f"{server.url}/logo.png", "logo", fetcher(), now=NOW, retry_delay_s=0)
    assert row["failure_reason"] == "too little text (0 characters, need 100)"


def test_a_redirect_to_a_private_address_is_refused_and_recorded_as_failed(server: LocalServer) -> None:
    server.route("GET", "/promo", Reply(302, "", {"Location": "http://192.168.0.10/"}))
    with pytest.raises(ProviderError) as error:
        fetcher().fetch(f"{server.url}/promo")
    assert str(error.value) == "refused to fetch http://192.168.0.10/: 192.168.0.10 resolves to 192.168.0.10, a private address"
    row = scrape_page(f"{server.url}/promo", "promo", fetcher(), now=NOW, retry_delay_s=0)
    assert row["status"] == "failed" and "a private address" in row["failure_reason"]


def test_at_most_max_per_host_requests_at_once(server: LocalServer) -> None:
    in_flight, peak, lock = [0], [0], threading.Lock()

    def slow(request: Request) -> Reply:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return Reply(200, PAGE, {"Content-Type": "text/html"})

    server.route("GET", "/p", slow)
    web = fetcher(max_per_host=2)
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = list(pool.map(lambda i: web.fetch(f"{server.url}/p?i={i}"), range(12)))
    assert all(page.status_code == 200 for page in pages)
    assert peak[0] == 2
