"""The pipeline switched to real providers by project.yaml, run as a user runs it (`cylvy-pipeline run`),
against local servers speaking DataForSEO's and the YouTube Data API's wire formats and serving the
ranking pages.

Every provider is real: keyword data and SERPs come from DataForSEO (the standard queue for SERPs), videos
and channels from the YouTube Data API, company data from the companies' homepages, pages are fetched
over HTTP, and content is analysed by an LLM behind an OpenAI-compatible API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply, Request, local_server

KEYWORDS = ["core banking software", "payment hub", "loan origination software"]
SITES = {  # registrable domain -> site name
    "ledgerline.example": "Ledgerline",
    "quorvane.example": "Quorvane Systems",
    "bankinggazette.example": "Banking Gazette",
}


def envelope(tasks: list[dict], cost: float = 0.0) -> dict:
    return {"version": "0.1", "status_code": 20000, "status_message": "Ok.", "cost": cost, "tasks": tasks}


CHANNEL = "UCledgerline00000000000"
#: The credentials a run needs, and the project's own three keywords rather than the test scale knob.
SECRETS = {"DATAFORSEO_LOGIN": "login", "DATAFORSEO_PASSWORD": "secret", "YOUTUBE_API_KEY": "yt-key",
           "OPENAI_API_KEY": "sk-test", "CYLVY_SAMPLE_KEYWORDS": ""}
SERP_PATHS = {"organic": "/v3/serp/google/organic", "news": "/v3/serp/google/news", "video": "/v3/serp/youtube/organic"}


class FakeDataForSeo:
    """Keyword volumes and a task queue of SERPs: organic and news results are pages of ``web``, video
    results are videos of the client's channel, which the fake YouTube Data API describes."""

    def __init__(self, server: LocalServer, web: LocalServer):
        self.web = web
        self.tasks: dict[str, dict] = {}
        server.route("POST", "/v3/keywords_data/google_ads/search_volume/live", self.volumes)
        for serp_type, prefix in SERP_PATHS.items():
            server.route("POST", f"{prefix}/task_post", lambda request, t=serp_type: self.task_post(request, t))
            server.route("GET", f"{prefix}/tasks_ready", lambda request, t=serp_type: self.tasks_ready(t))
        server.route("GET", "/youtube/v3/videos", self.videos)
        server.route("POST", "/v1/chat/completions", self.analysis)
        server.route("GET", "/youtube/v3/channels", Reply(200, {"items": [{"id": CHANNEL, "snippet": {
            "title": "Ledgerline", "customUrl": "@ledgerline",
            "description": "The official channel of Ledgerline. https://ledgerline.example/"}}]}))
        self.server = server

    def analysis(self, request: Request) -> Reply:
        """Scores every dimension the prompt lists ("- kind: name") 6 out of 10."""
        prompt = request.json()["messages"][1]["content"]
        dimensions = [line[2:].split(" (")[0].split(": ", 1) for line in prompt.splitlines() if line.startswith("- ")]
        arguments = {"scores": [{"kind": kind, "name": name, "score": 6, "confidence": 7, "evidence": ""}
                                for kind, name in dimensions],
                     "sentiment": "neutral", "sentiment_score": 0.0, "key_topics": ["banking"], "mentions": []}
        return Reply(200, {"choices": [{"message": {"tool_calls": [{"type": "function", "function": {
            "name": "record_analysis", "arguments": json.dumps(arguments)}}]}}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}})

    def videos(self, request: Request) -> Reply:
        ids = request.query["id"][0].split(",")
        return Reply(200, {"items": [{"id": video_id, "snippet": {
            "title": f"Video {video_id}", "description": "Core banking explained.", "channelId": CHANNEL,
            "channelTitle": "Ledgerline", "publishedAt": "2026-09-12T15:00:00Z"},
            "statistics": {"viewCount": "1200", "likeCount": "40", "commentCount": "7"},
            "contentDetails": {"duration": "PT5M12S"}} for video_id in ids]})

    def volumes(self, request: Request) -> Reply:
        (task,) = request.json()
        result = [{"keyword": k, "search_volume": 1000 - 100 * i, "competition": "HIGH", "competition_index": 80,
                   "low_top_of_page_bid": 3.5, "high_top_of_page_bid": 12.0} for i, k in enumerate(task["keywords"])]
        return Reply(200, envelope([{"id": "kw", "status_code": 20000, "cost": 0.05, "result": result}], cost=0.05))

    def task_post(self, request: Request, serp_type: str) -> Reply:
        answers = []
        for body in request.json():
            task_id = f"{serp_type}-{len(self.tasks)}"
            self.tasks[task_id] = {"serp_type": serp_type, **body}
            slug = body["keyword"].replace(" ", "-")
            items = [
                {"type": "youtube_video", "rank_group": 1, "video_id": f"v{len(self.tasks):010d}",
                 "url": f"https://www.youtube.com/watch?v=v{len(self.tasks):010d}", "title": body["keyword"].title(),
                 "channel_name": "Ledgerline", "timestamp": "2026-09-12 15:00:00 +00:00", "duration_time_seconds": 312}
            ] if serp_type == "video" else [
                {"type": "organic" if serp_type == "organic" else "news_search", "rank_group": rank,
                 "domain": f"www.{domain}", "title": f"{body['keyword'].title()} | {name}",
                 "url": f"{self.web.url}/{domain}/{slug}", "description": f"{name} on {body['keyword']}.",
                 "timestamp": "2026-10-01 08:00:00 +00:00"}
                for rank, (domain, name) in enumerate(SITES.items(), start=1)
            ]
            self.server.route("GET", f"{SERP_PATHS[serp_type]}/task_get/advanced/{task_id}", Reply(200, envelope([
                {"id": task_id, "status_code": 20000, "result": [{"keyword": body["keyword"], "items": items}]}
            ])))
            # As documented: each answer echoes the task it was posted as in its data (the tag among it).
            answers.append({"id": task_id, "status_code": 20100, "status_message": "Task Created.", "cost": 0.0006,
                            "data": {"api": "serp", "function": "task_post", **body}, "result": None})
        return Reply(200, envelope(answers, cost=0.0006 * len(answers)))

    def tasks_ready(self, serp_type: str) -> Reply:
        ready = [{"id": task_id} for task_id, task in self.tasks.items() if task["serp_type"] == serp_type]
        return Reply(200, envelope([{"id": "ready", "status_code": 20000, "result": ready}]))


def page(request: Request) -> Reply:
    domain, slug = request.path.strip("/").split("/", 1)
    topic = slug.replace("-", " ")
    paragraphs = "".join(
        f"<p>{SITES[domain]} explains how {topic} helps banks cut manual work, speed up payments and lending, "
        f"and modernise the core banking platform with open APIs. Paragraph {i}.</p>"
        for i in range(4)
    )
    return Reply(200, f"""<html><head><title>{topic.title()} | {SITES[domain]}</title>
        <meta property="og:site_name" content="{SITES[domain]}"></head>
        <body><main><article><h1>{topic.title()}</h1>{paragraphs}</article></main></body></html>""",
                 {"Content-Type": "text/html; charset=utf-8"})


def real_project(folder: Path, dataforseo_url: str, extra: str = "", homepages_url: str = "http://127.0.0.1:9") -> Path:
    text = (SAMPLE_PROJECT_DIR / "project.yaml").read_text()
    # IE: a market no other test uses, so these runs are not the sample project's calculations.
    text = text.replace("markets: [US, UK, DE]", "markets: [IE]").replace(
        # one of the three sites is unknown to the (sample) company-data source
        "company_enrichment_coverage: 0.8", "company_enrichment_coverage: 0.6")
    text += textwrap.dedent(f"""
        providers:
          keyword_data: dataforseo
          serp: dataforseo
          video_data: youtube
          company_data: homepage
          content_analyzer: openai
          web: http
          dataforseo:
            base_url: {dataforseo_url}
            serp_mode: queue
            locations:
              IE: {{location_code: 2372, language_code: en}}
            price_keyword_call_usd: 0.01
          youtube:
            base_url: {dataforseo_url}/youtube/v3
          homepage:
            url_template: {homepages_url}/{{domain}}/
          llm:
            base_url: {dataforseo_url}/v1
            model: test-model
          http:
            allow_networks: [127.0.0.1/32]
        """)
    folder.mkdir()
    (folder / "project.yaml").write_text(text + textwrap.indent(extra, "  "))
    (folder / "keywords.csv").write_text("keyword,category\n" + "".join(
        f"{k},{c}\n" for k, c in zip(KEYWORDS, ["Universal Banking", "Payments", "Lending"], strict=True)))
    return folder


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)


@pytest.fixture
def servers():
    with local_server() as api, local_server() as web:
        yield api, web


@pytest.fixture
def vendors(servers):
    """The DataForSEO-like API, the web server with every ranking page, and the fake's task list."""
    api, web = servers
    fake = FakeDataForSeo(api, web)
    for domain in SITES:
        for keyword in KEYWORDS:
            web.route("GET", f"/{domain}/{keyword.replace(' ', '-')}", page)
    for domain in ("ledgerline.example", "quorvane.example"):  # the third site has no homepage to read
        web.route("GET", f"/{domain}/", Reply(200, f'<html><head><script type="application/ld+json">'
                                                   f'{{"@type": "Organization", "name": "{SITES[domain]}"}}</script>'
                                                   f'</head><body></body></html>', {"Content-Type": "text/html"}))
    return api, web, fake


def test_the_pipeline_runs_on_real_providers_chosen_in_project_yaml(tmp_path, vendors, product_db):
    api, web, fake = vendors
    project = real_project(tmp_path / "project", api.url, homepages_url=web.url)
    # Profiles cached fresh by earlier runs (the client's and competitors' domains) are not asked again.
    cached = {domain for (domain,) in product_db.execute(
        "SELECT domain FROM company_profiles WHERE domain = ANY(%s) AND enriched_at > now() - interval '30 days'",
        (list(SITES),))}

    done = cli("run", "--project", str(project), **SECRETS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "secret" not in done.stdout + done.stderr
    # keyword volumes $0.05 + nine queued SERPs at $0.0006 + twelve analyses of 1,000 + 200 tokens at
    # $0.15 and $0.60 per million
    assert ", cost $0.0586" in done.stdout

    execution = product_db.execute(
        "SELECT id FROM pipeline_executions WHERE market = 'IE' ORDER BY created_at DESC LIMIT 1").fetchone()[0]
    statuses = dict(product_db.execute(
        "SELECT phase_name, status FROM pipeline_phase_status WHERE pipeline_execution_id = %s", (execution,)))
    assert set(statuses.values()) == {"completed"}
    # One queue POST per SERP type for the three keywords, and every page fetched from the web server.
    assert len(api.requests_to("/v3/serp/google/organic/task_post")) == 1
    assert len(fake.tasks) == 3 * len(KEYWORDS)
    assert len(api.requests_to("/youtube/v3/videos")) == 1 and len(api.requests_to("/youtube/v3/channels")) == 1
    assert len([r for r in web.requests if not r.path.endswith("/")]) == len(SITES) * len(KEYWORDS)
    homepages = sorted(r.path for r in web.requests if r.path.endswith("/"))
    assert homepages == sorted(f"/{domain}/" for domain in set(SITES) - cached)  # each read once, if not cached
    assert api.requests[0].headers["Authorization"] == "Basic bG9naW46c2VjcmV0"  # login:secret

    usage = product_db.execute(
        """SELECT phase_name, provider, sum(calls), round(sum(cost_usd)::numeric, 4) FROM api_usage
           WHERE pipeline_execution_id = %s GROUP BY 1, 2 ORDER BY 1, 2""", (execution,)).fetchall()
    by_phase = {(phase, provider): (calls, float(cost)) for phase, provider, calls, cost in usage}
    assert by_phase[("keyword_metrics", "DataForSEO")] == (1, 0.05)
    assert by_phase[("serp_collection", "DataForSEO")][1] == round(0.0006 * 9, 4)
    assert by_phase[("youtube_enrichment", "YouTube Data API")] == (1, 0.0)
    assert by_phase[("content_scraping", "web")] == (9, 0.0)
    assert by_phase.get(("company_enrichment_serp", "homepage"), (0, 0.0)) == (len(set(SITES) - cached), 0.0)
    assert by_phase[("content_analysis", "LLM")] == (12, round(12 * 0.00027, 4))  # nine pages, three videos
    companies = dict(product_db.execute(
        """SELECT company_domain, company_name FROM dsi_company WHERE pipeline_execution_id = %s
           AND landscape = 'All' AND serp_type = 'organic'""", (execution,)))
    assert set(companies) == set(SITES)
    assert companies["bankinggazette.example"] == "Banking Gazette"  # no record: named by its pages

    calls_before = len(api.requests) + len(web.requests)
    estimate = cli("estimate", "--project", str(project), CYLVY_SAMPLE_KEYWORDS="")
    assert estimate.returncode == 0, estimate.stderr
    assert len(api.requests) + len(web.requests) == calls_before  # nothing was called
    lines = {line.split()[0]: line.split() for line in estimate.stdout.splitlines() if line.strip()}
    assert lines["keyword_metrics"][1:4] == ["DataForSEO", "1", "$0.0100"]  # the project's list price
    # Queue: one task_post per SERP type, at least one tasks_ready poll each, nine task_gets.
    assert lines["serp_collection"][1:4] == ["DataForSEO", "15", "$0.0054"]
    assert lines["youtube_enrichment"][1:6] == ["YouTube", "Data", "API", "1", "$0.0000"]  # three videos, one call
    assert lines["content_scraping"][1:3] == ["web", "0"]  # every page is fresh in the cache
    assert lines["company_enrichment_serp"][1:3] == ["homepage", "0"]
    assert lines["content_analysis"][1:3] == ["LLM", "0"]  # every item analysed by this model already
    assert estimate.stdout.splitlines()[-1] == "Total: 17 calls, $0.0154"


def test_a_real_provider_without_its_secret_fails_at_launch_naming_the_variable(tmp_path, product_db):
    project = real_project(tmp_path / "project", "http://127.0.0.1:9")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAFORSEO_")} | {"CYLVY_SAMPLE_KEYWORDS": ""}
    assert_refused_at_launch(product_db, project, env, (
        "cylvy-pipeline: providers.keyword_data is dataforseo, and DATAFORSEO_LOGIN is not set — export it, "
        "or set that provider to sample in project.yaml"
    ))


def assert_refused_at_launch(product_db, project: Path, env: dict[str, str], message: str) -> None:
    """`run` stops before anything runs: exit 2, the one line ``message``, no execution stored."""
    before = product_db.execute("SELECT count(*) FROM pipeline_executions").fetchone()
    done = subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", "run", "--project", str(project)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip() == message
    assert product_db.execute("SELECT count(*) FROM pipeline_executions").fetchone() == before


def latest_phase_outcome(product_db, phase: str) -> tuple[str, str, str, str | None]:
    """The latest IE execution, its first Dagster run, and the status and error of ``phase`` in it."""
    execution, run_id = product_db.execute(
        "SELECT id, dagster_run_ids[1] FROM pipeline_executions WHERE market = 'IE' ORDER BY created_at DESC LIMIT 1"
    ).fetchone()
    status, error = product_db.execute(
        """SELECT status, result_data->>'error' FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = %s""", (execution, phase)).fetchone()
    return execution, run_id, status, error


def test_a_spent_budget_stops_the_phase_before_the_call_and_re_execution_continues(tmp_path, vendors, product_db):
    api, web, fake = vendors
    # Keyword volumes cost $0.05 (list price $0.01); the SERPs' first queue post would add $0.0018.
    project = real_project(tmp_path / "project", api.url, extra="max_cost_usd: 0.051\n", homepages_url=web.url)
    stopped = cli("run", "--project", str(project), **SECRETS)
    assert stopped.returncode == 1
    execution, run_id, status, error = latest_phase_outcome(product_db, "serp_collection")
    assert status == "failed"
    assert error == (
        "serp_collection stopped before a DataForSEO call that would take the execution past its budget: "
        "$0.0500 spent of $0.05, the call costs about $0.0018 — raise providers.max_cost_usd in project.yaml "
        "and re-execute from failure"
    )
    assert fake.tasks == {}  # no SERP was posted, and the phase was not retried
    assert len(api.requests_to("/v3/serp/google/organic/task_post")) == 0

    yaml = project / "project.yaml"
    yaml.write_text(yaml.read_text().replace("max_cost_usd: 0.051", "max_cost_usd: 1.0"))
    resumed = cli("reexecute", str(run_id), **SECRETS)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert len(api.requests_to("/v3/keywords_data/google_ads/search_volume/live")) == 1  # not paid twice
    spent = dict(product_db.execute(
        "SELECT provider, sum(cost_usd) FROM api_usage WHERE pipeline_execution_id = %s GROUP BY 1", (execution,)))
    assert round(spent["DataForSEO"], 4) == 0.0554  # volumes once, then the nine SERPs after the budget rose
    # (the pages' analyses may already be cached by the test before: same content, same model)
    assert f", cost ${sum(spent.values()):.4f}" in resumed.stdout


class FakePeopleDataLabs:
    """People Data Labs' Company Enrichment API: out of credits until ``credits`` is set, then a match for
    the client's site and the gazette, and no match for the competitor."""

    RECORDS = {
        "ledgerline.example": {"display_name": "Ledgerline Ltd", "industry": "computer software", "employee_count": 640,
                               "inferred_revenue": "$50M-$100M", "location": {"country": "ireland"}, "type": "private"},
        "bankinggazette.example": {"display_name": "Banking Gazette Media Group", "industry": "newspapers",
                                   "employee_count": 85, "location": {"country": "united kingdom"}, "type": "private"},
    }

    def __init__(self, server: LocalServer):
        self.credits = False
        self.asked: list[str] = []
        server.route("GET", "/v5/company/enrich", self.enrich)

    def enrich(self, request: Request) -> Reply:
        domain = request.query["website"][0]
        self.asked.append(domain)
        if request.headers.get("X-Api-Key") != "pdl-key":
            return Reply(401, {"status": 401, "error": {"type": "authentication_error", "message": "Invalid key"}})
        if not self.credits:
            return Reply(402, {"status": 402, "error": {"type": "payment_required",
                                                        "message": "You have hit your account maximum (all matches used)"}})
        if domain not in self.RECORDS:
            return Reply(404, {"status": 404, "error": {"type": "not_found",
                                                        "message": "No records were found matching your request"}})
        return Reply(200, {"status": 200, "likelihood": 9, "name": domain, **self.RECORDS[domain]},
                     {"x-call-credits-spent": "1"})


def pdl_project(folder: Path, api_url: str, web_url: str) -> Path:
    """The real-provider project with company data bought from People Data Labs, one lookup at a time, no
    profile counted as fresh (every domain is looked up), and a model of its own (its analyses are not
    the other runs' cache hits)."""
    project = real_project(folder, api_url, homepages_url=web_url, extra=textwrap.dedent(f"""\
        concurrency:
          company_data: 1
          content_analyzer: 3
        peopledatalabs:
          base_url: {api_url}/v5
          price_per_match_usd: 0.1
        """))
    yaml = project / "project.yaml"
    yaml.write_text(yaml.read_text().replace("company_data: homepage", "company_data: peopledatalabs")
                    .replace("profile_freshness_days: 30", "profile_freshness_days: 0")
                    .replace("model: test-model", "model: test-model-pdl"))
    return project


@pytest.fixture
def forget_cached_companies(product_db):
    """The shared caches without the company profiles and channel resolution a test recorded, afterwards:
    the homepage run finds the gazette without a record and resolves the channel itself, in any order."""
    (started,) = product_db.execute("SELECT clock_timestamp()").fetchone()
    yield
    product_db.execute("DELETE FROM company_profiles WHERE domain = ANY(%s) AND recorded_at >= %s",
                       (list(SITES), started))
    product_db.execute("DELETE FROM channel_resolutions WHERE channel_id = %s AND recorded_at >= %s",
                       (CHANNEL, started))


def test_company_data_bought_from_people_data_labs_stops_when_credits_run_out_and_continues_after(
        tmp_path, vendors, product_db, forget_cached_companies):
    api, web, _ = vendors
    pdl = FakePeopleDataLabs(api)
    project = pdl_project(tmp_path / "project", api.url, web.url)
    secrets = {**SECRETS, "PDL_API_KEY": "pdl-key"}

    stopped = cli("run", "--project", str(project), **secrets)
    assert stopped.returncode == 1
    execution, run_id, status, error = latest_phase_outcome(product_db, "company_enrichment_serp")
    assert status == "failed"
    assert error == (
        "People Data Labs has no credits left for company enrichment (HTTP 402 payment_required: You have hit your "
        "account maximum (all matches used)): add credits to the account or wait for the plan to renew, then "
        "re-execute from failure")
    # One lookup at a time, so one refused lookup; not retried by the HTTP layer nor by the phase's retry policy.
    assert pdl.asked == ["bankinggazette.example"]

    pdl.credits = True
    resumed = cli("reexecute", str(run_id), **secrets)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "pdl-key" not in resumed.stdout + resumed.stderr
    # The SERP domains once each (in domain order), then the channel's linked site.
    assert pdl.asked == ["bankinggazette.example", "bankinggazette.example", "ledgerline.example", "quorvane.example",
                         "ledgerline.example"]
    usage = product_db.execute(
        """SELECT phase_name, status, count(*), round(sum(cost_usd)::numeric, 4) FROM api_usage
           WHERE pipeline_execution_id = %s AND provider = 'People Data Labs' GROUP BY 1, 2 ORDER BY 1, 2""",
        (execution,)).fetchall()
    assert [(phase, status, calls, float(cost)) for phase, status, calls, cost in usage] == [
        ("company_enrichment_serp", "http_402", 1, 0.0), ("company_enrichment_serp", "http_404", 1, 0.0),
        ("company_enrichment_serp", "ok", 2, 0.2), ("company_enrichment_youtube", "ok", 1, 0.1)]
    companies = dict(product_db.execute(
        """SELECT company_domain, company_name FROM dsi_company WHERE pipeline_execution_id = %s
           AND landscape = 'All' AND serp_type = 'organic'""", (execution,)))
    assert companies["bankinggazette.example"] == "Banking Gazette Media Group"  # PDL's record
    assert companies["ledgerline.example"] == "Ledgerline"  # the project's own name for its client
    gazette = product_db.execute(
        "SELECT source, source_type, hq_country, employees FROM company_profiles WHERE domain = 'bankinggazette.example'"
    ).fetchone()
    assert gazette == ("People Data Labs", "PREMIUM_PUBLISHER", "GB", 85)  # "newspapers": a publisher


def test_people_data_labs_without_its_key_stops_the_run_at_launch(tmp_path, product_db):
    project = pdl_project(tmp_path / "project", "http://127.0.0.1:9", "http://127.0.0.1:9")
    env = {k: v for k, v in os.environ.items() if k != "PDL_API_KEY"} | SECRETS
    assert_refused_at_launch(product_db, project, env, (
        "cylvy-pipeline: providers.company_data is peopledatalabs, and PDL_API_KEY is not set — export it, "
        "or set that provider to sample in project.yaml"
    ))
