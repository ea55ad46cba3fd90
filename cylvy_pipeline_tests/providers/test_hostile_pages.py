"""Pages that attack the fetcher, served on loopback: a name that resolves to an allowed address for the
check and to an internal one a moment later (DNS rebinding), and a page that drips its body a byte at a
time so that no single wait trips the timeout."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from cylvy_pipeline.phases.content_scraping import PAGE_CACHE_COLUMNS, scrape_serp_pages, serp_page_urls
from cylvy_pipeline.providers.errors import ProviderError
from cylvy_pipeline.providers.http import AddressGuard, HttpPolicy, ProviderHttp
from cylvy_pipeline.providers.real.homepage import HomepageCompanyData
from cylvy_pipeline.providers.real.rendering import RenderingWebFetcher
from cylvy_pipeline.providers.real.web import HttpWebFetcher

PAGE = b"<html><head><title>Branch lending</title></head><body><main>" + b"<p>Loans for small firms.</p>" * 40 + \
    b"</main></body></html>"


class _Pages(BaseHTTPRequestHandler):
    """Answers every GET with a page (or the redirect its server is told to give) and records it."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.server.seen.append((self.path, self.headers.get("Host")))
        if self.path in self.server.redirects:
            self.send_response(302)
            self.send_header("Location", self.server.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@contextmanager
def _pages_on(address: str, port: int = 0, redirects: dict[str, str] | None = None) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer((address, port), _Pages)
    server.seen, server.redirects = [], redirects or {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _allowed_and_internal_servers(redirects: dict[str, str]):
    """A page server on 127.0.0.2 (the address the test allows, standing in for a public one) and an
    internal one on 127.0.0.1, on the same port, so only the address decides which one a request reaches."""
    for _ in range(20):
        with _pages_on("127.0.0.2", redirects=redirects) as allowed:
            try:
                internal = _pages_on("127.0.0.1", allowed.server_port)
                with internal as inside:
                    yield allowed, inside
                    return
            except OSError:  # that port is taken on 127.0.0.1: try another
                continue
    pytest.fail("no port free on both 127.0.0.1 and 127.0.0.2")


class FlippingDns:
    """A resolver for the test's names that answers the first lookup of each with its first address and
    every later one with its second — what a hostile DNS server does — installed as the process's resolver
    (numeric addresses still resolve as usual)."""

    def __init__(self, answers: dict[str, tuple[str, str]]):
        self.answers = answers
        self.lookups: list[str] = []
        self._real = socket.getaddrinfo

    def getaddrinfo(self, host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return self._real(host, port, *args, **kwargs)
        first, later = self.answers[name]
        address = first if name not in self.lookups else later
        self.lookups.append(name)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]


@pytest.fixture
def flipping_dns(monkeypatch):
    def install(answers: dict[str, tuple[str, str]]) -> FlippingDns:
        dns = FlippingDns(answers)
        monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
        return dns

    return install


def _fetcher(**policy) -> HttpWebFetcher:
    http = ProviderHttp("web", policy=HttpPolicy(attempts=1, **policy), guard=AddressGuard.allowing(["127.0.0.2/32"]))
    return HttpWebFetcher(http)


def test_a_name_that_rebinds_to_loopback_after_the_check_reaches_only_the_checked_address(flipping_dns):
    with _allowed_and_internal_servers({}) as (allowed, internal):
        dns = flipping_dns({"rebind.probe.test": ("127.0.0.2", "127.0.0.1")})
        page = _fetcher().fetch(f"http://rebind.probe.test:{allowed.server_port}/internal/admin")
        assert page.status_code == 200 and page.body == PAGE
        # One lookup, by the guard; the connection went where it said, with the page's own Host header.
        assert dns.lookups == ["rebind.probe.test"]
        assert allowed.seen == [("/internal/admin", f"rebind.probe.test:{allowed.server_port}")]
        # Asked again (a new connection), the name now resolves to loopback: refused, nothing sent.
        with pytest.raises(ProviderError) as refused:
            _fetcher().fetch(f"http://rebind.probe.test:{allowed.server_port}/internal/admin")
        port = allowed.server_port
        assert str(refused.value) == (f"refused to fetch http://rebind.probe.test:{port}/internal/admin: "
                                      "rebind.probe.test resolves to 127.0.0.1, a loopback address")
        assert internal.seen == []


def test_a_redirect_to_a_name_that_resolves_to_loopback_is_refused_before_it_is_sent(flipping_dns):
    with _allowed_and_internal_servers({"/start": "/internal/admin"}) as (allowed, internal):
        port = allowed.server_port
        allowed.redirects["/start"] = f"http://inside.probe.test:{port}/internal/admin"
        flipping_dns({"outside.probe.test": ("127.0.0.2", "127.0.0.2"),
                      "inside.probe.test": ("127.0.0.1", "127.0.0.1")})
        with pytest.raises(ProviderError) as refused:
            _fetcher().fetch(f"http://outside.probe.test:{port}/start")
        assert str(refused.value) == (f"refused to fetch http://inside.probe.test:{port}/internal/admin: "
                                      "inside.probe.test resolves to 127.0.0.1, a loopback address")
        assert [path for path, _ in allowed.seen] == ["/start"] and internal.seen == []


@contextmanager
def _dripping_server(interval_s: float) -> Iterator[tuple[int, list[float]]]:
    """An HTTP server on loopback that sends its headers at once, then one body byte every ``interval_s``
    (of a declared 10,000), until the client goes away. Yields its port and the times connections came."""
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[float] = []
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10000\r\n\r\n<html>")
            while not stop.wait(interval_s):
                try:
                    conn.sendall(b"x")
                except OSError:
                    return

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            connections.append(time.monotonic())
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], connections
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_a_page_that_drips_its_body_ends_at_the_total_deadline_and_is_not_tried_again():
    with _dripping_server(interval_s=0.3) as (port, connections):
        http = ProviderHttp("web", policy=HttpPolicy(timeout_s=5, max_fetch_s=1.5),
                            guard=AddressGuard.allowing(["127.0.0.1/32"]))
        started = time.monotonic()
        with http, pytest.raises(ProviderError) as error:
            HttpWebFetcher(http).fetch(f"http://127.0.0.1:{port}/slow")
        took = time.monotonic() - started
    # The deadline, not 5 s a read nor 4 tries (the margin is for a loaded machine, below one read).
    assert 1.5 <= took < 4.5
    assert str(error.value) == (f"web took more than 1.5 s in all for page http://127.0.0.1:{port}/slow "
                                "(connect, headers and body); given up")
    assert error.value.transient and error.value.retried  # the next execution asks again; this one goes on
    assert len(connections) == 1


def test_scraping_goes_on_with_the_other_pages_while_one_drips():
    with _dripping_server(interval_s=0.3) as (slow_port, _), _pages_on("127.0.0.1") as pages:
        serp = pd.DataFrame({"serp_type": ["organic"] * 3, "url": [
            f"http://127.0.0.1:{slow_port}/slow", f"http://127.0.0.1:{pages.server_port}/a",
            f"http://127.0.0.1:{pages.server_port}/b"]})
        http = ProviderHttp("web", policy=HttpPolicy(timeout_s=5, max_fetch_s=1.0),
                            guard=AddressGuard.allowing(["127.0.0.1/32"]))
        started = time.monotonic()
        with http:
            output = scrape_serp_pages(serp_page_urls(serp), pd.DataFrame(columns=list(PAGE_CACHE_COLUMNS)),
                                       HttpWebFetcher(http), lambda key, produce: (produce(), True),
                                       now=datetime.now(UTC), max_concurrency=3, retry_delay_s=0)
        took = time.monotonic() - started
    table = output.tables["scraped_pages"].set_index("url")
    assert output.result["pages_scraped"] == 2
    reason = table.loc[f"http://127.0.0.1:{slow_port}/slow", "failure_reason"]
    assert reason.startswith(f"fetch http://127.0.0.1:{slow_port}/slow failed: web took more than 1 s in all")
    assert took < 4.5  # the 1 s deadline, not a 5 s read nor the drip's 3,000 s


def test_the_rendering_api_and_the_homepage_reader_are_bounded_the_same_way():
    with _dripping_server(interval_s=0.3) as (port, connections):
        rendering_http = ProviderHttp("rendering API", policy=HttpPolicy(timeout_s=5, max_fetch_s=1.0))
        started = time.monotonic()
        api = RenderingWebFetcher(rendering_http, api_key="k", base_url=f"http://127.0.0.1:{port}/api/v1/")
        with rendering_http, pytest.raises(ProviderError, match=r"^rendering API took more than 1 s in all for render"):
            api.fetch("https://spa.example/")
        assert time.monotonic() - started < 4.5  # the 1 s deadline, not a 5 s read

        homepage_http = ProviderHttp("homepage", policy=HttpPolicy(timeout_s=5, max_fetch_s=1.0),
                                     guard=AddressGuard.allowing(["127.0.0.1/32"]))
        started = time.monotonic()
        with homepage_http:
            reader = HomepageCompanyData(homepage_http, url_template=f"http://127.0.0.1:{port}/{{domain}}/")
            profile = reader.company_profile("slow.example")
        assert time.monotonic() - started < 4.5
        assert profile.source == "homepage (unreachable)"  # a domain without a record, not a failed phase
    assert len(connections) == 2
