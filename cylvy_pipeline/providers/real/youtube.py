"""The YouTube Data API v3: ``videos.list`` and ``channels.list``, 50 ids per call, one quota unit each.

An API key (``YOUTUBE_API_KEY``) is sent as the ``key`` parameter. Errors come as
``{"error": {"code": 403, "errors": [{"reason": "quotaExceeded", …}], "message": …}}``: the quota
reasons (``quotaExceeded``, ``dailyLimitExceeded``, ``rateLimitExceeded`` for the per-minute limit being
transient) become :class:`QuotaExhausted`, so the video phase degrades instead of failing; a rejected key
is a :class:`ProviderAuthError` naming the variable.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from typing import Any

import pandas as pd
from pydantic import Field

from cylvy_pipeline.providers.base import CHANNEL_COLUMNS, VIDEO_COLUMNS
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpResponse, ProviderHttp
from cylvy_pipeline.providers.vendor import CallEstimate, Demand, Vendor, VendorSettings

PROVIDER = "YouTube Data API"
DEFAULT_BASE_URL = "https://www.googleapis.com/youtube/v3"
#: Its resource's key field and the environment variable that holds it.
SECRETS = {"api_key": "YOUTUBE_API_KEY"}
CREDENTIAL_ENV = SECRETS["api_key"]
MAX_IDS_PER_CALL = 50
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "forbidden", "accessNotConfigured", "ipRefererBlocked"})

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_URL = re.compile(r"https?://[^\s<>\"')]+")


class YouTubeSettings(VendorSettings):
    """The YouTube Data API v3 (video and channel details), under ``providers.youtube``."""

    base_url: str = DEFAULT_BASE_URL
    calls_per_minute: float = Field(600, gt=0)
    timeout_s: float = Field(30, gt=0)


def duration_seconds(value: str | None) -> int | None:
    """An ISO 8601 duration as YouTube writes it (``PT1H2M3S``, ``P1DT2H``) in seconds."""
    match = _DURATION.match(value or "")
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else None


def _links(text: str | None) -> list[str]:
    """The URLs a text names, in order, without the sentence punctuation that may follow them."""
    return list(dict.fromkeys(url.rstrip(".,;:!?") for url in _URL.findall(text or "")))


class YouTubeDataApi:
    """:class:`~cylvy_pipeline.providers.base.YouTubeProvider` over the YouTube Data API v3."""

    max_ids_per_call = MAX_IDS_PER_CALL

    def __init__(self, http: ProviderHttp, *, api_key: str, base_url: str = DEFAULT_BASE_URL):
        self.http = http
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self._units = 0
        self._lock = threading.Lock()

    @property
    def quota_units_used(self) -> int:
        return self._units

    def _list(self, resource: str, ids: Sequence[str], parts: str) -> list[dict]:
        if isinstance(ids, str):
            raise TypeError(f"{resource}() takes a sequence of ids, not a single string")
        if len(ids) > MAX_IDS_PER_CALL:
            raise ValueError(f"YouTube {resource}.list takes at most {MAX_IDS_PER_CALL} ids per call, got {len(ids)}")
        if not ids:
            return []
        with self._lock:
            self._units += 1  # a list call costs one unit, whether or not it then fails
        response = self.http.request(
            "GET", f"{self.base_url}/{resource}", endpoint=f"{resource}.list", units=1,
            # No maxResults: the discovery document says it is "not supported for use in conjunction with the
            # id parameter" (videos.list); with ids, the ids alone decide the answer (channels.list too).
            params={"part": parts, "id": ",".join(ids)},
            headers={"X-Goog-Api-Key": self.api_key},  # not in the URL: URLs end up in messages and logs
            raise_for_status=False,
        )
        if response.status_code >= 400:
            raise self._error(response, resource)
        payload = response.json(provider=PROVIDER)
        items = payload.get("items") if isinstance(payload, dict) else None
        return [item for item in items or [] if isinstance(item, dict)]

    def _error(self, response: HttpResponse, resource: str) -> ProviderError:
        try:
            error = response.json(provider=PROVIDER).get("error") or {}
        except (ProviderError, AttributeError):
            error = {}
        reasons = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
        message = f"{PROVIDER} {resource}.list: HTTP {response.status_code} {error.get('message') or ''}".strip()
        if reasons & QUOTA_REASONS:
            return QuotaExhausted(f"{message} (the daily quota is used up; it resets at midnight Pacific time)")
        if reasons & {"rateLimitExceeded", "userRateLimitExceeded"}:  # per-minute limit: worth a retry later
            return ProviderError(message, transient=True)
        if response.status_code in (401, 403) or reasons & KEY_REASONS or response.status_code == 400 and "API key" in message:
            return ProviderAuthError(f"{message}; check {CREDENTIAL_ENV}")
        # 429 and 5xx reach here after the HTTP layer's retries.
        transient = response.status_code == 429 or response.status_code >= 500
        return ProviderError(message, transient=transient, retried=transient)

    def videos(self, video_ids: Sequence[str]) -> pd.DataFrame:
        items = {item.get("id"): item for item in self._list("videos", video_ids, "snippet,statistics,contentDetails")}
        found = [items[v] for v in dict.fromkeys(video_ids) if v in items]
        snippets = [item.get("snippet") or {} for item in found]
        statistics = [item.get("statistics") or {} for item in found]
        return pd.DataFrame(
            {
                "video_id": [item["id"] for item in found],
                "title": [s.get("title") for s in snippets],
                "description": [s.get("description") for s in snippets],
                "channel_id": [s.get("channelId") for s in snippets],
                "channel_title": [s.get("channelTitle") for s in snippets],
                "published_at": pd.to_datetime([s.get("publishedAt") for s in snippets], utc=True, errors="coerce"),
                "view_count": pd.array([_count(s.get("viewCount")) for s in statistics], dtype="Int64"),
                "like_count": pd.array([_count(s.get("likeCount")) for s in statistics], dtype="Int64"),  # hidden: <NA>
                "comment_count": pd.array([_count(s.get("commentCount")) for s in statistics], dtype="Int64"),
                "duration_seconds": pd.array(
                    [duration_seconds((item.get("contentDetails") or {}).get("duration")) for item in found],
                    dtype="Int64",
                ),
            },
            columns=list(VIDEO_COLUMNS),
        )

    def channels(self, channel_ids: Sequence[str]) -> pd.DataFrame:
        """Channel details; the API does not return a channel's About-page links, so ``links`` are the
        URLs its description names (where channels put their websites)."""
        items = {item.get("id"): item for item in self._list("channels", channel_ids, "snippet")}
        found = [items[c] for c in dict.fromkeys(channel_ids) if c in items]
        snippets = [item.get("snippet") or {} for item in found]
        return pd.DataFrame(
            {
                "channel_id": [item["id"] for item in found],
                "title": [s.get("title") for s in snippets],
                "description": [s.get("description") for s in snippets],
                "custom_url": pd.array([s.get("customUrl") for s in snippets], dtype="string"),
                "links": pd.Series([_links(s.get("description")) for s in snippets], dtype=object),
            },
            columns=list(CHANNEL_COLUMNS),
        )


def _video_data_calls(providers: Any, demand: Demand) -> CallEstimate:
    # Free in money: each call spends one unit of the project's daily quota.
    calls = math.ceil(demand.count / MAX_IDS_PER_CALL)
    return CallEstimate(calls, 0.0, f"{MAX_IDS_PER_CALL} per call, quota units only")


VENDOR = Vendor(
    name="youtube",
    prices={"video_data": _video_data_calls},
    usage_names=PROVIDER,
    settings_key="youtube",
    settings_model=YouTubeSettings,
    secrets=SECRETS,
)
