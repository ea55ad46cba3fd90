"""In-phase concurrency: how many provider calls a phase makes at once comes from project.yaml, and the
phase's output is the same at any setting.

The providers are the real adapters against local servers that record how many requests they are
answering at the same moment, and answer later inputs sooner, so results come back out of order.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

import pandas as pd
import psycopg
import pytest

from cylvy_pipeline.defs.providers import (
    DataForSeoKeywordData,
    DataForSeoSerpData,
    HomepageCompanyDataSource,
    HttpWeb,
    LocalAnalyzer,
    OpenAiCompatibleAnalyzer,
    PeopleDataLabsCompanyDataSource,
    ProviderScope,
    RenderingWeb,
    SampleCompanyDataSource,
    SampleKeywordData,
    SampleSerpData,
    SampleVideoData,
    SampleWeb,
    YouTubeVideoData,
)
from cylvy_pipeline.phases.company_enrichment import PROFILE_COLUMNS, enrich_serp_companies
from cylvy_pipeline.phases.content_analysis import (
    analysed_content_hash,
    analysis_dimensions,
    analysis_version,
    analyze_content,
    brand_terms,
)
from cylvy_pipeline.phases.parallel import map_in_order, map_until_failure
from cylvy_pipeline.phases.youtube_enrichment import enrich_videos
from cylvy_pipeline.project.model import ProviderConcurrency, Providers
from cylvy_pipeline.providers.http import AddressGuard, HttpPolicy, ProviderHttp
from cylvy_pipeline.providers.real.homepage import HomepageCompanyData
from cylvy_pipeline.providers.real.llm_analyzer import LlmContentAnalyzer
from cylvy_pipeline.providers.real.peopledatalabs import PeopleDataLabsCompanyData
from cylvy_pipeline.providers.real.youtube import YouTubeDataApi
from cylvy_pipeline.storage.claims import SharedCacheClaims
from cylvy_pipeline_tests.providers.conftest import make_project
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply, Request, local_server

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)


class Overlap:
    """How many requests a server is answering at the same moment, at most.

    With ``expected`` above 1, an answer waits (up to 2 s) until that many requests have been in flight
    together once: on a loaded machine the client's last threads may start only after its first answers
    came back, and the peak would then measure the machine rather than the client's concurrency."""

    def __init__(self, expected: int = 1) -> None:
        self.active = self.peak = 0
        self.expected = expected
        self._changed = threading.Condition()

    @contextmanager
    def answering(self, seconds: float) -> Iterator[None]:
        with self._changed:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self.peak >= self.expected, timeout=2.0)
        try:
            time.sleep(seconds)
            yield
        finally:
            with self._changed:
                self.active -= 1


def http(provider: str, **options) -> ProviderHttp:
    return ProviderHttp(provider, policy=HttpPolicy(timeout_s=10, attempts=2, base_delay_s=0), sleep=lambda s: None,
                        **options)


# --- the helper --------------------------------------------------------------------------------------


def test_results_come_in_input_order_with_at_most_the_given_calls_at_once() -> None:
    overlap = Overlap()

    def square(n: int) -> int:
        with overlap.answering(0.02 * (10 - n)):  # later items finish first
            return n * n

    assert map_in_order(square, range(10), max_concurrency=3) == [n * n for n in range(10)]
    assert overlap.peak == 3


def test_the_first_failure_in_input_order_stops_the_rest() -> None:
    started: list[int] = []

    def call(n: int) -> int:
        started.append(n)
        time.sleep({0: 0.1, 1: 0.2}.get(n, 0.0))
        if n in (1, 2):
            raise ValueError(f"item {n} failed")
        return n

    results, error = map_until_failure(call, range(8), max_concurrency=3)
    # Item 2 failed first in time, item 1 first in input order: the one a sequential run would report.
    assert (results, str(error)) == ([0], "item 1 failed")
    assert sorted(started) == [0, 1, 2]  # nothing started after the failure
    with pytest.raises(ValueError, match="^item 1 failed$"):
        map_in_order(call, range(8), max_concurrency=1)


def test_concurrency_must_be_a_whole_number_of_at_least_one() -> None:
    with pytest.raises(ValueError) as error:
        map_in_order(str, [1], max_concurrency=0)
    assert str(error.value) == "max_concurrency must be a whole number of at least 1, got 0"


# --- each provider kind's concurrency is the project's -----------------------------------------------

CONFIGURED = ProviderConcurrency(keyword_data=2, serp=3, video_data=5, company_data=7, web=11, content_analyzer=13)


@pytest.mark.parametrize(
    ("resource", "kind"),
    [
        (SampleKeywordData(), "keyword_data"), (DataForSeoKeywordData(login="l", password="p"), "keyword_data"),
        (SampleSerpData(), "serp"), (DataForSeoSerpData(login="l", password="p"), "serp"),
        (SampleVideoData(), "video_data"), (YouTubeVideoData(api_key="k"), "video_data"),
        (SampleCompanyDataSource(), "company_data"), (HomepageCompanyDataSource(), "company_data"),
        (PeopleDataLabsCompanyDataSource(api_key="k"), "company_data"),
        (SampleWeb(), "web"), (HttpWeb(), "web"), (RenderingWeb(api_key="k"), "web"),
        (LocalAnalyzer(), "content_analyzer"), (OpenAiCompatibleAnalyzer(api_key="k"), "content_analyzer"),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else value,
)
def test_every_provider_resource_takes_its_concurrency_from_the_project(resource, kind: str) -> None:
    project = make_project().model_copy(update={"providers": Providers(concurrency=CONFIGURED)})
    scope = ProviderScope(project, "serp_collection", None, ExitStack())
    assert resource.concurrency(scope) == getattr(CONFIGURED, kind)
    unconfigured = ProviderScope(make_project(), "serp_collection", None, ExitStack())
    assert resource.concurrency(unconfigured) == getattr(ProviderConcurrency(), kind)  # the documented default


def test_the_serp_queue_fetches_results_at_the_serp_concurrency() -> None:
    project = make_project().model_copy(update={"providers": Providers(serp="dataforseo", concurrency=CONFIGURED)})
    with ExitStack() as closing:
        client = DataForSeoSerpData(login="l", password="p").client(ProviderScope(project, "serp_collection", None,
                                                                                   closing))
        assert client.concurrency == 3


# --- company enrichment -----------------------------------------------------------------------------

DOMAINS = [f"vendor{i:02d}.example" for i in range(12)]


def company_record(index: int) -> dict | None:
    """What the company-data source knows of the domain: every fourth one is unknown."""
    return None if index % 4 == 3 else {"name": f"Vendor {index}", "employees": 100 + index}


def homepages(server: LocalServer, overlap: Overlap) -> ProviderHttp:
    """Each domain's homepage (an Organization block); later domains answer sooner."""

    def answer(request: Request) -> Reply:
        index = DOMAINS.index(request.path.strip("/"))
        with overlap.answering(0.05 + 0.02 * (len(DOMAINS) - index)):
            pass
        if (record := company_record(index)) is None:
            return Reply(404, "no such page")
        organization = {"@type": "Organization", "name": record["name"], "numberOfEmployees": record["employees"]}
        return Reply(200, f'<html lang="de-DE"><head><script type="application/ld+json">{json.dumps(organization)}'
                          "</script></head><body></body></html>", {"Content-Type": "text/html"})

    for domain in DOMAINS:
        server.route("GET", f"/{domain}/", answer)
    client = http("homepage", guard=AddressGuard.allowing(["127.0.0.1/32"]))
    return client, HomepageCompanyData(client, url_template=server.url + "/{domain}/")


def people_data_labs(server: LocalServer, overlap: Overlap):
    """PDL's Company Enrichment API; later domains answer sooner."""

    def answer(request: Request) -> Reply:
        index = DOMAINS.index(request.query["website"][0])
        with overlap.answering(0.05 + 0.02 * (len(DOMAINS) - index)):
            pass
        if (record := company_record(index)) is None:
            return Reply(404, {"status": 404, "error": {"type": "not_found", "message": "No records were found"}})
        return Reply(200, {"status": 200, "display_name": record["name"], "employee_count": record["employees"],
                           "location": {"country": "germany"}, "type": "private"}, {"x-call-credits-spent": "1"})

    server.route("GET", "/v5/company/enrich", answer)
    client = http("People Data Labs")
    return client, PeopleDataLabsCompanyData(client, api_key="k", base_url=server.url + "/v5")


@pytest.mark.parametrize(("source", "concurrency"), [(homepages, 4), (people_data_labs, 8)],
                         ids=["homepage", "peopledatalabs"])
def test_company_enrichment_looks_domains_up_concurrently_with_the_same_result(source, concurrency: int) -> None:
    serp = pd.DataFrame({"serp_type": "organic", "domain": [f"www.{d}" for d in reversed(DOMAINS)]})
    project, cache = make_project(), pd.DataFrame(columns=list(PROFILE_COLUMNS))
    outputs, peaks = [], []
    for max_concurrency in (1, concurrency):
        overlap = Overlap(expected=max_concurrency)
        with local_server() as server:
            client, companies = source(server, overlap)
            with client:
                outputs.append(enrich_serp_companies(serp, project, cache, companies, now=NOW, retry_delay_s=0,
                                                     max_concurrency=max_concurrency))
            assert len(server.requests) == len(DOMAINS)
        peaks.append(overlap.peak)
    assert peaks == [1, concurrency]
    sequential, concurrent = outputs
    pd.testing.assert_frame_equal(sequential.tables["serp_domain_companies"], concurrent.tables["serp_domain_companies"])
    pd.testing.assert_frame_equal(sequential.cache_updates["company_profiles"],
                                  concurrent.cache_updates["company_profiles"])
    assert sequential.result == concurrent.result
    profiles = concurrent.cache_updates["company_profiles"]
    assert profiles["domain"].tolist() == DOMAINS  # in domain order, whatever order the answers came in
    assert profiles["company_name"].tolist()[:4] == ["Vendor 0", "Vendor 1", "Vendor 2", "Vendor03"]
    assert profiles["hq_country"].tolist()[:3] == ["DE", "DE", "DE"] and profiles["hq_country"].isna().tolist()[3]


# --- content analysis -------------------------------------------------------------------------------

PAGES = [f"Core banking guide {i}" for i in range(10)]
BROKEN = "Core banking guide 6"  # the model answers this one without scores: a failed analysis


def analysis_answer(overlap: Overlap):
    """An OpenAI-compatible chat-completions API scoring every listed dimension by the page's number."""

    def answer(request: Request) -> Reply:
        prompt = request.json()["messages"][1]["content"]
        title = next(line[len("Title: "):] for line in prompt.splitlines() if line.startswith("Title: "))
        index = PAGES.index(title)
        with overlap.answering(0.05 + 0.02 * (len(PAGES) - index)):
            pass
        dimensions = [line[2:].split(" (")[0].split(": ", 1) for line in prompt.splitlines() if line.startswith("- ")]
        arguments = {"scores": [{"kind": kind, "name": name, "score": index % 10, "confidence": 7,
                                 "evidence": f"{title}."} for kind, name in dimensions],
                     "sentiment": "neutral", "sentiment_score": 0.0, "key_topics": [f"topic {index}"],
                     "mentions": []}
        if title == BROKEN:
            del arguments["scores"]
        return Reply(200, {"choices": [{"message": {"tool_calls": [{"type": "function", "function": {
            "name": "record_analysis", "arguments": json.dumps(arguments)}}]}}],
            "usage": {"prompt_tokens": 800, "completion_tokens": 150, "total_tokens": 950}})

    return answer


def test_content_analysis_analyses_concurrently_with_the_same_result(database_urls) -> None:
    project = make_project()
    dimensions, brands = analysis_dimensions(project), brand_terms(project)
    texts = [f"{title}: how a regional bank replaces its core, step by step." for title in PAGES]
    items = pd.DataFrame({"url": [f"https://guides.example/{i}" for i in range(len(PAGES))] + ["https://mirror.example/0"],
                          "content_kind": "page", "title": PAGES + [PAGES[0]], "text": texts + [texts[0]],
                          "content_type": "html"})
    items["content_hash"] = [analysed_content_hash(t, title, "html")
                             for t, title in zip(items["text"], items["title"], strict=True)]
    model = f"test-model-{uuid.uuid4().hex[:8]}"  # this test's own analysis cache entries
    outputs, peaks, requests = [], [], []
    for max_concurrency in (1, 4):
        overlap = Overlap()
        with local_server() as server, http("LLM", headers={"Authorization": "Bearer sk-test"}) as client:
            server.route("POST", "/v1/chat/completions", analysis_answer(overlap))
            analyzer = LlmContentAnalyzer(client, model=model, base_url=server.url + "/v1")
            version = analysis_version(analyzer, dimensions, brands)
            # Each run claims its analyses afresh (rows recorded before it opened are not taken).
            with SharedCacheClaims(lambda: psycopg.connect(database_urls.product), "analysis_cache", "content_hash",
                                   {"analyzer_version": version}) as claims:
                outputs.append(analyze_content(items, dimensions, brands, pd.DataFrame(columns=["content_hash", "result"]),
                                               analyzer, claims.produce_once, now=NOW, max_concurrency=max_concurrency))
            requests.append(len(server.requests))
        peaks.append(overlap.peak)
    assert peaks == [1, 4] and requests == [10, 10]  # the mirrored page is the same content: analysed once
    sequential, concurrent = outputs
    for table in ("content_analyses", "content_dimension_scores"):
        pd.testing.assert_frame_equal(sequential.tables[table], concurrent.tables[table])
    assert sequential.result == concurrent.result
    result = concurrent.result
    assert (result["items"], result["analysed_now"], result["analysis_failures"]) == (11, 9, 1)
    assert result["failed_examples"] == [{"url": "https://guides.example/6", "error": (
        "ProviderError: LLM returned an invalid analysis: missing scores")}]
    analyses = concurrent.tables["content_analyses"]
    assert analyses["url"].tolist() == [u for u in items["url"] if u != "https://guides.example/6"]
    assert analyses["key_topics"].tolist()[:3] == [["topic 0"], ["topic 1"], ["topic 2"]]


# --- video details ----------------------------------------------------------------------------------

VIDEO_IDS = [f"v{i:010d}" for i in range(230)]  # five batches of up to 50


def video_answer(overlap: Overlap):
    """The YouTube Data API's videos.list; the quota runs out on the third batch."""

    def answer(request: Request) -> Reply:
        ids = request.query["id"][0].split(",")
        batch = VIDEO_IDS.index(ids[0]) // 50
        with overlap.answering(0.05 * (5 - batch)):
            pass
        if batch == 2:
            return Reply(403, {"error": {"code": 403, "message": "The request cannot be completed because you have "
                                         "exceeded your quota.", "errors": [{"reason": "quotaExceeded"}]}})
        return Reply(200, {"items": [{"id": video_id, "snippet": {
            "title": f"Video {video_id}", "description": "Core banking.", "channelId": "UCledgerline00000000000",
            "channelTitle": "Ledgerline", "publishedAt": "2026-09-12T15:00:00Z"},
            "statistics": {"viewCount": str(1000 + int(video_id[1:])), "likeCount": "40", "commentCount": "7"},
            "contentDetails": {"duration": "PT5M12S"}} for video_id in ids]})

    return answer


def test_video_batches_run_concurrently_and_a_spent_quota_keeps_the_batches_before_it() -> None:
    serp = pd.DataFrame({"serp_type": "video", "url": [f"https://www.youtube.com/watch?v={v}" for v in VIDEO_IDS]})
    outputs, peaks, requests = [], [], []
    for max_concurrency in (1, 3):
        overlap = Overlap()
        with local_server() as server, http("YouTube Data API") as client:
            server.route("GET", "/videos", video_answer(overlap))
            api = YouTubeDataApi(client, api_key="k", base_url=server.url)
            outputs.append(enrich_videos(serp, api, retry_delay_s=0, max_concurrency=max_concurrency))
            requests.append(len(server.requests))
        peaks.append(overlap.peak)
    assert peaks == [1, 3] and requests == [3, 3]  # nothing is asked after the spent quota
    sequential, concurrent = outputs
    pd.testing.assert_frame_equal(sequential.tables["youtube_videos"], concurrent.tables["youtube_videos"])
    assert sequential.result == concurrent.result
    assert (concurrent.result["videos_enriched"], concurrent.result["degraded"]) == (100, True)
    assert concurrent.result["degraded_reason"].startswith("YouTube Data API videos.list: HTTP 403 The request cannot")
