"""The LLM analyzer against a local server speaking the OpenAI chat-completions format: answers are the API
reference's tool-call example (fixtures/openai/, see fixtures/README.md), verbatim or with only the called
function's name and arguments substituted; the 401 body is hand-made."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from cylvy_pipeline.analysis.analyzer import AnalysisDimension
from cylvy_pipeline.phases.content_analysis import analyze_content
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpPolicy, ProviderHttp
from cylvy_pipeline.providers.real.llm_analyzer import LlmContentAnalyzer, LlmPrices, llm_version
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply, Request
from cylvy_pipeline_tests.providers.vendor_fixtures import vendor_json

DIMENSIONS = (
    AnalysisDimension("persona", "Chief Lending Officer", ("loan origination",), ("decisions in minutes",)),
    AnalysisDimension("jtbd_phase", "Validation", ("case study",)),
    AnalysisDimension("page_type", "Case study", ("customer",)),
)
BRANDS = {"Ledgerline": ["ledgerline.example"], "Quorvane Systems": ["quorvane.example"]}
GOOD = {
    "scores": [
        {"kind": "persona", "name": "Chief Lending Officer", "score": 8.5, "confidence": 7, "evidence": "Loans in minutes."},
        {"kind": "jtbd_phase", "name": "Validation", "score": 9, "confidence": 8, "evidence": "The results."},
        {"kind": "page_type", "name": "Case study", "score": 9.5, "confidence": 9, "evidence": ""},
    ],
    "sentiment": "positive", "sentiment_score": 0.6, "key_topics": ["loan origination", "go-live"],
    "mentions": [{"brand": "Ledgerline", "count": 3}],
}


def completion(arguments: object, *, name: str = "record_analysis") -> dict:
    """The documented tool-call answer calling ``name`` with ``arguments`` (a JSON string, as the API sends)."""
    answer = vendor_json("openai", "chat_completion_tool_calls.json")
    answer["choices"][0]["message"]["tool_calls"][0]["function"] = {
        "name": name, "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments)}
    return answer


@pytest.fixture
def llm(server: LocalServer, calls):
    http = ProviderHttp("LLM", policy=HttpPolicy(timeout_s=2, attempts=2, base_delay_s=0), sleep=lambda s: None,
                        headers={"Authorization": "Bearer sk-test"}, credential_env="OPENAI_API_KEY", usage=calls.append)
    with http:
        yield LlmContentAnalyzer(http, model="test-model", base_url=server.url + "/v1",
                                 prices=LlmPrices(input_per_mtok=1.0, output_per_mtok=4.0))


def test_a_forced_tool_call_becomes_the_analysis(server: LocalServer, llm: LlmContentAnalyzer, calls) -> None:
    server.route("POST", "/v1/chat/completions", Reply(200, completion(GOOD)))
    analysis = llm.analyze("How Fernhollow went live.", "Customer story", DIMENSIONS, BRANDS, "html")
    request = server.requests[0].json()
    assert server.requests[0].headers["Authorization"] == "Bearer sk-test"
    assert request["tool_choice"] == {"type": "function", "function": {"name": "record_analysis"}}
    parameters = request["tools"][0]["function"]["parameters"]
    assert parameters["properties"]["scores"]["items"]["properties"]["name"]["enum"] == [d.name for d in DIMENSIONS]
    assert parameters["properties"]["mentions"]["items"]["properties"]["brand"]["enum"] == list(BRANDS)
    assert request["temperature"] == 0 and "Title: Customer story" in request["messages"][1]["content"]
    # Each dimension with what describes it: its terms, then a persona's outcome terms.
    assert ("- persona: Chief Lending Officer (loan origination; decisions in minutes)\n"
            "- jtbd_phase: Validation (case study)\n") in request["messages"][1]["content"]
    assert [s.score for s in analysis.scores] == [8.5, 9.0, 9.5]
    assert analysis.persona_relevance == 0.85 and analysis.mentions == (("Ledgerline", 3),)
    assert llm.version == llm_version("test-model", 12_000) != llm_version("test-model", 6_000)
    assert llm.version.startswith("llm:test-model:")
    # The documented usage: 82 input tokens at $1/M and 17 output tokens at $4/M, 99 in all
    assert [(c.units, round(c.cost_usd, 6)) for c in calls] == [(99.0, 0.00015)]


def test_the_documented_answer_calls_another_function(server: LocalServer, llm: LlmContentAnalyzer, calls) -> None:
    """The API reference's example, verbatim: a call of get_current_weather is no analysis, but its tokens
    were spent and are recorded."""
    server.route("POST", "/v1/chat/completions", Reply(200, vendor_json("openai", "chat_completion_tool_calls.json")))
    with pytest.raises(ProviderError) as error:
        llm.analyze("text", None, DIMENSIONS, BRANDS)
    assert str(error.value) == "LLM returned an invalid analysis: it called 'get_current_weather', not record_analysis"
    assert [(c.status, c.units, round(c.cost_usd, 6)) for c in calls] == [("ok", 99.0, 0.00015)]


def test_a_spent_quota_stops_the_phase_saying_so(server: LocalServer, llm: LlmContentAnalyzer, calls) -> None:
    """OpenAI's insufficient_quota answer is a 429 like a rate limit, but waiting will not help: it is a spent
    quota at once (not tried again), and the phase stops at the first item instead of failing each one."""
    server.route("POST", "/v1/chat/completions", Reply(429, vendor_json("openai", "error_insufficient_quota.json")))
    items = pd.DataFrame({"url": [f"https://a.example/{i}" for i in range(5)], "content_kind": "page",
                          "title": "A", "text": [f"page {i}" for i in range(5)], "content_type": "html",
                          "content_hash": [f"h{i}" for i in range(5)]})
    with pytest.raises(QuotaExhausted) as error:
        analyze_content(items, DIMENSIONS, BRANDS, pd.DataFrame(columns=["content_hash", "result"]), llm,
                        lambda key, produce: (produce(), True), now=datetime(2026, 11, 29, tzinfo=UTC),
                        max_concurrency=1)
    assert str(error.value) == (
        "LLM has no quota left (HTTP 429 insufficient_quota: You exceeded your current quota, please check your plan "
        "and billing details. For more information on this error, read the docs: "
        "https://platform.openai.com/docs/guides/error-codes/api-errors.) — add credits to the account, then "
        "re-execute from failure")
    assert not error.value.transient
    assert len(server.requests) == 1  # the first item, once; none for the others


def test_a_rate_limit_that_outlasts_the_retries_is_transient(server: LocalServer, llm: LlmContentAnalyzer) -> None:
    server.route("POST", "/v1/chat/completions", Reply(429, {"error": {
        "message": "Rate limit reached for requests", "type": "requests", "param": None,
        "code": "rate_limit_exceeded"}}))
    with pytest.raises(ProviderError) as error:
        llm.analyze("text", None, DIMENSIONS, BRANDS)
    assert str(error.value) == ("LLM answered chat/completions with HTTP 429: Rate limit reached for requests "
                                "(after 2 tries)")
    assert type(error.value) is ProviderError and error.value.transient and error.value.retried


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        ("{not json",
         "the arguments are not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
        ({**GOOD, "scores": GOOD["scores"][:2]}, "no score for 'Case study'"),
        ({**GOOD, "scores": [{**GOOD["scores"][0], "score": 11}, *GOOD["scores"][1:]]},
         "score of 'Chief Lending Officer' must be a number from 0 to 10, got 11"),
        ({**GOOD, "scores": [*GOOD["scores"], GOOD["scores"][0]]}, "'Chief Lending Officer' is scored twice"),
        ({**GOOD, "mentions": [{"brand": "Acme Corp", "count": 2}]},
         "mention {'brand': 'Acme Corp', 'count': 2} is not a listed brand with a count of at least 1"),
        ({**GOOD, "sentiment": "mixed"}, "sentiment must be positive, neutral or negative, got 'mixed'"),
        ({k: v for k, v in GOOD.items() if k != "key_topics"}, "missing key_topics"),
    ],
)
def test_invalid_tool_arguments_are_a_failed_analysis(server, llm, arguments, reason) -> None:
    server.route("POST", "/v1/chat/completions", Reply(200, completion(arguments)))
    with pytest.raises(ProviderError) as error:
        llm.analyze("text", None, DIMENSIONS, BRANDS)
    assert str(error.value) == f"LLM returned an invalid analysis: {reason}"
    assert not error.value.transient


def test_an_answer_without_the_tool_call_is_a_failed_analysis(server, llm) -> None:
    server.route("POST", "/v1/chat/completions", Reply(200, completion(GOOD, name="something_else")))
    with pytest.raises(ProviderError) as error:
        llm.analyze("text", None, DIMENSIONS, BRANDS)
    assert str(error.value) == "LLM returned an invalid analysis: it called 'something_else', not record_analysis"


def test_a_rejected_key_names_the_variable(server, llm) -> None:
    server.route("POST", "/v1/chat/completions", Reply(401, {"error": {"message": "Incorrect API key provided"}}))
    with pytest.raises(ProviderAuthError) as error:
        llm.analyze("text", None, DIMENSIONS, BRANDS)
    assert str(error.value) == "LLM refused the credentials: HTTP 401 (check OPENAI_API_KEY)"


def test_content_analysis_records_invalid_output_as_failed_never_as_a_result(server, llm) -> None:
    def answer(request: Request) -> Reply:
        text = request.json()["messages"][1]["content"]
        return Reply(200, completion(GOOD if "good page" in text else {**GOOD, "sentiment": "unsure"}))

    server.route("POST", "/v1/chat/completions", answer)
    items = pd.DataFrame({"url": ["https://a.example/1", "https://b.example/2"], "content_kind": "page",
                          "title": ["A", "B"], "text": ["a good page", "a bad page"], "content_type": "html",
                          "content_hash": ["h1", "h2"]})
    recorded: dict[str, dict] = {}

    def produce_once(key, produce):
        recorded[key] = produce()
        return recorded[key], True

    output = analyze_content(items, DIMENSIONS, BRANDS, pd.DataFrame(columns=["content_hash", "result"]), llm,
                             produce_once, now=datetime(2026, 11, 29, tzinfo=UTC))
    assert output.result["analysis_failures"] == 1
    assert output.result["failed_examples"] == [{"url": "https://b.example/2", "error": (
        "ProviderError: LLM returned an invalid analysis: sentiment must be positive, neutral or negative, got 'unsure'")}]
    assert output.tables["content_analyses"]["url"].tolist() == ["https://a.example/1"]
    assert list(recorded) == ["h1"]  # nothing cached for the failed one


def test_a_refused_key_stops_the_phase_after_one_call(server, llm) -> None:
    server.route("POST", "/v1/chat/completions", Reply(401, {"error": {"message": "Incorrect API key provided"}}))
    items = pd.DataFrame({"url": [f"https://a.example/{i}" for i in range(5)], "content_kind": "page",
                          "title": "A", "text": [f"page {i}" for i in range(5)], "content_type": "html",
                          "content_hash": [f"h{i}" for i in range(5)]})
    with pytest.raises(ProviderAuthError):
        analyze_content(items, DIMENSIONS, BRANDS, pd.DataFrame(columns=["content_hash", "result"]), llm,
                        lambda key, produce: (produce(), True), now=datetime(2026, 11, 29, tzinfo=UTC))
    assert len(server.requests) == 1  # not one refused call per item


def test_an_analysis_the_budget_cannot_pay_is_not_requested(server, calls) -> None:
    from cylvy_pipeline.providers.errors import BudgetExceeded

    def budget(expected: float, provider: str) -> None:
        raise BudgetExceeded(f"{provider} call of about ${expected:.6f} refused")

    http = ProviderHttp("LLM", policy=HttpPolicy(timeout_s=2), budget=budget, usage=calls.append)
    with http:
        llm = LlmContentAnalyzer(http, model="m", base_url=server.url + "/v1", prices=LlmPrices(1.0, 4.0))
        with pytest.raises(BudgetExceeded) as error:
            llm.analyze("x" * 4000, "Title", DIMENSIONS, BRANDS)
    assert str(error.value).startswith("LLM call of about $0.00") and server.requests == [] and calls == []
