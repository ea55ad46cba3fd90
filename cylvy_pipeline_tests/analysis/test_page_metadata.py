"""What a page says about itself — URL section, og:type, JSON-LD / microdata types, published date,
author — read by extraction from real-format markup (fictional ``.example`` pages in ``fixtures/``), and
the entry point that analyses one fetched page as the scraping and analysis phases do."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from pypdf import PdfWriter

from cylvy_pipeline.analysis import analyze_fetched_page
from cylvy_pipeline.analysis.analyzer import LocalContentAnalyzer
from cylvy_pipeline.analysis.extraction import extract_page, iso_date
from cylvy_pipeline.analysis.page_signals import (
    PageMetadata,
    features,
    page_features,
    read_text,
    site_owner_names,
    url_path_text,
    url_sections,
)
from cylvy_pipeline.phases import content_analysis, content_scraping
from cylvy_pipeline.project.loader import load_project

FIXTURES = Path(__file__).parent / "fixtures"
BLOG_URL = "https://northwind-clearing.example/blog/instant-payments-back-office"
PRODUCT_URL = "https://lendwise.example/products/origination"


@pytest.fixture(scope="module")
def project():
    return load_project(Path(__file__).resolve().parents[2] / "cylvy_pipeline" / "project" / "sample")


def test_a_blog_post_declares_its_type_date_and_author() -> None:
    page = extract_page((FIXTURES / "blog_post.html").read_bytes(), "text/html; charset=utf-8", BLOG_URL)
    assert page.og_type == "article"
    # Every node of the @graph, nested ones too; the broken second block is ignored.
    assert page.schema_types == ("BlogPosting", "Person", "Organization", "BreadcrumbList")
    assert page.published_at == "2025-11-04"  # article:published_time, as a calendar date
    assert page.author == "Mira Okafor"  # <meta name="author"> before article:author's profile URL
    assert page.site_name == "Northwind Clearing"
    assert "Reconciliation can no longer wait" in page.text


def test_a_product_page_declares_its_types_and_no_date() -> None:
    page = extract_page((FIXTURES / "product_page.html").read_bytes(), "text/html", PRODUCT_URL)
    assert page.og_type == "website"
    # A list of @type values, a nested Offer, and a microdata itemtype given as a full URL.
    assert page.schema_types == ("SoftwareApplication", "Product", "Offer", "Service")
    assert page.published_at is None and page.author is None


def test_json_ld_author_and_date_are_read_when_no_meta_tag_says_them() -> None:
    html = (
        b'<html><head><title>Notes</title><script type="application/ld+json">'
        b'{"@type": "NewsArticle", "datePublished": "2024-06-30T23:10:00Z", "author": [{"name": "Ola Brandt"}]}'
        b"</script></head><body><article><p>" + b"Settlement windows are getting shorter every year. " * 5
        + b"</p></article></body></html>"
    )
    page = extract_page(html, "text/html", "https://press.example/notes")
    assert (page.schema_types, page.published_at, page.author) == (("NewsArticle",), "2024-06-30", "Ola Brandt")


def test_a_pdf_keeps_its_document_author_and_creation_date() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Instant payments report", "/Author": "Fenwick Research",
                         "/CreationDate": "D:20240131120000Z"})
    buffer = io.BytesIO()
    writer.write(buffer)
    page = extract_page(buffer.getvalue(), "application/pdf", "https://fenwick.example/reports/instant.pdf")
    assert (page.content_type, page.title, page.author, page.published_at) == (
        "pdf", "Instant payments report", "Fenwick Research", "2024-01-31")


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2025-11-04T09:30:00+01:00", "2025-11-04"),
        ("2025-11-04", "2025-11-04"),
        ("D:20240131120000Z", "2024-01-31"),
        ("0001-01-01T00:00:00Z", None),  # a CMS's empty date
        ("2024-02-30", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_declared_dates_become_calendar_dates(value, date) -> None:
    assert iso_date(value) == date


@pytest.mark.parametrize(
    ("url", "sections"),
    [
        ("https://bank.example/blog/instant-payments", {"article"}),
        ("https://blog.bank.example/instant-payments", {"article"}),
        ("https://bank.example/customers/fernhollow", {"case"}),
        ("https://bank.example/resources/case-studies/fernhollow/", {"case"}),
        # A slug naming its form outranks the section it is published in.
        ("https://bank.example/blog/2025/fernhollow-case-study", {"case"}),
        ("https://blog.bank.example/news/fernhollow-customer-story", {"case"}),
        ("https://bank.example/whitepapers/instant.pdf", {"paper", "pdf"}),
        ("https://bank.example/resources/guides/strategy/", {"paper"}),
        ("https://bank.example/products/payment-hub", {"product"}),
        ("https://docs.bank.example/lending/overview", {"docs"}),
        ("https://bank.example/updates/260107-credit-model", {"article", "dated"}),
        ("https://github.com/northwind-example/ledger", {"repo"}),
        ("https://github.com/northwind-example/ledger/blob/abc123/docs/guides/setup.md", {"repo_file", "docs", "paper"}),
        ("https://bank.example/", {"home"}),
        # The page's own slug says nothing by its words ("blog" in a product's name is no blog section).
        ("https://bank.example/platform/blog-engine", {"product"}),
        ("", set()),
    ],
)
def test_the_url_places_the_page_in_a_site_section(url, sections) -> None:
    assert url_sections(url) == frozenset(sections)


def test_the_entry_point_does_what_the_phases_do(project) -> None:
    body = (FIXTURES / "blog_post.html").read_bytes()
    analysis = analyze_fetched_page(body, "text/html; charset=utf-8", BLOG_URL, project)
    # The phases' own steps, one after the other: scraping's row, analysis's item, the analyzer.
    row = content_scraping.extracted_row(body, "text/html; charset=utf-8", BLOG_URL)
    item = content_analysis.page_item(BLOG_URL, row)
    assert item["metadata"] == PageMetadata(
        url=BLOG_URL, og_type="article", schema_types=("BlogPosting", "Person", "Organization", "BreadcrumbList"),
        published_at="2025-11-04", author="Mira Okafor",
    )
    expected = content_analysis.analyze_item(
        LocalContentAnalyzer(), item, content_analysis.analysis_dimensions(project), content_analysis.brand_terms(project)
    )
    assert analysis == expected
    top = {kind: max((s for s in analysis.scores if s.kind == kind), key=lambda s: s.score).name
           for kind in ("page_type", "persona")}
    assert top == {"page_type": "Blog article", "persona": "Head of Payments Operations"}
    personas = [s.score for s in analysis.scores if s.kind == "persona"]
    assert analysis.persona_relevance == pytest.approx(sum(personas) / len(personas) / 10, abs=1e-6)


def test_the_entry_point_skips_what_the_scraper_would_not_keep(project) -> None:
    body = b"<html><head><title>Blocked</title></head><body><p>Please enable JavaScript.</p></body></html>"
    assert analyze_fetched_page(body, "text/html", "https://bank.example/blog/x", project) is None


def test_what_the_page_declares_is_part_of_the_analysis_cache_key() -> None:
    def key(url: str) -> str:
        return content_analysis.analysed_content_hash("Same text.", "Same title", "html", PageMetadata(url=url))

    assert key("https://bank.example/blog/a") != key("https://bank.example/customers/a")
    assert key("https://bank.example/blog/a") == key("https://bank.example/blog/a")


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("https://docs.bank.example/lending/features/bank-statements-overview", "lending features bank statements overview"),
        # Locales, versions, file types and a code host's plumbing (blob, commit hash) say nothing.
        ("https://bank.example/en-us/v4.0/profiles/payment-initiation.html", "profiles payment initiation"),
        ("https://github.com/northwind-example/ach/blob/0226a5a537a5432a45f46261108/docs/README.md",
         "northwind example ach docs readme"),
        ("https://bank.example/", ""),
        ("", ""),
    ],
)
def test_the_words_of_the_url_path_are_where_the_site_files_the_page(url, text) -> None:
    assert url_path_text(url) == text


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("https://docs.ledger-line.example/lending/overview", ("ledger-line",)),
        ("https://www.northwind.co.uk.example/products/hub", ("northwind",)),
        # A shared host's account is the publisher; a repository's landing page presents its project too.
        ("https://northwind-labs.github.io/api-site/v4.0/profiles/vrp.html", ("northwind",)),
        ("https://github.com/northwind-labs/ach", ("northwind", "ach")),
        ("https://github.com/northwind-labs/docs/blob/0226a5a537a5/guide.md", ("northwind",)),
        ("", ()),
    ],
)
def test_the_url_names_the_pages_publisher(url, names) -> None:
    assert site_owner_names(url) == names


def test_a_page_naming_its_publisher_counts_every_spelling_of_the_name() -> None:
    text = "Ledger Line connects banks. With ledger-line and LedgerLine, ledgers reconcile; ledger lines do not."
    page = read_text(text, "Overview", "https://docs.ledger-line.example/overview")
    assert page.own_name == 3
    values = features(page, "html", PageMetadata(url="https://docs.ledger-line.example/overview"))
    # 3 mentions in a 15-word page (under 100 words, so no length scaling): log(1 + 3).
    assert values["own_name"] == pytest.approx(math.log(4))
    assert values["own_name_absent"] == 0.0


def test_a_page_that_never_names_its_publisher_says_so_and_an_unknown_publisher_says_nothing() -> None:
    text = "The payment initiation profile defines the steps an account servicer must follow."
    silent = page_features(text, "Profile", "html", PageMetadata(url="https://standards-body.example/profiles/pis"))
    assert (silent["own_name"], silent["own_name_absent"]) == (0.0, 1.0)
    unknown = page_features(text, "Profile", "html", PageMetadata())
    assert "own_name" not in unknown and "own_name_absent" not in unknown
    # A video's address names the platform it is on, not who published it.
    video = page_features(text, "Profile", "video", PageMetadata(url="https://video-platform.example/watch?v=1"))
    assert "own_name" not in video and "own_name_absent" not in video
