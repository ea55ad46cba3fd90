"""The one HTTP layer every real provider adapter uses (SPEC 7, provider hygiene).

Every request has a timeout. Transient failures — timeouts, connection errors, 429 and 5xx — are
retried with exponential backoff and full jitter, honouring ``Retry-After``; any other 4xx is final at
once, and 401/403 raise :class:`ProviderAuthError`, whose message names the provider and the environment
variable that holds its credentials. TLS certificates are always verified (there is no switch). Bodies
are read as a stream and refused beyond a size bound, counted after gzip/deflate decoding so a small
compressed body cannot expand without limit. Calls per minute are limited per client, and every attempt
is reported to a usage callback (one ``api_usage`` row per call).

Every call has a total deadline too (``max_fetch_s``: connect, headers and body together), because the
timeout bounds each wait and a server that drips a byte now and then never trips it.

The web fetcher adds an :class:`AddressGuard`: it resolves each target host, refuses private, loopback,
link-local, multicast and other non-public addresses unless an allow-list permits them, and checks every
redirect hop the same way (redirects are followed here, not by httpx, for that reason). The connection
is opened to the very address that was checked — resolved once, by the guard — so a name that resolves to
a public address for the check and to an internal one a moment later (DNS rebinding) reaches nothing
internal; the URL, the Host header and the TLS server name stay the host's.
"""

from __future__ import annotations

import contextvars
import email.utils
import functools
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from cylvy_pipeline.providers.base import ProviderCall, RateLimit, UsageCallback
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.retry import backoff_delay

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class HttpPolicy:
    """How one provider's calls behave: timeouts, retries, size bound and rate limit."""

    timeout_s: float = 30.0
    attempts: int = 4  # tries per request, the first included
    base_delay_s: float = 0.5  # backoff before try n is uniform in [0, base × 2^(n-2)], capped
    max_delay_s: float = 30.0  # longest wait between tries, Retry-After included
    max_body_bytes: int = 20 * 1024 * 1024
    #: The most one try may take in all — connect, headers and body (None: three times the timeout).
    max_fetch_s: float | None = None

    @property
    def fetch_deadline_s(self) -> float:
        return self.max_fetch_s if self.max_fetch_s is not None else 3 * self.timeout_s


@dataclass
class HttpResponse:
    """A provider's answer: final URL (after redirects), status, headers and the bounded body."""

    url: str
    status_code: int
    headers: httpx.Headers
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self, *, provider: str) -> Any:
        """The body as JSON; malformed JSON is a :class:`ProviderError` (not retried: the same request
        would get the same answer)."""
        try:
            return json.loads(self.body)
        except ValueError as error:
            raise ProviderError(
                f"{provider} answered {_without_query(self.url)} with malformed JSON ({error})", transient=False
            ) from error

    def error_object(self, *, provider: str) -> dict:
        """The ``error`` object of a JSON error answer (``{"error": {"type", "message", …}}``, as OpenAI and
        People Data Labs send it); empty when the body has none or is not JSON."""
        try:
            error = self.json(provider=provider).get("error") or {}
        except (ProviderError, AttributeError):
            return {}
        return error if isinstance(error, dict) else {}


class RateLimiter:
    """At most ``calls_per_minute`` calls, evenly spaced, shared by every thread of one client."""

    def __init__(self, calls_per_minute: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.calls_per_minute = calls_per_minute
        self._interval = 60.0 / calls_per_minute if calls_per_minute else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            self._sleep(start - now)


# --- address guard -------------------------------------------------------------------------------------


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast: not private, loopback, link-local, shared (CGNAT), documentation,
    reserved or multicast (an IPv4-mapped IPv6 address is judged as the IPv4 address it carries)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _describe(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for name, flag in (
        ("an unspecified", address.is_unspecified),
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a private", address.is_private),
    ):
        if flag:
            return f"{name} address"
    return "a non-public address"


@dataclass(frozen=True)
class AddressGuard:
    """Refuses requests to non-public addresses (after DNS resolution) unless allowed.

    ``allowed`` holds IP networks (``127.0.0.1/32``, ``10.0.0.0/8``) that may be fetched anyway — the
    tests allow the loopback address of their local servers; production leaves it empty.
    """

    allowed: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    resolve: Callable[[str, int], Sequence[str]] | None = None  # host, port -> addresses (default: DNS)

    @classmethod
    def allowing(cls, networks: Iterable[str] = ()) -> AddressGuard:
        return cls(allowed=tuple(ipaddress.ip_network(network, strict=False) for network in networks))

    def check(self, url: str) -> None:
        """Raise a non-transient :class:`ProviderError` if ``url`` may not be fetched."""
        host, port = self.target(url)
        try:
            self.addresses(host, port)
        except _AddressRefused as refused:
            raise refused.as_error(url) from None

    def target(self, url: str) -> tuple[str, int]:
        """The host and port ``url`` would connect to; a :class:`ProviderError` for what is never fetched
        (not http or https, no host, a bad port)."""
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as error:  # a bad port or bracketed host, e.g. in a page's own redirect
            raise ProviderError(f"refused to fetch {url}: {error}", transient=False) from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProviderError(f"refused to fetch {url}: only http and https URLs with a host", transient=False)
        return parts.hostname, port

    def addresses(self, host: str, port: int) -> list[str]:
        """``host``'s addresses, resolved once, each of them allowed: what a connection may be opened to."""
        resolve = self.resolve or _resolve
        try:
            found = [a.split("%", 1)[0] for a in resolve(host, port)]
        except OSError as error:
            raise _AddressRefused(f"could not resolve {host}: {error}", transient=True) from error
        for address in map(ipaddress.ip_address, found):
            if not _is_public(address) and not any(address in network for network in self.allowed):
                raise _AddressRefused(f"{host} resolves to {address}, {_describe(address)}")
        return found


class _AddressRefused(Exception):
    """The guard refused a host's addresses (or could not resolve it); the message says why."""

    def __init__(self, reason: str, *, transient: bool = False):
        super().__init__(reason)
        self.transient = transient

    def as_error(self, url: str) -> ProviderError:
        """The provider error a refused fetch of ``url`` ends in."""
        return ProviderError(f"refused to fetch {url}: {self}", transient=self.transient)


def _resolve(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


# --- connections: to the checked address, within the deadline -----------------------------------------

#: When the request under way in this thread must be done (``time.monotonic()``), or None.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("fetch_deadline", default=None)


class _DeadlineExceeded(httpcore.ReadTimeout):
    """The request's total deadline passed while it connected, sent or read."""


def _within_deadline(timeout: float | None) -> float | None:
    """The wait allowed now: the timeout, cut to what is left of the request's deadline."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise _DeadlineExceeded("the fetch's total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits at most until the request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._stream.read(max_bytes, _within_deadline(timeout))
        except httpcore.ReadTimeout:
            _within_deadline(None)  # the deadline, if that is what ended the wait, says so
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within_deadline(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None, timeout: float | None = None):
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _within_deadline(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _CheckedBackend(httpcore.SyncBackend):
    """Opens each connection to an address the guard has just checked for that host — one resolution,
    so nothing can answer differently between the check and the connection — and within the deadline.
    httpcore still knows the host by its name: the Host header and the TLS server name are the host's."""

    def __init__(self, guard: AddressGuard | None):
        self._guard = guard

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        addresses = [host] if self._guard is None else self._guard.addresses(host, port)
        for i, address in enumerate(addresses):
            try:
                stream = super().connect_tcp(address, port, _within_deadline(timeout), local_address, socket_options)
            except httpcore.ConnectTimeout:
                _within_deadline(None)  # the deadline, if that is what ended the wait, says so
                raise
            except httpcore.ConnectError:
                if i == len(addresses) - 1:
                    raise
                continue
            return _DeadlineStream(stream)
        raise httpcore.ConnectError(f"{host} has no address")


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The verifying TLS context every client shares (loading the CA bundle once per process)."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's transport, its connections opened by :class:`_CheckedBackend`. Proxies from the
    environment are not used: the guard judges the address the page itself is fetched from."""

    def __init__(self, guard: AddressGuard | None):
        super().__init__(verify=_tls_context(), trust_env=False)
        limits = httpx.Limits()
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CheckedBackend(guard),
        )


# --- the client ----------------------------------------------------------------------------------------


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class ProviderHttp:
    """HTTP calls of one provider with the hygiene described in the module docstring.

    ``credential_env`` names the environment variable(s) holding the credentials, for the 401/403
    message (never their values). ``usage`` receives one :class:`ProviderCall` per attempt. ``rate``, when
    given, is the calls-per-minute limit every attempt waits for, instead of the policy's own.
    """

    def __init__(
        self,
        provider: str,
        *,
        policy: HttpPolicy = HttpPolicy(),
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        credential_env: str | None = None,
        usage: UsageCallback | None = None,
        budget: Callable[[float, str], None] | None = None,
        guard: AddressGuard | None = None,
        rate: RateLimit | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        self.provider = provider
        self.policy = policy
        self.credential_env = credential_env
        self._usage = usage
        self._budget = budget
        self._guard = guard
        self._sleep = sleep
        # A limit shared by every run's calls to this vendor, this process's own, or none.
        self.rate = rate or RateLimiter(None, sleep=sleep)
        self._client = httpx.Client(
            headers=dict(headers or {}),
            auth=auth,
            timeout=policy.timeout_s,
            follow_redirects=False,  # followed in _send, so the guard sees every hop
            verify=True,
            transport=transport or _CheckedTransport(guard),
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ProviderHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        endpoint: str,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        units: float | Callable[[HttpResponse], float] = 1.0,
        cost: Callable[[HttpResponse], float] | None = None,
        expected_cost: float = 0.0,
        raise_for_status: bool = True,
        final: Callable[[HttpResponse], bool] | None = None,
    ) -> HttpResponse:
        """Send a request with retries; return the response, or raise :class:`ProviderError`.

        With ``raise_for_status=False`` an error status is returned rather than raised once retries
        are spent (the web fetcher records a page's 404 or 500 as that page's answer); 401/403 of an API
        still raise. ``cost`` reads the call's price from a successful response (DataForSEO states it);
        ``expected_cost`` (its list price) is shown to the ``budget`` check before every attempt, which
        raises :class:`~cylvy_pipeline.providers.errors.BudgetExceeded` rather than let the call go out.
        ``final`` says which error answers retrying cannot change although their status is one that is
        retried (OpenAI's spent quota comes as a 429): they end the call at once, like any other 4xx.
        """
        policy = self.policy
        for attempt in range(1, policy.attempts + 1):
            last = attempt == policy.attempts
            if self._budget is not None and expected_cost:
                self._budget(expected_cost, self.provider)
            self.rate.acquire()
            started = time.monotonic()
            deadline = _deadline.set(started + policy.fetch_deadline_s)
            try:
                response = self._send(method, url, json_body=json_body, params=params, headers=headers)
            except httpx.TimeoutException as error:
                self._record(endpoint, "timeout", None, 0.0, 0.0, started)
                if isinstance(error.__cause__, _DeadlineExceeded):
                    # Not tried again: a server that drips its answer would hold this call as long again.
                    raise ProviderError(
                        f"{self.provider} took more than {policy.fetch_deadline_s:g} s in all for {endpoint} "
                        f"{_without_query(url)} (connect, headers and body); given up", transient=True, retried=True,
                    ) from error
                failure = ProviderError(
                    f"{self.provider} did not answer {endpoint} within {policy.timeout_s:g} s", transient=True
                )
                if last:
                    raise self._final(failure, attempt) from error
                self._sleep(self._backoff(attempt, None))
                continue
            except httpx.TransportError as error:
                self._record(endpoint, "connection_error", None, 0.0, 0.0, started)
                failure = ProviderError(f"{self.provider} connection failed for {endpoint}: {error}", transient=True)
                if last:
                    raise self._final(failure, attempt) from error
                self._sleep(self._backoff(attempt, None))
                continue
            except (httpx.HTTPError, httpx.InvalidURL) as error:  # e.g. a body that does not decode
                self._record(endpoint, "error", None, 0.0, 0.0, started)
                raise ProviderError(f"{self.provider} {endpoint}: {type(error).__name__}: {error}",
                                    transient=False) from error
            except _Refused as refused:  # by the guard, or a body over the bound: never worth retrying
                self._record(endpoint, refused.status, None, 0.0, 0.0, started)
                raise refused.error from None
            finally:
                _deadline.reset(deadline)

            status = response.status_code
            # What the answer says it cost counts whatever its status (a rendering API charges for a
            # page's 404); fixed units count only for answers that delivered.
            price = _measured(cost, response, 0.0)
            amount = _measured(units, response, 0.0) if callable(units) else (units if status < 400 else 0.0)
            if status < 400:
                self._record(endpoint, "ok", status, amount, price, started)
                return response
            self._record(endpoint, f"http_{status}", status, amount, price, started)
            if status in (401, 403) and raise_for_status:
                variable = f" (check {self.credential_env})" if self.credential_env else ""
                raise ProviderAuthError(f"{self.provider} refused the credentials: HTTP {status}{variable}")
            if status == 402 and raise_for_status:
                # Payment Required: what the vendors answer once an account's funds or credits are spent.
                raise QuotaExhausted(f"{self.provider} {endpoint}: HTTP 402 Payment Required: the account has no "
                                     "funds left")
            if status not in RETRYABLE_STATUSES or (final is not None and final(response)):
                if raise_for_status:
                    raise ProviderError(
                        f"{self.provider} answered {endpoint} with HTTP {status}: {_excerpt(response.body)}",
                        transient=False,
                    )
                return response
            if last:
                if raise_for_status:
                    raise self._final(
                        ProviderError(f"{self.provider} answered {endpoint} with HTTP {status}", transient=True),
                        attempt,
                    )
                return response
            self._sleep(self._backoff(attempt, retry_after_seconds(response.headers.get("retry-after"))))
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, *, json_body: Any, params: Mapping[str, Any] | None,
              headers: Mapping[str, str] | None = None) -> HttpResponse:
        for _ in range(MAX_REDIRECTS + 1):
            if self._guard is not None:
                try:
                    self._guard.target(url)
                except ProviderError as error:
                    raise _Refused("refused", error) from None
            try:
                with self._client.stream(method, url, json=json_body, params=params, headers=headers) as response:
                    if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                        url, method, json_body, params = self._next_hop(url, response, method, json_body)
                        continue
                    return HttpResponse(str(response.url), response.status_code, response.headers,
                                        self._read(response))
            except _AddressRefused as refused:  # by the guard, as the connection was about to open
                raise _Refused("refused", refused.as_error(url)) from None
        raise _Refused("refused", ProviderError(
            f"{self.provider}: more than {MAX_REDIRECTS} redirects from {_without_query(url)}", transient=False))

    def _next_hop(self, url: str, response: httpx.Response, method: str,
                  json_body: Any) -> tuple[str, str, Any, None]:
        """Where a redirect leads and with what request (the guard judges the new address before it is
        fetched). An API that redirects is not followed: the next host would get our credentials."""
        if self._guard is None:
            raise _Refused("refused", ProviderError(
                f"{self.provider} answered with a redirect (HTTP {response.status_code}) to "
                f"{_without_query(response.headers['location'])}, which is not followed", transient=False))
        if response.status_code == 303 or method == "POST" and response.status_code in (301, 302):
            method, json_body = "GET", None
        # The Location carries its own query.
        return urljoin(str(response.url), response.headers["location"]), method, json_body, None

    def _read(self, response: httpx.Response) -> bytes:
        limit = self.policy.max_body_bytes
        declared = response.headers.get("content-length")
        where = _without_query(str(response.url))
        if declared and declared.isdigit() and int(declared) > limit and "content-encoding" not in response.headers:
            raise _Refused("too_large", ProviderError(
                f"{self.provider}: response of {int(declared)} bytes from {where} exceeds the {limit}-byte bound",
                transient=False,
            ))
        chunks, size = [], 0
        for chunk in response.iter_bytes():  # decoded (gzip, deflate, br) as it streams
            size += len(chunk)
            if size > limit:
                raise _Refused("too_large", ProviderError(
                    f"{self.provider}: response from {where} exceeds the {limit}-byte bound", transient=False
                ))
            chunks.append(chunk)
        return b"".join(chunks)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        return backoff_delay(attempt, self.policy.base_delay_s, self.policy.max_delay_s, retry_after)

    def _final(self, error: ProviderError, attempt: int) -> ProviderError:
        tries = f" (after {attempt} tries)" if attempt > 1 else ""
        return ProviderError(f"{error}{tries}", transient=error.transient, retried=True)

    def _record(self, endpoint: str, status: str, http_status: int | None, units: float, cost: float,
                started: float) -> None:
        if self._usage is not None:
            self._usage(ProviderCall(self.provider, endpoint, status, http_status, units, cost,
                                     time.monotonic() - started, datetime.now(UTC)))


class _Refused(Exception):
    """A request stopped on our side (address guard, size bound, redirect of an API): ``status`` as
    recorded in api_usage, ``error`` as raised to the caller."""

    def __init__(self, status: str, error: ProviderError):
        super().__init__(str(error))
        self.status = status
        self.error = error


def _measured(measure: float | Callable[[HttpResponse], float] | None, response: HttpResponse, default: float) -> float:
    """A call's cost or units as its answer states them; an answer that does not say is the default
    rather than a lost record of a call that was made (and maybe paid)."""
    if measure is None:
        return default
    if not callable(measure):
        return float(measure)
    try:
        return float(measure(response))
    except (ProviderError, TypeError, ValueError, AttributeError):
        return default


def _without_query(url: str) -> str:
    """A URL for messages: without its query (API keys travel there)."""
    return url.split("?", 1)[0]


def _excerpt(body: bytes, limit: int = 200) -> str:
    text = body[:limit].decode("utf-8", "replace").replace("\n", " ").strip()
    return text + ("…" if len(body) > limit else "")
