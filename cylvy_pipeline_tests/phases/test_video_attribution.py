"""Video channels credited to the companies that own them, measured against what the sample world knows
(each simulated channel's true owner), over every video result of the sample project's markets."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from cylvy_pipeline.phases import company_enrichment, youtube_enrichment
from cylvy_pipeline.phases.company_enrichment import PROFILE_COLUMNS
from cylvy_pipeline.phases.company_enrichment_youtube import (
    RESOLUTION_COLUMNS,
    check_channel_companies,
    resolve_channel_companies,
)
from cylvy_pipeline.providers.sample.clients import SampleCompanyData, SampleYouTube
from cylvy_pipeline_tests.sample_world import NO_FAULTS, sample_serps

NOW = datetime(2026, 11, 29, tzinfo=UTC)
MAX_MISATTRIBUTED_SHARE = 0.02


def attribution(market_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The video SERP rows of one sample market with the company each is credited to and its true owner,
    and the phase's channel table."""
    world, serps = sample_serps(market_code)
    project = world.project
    companies = SampleCompanyData(world, faults=NO_FAULTS)
    no_profiles = pd.DataFrame(columns=list(PROFILE_COLUMNS))
    enriched = company_enrichment.enrich_serp_companies(serps, project, no_profiles, companies, now=NOW, retry_delay_s=0)
    youtube = SampleYouTube(world, faults=NO_FAULTS)
    videos = youtube_enrichment.enrich_videos(serps, youtube, retry_delay_s=0).tables["youtube_videos"]
    channels = resolve_channel_companies(
        videos, enriched.tables["serp_domain_companies"], project, pd.DataFrame(columns=list(RESOLUTION_COLUMNS)),
        enriched.cache_updates["company_profiles"], youtube, companies, now=NOW, retry_delay_s=0,
    ).tables["youtube_channel_companies"]

    rows = serps[serps["serp_type"] == "video"][["keyword", "url"]].copy()
    rows["video_id"] = rows["url"].map(youtube_enrichment.video_id_from_url)
    owners = {v: world.channel_for_video(v) for v in rows["video_id"].unique()}
    rows["channel_id"] = rows["video_id"].map(lambda v: owners[v].channel_id)
    rows["true_owner"] = rows["video_id"].map(
        lambda v: None if owners[v].company is None else world.companies[owners[v].company].domain
    )
    credited = channels.set_index("channel_id")["company_domain"]
    rows["credited"] = rows["channel_id"].map(credited)
    return rows, channels


@pytest.mark.parametrize("market_code", ["US", "UK", "DE"])
def test_video_results_are_credited_to_the_channel_owner(market_code):
    rows, channels = attribution(market_code)
    assert check_channel_companies(channels).passed
    wrong = rows[rows["credited"].fillna("") != rows["true_owner"].fillna("")]
    share = len(wrong) / len(rows)
    print(f"{market_code}: {len(wrong)} of {len(rows)} video results misattributed ({share:.1%})")
    assert share <= MAX_MISATTRIBUTED_SHARE, wrong.groupby(["credited", "true_owner"], dropna=False).size()
