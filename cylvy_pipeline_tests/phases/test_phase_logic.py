"""The phases' plain functions on small hand-built frames: no Dagster, no database.

Providers here are tiny in-memory stand-ins for the provider interfaces (the network edge); every
expected value is worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from cylvy_pipeline.analysis.analyzer import AnalysisDimension, LocalContentAnalyzer
from cylvy_pipeline.phases.company_enrichment import check_serp_companies, enrich_serp_companies
from cylvy_pipeline.phases.company_enrichment_youtube import check_channel_companies, resolve_channel
from cylvy_pipeline.phases.content_analysis import analysis_dimensions, analyze_content, brand_terms, page_item
from cylvy_pipeline.phases.content_scraping import reusable_fetches, scrape_serp_pages, serp_page_urls
from cylvy_pipeline.phases.dsi_calculation import name_unrecorded_companies
from cylvy_pipeline.phases.keyword_metrics import check_keyword_metrics, collect_keyword_metrics
from cylvy_pipeline.phases.serp_collection import check_serps_fetched, collect_serps
from cylvy_pipeline.phases.youtube_enrichment import enrich_videos
from cylvy_pipeline.project.model import Company, Dimension, Keyword, Landscape, Persona, Project
from cylvy_pipeline.providers.base import KEYWORD_METRIC_COLUMNS, SERP_ITEM_COLUMNS, CompanyProfile, FetchedPage
from cylvy_pipeline.providers.errors import ProviderError

NOW = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture
def project() -> Project:
    return Project(
        name="Test",
        client=Company(name="Acme Core", domains=("acme.example", "acme-cloud.example")),
        competitors=(Company(name="Rival Ledger", domains=("rival.example",)),),
        personas=(Persona(name="CIO", description="runs IT"),),
        jtbd_phases=(Dimension(name="Validation", description="checks"),),
        markets=("US",),
        landscapes=(Landscape(name="All"),),
        enabled_phases=("keyword_metrics",),
        keywords=(Keyword(keyword="core banking", category="Banking"),),
    )


class Metrics:
    max_keywords_per_call = 2

    def __init__(self):
        self.calls = 0

    def keyword_metrics(self, keywords, market):
        self.calls += 1
        volumes = {"core banking": 1000, "loan software": None, "payments hub": 250}
        return pd.DataFrame(
            {
                "keyword": list(keywords),
                "search_volume": pd.array([volumes[k] for k in keywords], dtype="Int64"),
                "competition": "LOW",
                "competition_index": pd.array([10] * len(keywords), dtype="Int64"),
                "low_top_of_page_bid": 1.0,
                "high_top_of_page_bid": 2.0,
            }
        )[list(KEYWORD_METRIC_COLUMNS)]


def keywords_frame(rows):
    return pd.DataFrame(
        {
            "keyword": [r[0] for r in rows],
            "category": "Banking",
            "jtbd_stage": None,
            "avg_monthly_searches": pd.array([r[1] for r in rows], dtype="Int64"),
            "is_brand": False,
        }
    )


def test_keyword_metrics_batches_and_keeps_missing_volumes_missing():
    provider = Metrics()
    frame = keywords_frame([("core banking", None), ("loan software", 40), ("payments hub", None)])
    output = collect_keyword_metrics(frame, "US", provider, retry_delay_s=0)
    table = output.tables["keyword_metrics"].set_index("keyword")
    assert provider.calls == 2  # 3 keywords, at most 2 per call
    # The provider has no figure for "loan software": the keyword file's 40 is used, flagged as missing.
    assert table["search_volume"].tolist() == [1000, 40, 250]
    assert table["metrics_missing"].tolist() == [False, True, False]
    assert output.result["volume_coverage"] == 1.0
    assert check_keyword_metrics(output.tables["keyword_metrics"], 3, 0.8).passed
    assert not check_keyword_metrics(output.tables["keyword_metrics"], 4, 0.8).passed


class Serp:
    def search(self, keyword, market, serp_type, depth):
        if serp_type == "news":
            return pd.DataFrame(columns=list(SERP_ITEM_COLUMNS))  # no news for this keyword
        return pd.DataFrame(
            {
                "position": [1, 2], "url": ["https://www.acme.example/a", "https://rival.example/b"],
                "title": "t", "snippet": "s", "domain": ["www.acme.example", "rival.example"],
                "source": pd.NA, "published_at": pd.NaT, "video_length_seconds": pd.NA,
            }
        )[list(SERP_ITEM_COLUMNS)]


def test_serps_estimate_traffic_and_record_empty_results():
    metrics = pd.DataFrame({"keyword": ["core banking", "loan software"],
                            "search_volume": pd.array([1000, None], dtype="Int64")})
    output = collect_serps(metrics, "US", ("organic", "news"), 2, Serp(), default_search_volume=10, retry_delay_s=0)
    results = output.tables["serp_results"]
    organic = results[results["keyword"] == "core banking"].set_index("position")
    # 1000 × CTR(1) = 1000 × 0.2823 = 282.3; 1000 × CTR(2) = 157.2
    assert organic["estimated_traffic"].tolist() == pytest.approx([282.3, 157.2])
    # No volume: the default 10 is used and flagged. 10 × 0.2823 = 2.823
    defaulted = results[results["keyword"] == "loan software"]
    assert defaulted["volume_defaulted"].all()
    assert defaulted["estimated_traffic"].tolist() == pytest.approx([2.823, 1.572])
    fetches = output.tables["serp_fetches"]
    assert fetches.loc[fetches["serp_type"] == "news", "result_count"].tolist() == [0, 0]
    assert check_serps_fetched(fetches, ["core banking", "loan software"], ("organic", "news")).passed
    missing = check_serps_fetched(fetches.iloc[1:], ["core banking", "loan software"], ("organic", "news"))
    assert not missing.passed and missing.metrics["missing"] == 1


class Companies:
    def __init__(self):
        self.asked: list[str] = []

    def company_profile(self, domain):
        self.asked.append(domain)
        known = domain != "mystery-blog.example"
        return CompanyProfile(
            domain=domain, name=("Rival Ledger Inc" if known else None), industry="Software" if known else None,
            description=None, employees=None, revenue_usd=None, hq_country=None, source="test",
        )


def test_company_identity_by_registrable_domain_with_declared_companies_first(project):
    serp = pd.DataFrame(
        {
            "serp_type": ["organic"] * 5 + ["video"],
            "domain": ["www.acme.example", "blog.acme.example", "acme-cloud.example", "rival.example",
                       "mystery-blog.example", "video.example"],
        }
    )
    cached = pd.DataFrame([{
        "domain": "rival.example", "company_name": "Rival Ledger", "industry": "Software", "description": None,
        "employees": None, "revenue_usd": None, "hq_country": None, "source": "test", "source_type": "COMPETITOR",
        "confidence": 1.0, "enriched_at": NOW,
    }])
    provider = Companies()
    output = enrich_serp_companies(serp, project, cached, provider, now=NOW, retry_delay_s=0)
    table = output.tables["serp_domain_companies"].set_index("host")
    # www., blog. and the second declared domain are all the client, under its first domain.
    assert set(table.loc[["www.acme.example", "blog.acme.example", "acme-cloud.example"], "company_domain"]) == {
        "acme.example"
    }
    assert table.loc["www.acme.example", "source_type"] == "OWNED"
    # rival.example was fresh in the cache: never asked again. Video hosts are not SERP companies.
    assert sorted(provider.asked) == ["acme-cloud.example", "acme.example", "mystery-blog.example"]
    assert "video.example" not in table.index
    # Unknown to the source: its own company, named from its domain, not enriched.
    assert table.loc["mystery-blog.example", "company_name"] == "Mystery Blog"
    assert not table.loc["mystery-blog.example", "enriched"]
    assert output.result["domains"] == 4 and output.result["domains_enriched"] == 3
    assert check_serp_companies(output.tables["serp_domain_companies"], project, 0.7).passed


def test_catch_all_guard_fails_when_unrelated_domains_share_a_company(project):
    lumped = pd.DataFrame(
        {
            "host": ["one.example", "two.example"], "company_domain": ["unknown", "unknown"],
            "company_name": ["Unknown", "Unknown"], "source_type": "OTHER", "enriched": True, "from_cache": False,
        }
    )
    outcome = check_serp_companies(lumped, project, 0.8)
    assert not outcome.passed
    assert outcome.description == "1 companies hold unrelated domains, e.g. unknown holds one.example, two.example"


class VideoApi:
    max_ids_per_call = 2

    def __init__(self, fail_after: int):
        self.fail_after, self.quota_units_used = fail_after, 0

    def videos(self, ids):
        self.quota_units_used += 1
        if self.quota_units_used > self.fail_after:
            raise ProviderError("quota exceeded", transient=False)
        return pd.DataFrame(
            {
                "video_id": list(ids), "title": "v", "description": "d", "channel_id": "c1", "channel_title": "C",
                "published_at": NOW, "view_count": pd.array([100] * len(ids), dtype="Int64"),
                "like_count": pd.array([10] * len(ids), dtype="Int64"),
                "comment_count": pd.array([None] * len(ids), dtype="Int64"), "duration_seconds": 60,
            }
        )


def test_youtube_outage_degrades_and_keeps_what_it_got():
    serp = pd.DataFrame(
        {"serp_type": "video", "url": [f"https://video.example/watch?v=id{i}" for i in range(5)]}
    )
    output = enrich_videos(serp, VideoApi(fail_after=1), retry_delay_s=0)
    videos = output.tables["youtube_videos"]
    assert len(videos) == 2 and output.result["degraded"] is True
    assert output.result["video_coverage"] == 0.4  # 2 of 5
    assert output.result["degraded_reason"] == "video details (videos 3–4) failed: quota exceeded"
    # (10 likes + no comments) / 100 views = 0.1, a fraction, not a percentage
    assert videos["engagement_rate"].tolist() == [0.1, 0.1]


class Web:
    def __init__(self):
        self.fetched: list[str] = []

    def fetch(self, url):
        self.fetched.append(url)
        if url.endswith("/gone"):
            return FetchedPage(url, url, 404, "text/html", b"")
        if url.endswith("/thin"):
            return FetchedPage(url, url, 200, "text/html", b"<html><body><p>Hi</p></body></html>")
        body = "<html><head><title>Loans</title></head><body><article>" + "<p>Loan origination for banks. " * 20
        return FetchedPage(url, url, 200, "text/html; charset=utf-8", (body + "</article></body></html>").encode())


def test_scraping_uses_the_cache_and_records_failures_with_reasons():
    serp = pd.DataFrame(
        {
            "serp_type": ["organic", "organic", "news", "organic", "video"],
            "url": ["https://a.example/page?utm_source=x", "https://a.example/gone", "https://a.example/thin",
                    "https://a.example/cached/", "https://video.example/watch?v=1"],
        }
    )
    urls = serp_page_urls(serp)
    cached = pd.DataFrame([{
        "normalized_url": "https://a.example/cached", "url": "https://a.example/cached", "status": "scraped",
        "failure_reason": None, "http_status": 200, "title": "Cached", "meta_description": None,
        "word_count": 300, "content_type": "html", "content_hash": "h", "fetched_at": NOW,
    }])
    web = Web()
    recorded = {}

    def produce_once(key, produce):  # what the page cache receives, keyed as the claims key it
        recorded[key] = produce()
        return recorded[key], True

    output = scrape_serp_pages(urls, cached, web, produce_once, now=NOW, retry_delay_s=0)
    table = output.tables["scraped_pages"].set_index("url")
    assert "https://a.example/cached/" not in web.fetched and len(web.fetched) == 3  # videos are not scraped
    assert table.loc["https://a.example/cached/", "from_cache"]
    assert table.loc["https://a.example/page?utm_source=x", "status"] == "scraped"
    assert table.loc["https://a.example/gone", "failure_reason"] == "HTTP 404"
    assert table.loc["https://a.example/thin", "failure_reason"].startswith("too little text (")
    assert output.result["scrape_coverage"] == 0.5  # 2 of 4 (cached + page)
    # Every fetch went to the cache, failures with their reason; the cached page was not fetched again.
    assert sorted(recorded) == ["https://a.example/gone", "https://a.example/page", "https://a.example/thin"]
    assert recorded["https://a.example/gone"]["status"] == "failed"


def test_only_transient_failures_are_fetched_again():
    def cached(url, status, http_status, reason=None):
        return {"normalized_url": url, "url": url, "status": status, "failure_reason": reason,
                "http_status": http_status, "title": None, "meta_description": None, "word_count": None,
                "content_type": None, "content_hash": None, "fetched_at": NOW}

    rows = pd.DataFrame([
        cached("https://a.example/ok", "scraped", 200),
        cached("https://a.example/gone", "failed", 404, "HTTP 404"),
        cached("https://a.example/removed", "failed", 410, "HTTP 410"),
        cached("https://a.example/thin", "failed", 200, "too little text (40 characters, need 100)"),
        cached("https://a.example/timeout", "failed", None, "fetch https://a.example/timeout: timed out"),
        cached("https://a.example/busy", "failed", 429, "HTTP 429"),
        cached("https://a.example/down", "failed", 503, "HTTP 503"),
    ])
    assert reusable_fetches(rows)["normalized_url"].tolist() == [
        "https://a.example/ok", "https://a.example/gone", "https://a.example/removed", "https://a.example/thin",
    ]


PLATFORMS = {"social.example", "video.example"}  # sites whose source type is SOCIAL_MEDIA, and the video site
SITE_NAMES = {"acme-bank.example": "Acme", "rival.example": "Rival Ledger", "social.example": "Social"}


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        # The channel's own site first, even behind a platform link and with a channel word in its name.
        ({"title": "Acme TV", "links": ["https://social.example/acme", "https://acme-bank.example/"]},
         ("acme-bank.example", "own_site_link")),
        # A known company's exact name (or handle), channel words aside, before any other link.
        ({"title": "Rival Ledger TV", "links": ["https://blog.someone.example/"]}, ("rival.example", "name_match")),
        ({"title": "Videos", "custom_url": "@rivalledger"}, ("rival.example", "name_match")),
        # A site of its own that names nobody we know.
        ({"links": ["https://social.example/x", "https://www.rival.example/about"]}, ("rival.example", "channel_link")),
        ({"description": "Visit news.acme-cloud.example for more"}, ("acme-cloud.example", "domain_in_description")),
        # Links to platforms never make the platform the owner.
        ({"title": "Someone's Fintech Vlog", "links": ["https://social.example/someone"]}, (None, "unresolved")),
        ({"description": "Watch us on video.example and social.example"}, (None, "unresolved")),
    ],
)
def test_channel_resolution_order(channel, expected):
    row = pd.Series({"links": [], "custom_url": pd.NA, "description": pd.NA, "title": "x", **channel})
    assert resolve_channel(row, {"rivalledger": "rival.example"}, SITE_NAMES, PLATFORMS) == expected


def test_the_channel_guard_fails_when_one_company_collects_channels_not_named_after_it():
    def channels(*rows):
        return pd.DataFrame(rows, columns=["channel_id", "channel_title", "company_domain", "company_name", "method"])

    lumped = check_channel_companies(channels(
        ("c1", "Fintech Weekly", "social.example", "Social", "channel_link"),
        ("c2", "Banking Explained", "social.example", "Social", "channel_link"),
        ("c3", "Social TV", "social.example", "Social", "name_match"),
        ("c4", "Acme Insights", "acme-bank.example", "Acme", "own_site_link"),
    ))
    assert not lumped.passed
    assert lumped.description == (
        "1 companies are credited with channels not named after them, e.g. social.example with 2 "
        "(Banking Explained, Fintech Weekly)"
    )
    assert lumped.metrics == {"lumped_companies": 1, "channels_not_named_after_their_company": 2}
    # One differently named channel is plausible; unresolved channels are nobody's.
    fine = check_channel_companies(channels(
        ("c1", "Fintech Weekly", "acme-bank.example", "Acme", "channel_link"),
        ("c2", "Acme TV", "acme-bank.example", "Acme", "name_match"),
        ("c3", "Banking Explained", None, None, "unresolved"),
    ))
    assert fine.passed and fine.metrics["channels_not_named_after_their_company"] == 1
    assert check_channel_companies(channels()).passed  # no videos (a YouTube outage): nothing to guard


def test_companies_without_a_record_take_the_name_their_pages_declare():
    companies = pd.DataFrame(
        {
            "host": ["www.bankinggazette.example", "ledgerline.example", "quietsite.example"],
            "company_domain": ["bankinggazette.example", "ledgerline.example", "quietsite.example"],
            "company_name": ["Bankinggazette", "Ledgerline", "Quietsite"],
            "enriched": [False, True, False],
        }
    )
    pages = pd.DataFrame(
        {
            "url": ["https://www.bankinggazette.example/a", "https://ledgerline.example/b", "https://quietsite.example/c"],
            "title": ["A", "B", "C"],
            "site_name": ["Banking Gazette", "Ledger Line Marketing", None],
        }
    )
    serps = pd.DataFrame({"url": pages["url"], "domain": companies["host"]})
    renamed = name_unrecorded_companies(companies, pages, serps)
    # Known companies keep their record's name; an unrecorded one without a declared name keeps its own.
    assert renamed["company_name"].tolist() == ["Banking Gazette", "Ledgerline", "Quietsite"]
    assert name_unrecorded_companies(companies, pages.iloc[0:0], serps).equals(companies)


def test_a_persona_is_scored_by_what_it_works_on_and_what_it_wants(project):
    lending = Persona(name="Head of Lending", description="Owns the loan book", goals=("Decide in minutes",),
                      pain_points=("Manual underwriting",), keywords=("loan origination", "SME lending"))
    personas = [d for d in analysis_dimensions(project.model_copy(update={"personas": (lending,)}))
                if d.kind == "persona"]
    # Keywords and description name its subject; goals and pain points are outcome terms (they count less).
    assert personas == [AnalysisDimension("persona", "Head of Lending",
                                          ("loan origination", "SME lending", "Owns the loan book"),
                                          ("Decide in minutes", "Manual underwriting"))]


ENGLISH_PAGE = (
    "Regional banks still run cores that are decades old. Every product launch waits for the core, and the "
    "cost of running it grows each year. This guide explains how a bank moves its core to the cloud in "
    "phases, which risks to plan for and what the regulator expects of the cloud vendor."
)
GERMAN_PAGE = (
    "Viele Regionalbanken arbeiten noch mit einem jahrzehntealten Kernbankensystem. Jede Produkteinführung "
    "dauert Monate, und die Wartungskosten steigen. Der Umstieg auf ein Kernbankensystem in der Cloud senkt die "
    "Betriebskosten und öffnet Schnittstellen für Partner. Der CIO muss dabei die Anforderungen der Aufsicht "
    "an Auslagerungen erfüllen."
)


class AnyLanguageAnalyzer:
    """Another analyzer (as an LLM would be): it reads every language, so nothing needs saying."""

    def __init__(self):
        self._local = LocalContentAnalyzer()
        self.version = f"any-language+{self._local.version}"

    def analyze(self, *args, **kwargs):
        return self._local.analyze(*args, **kwargs)


@pytest.mark.parametrize("analyzer", [LocalContentAnalyzer(), AnyLanguageAnalyzer()], ids=["local", "other"])
def test_pages_not_in_english_are_counted_and_the_local_analyzer_says_it_cannot_read_them(project, analyzer):
    rows = [("https://guides.example/core", ENGLISH_PAGE), ("https://ratgeber.example/kernbanken", GERMAN_PAGE)]
    items = pd.DataFrame([{**page_item(url, {"title": "Core", "text": text, "content_type": "html"}),
                           "content_kind": "page"} for url, text in rows])
    video = {**page_item("https://video.example/v", {"title": "Kernbanken", "text": GERMAN_PAGE}),
             "content_kind": "video"}
    items = pd.concat([items, pd.DataFrame([video])], ignore_index=True)  # videos are not counted
    output = analyze_content(items, analysis_dimensions(project), brand_terms(project), pd.DataFrame(
        columns=["content_hash", "result"]), analyzer, lambda key, produce: (produce(), True), now=NOW)
    assert output.result["pages_not_in_english"] == 1
    assert output.result["analysis_coverage"] == 1.0  # analysed all the same
    if isinstance(analyzer, LocalContentAnalyzer):
        assert output.result["language_warning"] == (
            "1 of 2 pages are not in English, the one language the local analyzer reads "
            "(e.g. https://ratgeber.example/kernbanken): their relevance is near 0 whatever they say; "
            "analyse this market with content_analyzer: openai"
        )
    else:
        assert "language_warning" not in output.result
