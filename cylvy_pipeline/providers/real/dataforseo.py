"""DataForSEO: keyword metrics (Google Ads search volume) and SERPs (Google organic and news, YouTube).

Wire format (v3): every POST body is a JSON array of task objects; every answer is an envelope
``{"status_code": 20000, "cost": …, "tasks": [{"id", "status_code", "status_message", "cost",
"data", "result": […]}]}``. Status codes 20000–20100 are success; the rest are errors whose class decides
what happens (bad credentials, no funds, rate limit, bad request, server error). The envelope's ``cost``
(USD) is what the call was charged and is recorded with the call.

SERPs come two ways, a project setting: **live** (one POST per SERP, the answer inline, ~3× the price) and
the **standard queue** (``task_post`` with up to 100 tasks per POST, then ``tasks_ready`` and
``task_get/advanced/{id}``), the cheap way to collect thousands of SERPs per hour.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from pydantic import Field

from cylvy_pipeline.providers.base import KEYWORD_METRIC_COLUMNS, SERP_ITEM_COLUMNS
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpResponse, ProviderHttp
from cylvy_pipeline.providers.vendor import CallEstimate, ConfigProblem, Demand, Vendor, VendorSettings

PROVIDER = "DataForSEO"
DEFAULT_BASE_URL = "https://api.dataforseo.com"
#: Its resource's credential fields and the environment variables that hold them.
SECRETS = {"login": "DATAFORSEO_LOGIN", "password": "DATAFORSEO_PASSWORD"}
CREDENTIAL_ENV = " and ".join(SECRETS.values())
MAX_KEYWORDS_PER_CALL = 1000  # Google Ads search volume: keywords per task
MAX_TASKS_PER_POST = 100  # standard queue: tasks per task_post

# serp_type -> (API path prefix, item type that is a result of that type)
SERP_ENDPOINTS: dict[str, tuple[str, str]] = {
    "organic": ("/v3/serp/google/organic", "organic"),
    "news": ("/v3/serp/google/news", "news_search"),
    "video": ("/v3/serp/youtube/organic", "youtube_video"),
}


class DataForSeoLocation(VendorSettings):
    """Where DataForSEO searches for one market (its location and language codes)."""

    location_code: int = Field(ge=1)
    language_code: str


#: DataForSEO's location and language codes for the markets the sample project uses; a project adds
#: others (or overrides these) under ``providers.dataforseo.locations``.
DATAFORSEO_DEFAULT_LOCATIONS: dict[str, DataForSeoLocation] = {
    "US": DataForSeoLocation(location_code=2840, language_code="en"),
    "UK": DataForSeoLocation(location_code=2826, language_code="en"),
    "DE": DataForSeoLocation(location_code=2276, language_code="de"),
}


class DataForSeoSettings(VendorSettings):
    """DataForSEO (keyword metrics and SERPs), under ``providers.dataforseo``."""

    base_url: str = DEFAULT_BASE_URL
    serp_mode: Literal["live", "queue"] = "live"  # queue: ~3x cheaper, results within minutes
    #: Markets beyond the built-in US, UK and DE (or overriding them).
    locations: dict[str, DataForSeoLocation] = {}
    #: SERP API calls a minute (the vendor allows up to 2,000; task_post carries 100 SERPs a call).
    calls_per_minute: float = Field(600, gt=0)
    #: Google Ads search-volume calls a minute: DataForSEO documents about 12 a minute per account for
    #: this endpoint family, far below the SERP API's, so it has a limit of its own.
    keyword_data_calls_per_minute: float = Field(12, gt=0)
    #: List prices in USD the budget and `estimate` use (what a call is charged is what DataForSEO's
    #: answer states, recorded in api_usage).
    price_keyword_call_usd: float = Field(0.075, ge=0)  # a search-volume call, up to 1,000 keywords
    price_serp_live_usd: float = Field(0.002, ge=0)  # a live SERP of 10 results
    price_serp_queue_usd: float = Field(0.0006, ge=0)  # a SERP through the standard queue
    timeout_s: float = Field(60, gt=0)

    def market_locations(self) -> dict[str, DataForSeoLocation]:
        return {**DATAFORSEO_DEFAULT_LOCATIONS, **self.locations}

    def __hash__(self) -> int:  # a Project is a cache key; the locations mapping hashes as its items
        return hash((*(getattr(self, name) for name in type(self).model_fields if name != "locations"),
                     tuple(sorted(self.locations.items()))))


@dataclass(frozen=True)
class DataForSeoPrices:
    """List prices (USD) of the calls this product makes, for the budget check before each call."""

    keyword_call: float = 0.075
    serp_live: float = 0.002
    serp_queue: float = 0.0006


@dataclass(frozen=True)
class MarketLocation:
    """Where DataForSEO searches for one market: its location code and language code."""

    location_code: int
    language_code: str


def _check_envelope(payload: Any, endpoint: str) -> list[dict]:
    """The tasks of a DataForSEO answer, or the error its status codes mean."""
    if not isinstance(payload, dict) or not isinstance(payload.get("tasks"), list):
        raise ProviderError(f"{PROVIDER} answered {endpoint} without a tasks list", transient=False)
    _raise_for_code(payload.get("status_code"), payload.get("status_message"), endpoint)
    return payload["tasks"]


#: A SERP task that found nothing: "No Search Results." (billed; an empty SERP, not a failure).
NO_SEARCH_RESULTS = 40102
#: What task_get answers for a task not finished yet: "Task Handed." and "Task in Queue.".
TASK_NOT_DONE = (40601, 40602)


def _raise_for_code(code: Any, message: Any, endpoint: str) -> None:
    if not isinstance(code, int) or 20000 <= code <= 20100:
        return
    text = f"{PROVIDER} {endpoint}: {message or 'error'} (status {code})"
    if code in (40100, 40103, 40104):
        raise ProviderAuthError(f"{text}; check {CREDENTIAL_ENV}")
    if code in (40200, 40210):
        raise QuotaExhausted(f"{text}: the account has no funds left")
    # 40101 "Internal SE Server Error.": the search engine failed the request after DataForSEO's own
    # retries (the task is billed); the next try usually succeeds. Then rate limits and server errors.
    if code in (40101, 40202, 40209) or code >= 50000:
        raise ProviderError(text, transient=True)
    raise ProviderError(text, transient=False)


def _task_result(task: dict, endpoint: str) -> list[dict]:
    _raise_for_code(task.get("status_code"), task.get("status_message"), endpoint)
    return [item for item in task.get("result") or [] if isinstance(item, dict)]


def _serp_result(task: dict, endpoint: str) -> list[dict]:
    """A SERP task's results; a SERP with no results at all is an empty SERP (recorded as such)."""
    if task.get("status_code") == NO_SEARCH_RESULTS:
        return []
    return _task_result(task, endpoint)


def _envelope_cost(response: HttpResponse) -> float:
    try:
        return float(response.json(provider=PROVIDER).get("cost") or 0.0)
    except (ProviderError, AttributeError, TypeError, ValueError):
        return 0.0


class DataForSeoClient:
    """The calls this product makes to DataForSEO, over one :class:`ProviderHttp`."""

    def __init__(self, http: ProviderHttp, *, locations: Mapping[str, MarketLocation],
                 base_url: str = DEFAULT_BASE_URL, prices: DataForSeoPrices = DataForSeoPrices()):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.locations = dict(locations)
        self.prices = prices

    def location(self, market: str) -> MarketLocation:
        try:
            return self.locations[market]
        except KeyError:
            raise ProviderError(
                f"{PROVIDER} has no location for market {market!r}: add it under providers.dataforseo.locations "
                f"in project.yaml (location_code and language_code)",
                transient=False,
            ) from None

    def post(self, path: str, tasks: list[dict], *, units: float, price: float) -> list[dict]:
        response = self.http.request("POST", self.base_url + path, endpoint=path, json_body=tasks, units=units,
                                     cost=_envelope_cost, expected_cost=price)
        return _check_envelope(response.json(provider=PROVIDER), path)

    def get(self, path: str, *, endpoint: str) -> list[dict]:
        response = self.http.request("GET", self.base_url + path, endpoint=endpoint, units=0, cost=_envelope_cost)
        return _check_envelope(response.json(provider=PROVIDER), endpoint)


# --- keyword metrics -----------------------------------------------------------------------------------


class DataForSeoKeywordMetrics:
    """Google Ads search volume, competition and top-of-page bids per market (one call per ≤1000 keywords)."""

    max_keywords_per_call = MAX_KEYWORDS_PER_CALL
    path = "/v3/keywords_data/google_ads/search_volume/live"

    def __init__(self, client: DataForSeoClient):
        self.client = client
        # The answers of this phase's requests: when a batch split for close variants fails on a later
        # request and the phase tries the batch again, the requests already answered are not paid twice.
        self._answered: dict[tuple[str, tuple[str, ...]], list[dict]] = {}

    def keyword_metrics(self, keywords: Sequence[str], market: str) -> pd.DataFrame:
        if len(keywords) > MAX_KEYWORDS_PER_CALL:
            raise ValueError(f"at most {MAX_KEYWORDS_PER_CALL} keywords per call, got {len(keywords)}")
        location = self.client.location(market)
        found: dict[str, dict] = {}
        for request in apart_from_close_variants(keywords):
            key = (market, tuple(request))
            if key not in self._answered:
                task = {"keywords": request, "location_code": location.location_code,
                        "language_code": location.language_code}
                (answer,) = self.client.post(self.path, [task], units=len(request),
                                             price=self.client.prices.keyword_call)
                self._answered[key] = _task_result(answer, self.path)
            found |= {_as_returned(str(item.get("keyword", ""))): item for item in self._answered[key]}
        rows = [found.get(_as_returned(keyword), {}) for keyword in keywords]
        return pd.DataFrame(
            {
                "keyword": list(keywords),
                "search_volume": pd.array([row.get("search_volume") for row in rows], dtype="Int64"),
                "competition": pd.array([row.get("competition") for row in rows], dtype="string"),
                "competition_index": pd.array([row.get("competition_index") for row in rows], dtype="Int64"),
                "low_top_of_page_bid": [_float(row.get("low_top_of_page_bid")) for row in rows],
                "high_top_of_page_bid": [_float(row.get("high_top_of_page_bid")) for row in rows],
            },
            columns=list(KEYWORD_METRIC_COLUMNS),
        )


def apart_from_close_variants(keywords: Sequence[str]) -> list[list[str]]:
    """The keywords as search-volume requests in which no two are close variants of each other.

    Google Ads answers one combined volume for close variants sent together (the same words in another
    order, singular and plural, punctuation), so each would be credited with the other's searches; the
    vendor's documentation recommends separate requests for them. Keywords keep their order; most lists
    need one request, a list with variants one more per variant of the same keyword."""
    requests: list[tuple[set[str], list[str]]] = []
    for keyword in keywords:
        variant = _close_variant_key(keyword)
        request = next((r for r in requests if variant not in r[0]), None)
        if request is None:
            request = (set(), [])
            requests.append(request)
        request[0].add(variant)
        request[1].append(keyword)
    return [request for _, request in requests]


def _close_variant_key(keyword: str) -> str:
    """What close variants share: their words, in any order, without punctuation or a plural ``s``."""
    words = re.findall(r"\w+", _as_returned(keyword))
    return " ".join(sorted(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words))


def _as_returned(keyword: str) -> str:
    """A keyword as Google Ads search volume answers it: lower-cased, ``+`` read as a space (the form's
    encoding of one), runs of spaces as one; so a keyword is matched to its volume however it was written."""
    return " ".join(keyword.replace("+", " ").split()).casefold()


def _float(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) else np.nan


# --- SERPs ---------------------------------------------------------------------------------------------


def _timestamp(value: Any) -> pd.Timestamp:
    """DataForSEO writes times as ``2026-10-01 08:00:00 +00:00``."""
    if not value:
        return pd.NaT
    try:
        return pd.Timestamp(datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S %z"))
    except ValueError:
        return pd.NaT


def serp_frame(items: Sequence[dict], serp_type: str, depth: int) -> pd.DataFrame:
    """The results of one SERP of ``serp_type`` (columns SERP_ITEM_COLUMNS), in rank order."""
    item_type = SERP_ENDPOINTS[serp_type][1]
    results = [item for item in items if item.get("type") == item_type and item.get("url")]
    results.sort(key=lambda item: item.get("rank_group") or 0)
    results = results[:depth]
    # Who published a result: a video's channel; a news result's site (news_search items name no publisher,
    # only the domain they link to; top-stories elements have a ``source``, taken when present).
    def publisher(item: dict) -> str | None:
        if serp_type == "video":
            return item.get("channel_name")
        if serp_type == "news":
            return item.get("source") or _site(item.get("domain") or _host(item["url"]))
        return None

    return pd.DataFrame(
        {
            "position": list(range(1, len(results) + 1)),
            "url": [item["url"] for item in results],
            "title": [item.get("title") for item in results],
            "snippet": [item.get("description") or item.get("snippet") for item in results],
            "domain": [item.get("domain") or _host(item["url"]) for item in results],
            "source": pd.array([publisher(item) for item in results], dtype="string"),
            "published_at": pd.to_datetime([_timestamp(item.get("timestamp")) for item in results], utc=True),
            "video_length_seconds": pd.array([item.get("duration_time_seconds") for item in results], dtype="Int64"),
        },
        columns=list(SERP_ITEM_COLUMNS),
    )


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _site(host: str) -> str | None:
    """A news site as readers name it by its address: the host without its ``www.``."""
    return host.removeprefix("www.") or None


def _serp_task(keyword: str, location: MarketLocation, depth: int, tag: str | None = None) -> dict:
    task: dict[str, Any] = {"keyword": keyword, "location_code": location.location_code,
                            "language_code": location.language_code, "depth": depth}
    if tag is not None:
        task["tag"] = tag
    return task


class DataForSeoSerp:
    """SERPs in live mode (one POST per SERP) or through the standard queue (:meth:`search_many`)."""

    def __init__(self, client: DataForSeoClient, *, mode: str = "live", poll_interval_s: float = 5.0,
                 max_wait_s: float = 1800.0, ask_pending_after_s: float = 120.0, concurrency: int = 8,
                 max_reposts: int = 2, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        if mode not in ("live", "queue"):
            raise ValueError(f"DataForSEO SERP mode must be 'live' or 'queue', got {mode!r}")
        self.client = client
        self.mode = mode
        #: In queue mode the phase hands every SERP over at once (:meth:`search_many`).
        self.batches_searches = mode == "queue"
        self.poll_interval_s = poll_interval_s
        self.max_wait_s = max_wait_s
        #: A task that ends in error never shows in tasks_ready: one still pending this long after it was
        #: posted is asked for directly, so its cause fails its keyword now rather than at ``max_wait_s``.
        self.ask_pending_after_s = ask_pending_after_s
        self.concurrency = concurrency  # results of ready tasks fetched at once
        #: A queued task that ends in a transient error (40101: the search engine failed it) is posted
        #: again on its own, up to this many times, rather than failing every SERP of the collection.
        self.max_reposts = max_reposts
        self._sleep = sleep
        self._clock = clock

    def search(self, keyword: str, market: str, serp_type: str, depth: int) -> pd.DataFrame:
        if self.mode == "queue":
            return self.search_many([(keyword, serp_type)], market, depth)[0]
        path = f"{SERP_ENDPOINTS[serp_type][0]}/live/advanced"
        task = _serp_task(keyword, self.client.location(market), depth)
        (answer,) = self.client.post(path, [task], units=1, price=self.client.prices.serp_live)
        return serp_frame(_items(_serp_result(answer, path)), serp_type, depth)

    def search_many(self, queries: Sequence[tuple[str, str]], market: str, depth: int) -> list[pd.DataFrame]:
        """Every (keyword, serp_type) SERP; in queue mode posted in batches of 100 and collected as each
        becomes ready. A task not ready within ``max_wait_s`` fails the collection with its keyword."""
        if self.mode == "live":
            return [self.search(keyword, market, serp_type, depth) for keyword, serp_type in queries]
        location = self.client.location(market)
        pending: dict[str, int] = {}  # task id -> index in queries

        def post(serp_type: str, indexes: Sequence[int]) -> None:
            path = f"{SERP_ENDPOINTS[serp_type][0]}/task_post"
            for start in range(0, len(indexes), MAX_TASKS_PER_POST):
                batch = indexes[start:start + MAX_TASKS_PER_POST]
                tasks = [_serp_task(queries[i][0], location, depth, tag=str(i)) for i in batch]
                answers = self.client.post(path, tasks, units=len(tasks),
                                           price=self.client.prices.serp_queue * len(tasks))
                for answer in answers:
                    _raise_for_code(answer.get("status_code"), answer.get("status_message"), path)
                    pending[answer["id"]] = _posted_query(answer, batch, path)

        for serp_type in dict.fromkeys(serp_type for _, serp_type in queries):
            post(serp_type, [i for i, (_, t) in enumerate(queries) if t == serp_type])
        reposts = [0] * len(queries)
        frames: list[pd.DataFrame | None] = [None] * len(queries)
        posted_at = self._clock()
        deadline = posted_at + self.max_wait_s
        next_ask = posted_at + self.ask_pending_after_s

        def collect(task_id: str, index: int, *, only_if_done: bool = False) -> bool:
            """Fetch a task's SERP; with ``only_if_done``, a task still queued or running is left pending. A
            task that failed transiently is posted again while it has reposts left (``True`` all the same:
            this task is done with)."""
            keyword, serp_type = queries[index]
            prefix = SERP_ENDPOINTS[serp_type][0]
            (answer,) = self.client.get(f"{prefix}/task_get/advanced/{task_id}", endpoint=f"{prefix}/task_get/advanced")
            if only_if_done and answer.get("status_code") in TASK_NOT_DONE:
                return False
            try:
                frames[index] = serp_frame(_items(_serp_result(answer, f"{prefix}/task_get/advanced")), serp_type,
                                           depth)
            except ProviderError as error:
                if error.transient and reposts[index] < self.max_reposts:
                    failed.append(index)
                    return True
                tries = f" (posted {reposts[index] + 1} times)" if reposts[index] else ""
                raise type(error)(f"{serp_type} SERP for {keyword!r}: {error}{tries}",
                                  transient=error.transient) from error
            return True

        while pending:
            failed: list[int] = []  # queries whose task failed transiently: posted again below
            ready = self._ready_tasks({queries[i][1] for i in pending.values()})
            batch = [(task_id, pending.pop(task_id)) for task_id in ready if task_id in pending]
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                list(pool.map(lambda item: collect(*item), batch))
            if pending and self._clock() >= next_ask:
                next_ask = self._clock() + self.ask_pending_after_s
                with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                    done = list(pool.map(lambda item: collect(*item, only_if_done=True), list(pending.items())))
                for task_id, finished in zip(list(pending), done, strict=True):
                    if finished:
                        del pending[task_id]
            for index in failed:
                reposts[index] += 1
            for serp_type in dict.fromkeys(queries[i][1] for i in failed):
                post(serp_type, [i for i in failed if queries[i][1] == serp_type])
            if not pending:
                break
            if self._clock() >= deadline:
                waiting = [f"{queries[i][1]} SERP for {queries[i][0]!r}" for i in pending.values()]
                raise ProviderError(
                    f"{PROVIDER}: {len(pending)} queued task(s) not ready after {self.max_wait_s:g} s: "
                    + ", ".join(waiting[:3]) + (" …" if len(waiting) > 3 else ""),
                    transient=True,
                )
            self._sleep(self.poll_interval_s)
        return [frame for frame in frames if frame is not None]

    def _ready_tasks(self, serp_types: set[str]) -> set[str]:
        ready: set[str] = set()
        for serp_type in sorted(serp_types):
            path = f"{SERP_ENDPOINTS[serp_type][0]}/tasks_ready"
            for task in self.client.get(path, endpoint=path):
                ready.update(str(item.get("id")) for item in _task_result(task, path))
        return ready


def _posted_query(answer: dict, batch: Sequence[int], endpoint: str) -> int:
    """Which posted query a ``task_post`` answer is for: by the ``tag`` the task was sent with, which the
    answer echoes in its ``data``. Never by position: the answer's order is not a promise, and a reordered
    answer must not give one keyword another keyword's SERP."""
    data = answer.get("data") or {}
    tag = data.get("tag")
    if tag is not None and str(tag).isdigit() and int(tag) in batch:
        return int(tag)
    raise ProviderError(
            f"{PROVIDER} {endpoint}: task {answer.get('id')!r} came back without the tag it was posted with "
            f"(data.tag = {tag!r}), so its keyword is unknown",
            transient=False,
        )


def _items(results: list[dict]) -> list[dict]:
    return [item for result in results for item in result.get("items") or [] if isinstance(item, dict)]


# --- the declaration -----------------------------------------------------------------------------------


def _keyword_data_calls(providers: Any, demand: Demand) -> CallEstimate:
    # As the phase sends them: batches of up to 1,000, each split so that close variants go apart.
    settings: DataForSeoSettings = providers.dataforseo
    keywords = list(demand.keywords)
    calls = sum(len(apart_from_close_variants(keywords[start:start + MAX_KEYWORDS_PER_CALL]))
                for start in range(0, len(keywords), MAX_KEYWORDS_PER_CALL))
    return CallEstimate(calls, calls * settings.price_keyword_call_usd,
                        f"up to {MAX_KEYWORDS_PER_CALL} per call, close variants apart")


def _serp_calls(providers: Any, demand: Demand) -> CallEstimate:
    settings: DataForSeoSettings = providers.dataforseo
    searches = demand.count
    if settings.serp_mode == "live":
        return CallEstimate(searches, searches * settings.price_serp_live_usd, "live: one call each")
    keywords = math.ceil(searches / demand.serp_types)
    posts = demand.serp_types * math.ceil(keywords / MAX_TASKS_PER_POST)
    polls = demand.serp_types  # at least one tasks_ready poll per SERP type
    return CallEstimate(posts + polls + searches, searches * settings.price_serp_queue_usd,
                        f"queue: {posts} task_post, ≥{polls} tasks_ready, {searches} task_get")


def _market_locations(providers: Any, markets: Mapping[str, str]) -> ConfigProblem | None:
    if VENDOR.name not in (providers.keyword_data, providers.serp):
        return None
    known = providers.dataforseo.market_locations()
    if missing := [market for market in markets if market not in known]:
        return ConfigProblem("providers.dataforseo.locations", f"no DataForSEO location for market {missing[0]}",
                             f"add '{missing[0]}: {{location_code: …, language_code: …}}' (DataForSEO's codes for "
                             f"{markets[missing[0]]})")
    return None


VENDOR = Vendor(
    name="dataforseo",
    prices={"keyword_data": _keyword_data_calls, "serp": _serp_calls},
    usage_names=PROVIDER,
    settings_key="dataforseo",
    settings_model=DataForSeoSettings,
    secrets=SECRETS,
    check=_market_locations,
)
