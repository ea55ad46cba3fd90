"""Phase 6 — company_enrichment_youtube: which company is behind each video channel.

A channel is resolved from the links on its about page, then a domain written in its custom URL or
description, then its name matching a company already known from the SERPs. Resolved domains are
enriched through the same profile cache as company_enrichment_serp, so a domain already enriched there
is never paid for again. A channel that cannot be resolved is recorded as unresolved once and not
retried until its record goes stale.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from cylvy_pipeline.analysis.identity import registrable_domain
from cylvy_pipeline.phases.company_enrichment import declared_companies, fetch_missing_profiles
from cylvy_pipeline.phases.results import PhaseOutput, coverage
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.providers.base import CHANNEL_COLUMNS, CompanyDataProvider, YouTubeProvider
from cylvy_pipeline.providers.retry import call_with_retries

RESOLUTION_COLUMNS = ("channel_id", "channel_title", "company_domain", "method", "resolved_at")

# A link to one of these says nothing about who owns the channel.
PLATFORM_DOMAINS = frozenset(
    {"video.example", "social.example", "youtube.com", "youtu.be", "twitter.com", "x.com", "linkedin.com",
     "facebook.com", "instagram.com", "tiktok.com", "bit.ly"}
)
_DOMAIN_IN_TEXT = re.compile(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.IGNORECASE)


def _normalized_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


def resolve_channel(channel: pd.Series, known_names: dict[str, str]) -> tuple[str | None, str]:
    """(company domain, method) for one channel row (CHANNEL_COLUMNS); (None, "unresolved") if none."""
    links = channel["links"]
    for link in links if isinstance(links, (list, tuple)) else ():
        try:
            domain = registrable_domain(link)
        except ValueError:
            continue
        if domain not in PLATFORM_DOMAINS:
            return domain, "channel_link"
    custom_url = _text(channel["custom_url"])
    text = f"{custom_url} {_text(channel['description'])}"
    for candidate in _DOMAIN_IN_TEXT.findall(text):
        domain = registrable_domain(candidate)
        if domain not in PLATFORM_DOMAINS and "." in domain:
            return domain, "domain_in_description"
    for name in (_text(channel["title"]), custom_url.lstrip("@")):
        if name and (match := known_names.get(_normalized_name(name))):
            return match, "name_match"
    return None, "unresolved"


def resolve_channel_companies(
    videos: pd.DataFrame,
    domain_companies: pd.DataFrame,
    project: Project,
    cached_resolutions: pd.DataFrame,
    cached_profiles: pd.DataFrame,
    youtube: YouTubeProvider,
    companies: CompanyDataProvider,
    *,
    now: datetime,
    retry_delay_s: float = 0.5,
) -> PhaseOutput:
    """Resolve the channels of the enriched videos to companies and enrich their domains."""
    channels = videos[["channel_id", "channel_title"]].dropna(subset=["channel_id"]).drop_duplicates("channel_id")
    pending = [c for c in channels["channel_id"] if c not in set(cached_resolutions["channel_id"])]
    details = _fetch_channels(pending, youtube, retry_delay_s)

    declared = declared_companies(project)
    known_names = {_normalized_name(row.company_name): row.company_domain for row in domain_companies.itertuples()}
    known_names.update({_normalized_name(c.name): c.company_domain for c in declared.values()})
    new_resolutions = pd.DataFrame(
        [
            {"channel_id": row["channel_id"], "channel_title": row["title"], "company_domain": domain,
             "method": method, "resolved_at": now}
            for _, row in details.iterrows()
            for domain, method in [resolve_channel(row, known_names)]
        ],
        columns=list(RESOLUTION_COLUMNS),
    )
    resolutions = pd.concat([cached_resolutions, new_resolutions], ignore_index=True).drop_duplicates(
        "channel_id", keep="last"
    )
    table = channels.merge(resolutions.drop(columns=["channel_title"]), on="channel_id", how="left")
    table["method"] = table["method"].fillna("unresolved")
    # A declared company's other domains resolve to its identity domain, as in company_enrichment_serp.
    table["company_domain"] = [
        declared[d].company_domain if isinstance(d, str) and d in declared else d for d in table["company_domain"]
    ]

    resolved_domains = table["company_domain"].dropna().unique()
    new_profiles = fetch_missing_profiles(
        resolved_domains, cached_profiles, companies, declared, now=now, retry_delay_s=retry_delay_s
    )
    profiles = pd.concat([cached_profiles, new_profiles], ignore_index=True).drop_duplicates("domain", keep="last")
    names = profiles.set_index("domain")["company_name"]
    table["company_name"] = table["company_domain"].map(names)
    table = table[["channel_id", "channel_title", "company_domain", "company_name", "method"]]

    resolved = int(table["company_domain"].notna().sum())
    result = {
        "success": True,
        "channels": len(table),
        "channels_resolved": resolved,
        "channels_unresolved": len(table) - resolved,
        "resolution_coverage": round(coverage(resolved, len(table)), 4),
        "resolution_methods": {k: int(v) for k, v in table["method"].value_counts().items()},
        "channels_looked_up": len(pending),
        "youtube_quota_units_used": youtube.quota_units_used,
        "company_profiles_fetched": len(new_profiles),
        "company_profiles_from_cache": len(resolved_domains) - len(new_profiles),
    }
    preview = table.dropna(subset=["company_domain"]).head(10)
    return PhaseOutput(
        tables={"youtube_channel_companies": table},
        result=result,
        cache_updates={"channel_resolutions": new_resolutions, "company_profiles": new_profiles},
        preview=preview,
    )


def _fetch_channels(channel_ids: Sequence[str], youtube: YouTubeProvider, retry_delay_s: float) -> pd.DataFrame:
    batch = youtube.max_ids_per_call
    frames = [
        call_with_retries(
            lambda chunk=channel_ids[start : start + batch]: youtube.channels(chunk),
            describe=f"channel details (channels {start + 1}–{min(start + batch, len(channel_ids))})",
            base_delay_s=retry_delay_s,
        )
        for start in range(0, len(channel_ids), batch)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHANNEL_COLUMNS)
