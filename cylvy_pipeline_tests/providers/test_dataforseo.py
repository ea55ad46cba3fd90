"""The DataForSEO adapter against a local server speaking its v3 wire format."""

from __future__ import annotations

from contextlib import ExitStack

import pandas as pd
import psycopg
import pytest

from cylvy_pipeline.defs.providers import DataForSeoKeywordData, DataForSeoSerpData, ProviderScope
from cylvy_pipeline.phases.estimate import CacheState, LatestResults, estimate_market
from cylvy_pipeline.phases.serp_collection import collect_serps
from cylvy_pipeline.project.model import Keyword, Providers
from cylvy_pipeline.providers.base import SERP_ITEM_COLUMNS
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpPolicy, ProviderCall, ProviderHttp, RateLimiter
from cylvy_pipeline.providers.real.dataforseo import (
    DataForSeoClient,
    DataForSeoKeywordMetrics,
    DataForSeoSerp,
    MarketLocation,
)
from cylvy_pipeline_tests.providers.conftest import make_project
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply, Request
from cylvy_pipeline_tests.providers.vendor_fixtures import vendor_json


def fixture(name: str) -> dict:
    """A response as DataForSEO documents it (fixtures/README.md says where each comes from)."""
    return vendor_json("dataforseo", name)

POLICY = HttpPolicy(timeout_s=2.0, attempts=3, base_delay_s=0.0)
VOLUME = "/v3/keywords_data/google_ads/search_volume/live"


def envelope(tasks: list[dict], *, cost: float = 0.0, status_code: int = 20000, message: str = "Ok.") -> dict:
    return {"version": "0.1.20261101", "status_code": status_code, "status_message": message, "time": "0.1 sec.",
            "cost": cost, "tasks_count": len(tasks), "tasks_error": 0, "tasks": tasks}


def task(result: list[dict] | None, *, task_id: str = "11291200-1535-0066-0000-c2d1e8b1d7a1",
         status_code: int = 20000, message: str = "Ok.", cost: float = 0.0, data: dict | None = None) -> dict:
    return {"id": task_id, "status_code": status_code, "status_message": message, "time": "0.05 sec.",
            "cost": cost, "result_count": len(result or []), "path": [], "data": data or {}, "result": result}


@pytest.fixture
def client(server: LocalServer, calls: list[ProviderCall]):
    http = ProviderHttp("DataForSEO", policy=POLICY, auth=("login", "password"), usage=calls.append,
                        credential_env="DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD", sleep=lambda s: None)
    with http:
        locations = {"US": MarketLocation(2840, "en"), "UK": MarketLocation(2826, "en"),
                     "DE": MarketLocation(2276, "de"), "FR": MarketLocation(2250, "fr")}
        yield DataForSeoClient(http, base_url=server.url, locations=locations)


# ---- keyword metrics ----------------------------------------------------------------------------------


def test_keyword_metrics_for_a_market(server: LocalServer, client: DataForSeoClient, calls) -> None:
    server.route("POST", VOLUME, Reply(200, envelope([task([
        {"keyword": "core banking software", "location_code": 2826, "language_code": "en", "search_volume": 880,
         "competition": "HIGH", "competition_index": 87, "low_top_of_page_bid": 4.1, "high_top_of_page_bid": 19.5},
        {"keyword": "payment hub", "search_volume": None, "competition": None, "competition_index": None,
         "low_top_of_page_bid": None, "high_top_of_page_bid": None},
    ], cost=0.075)], cost=0.075)))
    frame = DataForSeoKeywordMetrics(client).keyword_metrics(
        ["Core Banking Software", "payment hub", "loan servicing"], "UK"
    )
    (request,) = server.requests
    assert request.json() == [{"keywords": ["Core Banking Software", "payment hub", "loan servicing"],
                               "location_code": 2826, "language_code": "en"}]
    assert request.headers["Authorization"].startswith("Basic ")
    assert frame["keyword"].tolist() == ["Core Banking Software", "payment hub", "loan servicing"]
    assert frame["search_volume"].tolist() == [880, pd.NA, pd.NA]  # missing is missing, never zero
    assert frame["competition"].tolist() == ["HIGH", pd.NA, pd.NA]
    assert frame.loc[0, "high_top_of_page_bid"] == 19.5 and pd.isna(frame.loc[2, "low_top_of_page_bid"])
    assert [(c.endpoint, c.units, c.cost_usd, c.status) for c in calls] == [(VOLUME, 3, 0.075, "ok")]


def test_a_market_without_a_location_is_a_configuration_error(server: LocalServer, client: DataForSeoClient) -> None:
    with pytest.raises(ProviderError) as error:
        DataForSeoKeywordMetrics(client).keyword_metrics(["x"], "JP")
    assert str(error.value) == (
        "DataForSEO has no location for market 'JP': add it under providers.dataforseo.locations in project.yaml "
        "(location_code and language_code)"
    )
    assert server.requests == []  # never a silent US fallback
    server.route("POST", VOLUME, Reply(200, envelope([task([])])))
    DataForSeoKeywordMetrics(client).keyword_metrics(["x"], "FR")
    assert server.requests[0].json()[0]["location_code"] == 2250


@pytest.mark.parametrize(
    ("status_code", "message", "error_type", "transient"),
    [
        (40100, "You are not authorized to access this resource.", ProviderAuthError, False),
        (40200, "Payment Required.", QuotaExhausted, False),
        (40202, "Rate limit per minute exceeded.", ProviderError, True),
        (50000, "Internal Error.", ProviderError, True),
        (40501, "Invalid Field: 'location_code'.", ProviderError, False),
    ],
)
def test_envelope_errors_mean_what_their_codes_say(server, client, status_code, message, error_type, transient) -> None:
    server.route("POST", VOLUME, Reply(200, envelope([], status_code=status_code, message=message)))
    with pytest.raises(ProviderError) as error:
        DataForSeoKeywordMetrics(client).keyword_metrics(["x"], "US")
    assert type(error.value) is error_type and error.value.transient is transient
    assert str(error.value).startswith(f"DataForSEO {VOLUME}: {message} (status {status_code})")


def test_http_401_names_the_credential_variables(server: LocalServer, client: DataForSeoClient) -> None:
    server.route("POST", VOLUME, Reply(401, {"status_code": 40100}))
    with pytest.raises(ProviderAuthError) as error:
        DataForSeoKeywordMetrics(client).keyword_metrics(["x"], "US")
    assert str(error.value) == "DataForSEO refused the credentials: HTTP 401 (check DATAFORSEO_LOGIN and DATAFORSEO_PASSWORD)"


# ---- SERPs --------------------------------------------------------------------------------------------

ORGANIC_ITEMS = [
    {"type": "featured_snippet", "rank_group": 1, "rank_absolute": 1, "url": "https://snippet.example/a"},
    {"type": "organic", "rank_group": 2, "rank_absolute": 3, "domain": "www.quorvane.example",
     "title": "Core banking | Quorvane", "url": "https://www.quorvane.example/core", "description": "Cloud core."},
    {"type": "organic", "rank_group": 1, "rank_absolute": 2, "domain": "ledgerline.example",
     "title": "Ledgerline Core", "url": "https://ledgerline.example/core", "description": "Our core."},
    {"type": "people_also_ask", "rank_group": 1, "rank_absolute": 4, "items": []},
]


def serp_answer(items: list[dict], *, task_id: str = "t-1", cost: float = 0.002) -> dict:
    return task([{"keyword": "k", "type": "organic", "se_domain": "google.com", "items_count": len(items),
                  "items": items}], task_id=task_id, cost=cost)


def test_live_organic_serp_keeps_organic_results_in_rank_order(server, client, calls) -> None:
    server.route("POST", "/v3/serp/google/organic/live/advanced", Reply(200, envelope([serp_answer(ORGANIC_ITEMS)], cost=0.002)))
    frame = DataForSeoSerp(client).search("core banking", "DE", "organic", 10)
    assert server.requests[0].json() == [{"keyword": "core banking", "location_code": 2276, "language_code": "de",
                                          "depth": 10}]
    assert frame["url"].tolist() == ["https://ledgerline.example/core", "https://www.quorvane.example/core"]
    assert frame["position"].tolist() == [1, 2]
    assert frame["domain"].tolist() == ["ledgerline.example", "www.quorvane.example"]
    assert frame["snippet"].tolist() == ["Our core.", "Cloud core."]
    assert [c.cost_usd for c in calls] == [0.002]


def test_news_and_video_serps_carry_source_date_and_length(server, client) -> None:
    # A news_search item has the fields DataForSEO documents for it (dataforseo/PythonClient,
    # docs/NewsSearchSerpElementItem.md): no publisher name, so the publisher is the site it links to.
    server.route("POST", "/v3/serp/google/news/live/advanced", Reply(200, envelope([serp_answer([
        {"type": "news_search", "rank_group": 1, "rank_absolute": 1, "xpath": "/html[1]/body[1]/div[1]",
         "domain": "www.bankingtechreview.example", "title": "Banks invest",
         "url": "https://www.bankingtechreview.example/2026/10/banks", "image_url": None,
         "snippet": "Banks are investing.", "time_published": "2 hours ago",
         "timestamp": "2026-10-01 08:30:00 +00:00"},
    ])])))
    server.route("POST", "/v3/serp/youtube/organic/live/advanced", Reply(200, envelope([serp_answer([
        {"type": "youtube_video", "rank_group": 1, "video_id": "abcdefghijk", "title": "Core banking explained",
         "url": "https://www.youtube.com/watch?v=abcdefghijk", "description": "Explainer.",
         "channel_name": "Ledgerline", "timestamp": "2026-09-12 15:00:00 +00:00", "duration_time_seconds": 312},
        {"type": "youtube_channel", "rank_group": 1, "url": "https://www.youtube.com/@ledgerline"},
    ])])))
    serp = DataForSeoSerp(client)
    news = serp.search("core banking", "US", "news", 10)
    assert news.loc[0, "source"] == "bankingtechreview.example"
    assert news.loc[0, "published_at"] == pd.Timestamp("2026-10-01 08:30:00+00:00")
    video = serp.search("core banking", "US", "video", 10)
    assert video["url"].tolist() == ["https://www.youtube.com/watch?v=abcdefghijk"]
    assert (video.loc[0, "source"], video.loc[0, "video_length_seconds"], video.loc[0, "domain"]) == (
        "Ledgerline", 312, "www.youtube.com")


# ---- the standard queue -------------------------------------------------------------------------------


class Queue:
    """A DataForSEO-like task queue: tasks are ready after ``polls_until_ready`` tasks_ready calls."""

    def __init__(self, server: LocalServer, polls_until_ready: int = 1, never_ready: set[str] = frozenset()):
        self.posted: dict[str, dict] = {}
        self.polls = 0
        self.polls_until_ready = polls_until_ready
        self.never_ready = never_ready
        prefix = "/v3/serp/google/organic"
        server.route("POST", f"{prefix}/task_post", self.task_post)
        server.route("GET", f"{prefix}/tasks_ready", self.tasks_ready)
        self.prefix = prefix
        self.server = server

    def task_post(self, request: Request) -> Reply:
        answers = []
        for body in request.json():
            task_id = f"task-{len(self.posted):04d}"
            self.posted[task_id] = body
            done = Reply(200, envelope([serp_answer([
                {"type": "organic", "rank_group": 1, "domain": "ledgerline.example", "title": body["keyword"],
                 "url": f"https://ledgerline.example/{body['keyword'].replace(' ', '-')}"},
            ], task_id=task_id)]))
            queued = Reply(200, envelope([task(None, task_id=task_id, status_code=40602, message="Task in Queue.")]))
            self.server.route("GET", f"{self.prefix}/task_get/advanced/{task_id}",
                              lambda request, body=body, done=done, queued=queued:
                              queued if body["keyword"] in self.never_ready else done)
            answers.append(task(None, task_id=task_id, status_code=20100, message="Task Created.", cost=0.0006,
                                data=body))
        return Reply(200, envelope(answers, cost=0.0006 * len(answers)))

    def tasks_ready(self, request: Request) -> Reply:
        self.polls += 1
        ready = [] if self.polls < self.polls_until_ready else [
            {"id": task_id, "se": "google", "se_type": "organic", "tag": body.get("tag"),
             "endpoint_advanced": f"{self.prefix}/task_get/advanced/{task_id}"}
            for task_id, body in self.posted.items() if body["keyword"] not in self.never_ready
        ]
        return Reply(200, envelope([task(ready, task_id="ready")]))


def test_the_queue_posts_a_hundred_tasks_per_call_and_collects_each_when_ready(server, client, calls) -> None:
    queue = Queue(server, polls_until_ready=2)
    sleeps: list[float] = []
    serp = DataForSeoSerp(client, mode="queue", poll_interval_s=0.5, sleep=sleeps.append)
    queries = [(f"keyword {i}", "organic") for i in range(250)]
    frames = serp.search_many(queries, "US", 10)
    assert [len(r.json()) for r in server.requests_to("/v3/serp/google/organic/task_post")] == [100, 100, 50]
    assert [frame.loc[0, "title"] for frame in frames] == [keyword for keyword, _ in queries]  # in query order
    assert queue.polls == 2 and sleeps == [0.5]
    posts = [c for c in calls if c.endpoint.endswith("task_post")]
    assert sum(c.units for c in posts) == 250 and round(sum(c.cost_usd for c in posts), 6) == 0.15
    assert sum(1 for c in calls if c.endpoint.endswith("task_get/advanced")) == 250


def test_a_task_that_never_becomes_ready_fails_the_collection_naming_it(server, client) -> None:
    Queue(server, never_ready={"keyword 1"})
    clock = iter(range(0, 10_000, 100))
    serp = DataForSeoSerp(client, mode="queue", poll_interval_s=100, max_wait_s=300, sleep=lambda s: None,
                          clock=lambda: float(next(clock)))
    with pytest.raises(ProviderError) as error:
        serp.search_many([("keyword 0", "organic"), ("keyword 1", "organic")], "US", 10)
    assert str(error.value) == "DataForSEO: 1 queued task(s) not ready after 300 s: organic SERP for 'keyword 1'"
    assert error.value.transient


def test_serp_collection_hands_a_queue_every_serp_at_once(server, client) -> None:
    Queue(server)
    metrics = pd.DataFrame({"keyword": ["core banking", "payment hub"], "search_volume": pd.array([100, None], dtype="Int64")})
    output = collect_serps(metrics, "US", ["organic"], 10, DataForSeoSerp(client, mode="queue", poll_interval_s=0),
                           default_search_volume=10, retry_delay_s=0)
    assert len(server.requests_to("/v3/serp/google/organic/task_post")) == 1
    results = output.tables["serp_results"]
    assert results["keyword"].tolist() == ["core banking", "payment hub"]
    assert results["estimated_traffic"].gt(0).all()


# ---- as DataForSEO documents it (fixtures/dataforseo) -------------------------------------------------


def test_a_reordered_task_post_answer_gives_each_keyword_its_own_serp(server, client) -> None:
    # Posted "Blumen" (tag 0) then "Schrauben" (tag 1); the documented answer lists Schrauben first.
    posted = fixture("task_post_two_tasks.json")
    server.route("POST", "/v3/serp/google/organic/task_post", Reply(200, posted))
    server.route("GET", "/v3/serp/google/organic/tasks_ready", Reply(200, fixture("tasks_ready.json")))
    for answer in posted["tasks"]:
        keyword = answer["data"]["keyword"]
        server.route("GET", f"/v3/serp/google/organic/task_get/advanced/{answer['id']}", Reply(200, envelope([
            serp_answer([{"type": "organic", "rank_group": 1, "domain": f"{keyword.lower()}.example",
                          "title": f"All about {keyword}", "url": f"https://{keyword.lower()}.example/"}],
                        task_id=answer["id"]),
        ])))
    frames = DataForSeoSerp(client, mode="queue", poll_interval_s=0).search_many(
        [("Blumen", "organic"), ("Schrauben", "organic")], "US", 10)
    assert [r.json() for r in server.requests_to("/v3/serp/google/organic/task_post")][0] == [
        {"keyword": "Blumen", "location_code": 2840, "language_code": "en", "depth": 10, "tag": "0"},
        {"keyword": "Schrauben", "location_code": 2840, "language_code": "en", "depth": 10, "tag": "1"},
    ]
    assert [frame.loc[0, "title"] for frame in frames] == ["All about Blumen", "All about Schrauben"]


def test_a_serp_with_no_search_results_is_an_empty_serp(server, client) -> None:
    empty = fixture("task_get_no_search_results.json")
    server.route("POST", "/v3/serp/google/news/live/advanced", Reply(200, empty))
    frame = DataForSeoSerp(client).search("qwzx core ledger", "US", "news", 10)
    assert frame.empty and list(frame.columns) == list(SERP_ITEM_COLUMNS)


def test_an_empty_news_serp_does_not_fail_serp_collection(server, client) -> None:
    server.route("POST", "/v3/serp/google/news/live/advanced", Reply(200, fixture("task_get_no_search_results.json")))
    server.route("POST", "/v3/serp/google/organic/live/advanced", Reply(200, envelope([serp_answer(ORGANIC_ITEMS)])))
    metrics = pd.DataFrame({"keyword": ["qwzx core ledger"], "search_volume": pd.array([10], dtype="Int64")})
    output = collect_serps(metrics, "US", ["organic", "news"], 10, DataForSeoSerp(client),
                           default_search_volume=10, retry_delay_s=0)
    fetches = output.tables["serp_fetches"]
    assert sorted(fetches["serp_type"]) == ["news", "organic"]
    assert output.tables["serp_results"]["serp_type"].tolist() == ["organic", "organic"]


def test_an_internal_search_engine_error_is_transient_and_billed(server, client, calls) -> None:
    server.route("POST", "/v3/serp/google/organic/live/advanced", Reply(200, fixture("live_internal_se_server_error.json")))
    with pytest.raises(ProviderError) as error:
        DataForSeoSerp(client).search("core banking", "US", "organic", 10)
    assert type(error.value) is ProviderError and error.value.transient  # retried, not a credentials error
    assert str(error.value) == (
        "DataForSEO /v3/serp/google/organic/live/advanced: Internal SE Server Error. (status 40101)"
    )
    assert [c.cost_usd for c in calls] == [0.002]


def test_http_402_says_the_funds_are_spent(server, client) -> None:
    server.route("POST", VOLUME, Reply(402, {"status_code": 40200, "status_message": "Payment Required."}))
    with pytest.raises(QuotaExhausted) as error:
        DataForSeoKeywordMetrics(client).keyword_metrics(["x"], "US")
    assert str(error.value) == f"DataForSEO {VOLUME}: HTTP 402 Payment Required: the account has no funds left"
    assert len(server.requests) == 1  # not retried


def _queue_failing(server: LocalServer, keyword: str, times: int) -> Queue:
    """A queue whose first ``times`` tasks for ``keyword`` end in 40101 and never show in tasks_ready."""
    queue = Queue(server)
    failed = fixture("live_internal_se_server_error.json")
    original, failures = queue.task_post, []

    def task_post(request):
        reply = original(request)
        for task_id, body in queue.posted.items():
            if body["keyword"] == keyword and task_id not in failures and len(failures) < times:
                failures.append(task_id)
                server.route("GET", f"{queue.prefix}/task_get/advanced/{task_id}", Reply(200, failed))
        return reply

    def tasks_ready(request):
        reply = Queue.tasks_ready(queue, request)
        reply.body["tasks"][0]["result"] = [t for t in reply.body["tasks"][0]["result"] if t["id"] not in failures]
        return reply

    server.route("POST", f"{queue.prefix}/task_post", task_post)
    server.route("GET", f"{queue.prefix}/tasks_ready", tasks_ready)
    return queue


def test_a_task_that_ended_in_error_is_posted_again_on_its_own(server, client, calls) -> None:
    queue = _queue_failing(server, "keyword 1", times=1)
    clock = iter(range(0, 100_000, 30))
    serp = DataForSeoSerp(client, mode="queue", poll_interval_s=30, max_wait_s=1800, ask_pending_after_s=120,
                          sleep=lambda s: None, clock=lambda: float(next(clock)))
    frames = serp.search_many([("keyword 0", "organic"), ("keyword 1", "organic")], "US", 10)
    assert [frame.loc[0, "title"] for frame in frames] == ["keyword 0", "keyword 1"]
    # Two SERPs posted together, then keyword 1 alone again (billed again); keyword 0 was not.
    assert [[t["keyword"] for t in r.json()] for r in server.requests_to(f"{queue.prefix}/task_post")] == [
        ["keyword 0", "keyword 1"], ["keyword 1"]]
    assert round(sum(c.cost_usd for c in calls if c.endpoint.endswith("task_post")), 6) == 0.0018


def test_a_task_that_keeps_ending_in_error_fails_its_keyword_soon_with_its_cause(server, client) -> None:
    queue = _queue_failing(server, "keyword 1", times=3)
    clock = iter(range(0, 100_000, 30))
    serp = DataForSeoSerp(client, mode="queue", poll_interval_s=30, max_wait_s=1800, ask_pending_after_s=120,
                          sleep=lambda s: None, clock=lambda: float(next(clock)))
    with pytest.raises(ProviderError) as error:
        serp.search_many([("keyword 0", "organic"), ("keyword 1", "organic")], "US", 10)
    assert str(error.value) == (
        "organic SERP for 'keyword 1': DataForSEO /v3/serp/google/organic/task_get/advanced: "
        "Internal SE Server Error. (status 40101) (posted 3 times)"
    )
    assert error.value.transient
    assert len(server.requests_to(f"{queue.prefix}/task_post")) == 3  # the first post and two reposts
    assert queue.polls <= 18  # asked for directly after 120 s each time, not waited on for 1800 s


def test_search_volumes_match_the_keywords_as_the_vendor_returns_them(server, client) -> None:
    # Google Ads answers keywords lower-cased, with "+" read as a space.
    server.route("POST", VOLUME, Reply(200, envelope([task([
        {"keyword": "core banking software", "search_volume": 880},
        {"keyword": "payments hub api", "search_volume": 90},
    ])])))
    frame = DataForSeoKeywordMetrics(client).keyword_metrics(["Core+Banking  Software", "Payments Hub API"], "US")
    assert frame["search_volume"].tolist() == [880, 90]


def test_close_variants_go_in_separate_requests_and_keep_their_own_volumes(server, client, calls) -> None:
    # Google Ads, as the vendor documents it: close variants sent together get one combined volume each.
    own = {"payment hub": 1000, "payments hub": 200, "hub, payment": 30, "loan servicing": 500}

    def google_ads(request: Request) -> Reply:
        (body,) = request.json()
        sent = body["keywords"]
        key = {k: " ".join(sorted(w.rstrip("s") for w in k.replace(",", "").split())) for k in sent}
        combined = {k: sum(own[o] for o in sent if key[o] == key[k]) for k in sent}
        return Reply(200, envelope([task([{"keyword": k, "search_volume": combined[k]} for k in sent])]))

    server.route("POST", VOLUME, google_ads)
    frame = DataForSeoKeywordMetrics(client).keyword_metrics(list(own), "US")
    assert [r.json()[0]["keywords"] for r in server.requests] == [
        ["payment hub", "loan servicing"], ["payments hub"], ["hub, payment"],
    ]
    assert dict(zip(frame["keyword"], frame["search_volume"], strict=True)) == own
    assert [c.units for c in calls] == [2, 1, 1]


def test_a_batch_tried_again_does_not_pay_twice_for_the_requests_already_answered(server, client, calls) -> None:
    # Split for close variants, the batch's second request fails (a 400 here: final at once); the phase tries
    # the batch again and only the requests not yet answered go out.
    answers = iter([Reply(200, envelope([task([{"keyword": "payment hub", "search_volume": 1000}])])),
                    Reply(400, {"status_code": 40000, "status_message": "Bad Request."}),
                    Reply(200, envelope([task([{"keyword": "payments hub", "search_volume": 200}])]))])
    server.route("POST", VOLUME, lambda request: next(answers))
    metrics = DataForSeoKeywordMetrics(client)
    with pytest.raises(ProviderError):
        metrics.keyword_metrics(["payment hub", "payments hub"], "US")
    frame = metrics.keyword_metrics(["payment hub", "payments hub"], "US")
    assert [r.json()[0]["keywords"] for r in server.requests] == [["payment hub"], ["payments hub"], ["payments hub"]]
    assert frame["search_volume"].tolist() == [1000, 200]


def test_keyword_data_keeps_its_own_rate_limit_below_the_serp_apis(database_urls) -> None:
    # DataForSEO documents about 12 search-volume calls a minute per account, far below the SERP API's;
    # each limit is shared by every run on the database (one schedule per endpoint family).
    providers = Providers(keyword_data="dataforseo", serp="dataforseo")
    project = make_project().model_copy(update={"providers": providers})
    credentials = {"login": "login", "password": "password"}
    with ExitStack() as closing:
        scope = ProviderScope(project, "keyword_metrics", None, closing, lambda: psycopg.connect(database_urls.product))
        keyword_data = DataForSeoKeywordData(**credentials).client(scope).client.http.rate
        serps = DataForSeoSerpData(**credentials).client(scope).client.http.rate
        assert (keyword_data.name, keyword_data.calls_per_minute) == ("DataForSEO search volume", 12)
        assert (serps.name, serps.calls_per_minute) == ("DataForSEO SERP API", 600)


def test_without_a_database_a_scope_keeps_each_limit_in_its_own_process() -> None:
    # A scope built outside a run (no database): the configured rate still holds, for this process.
    providers = Providers(keyword_data="dataforseo", serp="dataforseo")
    project = make_project().model_copy(update={"providers": providers})
    with ExitStack() as closing:
        scope = ProviderScope(project, "keyword_metrics", None, closing)
        rate = DataForSeoKeywordData(login="login", password="password").client(scope).client.http.rate
        assert isinstance(rate, RateLimiter) and rate.calls_per_minute == 12


def test_estimate_counts_the_search_volume_calls_close_variants_need() -> None:
    names = ["payment hub", "payments hub", "loan servicing"]
    keywords = tuple(Keyword(keyword=name, category="Payments") for name in names)
    project = make_project(keywords).model_copy(update={"providers": Providers(keyword_data="dataforseo")})
    empty = CacheState(frozenset(), pd.DataFrame(columns=["normalized_url", "status", "http_status"]), frozenset())
    estimate = estimate_market(project, LatestResults(None, None), empty).set_index("phase")
    row = estimate.loc["keyword_metrics"]
    assert (row["provider"], row["calls"], row["cost_usd"]) == ("DataForSEO", 2, 0.15)
    assert row["basis"] == "3 keywords; up to 1000 per call, close variants apart"
