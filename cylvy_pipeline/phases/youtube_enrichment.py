"""Phase 4 — youtube_enrichment: statistics for every video that ranks.

Non-critical by design: if the video API fails or its quota runs out, the phase completes with the
videos it got and says so (``degraded``), rather than stopping the whole pipeline.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pandas as pd

from cylvy_pipeline.phases.parallel import map_until_failure
from cylvy_pipeline.phases.results import CheckOutcome, PhaseOutput, coverage, coverage_gate
from cylvy_pipeline.providers.base import VIDEO_COLUMNS, YouTubeProvider
from cylvy_pipeline.providers.errors import ProviderError
from cylvy_pipeline.providers.retry import call_with_retries


def video_id_from_url(url: str) -> str | None:
    """The video id of a watch URL (``?v=ID``) or a short/embed URL (``/ID`` as the last path part)."""
    parts = urlsplit(url)
    if ids := parse_qs(parts.query).get("v"):
        return ids[0]
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return tail or None


def enrich_videos(serp_results: pd.DataFrame, provider: YouTubeProvider, *, retry_delay_s: float = 0.5,
                  max_concurrency: int = 1) -> PhaseOutput:
    """Look up every distinct ranking video in batches of the provider's maximum (50 per call), at most
    ``max_concurrency`` batches at once. The first batch that fails (an outage, a spent quota) ends the
    lookups: the phase keeps the batches before it and says it is degraded."""
    videos = serp_results.loc[serp_results["serp_type"] == "video", ["url"]].drop_duplicates()
    videos["video_id"] = videos["url"].map(video_id_from_url)
    videos = videos.dropna(subset=["video_id"]).drop_duplicates("video_id")
    ids = videos["video_id"].tolist()
    batch = provider.max_ids_per_call

    def fetch(start: int) -> pd.DataFrame:
        return call_with_retries(
            lambda: provider.videos(ids[start : start + batch]),
            describe=f"video details (videos {start + 1}–{min(start + batch, len(ids))})",
            base_delay_s=retry_delay_s,
        )

    # An outage or exhausted quota: keep what we have rather than burn more calls.
    fetched, error = map_until_failure(fetch, range(0, len(ids), batch), max_concurrency=max_concurrency)
    if error is not None and not isinstance(error, ProviderError):
        raise error
    degraded_reason = str(error) if error is not None else None
    details = pd.concat(fetched, ignore_index=True) if fetched else pd.DataFrame(columns=VIDEO_COLUMNS)
    table = videos.merge(details[list(VIDEO_COLUMNS)], on="video_id", how="inner")
    views = table["view_count"].astype("Float64")
    interactions = table["like_count"].astype("Float64").fillna(0) + table["comment_count"].astype("Float64").fillna(0)
    table["engagement_rate"] = (interactions / views).where(views > 0)
    table = table[["video_id", "url", *[c for c in VIDEO_COLUMNS if c != "video_id"], "engagement_rate"]]

    result = {
        "success": True,
        "degraded": degraded_reason is not None,
        "videos_ranking": len(ids),
        "videos_enriched": len(table),
        "video_coverage": round(coverage(len(table), len(ids)), 4),
        "channels": int(table["channel_id"].nunique()),
        "quota_units_used": provider.quota_units_used,
    }
    if degraded_reason:
        result["degraded_reason"] = degraded_reason
    preview = table.sort_values("view_count", ascending=False).head(10)[
        ["title", "channel_title", "view_count", "engagement_rate"]
    ]
    return PhaseOutput(tables={"youtube_videos": table}, result=result, preview=preview)


def check_video_coverage(enriched_videos: int, ranking_videos: int, warn_below: float) -> CheckOutcome:
    return coverage_gate("ranking videos enriched", enriched_videos, ranking_videos, warn_below)
