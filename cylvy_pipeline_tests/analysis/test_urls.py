"""URL normalisation for the scrape cache key."""

from __future__ import annotations

import pytest

from cylvy_pipeline.analysis.urls import normalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Acme.EXAMPLE/Loans", "https://acme.example/Loans"),
        ("https://acme.example:443/a", "https://acme.example/a"),
        ("http://acme.example:80/a", "http://acme.example/a"),
        ("https://acme.example:80/a", "https://acme.example:80/a"),
        ("http://acme.example:8080/a", "http://acme.example:8080/a"),
        ("https://acme.example/a#section-2", "https://acme.example/a"),
        ("https://acme.example/a/", "https://acme.example/a"),
        ("https://acme.example/a//", "https://acme.example/a"),
        ("https://acme.example/", "https://acme.example/"),
        ("https://acme.example", "https://acme.example/"),
        ("https://acme.example?b=1", "https://acme.example/?b=1"),
        ("https://acme.example/a?b=2&a=1", "https://acme.example/a?a=1&b=2"),
        ("https://acme.example/a?a=2&a=1", "https://acme.example/a?a=1&a=2"),
        ("https://acme.example/a?q=loan%20rates&page=2", "https://acme.example/a?page=2&q=loan%20rates"),
        (
            "https://acme.example/a/?utm_source=news&utm_medium=email&gclid=1&fbclid=2&mc_cid=3&mc_eid=4"
            "&msclkid=5&ref=6&ref_src=7&id=42#x",
            "https://acme.example/a?id=42",
        ),
        ("https://acme.example/a?UTM_Campaign=spring", "https://acme.example/a"),
        ("https://acme.example/a?utm_source=x", "https://acme.example/a"),
        ("https://acme.example/a?reference=keep", "https://acme.example/a?reference=keep"),
        ("https://www.acme.example./a", "https://www.acme.example/a"),
        ("https://[2001:DB8::1]:443/a/", "https://[2001:db8::1]/a"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


def test_spellings_of_one_page_share_a_key() -> None:
    spellings = [
        "https://acme.example/loans",
        "HTTPS://ACME.example:443/loans/",
        "https://acme.example/loans?utm_source=serp#pricing",
    ]
    assert len({normalize_url(url) for url in spellings}) == 1


def test_normalisation_is_idempotent() -> None:
    once = normalize_url("HTTP://Acme.example:80/a/?z=1&utm_term=x&b=2#f")
    assert normalize_url(once) == once


@pytest.mark.parametrize("bad", ["", "acme.example/loans", "http://", "https://acme.example:notaport/"])
def test_text_without_scheme_and_host_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="cannot normalise"):
        normalize_url(bad)
