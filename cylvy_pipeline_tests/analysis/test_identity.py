"""Company identity: every host reduces to one registrable domain, offline."""

from __future__ import annotations

import importlib
import socket
from pathlib import Path

import pytest

from cylvy_pipeline.analysis import identity
from cylvy_pipeline.analysis.identity import company_name_from_domain, registrable_domain


@pytest.mark.parametrize(
    ("host_or_url", "expected"),
    [
        ("acme-bank.example", "acme-bank.example"),
        ("www.acme-bank.example", "acme-bank.example"),
        ("news.acme-bank.example", "acme-bank.example"),
        ("a.b.c.acme-bank.example", "acme-bank.example"),
        ("shop.acme.co.uk.example", "acme.co.uk.example"),
        ("acme.co.uk.example", "acme.co.uk.example"),
        ("https://News.Acme-Bank.EXAMPLE:8443/loans?x=1#top", "acme-bank.example"),
        ("http://user:secret@www.acme-bank.example/", "acme-bank.example"),
        ("www.acme-bank.example.", "acme-bank.example"),
        ("acme-bank.example:8080/path", "acme-bank.example"),
        ("  WWW.ACME-BANK.EXAMPLE  ", "acme-bank.example"),
        # Real Public Suffix List entries from the bundled snapshot.
        ("www.zqx-fictional-bank.co.uk", "zqx-fictional-bank.co.uk"),
        ("blog.zqx-fictional-bank.com.au", "zqx-fictional-bank.com.au"),
        ("zqx-fictional-bank.com", "zqx-fictional-bank.com"),
        # No registrable part: the host is its own identity.
        ("localhost", "localhost"),
        ("http://localhost:8000/x", "localhost"),
        ("192.0.2.10", "192.0.2.10"),
        ("http://192.0.2.10:8080/", "192.0.2.10"),
        ("http://[2001:db8::1]/", "2001:db8::1"),
        ("example", "example"),
    ],
)
def test_registrable_domain(host_or_url: str, expected: str) -> None:
    assert registrable_domain(host_or_url) == expected


def test_subdomains_are_one_company_and_different_registrants_are_not() -> None:
    assert registrable_domain("www.acme.co.uk.example") == registrable_domain("careers.acme.co.uk.example")
    assert registrable_domain("acme.co.uk.example") != registrable_domain("rival.co.uk.example")


@pytest.mark.parametrize("bad", ["", "   ", "http://", "https:///path-only", "http://[::1"])
def test_empty_or_hostless_input_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match="cannot read a host from"):
        registrable_domain(bad)


def test_never_touches_the_network_or_writes_a_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("registrable_domain tried to open a network connection")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TLDEXTRACT_CACHE", raising=False)
    # Rebuild the module's extractor so the suffix list is loaded (lazily, on first use) under the guard.
    importlib.reload(identity)
    assert identity.registrable_domain("www.zqx-unlisted-name.org") == "zqx-unlisted-name.org"
    assert identity.registrable_domain("shop.acme.co.uk.example") == "acme.co.uk.example"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("ledger-line.example", "Ledger Line"),
        ("northwindpay.co.uk.example", "Northwindpay"),
        ("www.ledger_line.example", "Ledger Line"),
        ("https://blog.zqx-fictional-bank.co.uk/x", "Zqx Fictional Bank"),
        ("localhost", "Localhost"),
        ("192.0.2.10", "192.0.2.10"),
    ],
)
def test_company_name_from_domain(domain: str, expected: str) -> None:
    assert company_name_from_domain(domain) == expected


@pytest.mark.parametrize(
    ("site_names", "titles", "expected"),
    [
        # The declared site name wins; the commonest one, alphabetical on ties.
        (["Banking Gazette", None, "Banking Gazette", "BG"], ["x | Other"], "Banking Gazette"),
        (["Zeta Daily", "Alpha Daily"], [], "Alpha Daily"),
        # Else a title segment several titles share, after a separator.
        ([None, "  "], ["Why cores fail | Banking Gazette", "Payments in 2026 – Banking Gazette", "Home"], "Banking Gazette"),
        # One title alone does not say which part is the site; a long tail is a subtitle, not a name.
        ([], ["Why cores fail | Banking Gazette"], None),
        ([], ["A | one two three four five six", "B | one two three four five six"], None),
        ([], [], None),
    ],
)
def test_site_name_from_pages(site_names, titles, expected) -> None:
    assert identity.site_name_from_pages(site_names, titles) == expected
