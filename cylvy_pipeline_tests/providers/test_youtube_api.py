"""The YouTube Data API v3 adapter against a local server speaking its wire format: the documented
``videos.list`` example and quota error (fixtures/youtube/, see fixtures/README.md), and hand-made items for
the cases the documentation does not show (hidden likes, request order, several ids)."""

from __future__ import annotations

import pandas as pd
import pytest

from cylvy_pipeline.phases.youtube_enrichment import enrich_videos
from cylvy_pipeline.providers.errors import ProviderAuthError, ProviderError, QuotaExhausted
from cylvy_pipeline.providers.http import HttpPolicy, ProviderHttp
from cylvy_pipeline.providers.real.youtube import YouTubeDataApi, duration_seconds
from cylvy_pipeline_tests.providers.local_http import LocalServer, Reply
from cylvy_pipeline_tests.providers.vendor_fixtures import vendor_json


def video(video_id: str, *, likes: str | None = "40", duration: str = "PT5M12S") -> dict:
    statistics = {"viewCount": "1200", "commentCount": "7", **({"likeCount": likes} if likes else {})}
    return {"kind": "youtube#video", "id": video_id,
            "snippet": {"publishedAt": "2026-09-12T15:00:00Z", "channelId": "UCledgerline00000000000",
                        "title": f"Video {video_id}", "description": "Core banking explained.",
                        "channelTitle": "Ledgerline"},
            "statistics": statistics, "contentDetails": {"duration": duration}}


def quota_error(reason: str = "quotaExceeded") -> dict:
    """The documented quota error body, with its reason substituted when the test asks for another one."""
    body = vendor_json("youtube", "error_quota_exceeded.json")
    body["error"]["errors"][0]["reason"] = reason
    return body


@pytest.fixture
def api(server: LocalServer, calls):
    http = ProviderHttp("YouTube Data API", policy=HttpPolicy(timeout_s=2, attempts=2, base_delay_s=0),
                        credential_env="YOUTUBE_API_KEY", usage=calls.append, sleep=lambda s: None)
    with http:
        yield YouTubeDataApi(http, api_key="test-key", base_url=server.url)


def test_videos_in_request_order_with_hidden_likes_missing(server: LocalServer, api: YouTubeDataApi, calls) -> None:
    server.route("GET", "/videos", Reply(200, {"kind": "youtube#videoListResponse",
                                               "items": [video("bbbbbbbbbbb", likes=None, duration="PT1H2M3S"),
                                                         video("aaaaaaaaaaa")]}))
    frame = api.videos(["aaaaaaaaaaa", "bbbbbbbbbbb", "unknown0000"])
    (request,) = server.requests
    assert request.query == {"part": ["snippet,statistics,contentDetails"],
                             "id": ["aaaaaaaaaaa,bbbbbbbbbbb,unknown0000"]}  # no maxResults next to id
    assert request.headers["X-Goog-Api-Key"] == "test-key"  # never in the URL
    assert frame["video_id"].tolist() == ["aaaaaaaaaaa", "bbbbbbbbbbb"]  # unknown ids are absent
    assert frame["like_count"].tolist() == [40, pd.NA]
    assert frame["duration_seconds"].tolist() == [312, 3723]
    assert frame.loc[0, "published_at"] == pd.Timestamp("2026-09-12 15:00:00+00:00")
    assert api.quota_units_used == 1 and [c.endpoint for c in calls] == ["videos.list"]
    assert "test-key" not in str(calls)


def test_at_most_fifty_ids_per_call(api: YouTubeDataApi) -> None:
    with pytest.raises(ValueError) as error:
        api.videos([f"id{i:09d}" for i in range(51)])
    assert str(error.value) == "YouTube videos.list takes at most 50 ids per call, got 51"


def test_an_exhausted_quota_degrades_the_video_phase(server: LocalServer, api: YouTubeDataApi) -> None:
    answers = iter([Reply(200, {"items": [video(f"v{i:010d}") for i in range(50)]}), Reply(403, quota_error())])
    server.route("GET", "/videos", lambda request: next(answers))
    serps = pd.DataFrame({"serp_type": "video", "url": [f"https://www.youtube.com/watch?v=v{i:010d}" for i in range(80)]})
    output = enrich_videos(serps, api, retry_delay_s=0)
    result = output.result
    assert result["success"] and result["degraded"]
    assert (result["videos_ranking"], result["videos_enriched"], result["quota_units_used"]) == (80, 50, 2)
    assert result["degraded_reason"].startswith(
        "YouTube Data API videos.list: HTTP 403 The request cannot be completed because you have exceeded your")
    assert len(server.requests) == 2  # a spent quota is not asked again


@pytest.mark.parametrize("reason", ["quotaExceeded", "dailyLimitExceeded"])
def test_quota_reasons_are_quota_exhausted(server: LocalServer, api: YouTubeDataApi, reason: str) -> None:
    server.route("GET", "/channels", Reply(403, quota_error(reason)))
    with pytest.raises(QuotaExhausted):
        api.channels(["UC1"])


def test_a_rejected_key_names_the_variable(server: LocalServer, api: YouTubeDataApi) -> None:
    server.route("GET", "/videos", Reply(400, {"error": {"code": 400, "errors": [{"reason": "keyInvalid"}],
                                                         "message": "API key not valid. Please pass a valid API key."}}))
    with pytest.raises(ProviderAuthError) as error:
        api.videos(["aaaaaaaaaaa"])
    assert str(error.value) == (
        "YouTube Data API videos.list: HTTP 400 API key not valid. Please pass a valid API key.; check YOUTUBE_API_KEY"
    )


def test_channels_take_their_links_from_the_description(server: LocalServer, api: YouTubeDataApi) -> None:
    server.route("GET", "/channels", Reply(200, vendor_json("youtube", "channels_list.json")))
    frame = api.channels(["UCledgerline00000000000", "UCunknown000000000000000"])
    (request,) = server.requests
    assert request.query == {"part": ["snippet"], "id": ["UCledgerline00000000000,UCunknown000000000000000"]}
    assert frame.to_dict("records") == [{
        "channel_id": "UCledgerline00000000000", "title": "Ledgerline",
        "description": "Core banking software for community banks. Visit https://www.ledgerline.example/ and "
                       "https://chatterly.example/ledgerline.",
        "custom_url": "@ledgerline",
        "links": ["https://www.ledgerline.example/", "https://chatterly.example/ledgerline"],
    }]


def test_the_documented_videos_list_answer(server: LocalServer, api: YouTubeDataApi, calls) -> None:
    """The getting-started guide's videos.list example: no channelTitle in its snippet, counts as strings."""
    server.route("GET", "/videos", Reply(200, vendor_json("youtube", "videos_list.json")))
    frame = api.videos(["Lq3vT9bXm2A", "unknown0000"])
    (request,) = server.requests
    assert request.query == {"part": ["snippet,statistics,contentDetails"], "id": ["Lq3vT9bXm2A,unknown0000"]}
    assert frame.to_dict("records") == [{
        "video_id": "Lq3vT9bXm2A", "title": "Ledgerline 101: Q&A On Using Core Banking APIs",
        "description": "Tamsin Harlow speaks to us and takes questions on working with core banking APIs and "
                       "OAuth 2.0.",
        "channel_id": "UCledgerline00000000000", "channel_title": None,
        "published_at": pd.Timestamp("2012-06-20 22:45:24+00:00"),
        "view_count": 3057, "like_count": 25, "comment_count": 12,
        "duration_seconds": 951,  # PT15M51S
    }]
    assert [(c.endpoint, c.units) for c in calls] == [("videos.list", 1.0)]


@pytest.mark.parametrize(("value", "seconds"), [("PT5M12S", 312), ("PT1H", 3600), ("P1DT2H", 93600), ("PT0S", 0),
                                                  ("", None), ("5:12", None), ("P", None)])
def test_iso_durations(value: str, seconds: int | None) -> None:
    assert duration_seconds(value) == seconds


def test_the_per_minute_rate_limit_is_transient_not_a_bad_key(server: LocalServer, api: YouTubeDataApi) -> None:
    server.route("GET", "/videos", Reply(403, quota_error("rateLimitExceeded")))
    with pytest.raises(ProviderError) as error:
        api.videos(["aaaaaaaaaaa"])
    assert type(error.value) is ProviderError and error.value.transient and not error.value.retried
