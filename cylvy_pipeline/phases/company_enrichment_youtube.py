"""Phase 6 — company_enrichment_youtube: which company is behind each video channel.

A channel belongs to a company when it shows the company's own site (a linked site whose company name
or domain is the channel's name), when its name or handle is exactly a known company's name, or else
when it links to a site of its own. Links to platforms (social networks, link hubs, the video site
itself: sites whose source type is SOCIAL_MEDIA) never establish ownership, since anybody links to
them; a domain written in the channel's custom URL or description comes last. Resolved domains are
enriched through the same profile cache as company_enrichment_serp, so a domain already enriched there
is never paid for again. A channel that cannot be resolved is recorded as unresolved once and not
retried until its record goes stale.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

import pandas as pd

from cylvy_pipeline.analysis.identity import registrable_domain
from cylvy_pipeline.phases.company_enrichment import declared_companies, fetch_missing_profiles
from cylvy_pipeline.phases.parallel import map_in_order
from cylvy_pipeline.phases.results import CheckOutcome, PhaseOutput, coverage
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.providers.base import CHANNEL_COLUMNS, CompanyDataProvider, YouTubeProvider
from cylvy_pipeline.providers.retry import call_with_retries

RESOLUTION_COLUMNS = ("channel_id", "channel_title", "company_domain", "method", "resolved_at")

#: Sites of this source type are platforms: a link to them says nothing about who owns a channel.
PLATFORM_SOURCE_TYPE = "SOCIAL_MEDIA"
# Words channels add to their owner's name ("Acme TV", "@acmeinsights").
_CHANNEL_NAME_SUFFIXES = ("tv", "insights", "official", "channel", "videos", "video", "hq", "media")
_DOMAIN_IN_TEXT = re.compile(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.IGNORECASE)


def _normalized_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


def channel_names(title: str, handle: str) -> set[str]:
    """The normalised names a channel goes by: its title and handle, each also without a channel word."""
    names = {_normalized_name(title), _normalized_name(handle.lstrip("@"))}
    for name in list(names):
        for suffix in _CHANNEL_NAME_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix) + 2:
                names.add(name.removesuffix(suffix))
    return names - {""}


def _domain_label(domain: str) -> str:
    return _normalized_name(domain.split(".", 1)[0])


def _linked_domains(links: object) -> list[str]:
    domains = []
    for link in links if isinstance(links, (list, tuple)) else ():
        try:
            domains.append(registrable_domain(link))
        except ValueError:
            continue
    return list(dict.fromkeys(domains))


def resolve_channel(
    channel: pd.Series,
    known_names: Mapping[str, str],
    site_names: Mapping[str, str],
    platforms: Collection[str],
) -> tuple[str | None, str]:
    """(company domain, method) for one channel row (CHANNEL_COLUMNS); (None, "unresolved") if none.

    ``known_names``: normalised company name -> company domain. ``site_names``: domain -> the name of
    the company the site belongs to. ``platforms``: domains that never establish ownership.
    """
    custom_url = _text(channel["custom_url"])
    names = channel_names(_text(channel["title"]), custom_url)
    sites = [d for d in _linked_domains(channel["links"]) if d not in platforms]
    for domain in sites:
        if _normalized_name(site_names.get(domain, "")) in names or _domain_label(domain) in names:
            return domain, "own_site_link"
    for name in names:
        if match := known_names.get(name):
            return match, "name_match"
    if sites:
        return sites[0], "channel_link"
    for candidate in _DOMAIN_IN_TEXT.findall(f"{custom_url} {_text(channel['description'])}"):
        domain = registrable_domain(candidate)
        if domain not in platforms and "." in domain:
            return domain, "domain_in_description"
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
    video_concurrency: int = 1,
    company_concurrency: int = 1,
) -> PhaseOutput:
    """Resolve the channels of the enriched videos to companies and enrich their domains (at most
    ``video_concurrency`` channel batches and ``company_concurrency`` profile lookups at once)."""
    channels = videos[["channel_id", "channel_title"]].dropna(subset=["channel_id"]).drop_duplicates("channel_id")
    pending = [c for c in channels["channel_id"] if c not in set(cached_resolutions["channel_id"])]
    details = _fetch_channels(pending, youtube, retry_delay_s, video_concurrency)

    declared = declared_companies(project)
    known_names = {_normalized_name(row.company_name): row.company_domain for row in domain_companies.itertuples()}
    known_names.update({_normalized_name(c.name): c.company_domain for c in declared.values()})
    # Whether a linked site is a platform is its source type: sites the SERPs did not show are looked up.
    linked = {d for links in details["links"] for d in _linked_domains(links)} if len(details) else set()
    link_profiles = fetch_missing_profiles(
        linked, cached_profiles, companies, declared, now=now, retry_delay_s=retry_delay_s,
        max_concurrency=company_concurrency,
    )
    profiles = pd.concat([cached_profiles, link_profiles], ignore_index=True).drop_duplicates("domain", keep="last")
    site_names = dict(zip(profiles["domain"], profiles["company_name"], strict=True))
    platforms = set(profiles.loc[profiles["source_type"] == PLATFORM_SOURCE_TYPE, "domain"])
    platforms |= {registrable_domain(u) for u in videos["url"].dropna()}  # the video site itself
    new_resolutions = pd.DataFrame(
        [
            {"channel_id": row["channel_id"], "channel_title": row["title"], "company_domain": domain,
             "method": method, "resolved_at": now}
            for _, row in details.iterrows()
            for domain, method in [resolve_channel(row, known_names, site_names, platforms)]
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
    resolved_profiles = fetch_missing_profiles(
        resolved_domains, profiles, companies, declared, now=now, retry_delay_s=retry_delay_s,
        max_concurrency=company_concurrency,
    )
    new_profiles = pd.concat([link_profiles, resolved_profiles], ignore_index=True)
    profiles = pd.concat([profiles, resolved_profiles], ignore_index=True).drop_duplicates("domain", keep="last")
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
        "company_profiles_from_cache": len(set(resolved_domains) | linked) - len(new_profiles),
    }
    preview = table.dropna(subset=["company_domain"]).head(10)
    return PhaseOutput(
        tables={"youtube_channel_companies": table},
        result=result,
        cache_updates={"channel_resolutions": new_resolutions, "company_profiles": new_profiles},
        preview=preview,
    )


def _fetch_channels(channel_ids: Sequence[str], youtube: YouTubeProvider, retry_delay_s: float,
                    max_concurrency: int) -> pd.DataFrame:
    batch = youtube.max_ids_per_call

    def fetch(start: int) -> pd.DataFrame:
        return call_with_retries(
            lambda: youtube.channels(channel_ids[start : start + batch]),
            describe=f"channel details (channels {start + 1}–{min(start + batch, len(channel_ids))})",
            base_delay_s=retry_delay_s,
        )

    frames = map_in_order(fetch, range(0, len(channel_ids), batch), max_concurrency=max_concurrency)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHANNEL_COLUMNS)


def _named_after(channel_title: str, company_name: str, company_domain: str) -> bool:
    """Whether a channel's title names the company: its name or its domain's name ("Acme TV", "Acme")."""
    title = _normalized_name(channel_title)
    marks = {m for m in (_normalized_name(company_name), _domain_label(company_domain)) if len(m) >= 3}
    return any(mark in title for mark in marks)


def check_channel_companies(channel_companies: pd.DataFrame) -> CheckOutcome:
    """No company is credited with several channels that are not named after it (catch-all guard).

    One such channel is plausible (a company may run a channel under another name); two or more mean
    the channels were lumped into a company that merely appears in their links.
    """
    resolved = channel_companies.dropna(subset=["company_domain"])
    named = pd.Series(
        [_named_after(_text(t), _text(n), d)
         for t, n, d in zip(resolved["channel_title"], resolved["company_name"], resolved["company_domain"], strict=True)],
        index=resolved.index, dtype=bool,
    )
    unnamed = resolved.loc[~named]
    counts = unnamed.groupby("company_domain")["channel_id"].nunique()
    lumped = counts[counts >= 2].sort_values(ascending=False)
    if len(lumped):
        company = lumped.index[0]
        titles = ", ".join(sorted(unnamed.loc[unnamed["company_domain"] == company, "channel_title"].map(_text))[:3])
        return CheckOutcome(
            passed=False,
            description=(
                f"{len(lumped)} companies are credited with channels not named after them, e.g. {company} with "
                f"{lumped.iloc[0]} ({titles})"
            ),
            metrics={"lumped_companies": len(lumped), "channels_not_named_after_their_company": int(len(unnamed))},
        )
    return CheckOutcome(
        passed=True,
        description="every company's channels are named after it (at most one exception each)",
        metrics={"lumped_companies": 0, "channels_not_named_after_their_company": int(len(unnamed))},
    )
