"""Content analysis by an LLM behind any OpenAI-compatible chat-completions API.

The model is made to call one tool, ``record_analysis``, whose parameters are the analysis schema: a score
(0–10), confidence (0–10) and evidence (≤ 200 characters) for every persona, JTBD phase, page type and
custom dimension of the project, the sentiment, up to five key topics and the brands it mentions. The
arguments it returns are checked against that schema — every dimension exactly once, numbers in range,
known brands only — and anything else is a failed analysis (a :class:`ProviderError`), never a stored
result. Tokens are recorded with the call and priced from configuration.

Errors come as ``{"error": {"message": …, "type": …, "param": …, "code": …}}``. A refused key names
``OPENAI_API_KEY``; HTTP 429 with ``insufficient_quota`` is a spent quota (:class:`QuotaExhausted`: the account
needs credits, so waiting will not help), unlike 429 ``rate_limit_exceeded``, which is transient.

The analyzer's version is the model plus a hash of the prompt and the tool schema's shape, so changing
either makes earlier cached analyses stale (the analysis cache is keyed by content and version).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from cylvy_pipeline.analysis.analyzer import (
    CONTENT_TYPES,
    KEY_TOPIC_COUNT,
    MAX_EVIDENCE_CHARS,
    AnalysisDimension,
    ContentAnalysis,
    DimensionScore,
)
from cylvy_pipeline.analysis.page_signals import PageMetadata
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import RETRYABLE_STATUSES, HttpResponse, ProviderHttp
from cylvy_pipeline.providers.vendor import CallEstimate, Demand, Vendor, VendorSettings

PROVIDER = "LLM"
#: Its resource's key field and the environment variable that holds it.
SECRETS = {"api_key": "OPENAI_API_KEY"}
CREDENTIAL_ENV = SECRETS["api_key"]
DEFAULT_BASE_URL = "https://api.openai.com/v1"
TOOL_NAME = "record_analysis"
SYSTEM_PROMPT = (
    "You analyse web pages and videos for a B2B market study. Score how strongly the content speaks to each "
    "listed dimension, from 0 (not at all) to 10 (written for it), with your confidence (0-10) and the "
    "sentence that shows it best (at most 200 characters, empty when nothing does). Judge page types by what "
    "the page is (its layout and purpose), JTBD phases by the buying stage it serves, and personas by whether "
    "it addresses their goals and pains. Report the overall sentiment, up to five key topics, and how often "
    "each listed brand is mentioned. Call record_analysis exactly once."
)
USER_TEMPLATE = (
    "Dimensions:\n{listing}\nBrands: {brands}\n\nContent type: {content_type}\nTitle: {title}\n"
    "{metadata}\n\n{text}"
)
# Output tokens a complete answer takes, for the budget check before a call (not for billing).
OUTPUT_TOKENS_PER_DIMENSION = 60
OUTPUT_TOKENS_BASE = 200


def _dimension_line(dimension: AnalysisDimension) -> str:
    """A dimension as the prompt lists it: kind, name and its first eight terms (then outcome terms)."""
    described = (*dimension.terms, *dimension.outcome_terms)[:8]
    return f"- {dimension.kind}: {dimension.name}" + (f" ({'; '.join(described)})" if described else "")


class LlmSettings(VendorSettings):
    """An OpenAI-compatible chat-completions API for content analysis, under ``providers.llm``."""

    base_url: str = DEFAULT_BASE_URL
    model: str = "gpt-4o-mini"
    price_input_per_mtok_usd: float = Field(0.15, ge=0)
    price_output_per_mtok_usd: float = Field(0.60, ge=0)
    max_text_chars: int = Field(12_000, ge=500)  # of a page's text sent to the model
    timeout_s: float = Field(60, gt=0)


def llm_version(model: str, max_text_chars: int) -> str:
    """The analyzer version: the model and a hash of everything else that shapes an answer — the
    prompt, the user template, the tool schema's shape and how much text is sent (the dimensions and
    brands themselves are fingerprinted by the content-analysis phase)."""
    shape = json.dumps([SYSTEM_PROMPT, USER_TEMPLATE, TOOL_NAME, _schema([], []), max_text_chars], sort_keys=True)
    return f"llm:{model}:{hashlib.sha256(shape.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class LlmPrices:
    """USD per million tokens."""

    input_per_mtok: float = 0.15
    output_per_mtok: float = 0.60


def _schema(dimensions: Sequence[AnalysisDimension], brands: Sequence[str]) -> dict:
    number = {"type": "number", "minimum": 0, "maximum": 10}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["scores", "sentiment", "sentiment_score", "key_topics", "mentions"],
        "properties": {
            "scores": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["kind", "name", "score", "confidence", "evidence"],
                "properties": {
                    "kind": {"type": "string", "enum": sorted({d.kind for d in dimensions})},
                    "name": {"type": "string", "enum": [d.name for d in dimensions]},
                    "score": number, "confidence": number,
                    "evidence": {"type": "string", "maxLength": MAX_EVIDENCE_CHARS},
                }}},
            "sentiment": {"type": "string", "enum": ["positive", "neutral", "negative"]},
            "sentiment_score": {"type": "number", "minimum": -1, "maximum": 1},
            "key_topics": {"type": "array", "maxItems": KEY_TOPIC_COUNT, "items": {"type": "string"}},
            "mentions": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["brand", "count"],
                "properties": {"brand": {"type": "string", "enum": list(brands)},
                               "count": {"type": "integer", "minimum": 1}}}},
        },
    }


def _invalid(reason: str) -> ProviderError:
    return ProviderError(f"{PROVIDER} returned an invalid analysis: {reason}", transient=False)


def _number(value: Any, low: float, high: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise _invalid(f"{what} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def parse_analysis(arguments: str, dimensions: Sequence[AnalysisDimension], brands: Sequence[str]) -> ContentAnalysis:
    """The tool call's arguments as a :class:`ContentAnalysis`, or the reason they are not one."""
    try:
        data = json.loads(arguments)
    except ValueError as error:
        raise _invalid(f"the arguments are not JSON ({error})") from None
    if not isinstance(data, dict):
        raise _invalid("the arguments are not an object")
    missing = [field for field in ("scores", "sentiment", "sentiment_score", "key_topics", "mentions") if field not in data]
    if missing:
        raise _invalid(f"missing {', '.join(missing)}")
    wanted = {(d.kind, d.name) for d in dimensions}
    scores: dict[tuple[str, str], DimensionScore] = {}
    for item in data["scores"] if isinstance(data["scores"], list) else []:
        if not isinstance(item, dict):
            raise _invalid("a score is not an object")
        key = (item.get("kind"), item.get("name"))
        if key not in wanted:
            raise _invalid(f"score for an unknown dimension {key[0]!r}/{key[1]!r}")
        if key in scores:
            raise _invalid(f"{key[1]!r} is scored twice")
        evidence = item.get("evidence") if isinstance(item.get("evidence"), str) else ""
        scores[key] = DimensionScore(
            kind=key[0], name=key[1], score=round(_number(item.get("score"), 0, 10, f"score of {key[1]!r}"), 3),
            confidence=round(_number(item.get("confidence"), 0, 10, f"confidence of {key[1]!r}"), 3),
            evidence=evidence[:MAX_EVIDENCE_CHARS],
        )
    unscored = [name for kind, name in ((d.kind, d.name) for d in dimensions) if (kind, name) not in scores]
    if unscored:
        raise _invalid(f"no score for {', '.join(repr(n) for n in unscored[:3])}")
    if data["sentiment"] not in ("positive", "neutral", "negative"):
        raise _invalid(f"sentiment must be positive, neutral or negative, got {data['sentiment']!r}")
    topics = data["key_topics"]
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise _invalid("key_topics must be a list of texts")
    mentions = []
    for item in data["mentions"] if isinstance(data["mentions"], list) else []:
        brand, count = (item.get("brand"), item.get("count")) if isinstance(item, dict) else (None, None)
        if brand not in brands or not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise _invalid(f"mention {item!r} is not a listed brand with a count of at least 1")
        mentions.append((brand, count))
    ordered = tuple(scores[(d.kind, d.name)] for d in dimensions)
    personas = [s.score for s in ordered if s.kind == "persona"]
    return ContentAnalysis(
        scores=ordered,
        sentiment=data["sentiment"],
        sentiment_score=round(_number(data["sentiment_score"], -1, 1, "sentiment_score"), 4),
        key_topics=tuple(topics[:KEY_TOPIC_COUNT]),
        mentions=tuple(sorted(mentions, key=lambda m: (-m[1], m[0]))),
        persona_relevance=round(sum(personas) / len(personas) / 10.0, 6) if personas else 0.0,
    )


class LlmContentAnalyzer:
    """The analyzer interface of :class:`~cylvy_pipeline.analysis.analyzer.LocalContentAnalyzer` over
    an OpenAI-compatible ``/chat/completions`` endpoint with a forced tool call."""

    def __init__(self, http: ProviderHttp, *, model: str, base_url: str, prices: LlmPrices = LlmPrices(),
                 max_text_chars: int = 12_000):
        """``http`` carries the API key (an ``Authorization: Bearer`` header)."""
        self.http = http
        self.model = model
        self.base_url = base_url.rstrip("/")
        self.prices = prices
        self.max_text_chars = max_text_chars
        self.version = llm_version(model, max_text_chars)

    @staticmethod
    def _usage(response: HttpResponse) -> dict:
        try:
            usage = response.json(provider=PROVIDER).get("usage")
        except (ProviderError, AttributeError):
            return {}
        return usage if isinstance(usage, dict) else {}

    def _cost(self, response: HttpResponse) -> float:
        usage = self._usage(response)
        return (usage.get("prompt_tokens", 0) * self.prices.input_per_mtok
                + usage.get("completion_tokens", 0) * self.prices.output_per_mtok) / 1_000_000

    def _tokens(self, response: HttpResponse) -> float:
        return float(self._usage(response).get("total_tokens", 0))

    def analyze(self, text: str, title: str | None, dimensions: Sequence[AnalysisDimension],
                brands: Mapping[str, Sequence[str]], content_type: str | None = None, *,
                metadata: PageMetadata | None = None) -> ContentAnalysis:
        if content_type is not None and content_type not in CONTENT_TYPES:
            raise ValueError(f"content_type must be one of {CONTENT_TYPES} or None, got {content_type!r}")
        listing = "\n".join(map(_dimension_line, dimensions))
        content = USER_TEMPLATE.format(listing=listing, brands=", ".join(brands) or "none",
                                       content_type=content_type or "unknown", title=title or "",
                                       metadata=metadata.describe() if metadata is not None else "",
                                       text=(text or "")[: self.max_text_chars])
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": content}],
            "tools": [{"type": "function", "function": {"name": TOOL_NAME, "description": "Record the analysis.",
                                                          "parameters": _schema(dimensions, list(brands))}}],
            "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
        }
        # The budget check sees a list-price guess: about four characters a token in, a fixed answer out.
        expected_cost = ((len(SYSTEM_PROMPT) + len(content)) / 4 * self.prices.input_per_mtok
                         + (OUTPUT_TOKENS_BASE + OUTPUT_TOKENS_PER_DIMENSION * len(dimensions))
                         * self.prices.output_per_mtok) / 1_000_000
        response = self.http.request("POST", f"{self.base_url}/chat/completions", endpoint="chat/completions",
                                     json_body=body, units=self._tokens, cost=self._cost, expected_cost=expected_cost,
                                     final=self._spent_quota,
                                     raise_for_status=False)  # its error body tells a spent quota from a busy one
        if response.status_code >= 400:
            raise self._error(response)
        payload = response.json(provider=PROVIDER)
        try:
            call = payload["choices"][0]["message"]["tool_calls"][0]["function"]
            arguments = call["arguments"]
        except (KeyError, IndexError, TypeError):
            raise _invalid("the answer has no tool call") from None
        if call.get("name") != TOOL_NAME:
            raise _invalid(f"it called {call.get('name')!r}, not {TOOL_NAME}")
        return parse_analysis(arguments, dimensions, list(brands))

    @staticmethod
    def _spent_quota(response: HttpResponse) -> bool:
        """OpenAI's insufficient_quota: a 429 like a rate limit, but no wait brings the credits back."""
        error = response.error_object(provider=PROVIDER)
        return "insufficient_quota" in (error.get("code"), error.get("type"))

    def _error(self, response: HttpResponse) -> ProviderError:
        """The provider error an error answer is, once the HTTP layer's retries (of 429 and 5xx) are spent."""
        status = response.status_code
        error = response.error_object(provider=PROVIDER)
        if status in (401, 403):
            variable = f" (check {self.http.credential_env})" if self.http.credential_env else ""
            return ProviderAuthError(f"{PROVIDER} refused the credentials: HTTP {status}{variable}")
        message = str(error.get("message") or "").strip()
        if self._spent_quota(response):
            return QuotaExhausted(f"{PROVIDER} has no quota left (HTTP {status} insufficient_quota: {message}) — add "
                                  "credits to the account, then re-execute from failure")
        said = f": {message}" if message else ""
        if status in RETRYABLE_STATUSES:
            return ProviderError(f"{PROVIDER} answered chat/completions with HTTP {status}{said} "
                                 f"(after {self.http.policy.attempts} tries)", transient=True, retried=True)
        return ProviderError(f"{PROVIDER} answered chat/completions with HTTP {status}{said}", transient=False)


def _analysis_calls(providers: Any, demand: Demand) -> CallEstimate:
    model = providers.llm.model
    # Tokens depend on each page's text, known only once it is scraped: no price before that.
    return CallEstimate(demand.count, 0.0 if demand.count == 0 else None, f"analysed by {model}, priced by tokens")


VENDOR = Vendor(
    name="openai",
    prices={"content_analyzer": _analysis_calls},
    usage_names=PROVIDER,
    settings_key="llm",
    settings_model=LlmSettings,
    secrets=SECRETS,
)
