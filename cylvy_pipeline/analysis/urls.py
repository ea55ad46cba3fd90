"""URL normalisation for the scrape cache (SPEC 6.5).

The same page reaches us under many spellings: ``HTTPS://Acme.example:443/loans/?utm_source=x#top`` and
``https://acme.example/loans`` are one page and should be fetched once. :func:`normalize_url` produces
the cache key that makes them equal. It is a key only — the SERP url is stored untouched so it stays
joinable with the SERP rows.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

_DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}

# Parameters that only say where a click came from; they never change the page content.
TRACKING_PARAMETERS: frozenset[str] = frozenset(
    {"gclid", "fbclid", "mc_cid", "mc_eid", "msclkid", "ref", "ref_src"}
)
TRACKING_PARAMETER_PREFIXES: tuple[str, ...] = ("utm_",)


def _is_tracking_parameter(raw_name: str) -> bool:
    name = unquote_plus(raw_name).strip().lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PARAMETER_PREFIXES)


def _normalized_query(query: str) -> str:
    """The query without tracking parameters, its remaining ``name=value`` pairs sorted.

    Pairs are kept in their original percent-encoding (only reordered), so the key never changes what
    the server would receive apart from the order and the dropped tracking noise.
    """
    kept_pairs = []
    for pair in query.split("&"):
        if not pair:
            continue
        raw_name = pair.split("=", 1)[0]
        if _is_tracking_parameter(raw_name):
            continue
        kept_pairs.append(pair)
    kept_pairs.sort(key=lambda pair: (pair.split("=", 1)[0], pair))
    return "&".join(kept_pairs)


def _normalized_netloc(scheme: str, netloc: str, hostname: str, port: int | None) -> str:
    userinfo = ""
    if "@" in netloc:
        userinfo = netloc.rsplit("@", 1)[0] + "@"
    host = hostname.rstrip(".")
    if ":" in host:  # IPv6 literal: brackets are part of the authority syntax
        host = f"[{host}]"
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        return f"{userinfo}{host}:{port}"
    return f"{userinfo}{host}"


def normalize_url(url: str) -> str:
    """The scrape-cache key of ``url``.

    Lowercases scheme and host, drops the default port (80 for http, 443 for https), the fragment and
    tracking parameters (``utm_*``, ``gclid``, ``fbclid``, ``mc_cid``, ``mc_eid``, ``msclkid``, ``ref``,
    ``ref_src``), sorts the remaining query parameters, and drops a trailing slash from the path
    (the root stays ``/``; an empty path becomes ``/``). The path's case is kept: servers may treat
    ``/Loans`` and ``/loans`` as different pages.

    Raises ``ValueError`` for text that has no scheme and host (``""``, ``"acme.example/x"``,
    ``"http://"``) or an invalid port.
    """
    if not isinstance(url, str):
        raise TypeError(f"expected a URL string, got {type(url).__name__}")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    hostname = parts.hostname or ""  # urlsplit already lowercases the host
    if not scheme or not hostname:
        raise ValueError(f"cannot normalise {url!r}: a URL needs a scheme and a host")
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"cannot normalise {url!r}: {error}") from error

    netloc = _normalized_netloc(scheme, parts.netloc, hostname, port)
    path = parts.path.rstrip("/") or "/"
    query = _normalized_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))
