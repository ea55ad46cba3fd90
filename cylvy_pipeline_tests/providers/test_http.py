"""The HTTP layer of the real providers, against a local server: retries, timeouts, bounds, guard."""

from __future__ import annotations

import gzip
import ipaddress
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError
from cylvy_pipeline.providers.http import (
    AddressGuard,
    HttpPolicy,
    ProviderCall,
    ProviderHttp,
    RateLimiter,
    retry_after_seconds,
)
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply

FAST = HttpPolicy(timeout_s=2.0, attempts=4, base_delay_s=0.0, max_delay_s=5.0, max_body_bytes=10_000)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[ProviderCall] = []
        self.sleeps: list[float] = []

    def client(self, policy: HttpPolicy = FAST, **kwargs) -> ProviderHttp:
        return ProviderHttp("TestVendor", policy=policy, usage=self.calls.append, sleep=self.sleeps.append, **kwargs)

    @property
    def statuses(self) -> list[str]:
        return [call.status for call in self.calls]


def test_a_successful_call_is_recorded_once_with_its_cost(server: LocalServer) -> None:
    server.route("POST", "/v3/thing", Reply(200, {"cost": 0.0125, "ok": True}))
    usage = Recorder()
    with usage.client() as http:
        response = http.request("POST", f"{server.url}/v3/thing", endpoint="thing", json_body=[{"a": 1}],
                                units=3, cost=lambda r: r.json(provider="TestVendor")["cost"])
    assert response.json(provider="TestVendor") == {"cost": 0.0125, "ok": True}
    assert server.requests[0].json() == [{"a": 1}]
    assert usage.statuses == ["ok"]
    assert (usage.calls[0].units, usage.calls[0].cost_usd, usage.calls[0].endpoint) == (3, 0.0125, "thing")


def test_429_waits_as_long_as_retry_after_says(server: LocalServer) -> None:
    server.route("GET", "/x", Reply(429, "slow down", {"Retry-After": "2"}), Reply(200, "fine"))
    usage = Recorder()
    with usage.client() as http:
        assert http.request("GET", f"{server.url}/x", endpoint="x").body == b"fine"
    assert usage.statuses == ["http_429", "ok"]
    assert usage.sleeps == [2.0]
    assert len(server.requests) == 2


def test_a_burst_of_5xx_is_retried_until_it_passes(server: LocalServer) -> None:
    server.route("GET", "/x", Reply(500), Reply(503), Reply(503), Reply(200, "ok"))
    usage = Recorder()
    with usage.client() as http:
        assert http.request("GET", f"{server.url}/x", endpoint="x").status_code == 200
    assert usage.statuses == ["http_500", "http_503", "http_503", "ok"]


def test_5xx_that_never_passes_fails_transiently_after_every_attempt(server: LocalServer) -> None:
    server.route("GET", "/x", Reply(503))
    usage = Recorder()
    with usage.client() as http, pytest.raises(ProviderError) as error:
        http.request("GET", f"{server.url}/x", endpoint="x")
    assert str(error.value) == "TestVendor answered x with HTTP 503 (after 4 tries)"
    assert error.value.transient
    assert len(server.requests) == 4 and len(usage.calls) == 4


def test_other_4xx_is_final_at_once(server: LocalServer) -> None:
    server.route("GET", "/x", Reply(404, "no such thing"))
    usage = Recorder()
    with usage.client() as http, pytest.raises(ProviderError) as error:
        http.request("GET", f"{server.url}/x", endpoint="x")
    assert str(error.value) == "TestVendor answered x with HTTP 404: no such thing"
    assert not error.value.transient and len(server.requests) == 1


def test_401_names_the_environment_variable_and_is_not_retried(server: LocalServer) -> None:
    server.route("POST", "/x", Reply(401, {"status_message": "You are not authorized"}))
    usage = Recorder()
    with usage.client(credential_env="TESTVENDOR_LOGIN and TESTVENDOR_PASSWORD") as http:
        with pytest.raises(ProviderAuthError) as error:
            http.request("POST", f"{server.url}/x", endpoint="x", json_body=[])
    assert str(error.value) == (
        "TestVendor refused the credentials: HTTP 401 (check TESTVENDOR_LOGIN and TESTVENDOR_PASSWORD)"
    )
    assert len(server.requests) == 1


def test_a_response_slower_than_the_timeout_is_retried_then_fails(server: LocalServer) -> None:
    server.route("GET", "/slow", Reply(200, "late", delay_s=1.0))
    usage = Recorder()
    policy = HttpPolicy(timeout_s=0.2, attempts=2, base_delay_s=0.0)
    with usage.client(policy) as http, pytest.raises(ProviderError) as error:
        http.request("GET", f"{server.url}/slow", endpoint="slow")
    assert str(error.value) == "TestVendor did not answer slow within 0.2 s (after 2 tries)"
    assert error.value.transient and usage.statuses == ["timeout", "timeout"]


def test_malformed_json_is_a_clear_non_transient_error(server: LocalServer) -> None:
    server.route("GET", "/x", Reply(200, "{not json", {"Content-Type": "application/json"}))
    with Recorder().client() as http:
        response = http.request("GET", f"{server.url}/x", endpoint="x")
    with pytest.raises(ProviderError) as error:
        response.json(provider="TestVendor")
    assert str(error.value).startswith(f"TestVendor answered {server.url}/x with malformed JSON (")
    assert not error.value.transient


def test_bodies_beyond_the_bound_are_refused_even_when_compressed(server: LocalServer) -> None:
    server.route("GET", "/big", Reply(200, b"x" * 20_000))
    server.route("GET", "/bomb", Reply(200, b"0" * 50_000, gzip=True))  # ~100 bytes on the wire
    usage = Recorder()
    with usage.client() as http:
        for path in ("/big", "/bomb"):
            with pytest.raises(ProviderError) as error:
                http.request("GET", f"{server.url}{path}", endpoint=path)
            assert "exceeds the 10000-byte bound" in str(error.value) and not error.value.transient
    assert len(server.requests) == 2  # neither retried


def test_gzip_bodies_are_decoded(server: LocalServer) -> None:
    server.route("GET", "/z", Reply(200, {"hello": "world"}, gzip=True))
    with Recorder().client() as http:
        response = http.request("GET", f"{server.url}/z", endpoint="z")
    assert response.json(provider="TestVendor") == {"hello": "world"}
    assert gzip.decompress(gzip.compress(b"")) == b""


def test_error_statuses_can_be_returned_instead_of_raised(server: LocalServer) -> None:
    server.route("GET", "/gone", Reply(410, "gone"))
    server.route("GET", "/down", Reply(502))
    with Recorder().client() as http:
        assert http.request("GET", f"{server.url}/gone", endpoint="page", raise_for_status=False).status_code == 410
        assert http.request("GET", f"{server.url}/down", endpoint="page", raise_for_status=False).status_code == 502
    assert len(server.requests_to("/down")) == 4


# ---- the address guard --------------------------------------------------------------------------------


def test_loopback_is_refused_unless_allowed(server: LocalServer) -> None:
    server.route("GET", "/page", Reply(200, "hello"))
    usage = Recorder()
    with usage.client(guard=AddressGuard()) as http, pytest.raises(ProviderError) as error:
        http.request("GET", f"{server.url}/page", endpoint="page")
    assert str(error.value) == f"refused to fetch {server.url}/page: 127.0.0.1 resolves to 127.0.0.1, a loopback address"
    assert server.requests == [] and usage.statuses == ["refused"]
    with usage.client(guard=AddressGuard.allowing(["127.0.0.1/32"])) as http:
        assert http.request("GET", f"{server.url}/page", endpoint="page").body == b"hello"


def test_a_redirect_to_a_private_address_is_refused(server: LocalServer) -> None:
    server.route("GET", "/moved", Reply(302, "", {"Location": "http://10.0.0.7/admin"}))
    server.route("GET", "/local", Reply(301, "", {"Location": "/page"}))
    server.route("GET", "/page", Reply(200, "landed"))
    with Recorder().client(guard=AddressGuard.allowing(["127.0.0.1/32"])) as http:
        with pytest.raises(ProviderError) as error:
            http.request("GET", f"{server.url}/moved", endpoint="page")
        assert str(error.value) == "refused to fetch http://10.0.0.7/admin: 10.0.0.7 resolves to 10.0.0.7, a private address"
        followed = http.request("GET", f"{server.url}/local", endpoint="page")
    assert (followed.url, followed.body) == (f"{server.url}/page", b"landed")


@pytest.mark.parametrize(
    ("resolved", "refused_as"),
    [
        ("192.168.1.5", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("100.64.0.1", "a non-public address"),
        ("0.0.0.0", "an unspecified address"),
    ],
)
def test_names_resolving_to_non_public_addresses_are_refused(resolved: str, refused_as: str) -> None:
    guard = AddressGuard(resolve=lambda host, port: [resolved])
    with pytest.raises(ProviderError) as error:
        guard.check("https://intranet.example/report")
    shown = ipaddress.ip_address(resolved)  # (::ffff:127.0.0.1 prints as ::ffff:7f00:1)
    assert str(error.value) == f"refused to fetch https://intranet.example/report: intranet.example resolves to {shown}, {refused_as}"
    AddressGuard(resolve=lambda host, port: ["11.1.2.3"]).check("https://public.example/")  # allowed


def test_only_http_urls_with_a_host_are_fetched() -> None:
    for url in ("file:///etc/passwd", "ftp://files.example/x", "http:///nohost"):
        with pytest.raises(ProviderError) as error:
            AddressGuard().check(url)
        assert str(error.value) == f"refused to fetch {url}: only http and https URLs with a host"


# ---- pure helpers --------------------------------------------------------------------------------------


def test_rate_limiter_spaces_calls_evenly() -> None:
    sleeps: list[float] = []
    limiter = RateLimiter(60, clock=lambda: 100.0, sleep=sleeps.append)
    for _ in range(3):
        limiter.acquire()
    assert sleeps == [1.0, 2.0]
    unlimited = RateLimiter(None, sleep=sleeps.append)
    unlimited.acquire()
    assert sleeps == [1.0, 2.0]


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now=now) == 120.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert retry_after_seconds("soon", now=now) is None
    assert retry_after_seconds(None) is None


def test_a_call_the_budget_cannot_pay_is_never_sent(server: LocalServer) -> None:
    from cylvy_pipeline.providers.errors import BudgetExceeded

    server.route("POST", "/x", Reply(200, "{}"))
    spent = [0.0]

    def budget(expected: float, provider: str) -> None:
        if spent[0] + expected > 0.01:
            raise BudgetExceeded(f"{provider}: over budget")
        spent[0] += expected

    with Recorder().client(budget=budget) as http:
        http.request("POST", f"{server.url}/x", endpoint="x", expected_cost=0.006)
        with pytest.raises(BudgetExceeded) as error:
            http.request("POST", f"{server.url}/x", endpoint="x", expected_cost=0.006)
        http.request("POST", f"{server.url}/x", endpoint="x")  # a free call is never refused
    assert str(error.value) == "TestVendor: over budget" and not error.value.transient
    assert len(server.requests) == 2


def test_an_api_redirect_is_not_followed_so_credentials_stay_with_the_api(server: LocalServer) -> None:
    server.route("POST", "/v3/x", Reply(302, "", {"Location": f"{server.url}/elsewhere?token=abc"}))
    server.route("POST", "/elsewhere", Reply(200, "{}"))
    usage = Recorder()
    with usage.client(auth=("login", "secret")) as http, pytest.raises(ProviderError) as error:
        http.request("POST", f"{server.url}/v3/x", endpoint="x", json_body=[])
    assert str(error.value) == (
        f"TestVendor answered with a redirect (HTTP 302) to {server.url}/elsewhere, which is not followed"
    )
    assert server.requests_to("/elsewhere") == [] and usage.statuses == ["refused"]


def test_a_body_that_does_not_decode_is_a_clear_error(server: LocalServer) -> None:
    server.route("GET", "/z", Reply(200, b"not gzip at all", {"Content-Encoding": "gzip"}))
    usage = Recorder()
    with usage.client() as http, pytest.raises(ProviderError) as error:
        http.request("GET", f"{server.url}/z", endpoint="z")
    assert str(error.value).startswith("TestVendor z: DecodingError: ") and not error.value.transient
    assert usage.statuses == ["error"] and len(server.requests) == 1


def test_a_url_with_a_bad_port_is_refused_not_crashed() -> None:
    with pytest.raises(ProviderError) as error:
        AddressGuard().check("http://site.example:99999/")
    assert str(error.value).startswith("refused to fetch http://site.example:99999/: Port out of range")


def test_a_call_whose_answer_does_not_state_its_cost_is_still_recorded(server: LocalServer) -> None:
    server.route("GET", "/x", Reply(200, {"usage": {"prompt_tokens": None}}))
    usage = Recorder()
    with usage.client() as http:
        http.request("GET", f"{server.url}/x", endpoint="x",
                     cost=lambda r: r.json(provider="TestVendor")["usage"]["prompt_tokens"] * 2)
    assert [(c.status, c.cost_usd) for c in usage.calls] == [("ok", 0.0)]
