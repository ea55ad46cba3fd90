"""Company identity: which company a host belongs to.

A company is identified by its *registrable domain* — the part of a host that an organisation registers
with a registry (``acme-bank.example``, ``acme.co.uk``). ``www.``, ``news.`` and every other sub-domain
belong to the same company, so their SERP traffic is added up under one name (SPEC 6.3).

The Public Suffix List decides where the registrable part starts. We use the snapshot bundled with
``tldextract`` and never the network: results must be reproducible, and a pipeline run must not depend
on (or wait for) publicsuffix.org. The reserved ``.example`` TLD used by the sample data is added as an
extra suffix so sample hosts behave like real ones.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

import tldextract

# Suffixes that are not in the Public Suffix List but must behave like real ones: the sample data lives
# under the reserved ``.example`` TLD, including a ``co.uk``-style second level to exercise that case.
EXTRA_SUFFIXES: tuple[str, ...] = ("example", "co.uk.example")

# Built once: constructing the extractor parses the suffix list. ``suffix_list_urls=()`` forbids any HTTP
# fetch and ``cache_dir=None`` forbids writing a cache file, so only the bundled snapshot is used.
_SUFFIX_EXTRACTOR = tldextract.TLDExtract(
    suffix_list_urls=(),
    cache_dir=None,
    fallback_to_snapshot=True,
    include_psl_private_domains=False,
    extra_suffixes=EXTRA_SUFFIXES,
)


def _host_from(host_or_url: str) -> str:
    """The lowercase host of a URL or bare host, without userinfo, port, brackets or trailing dot."""
    if not isinstance(host_or_url, str):
        raise TypeError(f"expected a host or URL string, got {type(host_or_url).__name__}")
    candidate = host_or_url.strip()
    # A bare host ("acme.example:8080/path") has no scheme; "//" makes urlsplit read it as the authority
    # instead of mistaking "acme.example" for a scheme.
    if "://" not in candidate and not candidate.startswith("//"):
        candidate = "//" + candidate
    try:
        host = urlsplit(candidate).hostname
    except ValueError as error:  # e.g. an unbalanced "[" in an IPv6 literal
        raise ValueError(f"cannot read a host from {host_or_url!r}: {error}") from error
    host = (host or "").rstrip(".").lower()
    if not host:
        raise ValueError(f"cannot read a host from {host_or_url!r}")
    return host


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def registrable_domain(host_or_url: str) -> str:
    """The lowercase registrable domain (company identity) of a URL or host.

    ``https://News.Acme-Bank.example:8443/x`` -> ``acme-bank.example``;
    ``shop.acme.co.uk.example`` -> ``acme.co.uk.example``. An IP address, or a host that has no public
    suffix (``localhost``, an intranet name) or *is* a public suffix, has no registrable part, so the
    host itself is its identity — it is never lumped together with anything else.

    Raises ``ValueError`` when no host can be read (empty input, ``"http://"``).
    """
    host = _host_from(host_or_url)
    if _is_ip_address(host):
        return host
    parts = _SUFFIX_EXTRACTOR(host)
    if not parts.suffix or not parts.domain:
        return host
    return f"{parts.domain}.{parts.suffix}"


def company_name_from_domain(domain: str) -> str:
    """A readable company name for a domain nobody has told us about.

    Used so that an unknown domain becomes its own company rather than "Other": the label before the
    public suffix, split on hyphens/underscores and capitalised — ``ledger-line.example`` ->
    ``Ledger Line``, ``northwindpay.co.uk.example`` -> ``Northwindpay``. Accepts any host or URL (the
    registrable part is used). An IP address is returned unchanged; a host without a public suffix is
    capitalised whole (``localhost`` -> ``Localhost``).
    """
    host = _host_from(domain)
    if _is_ip_address(host):
        return host
    parts = _SUFFIX_EXTRACTOR(host)
    label = parts.domain if parts.suffix and parts.domain else host
    words = [word for word in label.replace("_", "-").split("-") if word]
    if not words:
        return host
    return " ".join(word[:1].upper() + word[1:] for word in words)


# Separators between a page's own title and the site's name ("Why X matters | Banking Gazette").
_TITLE_SEPARATORS = re.compile(r"\s+[|\u2013\u2014\u00b7:-]\s+")
MAX_SITE_NAME_WORDS = 5


def title_segments(title: str) -> list[str]:
    """The parts of a page title between separators ("Why cores fail | Banking Gazette" -> both parts)."""
    return [part.strip() for part in _TITLE_SEPARATORS.split(title) if part.strip()]


def site_name_from_pages(site_names: Iterable[str | None], titles: Iterable[str | None]) -> str | None:
    """What a company's own pages call it: the site name they declare most often (og:site_name,
    alphabetical on ties), else a title segment that several of its page titles share ("… | Banking
    Gazette"); ``None`` when the pages say neither.

    Names a company the company-data source has no record of better than its domain can
    ("bankinggazette.example" reads "Bankinggazette"; its pages say "Banking Gazette").
    """
    declared = Counter(name.strip() for name in site_names if isinstance(name, str) and name.strip())
    if declared:
        return min(declared.items(), key=lambda item: (-item[1], item[0]))[0]
    segments = Counter(
        segment
        for title in titles
        if isinstance(title, str)
        for segment in set(title_segments(title)[1:])
        if segment and len(segment.split()) <= MAX_SITE_NAME_WORDS
    )
    shared = [(count, segment) for segment, count in segments.items() if count >= 2]
    return min(shared, key=lambda item: (-item[0], item[1]))[1] if shared else None
