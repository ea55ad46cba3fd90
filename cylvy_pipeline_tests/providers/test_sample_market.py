"""The simulated market behind the sample providers: determinism, realism and the shapes phases rely on."""

from __future__ import annotations

import hashlib
import html
import io
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pypdf
import pytest

from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.providers.base import (
    CHANNEL_COLUMNS,
    KEYWORD_METRIC_COLUMNS,
    SERP_ITEM_COLUMNS,
    SOURCE_TYPES,
    VIDEO_COLUMNS,
)
from cylvy_pipeline.providers.sample.market import SimulatedMarket, canonical_market, get_market
from cylvy_pipeline.providers.sample.pdf import make_pdf

from .conftest import CLIENT, COMPETITORS, make_project

MARKETS = ("US", "UK", "DE")
REPO = Path(__file__).resolve().parents[2]

#: Real organisations of the banking-software, payments, media and tech world (40 names: vendors,
#: card schemes, platforms, publishers, regulators, analysts) that must never appear in the simulation.
#: Kept as truncated SHA-256 digests of the lower-case name so that the repository itself names none.
REAL_NAME_DIGESTS = frozenset({
    "3ec20fe6b71dc063", "de4d5f3c69ddf6d1", "3f9d6ae763adc5d7", "f1940e17966f6619", "3526e4d894f493c1", "78109392ba5d152e",
    "c028a63d94939665", "9202af6ce925b26a", "ab877737b6081bd1", "f1e2e1102c6313dd", "01a7b79c3304399b", "2bed2032ed3d8300",
    "ee46e2d141d53f08", "afe4d16f403a383f", "e759968ca9278b8d", "07863e7a6a2154ba", "24e6654bfd1ab85b", "bbdefa2950f49882",
    "84308bea454057aa", "7352f353c460e74c", "3d59f7548e1af215", "234330834c41105a", "0fb9765e58d296e5", "ecf172f4e83bcbb9",
    "aa6298f88ce1719a", "d4622f4dc48a8b81", "8c5e7d7c59147602", "a33603bf79f74b05", "54b2579b9a35dfd4", "7953047b47a024ff",
    "3ccbd9105a45d8fc", "9fbf261b62c1d7c0", "cbc62794911ff31b", "bf11ba3f487c3841", "2e183f2a7a70de1c", "0616a267820d2c78",
    "a9d21499d1b41fff", "286a3c612017ad1d", "3e808ece8227f5d4", "4d748ebd71af03a7",
})


def _phrases(text: str, longest: int = 3) -> set[str]:
    """Every run of 1 to ``longest`` consecutive words of ``text``, lower-cased."""
    words = re.sub(r"[^a-z ]", " ", text.casefold()).split()
    return {" ".join(words[i : i + n]) for n in range(1, longest + 1) for i in range(len(words) - n + 1)}


def _real_name_in(text: str) -> str | None:
    return next(
        (p for p in _phrases(text) if hashlib.sha256(p.encode()).hexdigest()[:16] in REAL_NAME_DIGESTS), None
    )


def _keywords(project):
    return [k.keyword for k in project.keywords]


def _serps(market, project, serp_type, depth=10):
    return {
        (k, m): market.serp(k, m, serp_type, depth) for k in _keywords(project) for m in MARKETS
    }


@pytest.fixture(scope="module")
def organic(market, project):
    return _serps(market, project, "organic")


@pytest.fixture(scope="module")
def news(market, project):
    return _serps(market, project, "news")


@pytest.fixture(scope="module")
def video(market, project):
    return _serps(market, project, "video")


# ---- determinism -----------------------------------------------------------------------------------------


def _fingerprint(market: SimulatedMarket, keywords: list[str]) -> list[pd.DataFrame]:
    frames = [market.keyword_metrics(keywords, m) for m in MARKETS]
    for keyword in keywords[:8]:
        for m in MARKETS:
            for serp_type in ("organic", "news", "video"):
                frames.append(market.serp(keyword, m, serp_type, 10))
    frames.append(market.video_details([v.video_id for v in market.videos[:50]]))
    frames.append(market.channel_details([c.channel_id for c in market.channels[:50]]).astype({"links": str}))
    return frames


def test_two_fresh_markets_produce_identical_frames(project):
    a, b = SimulatedMarket(project, seed=7), SimulatedMarket(project, seed=7)
    for left, right in zip(_fingerprint(a, _keywords(project)), _fingerprint(b, _keywords(project)), strict=True):
        pd.testing.assert_frame_equal(left, right)
    assert [c.name for c in a.companies] == [c.name for c in b.companies]
    assert [p.url for p in a.pages] == [p.url for p in b.pages]
    page = next(p for p in a.pages if p.status == 200 and not p.thin and p.section != "home")
    assert a.fetch(page.url).body == b.fetch(page.url).body


def test_a_different_seed_gives_a_different_market(project):
    a, b = SimulatedMarket(project, seed=7), SimulatedMarket(project, seed=8)
    keyword = _keywords(project)[0]
    assert not a.serp(keyword, "US", "organic", 10).equals(b.serp(keyword, "US", "organic", 10))


_DIGEST_SCRIPT = """
import hashlib, sys
from cylvy_pipeline_tests.providers.conftest import make_project
from cylvy_pipeline_tests.providers.test_sample_market import _fingerprint, _keywords
from cylvy_pipeline.providers.sample.market import SimulatedMarket
project = make_project()
market = SimulatedMarket(project, seed=7)
digest = hashlib.sha256()
for frame in _fingerprint(market, _keywords(project)):
    digest.update(frame.to_csv().encode())
page = next(p for p in market.pages if p.is_pdf and p.status == 200)
digest.update(market.fetch(page.url).body)
print(digest.hexdigest())
"""


def test_outputs_are_identical_across_processes_with_different_hash_seeds():
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)}
        result = subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, check=True
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1


def test_get_market_reuses_one_market_per_project_and_seed(project):
    assert get_market(project, 7) is get_market(make_project(), 7)
    assert get_market(project, 7) is not get_market(project, 8)


# ---- companies ---------------------------------------------------------------------------------------------


def test_universe_has_60_to_90_organisations_of_every_kind(market):
    companies = market.companies
    assert 60 <= len(companies) <= 90
    assert {c.source_type for c in companies} == set(SOURCE_TYPES)
    assert len({c.domain for c in companies}) == len(companies)
    assert len({c.name.casefold() for c in companies}) == len(companies)
    assert any(c.domain.endswith(".co.uk.example") for c in companies if c.kind == "publisher")
    assert any(c.hq_country == "DE" for c in companies if c.kind == "vendor")
    assert any(re.search(r"-edu\.example$", c.domain) for c in companies if c.kind == "education")


def test_project_client_and_competitors_are_in_the_universe(market):
    assert market.client.name == CLIENT.name
    assert market.client.domains == CLIENT.domains
    assert market.client.source_type == "OWNED"
    assert [(c.name, c.domains) for c in market.competitors] == [(c.name, c.domains) for c in COMPETITORS]
    assert all(c.source_type == "COMPETITOR" for c in market.competitors)
    for company in (CLIENT, *COMPETITORS):
        for domain in company.domains:
            assert market.company_for_host(domain).name == company.name
            assert market.company_for_host(f"www.{domain}").name == company.name


def test_every_domain_host_and_link_is_under_the_reserved_example_tld(market):
    hosts = {h for c in market.companies for h in (*c.domains, *c.hosts)}
    hosts |= {urlsplit(p.url).hostname for p in market.pages}
    hosts |= {urlsplit(link).hostname for ch in market.channels for link in ch.links}
    hosts |= {urlsplit(v.url).hostname for v in market.videos}
    urls_in_text = re.findall(r"https?://[^\s)]+", " ".join(v.description for v in market.videos))
    hosts |= {urlsplit(u).hostname for u in urls_in_text}
    assert hosts and all(h.endswith(".example") for h in hosts), sorted(h for h in hosts if not h.endswith(".example"))


def test_no_real_company_names(market):
    names = [c.name for c in market.companies] + [ch.title for ch in market.channels]
    assert len(REAL_NAME_DIGESTS) == 40
    assert _phrases("North-wind Ledger Co") >= {"north wind ledger", "ledger co", "wind"}
    for name in names:
        assert _real_name_in(name) is None, f"{name!r} looks like a real organisation"


def test_about_ten_percent_of_other_domains_are_unknown_to_the_company_data_source(market):
    others = [c for c in market.companies if c.kind not in ("client", "competitor")]
    unknown = [c for c in others if not c.known_to_data_provider]
    assert 0.07 <= len(unknown) / len(others) <= 0.13
    for company in unknown:
        profile = market.company_profile(company.domain)
        assert (profile.name, profile.industry, profile.employees, profile.source_type) == (None, None, None, None)
    for company in (market.client, *market.competitors):
        assert market.company_profile(company.domain).name == company.name


def test_company_profiles_are_keyed_by_registrable_domain_and_hosts_resolve_to_it(market):
    for company in market.companies:
        if not company.known_to_data_provider:
            continue
        profile = market.company_profile(company.domain)
        assert profile.name == company.name
        assert profile.industry and profile.description and profile.employees > 0 and profile.hq_country
        assert profile.source_type in SOURCE_TYPES
        for host in company.hosts:
            assert market.company_profile(host).name == company.name
    publisher = next(c for c in market.companies if c.kind == "publisher" and c.known_to_data_provider)
    assert market.company_profile(publisher.domain).source_type == "PREMIUM_PUBLISHER"
    nobody = market.company_profile("no-such-company.example")
    assert nobody.domain == "no-such-company.example" and nobody.name is None and nobody.employees is None


# ---- keyword metrics ------------------------------------------------------------------------------------


def test_keyword_metrics_frame_shape(market, project):
    keywords = _keywords(project) + ["a keyword nobody configured"]
    frame = market.keyword_metrics(keywords, "US")
    assert tuple(frame.columns) == KEYWORD_METRIC_COLUMNS
    assert frame["keyword"].tolist() == keywords
    assert str(frame["search_volume"].dtype) == "Int64"
    assert str(frame["competition_index"].dtype) == "Int64"
    present = frame.dropna(subset=["search_volume"])
    assert set(present["competition"]) <= {"LOW", "MEDIUM", "HIGH"}
    assert present["competition_index"].between(0, 100).all()
    assert (present["low_top_of_page_bid"] <= present["high_top_of_page_bid"]).all()
    assert (present["search_volume"] >= 10).all()


def test_volumes_differ_by_market(market, project):
    keywords = _keywords(project)
    volumes = {m: market.keyword_metrics(keywords, m).set_index("keyword")["search_volume"] for m in MARKETS}
    both = pd.concat(volumes, axis=1).dropna()
    assert len(both) >= 0.8 * len(keywords)
    assert (both["US"] != both["UK"]).mean() > 0.8
    assert (both["UK"] != both["DE"]).mean() > 0.6
    assert both["US"].sum() > both["UK"].sum() and both["US"].sum() > both["DE"].sum()
    # not just a scaling: the markets order keywords differently
    assert both["US"].rank().tolist() != both["UK"].rank().tolist()
    assert market.keyword_metrics(keywords, "GB").equals(market.keyword_metrics(keywords, "UK"))


def test_missing_metrics_are_na_not_zero(market):
    keywords = [f"synthetic keyword {i}" for i in range(400)]
    missing = 0
    for m in MARKETS:
        frame = market.keyword_metrics(keywords, m)
        gaps = frame[frame["search_volume"].isna()]
        missing += len(gaps)
        assert gaps["competition"].isna().all() and gaps["competition_index"].isna().all()
        assert gaps["low_top_of_page_bid"].isna().all() and gaps["high_top_of_page_bid"].isna().all()
        assert not (frame["search_volume"] == 0).any()
    assert 0.02 <= missing / (3 * len(keywords)) <= 0.08


def test_unknown_market_is_rejected():
    assert canonical_market("gb") == "UK" and canonical_market(" de ") == "DE"
    with pytest.raises(ValueError, match="unknown market 'XX'"):
        canonical_market("XX")


# ---- SERPs --------------------------------------------------------------------------------------------


def test_serp_frames_have_the_contract_columns_and_dtypes(organic, news, video):
    for frames in (organic, news, video):
        for frame in frames.values():
            assert tuple(frame.columns) == SERP_ITEM_COLUMNS
            assert frame["position"].tolist() == list(range(1, len(frame) + 1))
            assert str(frame["published_at"].dtype) == "datetime64[us, UTC]"
            assert str(frame["video_length_seconds"].dtype) == "Int64"
            assert frame["url"].notna().all() and frame["title"].notna().all() and frame["domain"].notna().all()
    empty = next((f for f in news.values() if f.empty), None)
    assert empty is not None and tuple(empty.columns) == SERP_ITEM_COLUMNS


def test_depth_is_respected(market, project):
    for keyword in _keywords(project)[:10]:
        for depth in (1, 3, 10, 25):
            assert len(market.serp(keyword, "US", "organic", depth)) == depth
            assert len(market.serp(keyword, "US", "news", depth)) <= depth
            assert len(market.serp(keyword, "US", "video", depth)) <= depth
        assert market.serp(keyword, "US", "organic", 0).empty
    assert len(market.serp("a keyword nobody configured", "DE", "organic", 10)) == 10


def test_rankings_and_shares_differ_by_market(market, organic, project):
    keywords = _keywords(project)
    differing = sum(
        organic[(k, "US")]["url"].tolist() != organic[(k, "UK")]["url"].tolist()
        and organic[(k, "UK")]["url"].tolist() != organic[(k, "DE")]["url"].tolist()
        for k in keywords
    )
    assert differing >= 0.9 * len(keywords)

    def share(m, predicate):
        rows = pd.concat([organic[(k, m)] for k in keywords])
        return rows["domain"].map(lambda d: predicate(market.company_for_host(d))).mean()

    def uk(c):
        return c.domain.endswith(".co.uk.example")

    def german(c):
        return c.hq_country == "DE"

    assert share("UK", uk) > 2 * share("US", uk)
    assert share("DE", german) > 2 * share("US", german)
    client_share = {m: share(m, lambda c: c.kind == "client") for m in MARKETS}
    assert len(set(client_share.values())) == 3


def test_client_and_competitors_rank_often_but_not_always(market, organic, project):
    keywords = _keywords(project)
    for m in MARKETS:
        ranked = [
            {market.company_for_host(d).kind for d in organic[(k, m)]["domain"]} & {"client", "competitor"}
            for k in keywords
        ]
        with_project_company = sum(bool(kinds) for kinds in ranked)
        assert 0.3 * len(keywords) <= with_project_company <= len(keywords)
        assert sum("client" in kinds for kinds in ranked) < len(keywords)


def test_hosts_vary_between_www_bare_and_subdomains(market, organic, news):
    domains = {d for frames in (organic, news) for f in frames.values() for d in f["domain"]}
    assert any(d.startswith("www.") for d in domains)
    assert any(d.count(".") == 1 for d in domains)  # bare registrable domains
    for prefix in ("blog.", "news.", "docs."):
        assert any(d.startswith(prefix) for d in domains), prefix
    hosts_per_company = defaultdict(set)
    for d in domains:
        hosts_per_company[market.company_for_host(d).domain].add(d)
    assert sum(len(hosts) >= 2 for hosts in hosts_per_company.values()) >= 5
    client_hosts = hosts_per_company[market.client.domain] | {
        urlsplit(p.url).hostname for p in market.pages if p.company == market.client.index
    }
    assert {"alderbridge.example", "alderbridge-cloud.example"} <= {
        h.removeprefix("www.").removeprefix("blog.").removeprefix("docs.").removeprefix("news.") for h in client_hosts
    }


def test_serp_urls_carry_tracking_parameters_and_trailing_slashes_sometimes(organic, news):
    urls = [u for frames in (organic, news) for f in frames.values() for u in f["url"]]
    assert any("?utm_" in u for u in urls)
    assert any(urlsplit(u).path.endswith("/") and urlsplit(u).path != "/" for u in urls)
    assert any(u.endswith(".pdf") for u in urls)


def test_news_results_name_the_publisher_and_date_and_rare_keywords_get_fewer(market, news, project):
    frames = list(news.values())
    rows = pd.concat(frames)
    assert rows["source"].notna().all() and rows["published_at"].notna().all()
    for source, domain in zip(rows["source"], rows["domain"]):
        assert market.company_for_host(domain).name == source
    publishers = rows["domain"].map(lambda d: market.company_for_host(d).kind)
    assert (publishers == "publisher").mean() > 0.6
    sizes = [len(f) for f in frames]
    assert 0 in sizes and max(sizes) == 10 and sum(s < 10 for s in sizes) > 0.1 * len(sizes)


def test_organic_rows_have_no_source_or_video_length(organic):
    rows = pd.concat(list(organic.values()))
    assert rows["source"].isna().all() and rows["video_length_seconds"].isna().all()


def test_video_results_point_at_known_videos_and_channels(market, video):
    rows = pd.concat(list(video.values()))
    assert len(rows) > 0
    assert rows["url"].str.fullmatch(r"https://video\.example/watch\?v=[A-Za-z0-9_-]{11}").all()
    assert (rows["domain"] == "video.example").all()
    assert rows["video_length_seconds"].notna().all() and rows["published_at"].notna().all()
    ids = sorted({u.rsplit("=", 1)[1] for u in rows["url"]})
    details = pd.concat([market.video_details(ids[i : i + 50]) for i in range(0, len(ids), 50)])
    assert sorted(details["video_id"]) == ids
    by_id = details.set_index("video_id")
    for url, source in zip(rows["url"], rows["source"]):
        assert by_id.loc[url.rsplit("=", 1)[1], "channel_title"] == source
    channels = market.channel_details(sorted(set(details["channel_id"])))
    assert set(channels["channel_id"]) == set(details["channel_id"])


def test_market_gb_is_uk(market):
    assert market.serp("kyc software", "GB", "organic", 10).equals(market.serp("kyc software", "UK", "organic", 10))


# ---- YouTube data -----------------------------------------------------------------------------------------


def test_video_and_channel_frames(market):
    videos = market.video_details([v.video_id for v in market.videos] + ["no-such-vid"])
    assert tuple(videos.columns) == VIDEO_COLUMNS
    assert len(videos) == len(market.videos)
    for column in ("view_count", "like_count", "comment_count", "duration_seconds"):
        assert str(videos[column].dtype) == "Int64"
    assert videos["view_count"].notna().all() and videos["duration_seconds"].gt(0).all()
    assert videos["like_count"].isna().any() and videos["like_count"].notna().mean() > 0.8
    assert videos["description"].str.contains("https://").any()
    assert market.video_details(["dup", market.videos[0].video_id, market.videos[0].video_id]).shape[0] == 1

    channels = market.channel_details([c.channel_id for c in market.channels])
    assert tuple(channels.columns) == CHANNEL_COLUMNS
    assert all(isinstance(links, list) for links in channels["links"])
    assert channels["custom_url"].dropna().str.startswith("@").all()


def test_channels_belong_to_companies_or_independent_creators(market):
    company_channels = [c for c in market.channels if c.company is not None]
    creators = [c for c in market.channels if c.company is None]
    assert len(creators) >= 5 and len(company_channels) >= 20
    with_homepage = [
        c for c in company_channels
        if any(market.company_for_host(urlsplit(link).hostname).index == c.company for link in c.links)
    ]
    assert 0.45 <= len(with_homepage) / len(company_channels) <= 0.75
    assert any(market.companies[c.company].name in c.description for c in company_channels)
    assert any(market.companies[c.company].name not in c.description for c in company_channels)
    for creator in creators:
        for link in creator.links:
            assert market.company_for_host(urlsplit(link).hostname).kind == "social_media"
    assert market.client.index in {c.company for c in company_channels}


# ---- the web ---------------------------------------------------------------------------------------------


def test_every_organic_and_news_url_is_fetchable(market, organic, news):
    urls = sorted({u for frames in (organic, news) for f in frames.values() for u in f["url"]})
    statuses = Counter()
    for url in urls:
        page = market.fetch(url)
        statuses[page.status_code] += 1
        assert page.url == url
        assert page.status_code in (200, 404, 500)
        if page.status_code == 200:
            assert page.content_type in ("text/html; charset=utf-8", "application/pdf")
            assert page.body
    assert statuses[200] / len(urls) >= 0.9
    assert statuses[404] + statuses[500] > 0


def test_page_html_has_boilerplate_and_main_text_about_the_topic(market, project):
    pages = [p for p in market.pages if p.status == 200 and not p.thin and not p.is_pdf and p.section != "home"]
    persona_terms = {t.casefold() for persona in project.personas for t in persona.keywords}
    competitor_names = {c.name for c in COMPETITORS} | {CLIENT.name}
    mentions_persona = mentions_brand = 0
    for page in pages:
        document = market.fetch(page.url).body.decode("utf-8")
        assert "<nav>" in document and "<footer>" in document and "<main>" in document
        assert f"<title>{html.escape(page.title)}</title>" in document
        assert f'<meta name="description" content="{html.escape(page.description)}">' in document
        _, paragraphs = market.page_text(page)
        text = " ".join(paragraphs)
        assert 4 <= len(paragraphs) <= 24
        assert page.topic.casefold() in text.casefold()
        mentions_persona += any(term in text.casefold() for term in persona_terms)
        mentions_brand += any(name in text for name in competitor_names if name != market.companies[page.company].name)
    assert mentions_persona > 0.5 * len(pages)
    assert 0.05 * len(pages) < mentions_brand < 0.6 * len(pages)


def test_some_pages_are_thin_or_errors_deterministically(market):
    pages = [p for p in market.pages if p.section != "home"]
    thin = [p for p in pages if p.thin]
    errors = [p for p in pages if p.status != 200]
    assert 0.01 * len(pages) < len(thin) < 0.06 * len(pages)
    assert 0.02 * len(pages) < len(errors) < 0.08 * len(pages)
    for page in thin[:10]:
        document = market.fetch(page.url).body.decode()
        visible = re.sub(r"<[^>]+>", " ", document)
        assert len(" ".join(visible.split())) < 100
    for page in errors[:10]:
        assert market.fetch(page.url).status_code == page.status


def test_fetch_ignores_tracking_parameters_trailing_slashes_and_www(market):
    page = next(p for p in market.pages if p.status == 200 and p.host.startswith("www.") and p.section != "home")
    plain = f"https://{page.host}{page.path}"
    for variant in (plain, plain + "/", plain + "?utm_source=x", f"http://{page.host.upper()}{page.path}#top"):
        fetched = market.fetch(variant)
        assert fetched.status_code == 200 and fetched.final_url == variant
    bare = f"https://{page.host.removeprefix('www.')}{page.path}"
    redirected = market.fetch(bare)
    assert redirected.status_code == 200 and redirected.final_url == page.canonical_url


def test_unknown_urls_are_404(market):
    assert market.fetch("https://nobody-here.example/").status_code == 404
    assert market.fetch(f"{market.client.homepage_url}no/such/page").status_code == 404
    assert market.fetch("not a url").status_code == 404


def test_homepages_exist_for_every_company(market):
    for company in market.companies:
        page = market.fetch(company.homepage_url)
        assert page.status_code == 200, company.homepage_url
        assert company.name.replace("&", "&amp;") in page.body.decode()


def test_pdfs_extract_with_pypdf(market):
    pdfs = [p for p in market.pages if p.is_pdf and p.status == 200]
    assert len(pdfs) >= 20
    for page in pdfs[:25]:
        fetched = market.fetch(page.url)
        assert fetched.content_type == "application/pdf" and fetched.body.startswith(b"%PDF-1.4")
        reader = pypdf.PdfReader(io.BytesIO(fetched.body), strict=True)
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert len(text) >= 100
        assert page.topic.casefold().replace("ü", "ue") in " ".join(text.split()).casefold()


def test_pdf_writer_escapes_and_transliterates():
    body = make_pdf("Kreditbrücke (AG) \\ Report", ["Payments (ISO 20022) — straße \\ done. " * 10, "Second."])
    reader = pypdf.PdfReader(io.BytesIO(body), strict=True)
    text = reader.pages[0].extract_text()
    assert "Kreditbruecke (AG) \\ Report" in text
    assert "Payments (ISO 20022) - strasse \\ done." in text and "Second." in text
    assert reader.metadata.title == "Kreditbruecke (AG) \\ Report"


# ---- scale -------------------------------------------------------------------------------------------------


def test_a_thousand_keyword_project_works():
    generator = pytest.importorskip("cylvy_pipeline.project.keyword_generator")
    keywords = generator.generate_keywords(1000, categories=["Payments", "Lending", "Universal Banking"])
    market = SimulatedMarket(make_project(keywords))
    frame = market.keyword_metrics([k.keyword for k in keywords], "DE")
    assert len(frame) == 1000
    sizes = Counter(len(market.serp(k.keyword, "US", "organic", 10)) for k in keywords[:200])
    assert sizes == Counter({10: 200})


def test_pages_are_laid_out_like_their_form_and_never_name_their_labels():
    """Each page is written as a page type for a buying stage and an audience, which the world records
    (in the project's terms) but the page itself never states."""
    project = load_project(None)  # the sample project names page types and JTBD phases
    market = get_market(project, 7)
    pages = [p for p in market.pages if p.status == 200 and not p.thin and p.section != "home"]
    label_names = [t.name.casefold() for t in (*project.page_types, *project.jtbd_phases)]
    forms = Counter()
    for page in pages:
        labels = market.page_labels(page)
        if page.form is not None:
            assert labels.page_type in {t.name for t in project.page_types}
        assert labels.jtbd_phase in {p.name for p in project.jtbd_phases}
        assert set(labels.personas) <= {p.name for p in project.personas}
        _, blocks = market.page_blocks(page)
        kinds = Counter(block.kind for block in blocks)
        headings = {block.text for block in blocks if block.kind == "h2"}
        forms[page.form] += 1
        if page.form == "product":
            assert kinds["li"] >= 4 and kinds["cta"] >= 1
        elif page.form == "case_study":
            assert {"The challenge", "The solution", "The results"} <= headings and kinds["quote"] == 1
        elif page.form == "whitepaper":
            assert {"Executive summary", "Key findings", "Methodology"} <= headings
        elif page.form == "article" and page.published_at is not None:
            assert kinds["byline"] == 1 or blocks[0].text[:2].isdigit()  # byline, or a press release's dateline
        # (the keyword a page is about may itself say "case study": that is the searcher's words)
        text = " ".join(block.text for block in blocks).casefold().replace(page.topic.casefold(), "")
        assert not any(name in text for name in label_names), page.url
    assert set(forms) == {"product", "article", "case_study", "whitepaper", None}
