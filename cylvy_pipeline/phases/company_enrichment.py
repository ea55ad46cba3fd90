"""Phases 3 and 6 share this: turning domains into companies through one profile cache.

Identity is the registrable domain (``www.`` and sub-domains are the same company). The client's and
competitors' declared domains decide first: all of a declared company's domains belong to it, under its
first domain. Every other domain is its own company, named by the company-data source or, failing that,
from the domain itself — never merged into a catch-all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from cylvy_pipeline.analysis.identity import company_name_from_domain, registrable_domain
from cylvy_pipeline.phases.parallel import map_in_order
from cylvy_pipeline.phases.results import CheckOutcome, PhaseOutput, coverage, coverage_gate
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.providers.base import CompanyDataProvider, CompanyProfile
from cylvy_pipeline.providers.retry import call_with_retries

PROFILE_COLUMNS = (
    "domain", "company_name", "industry", "description", "employees", "revenue_usd", "hq_country",
    "source", "source_type", "confidence", "enriched_at",
)

# When the source gives no source type, the industry text is the best hint we have.
_INDUSTRY_SOURCE_TYPES = (
    ("publish", "PREMIUM_PUBLISHER"), ("media", "PREMIUM_PUBLISHER"), ("news", "PREMIUM_PUBLISHER"),
    ("association", "PROFESSIONAL_BODY"), ("professional", "PROFESSIONAL_BODY"),
    ("education", "EDUCATION"), ("university", "EDUCATION"), ("government", "GOVERNMENT"),
    ("regulat", "GOVERNMENT"), ("non-profit", "NON_PROFIT"), ("nonprofit", "NON_PROFIT"),
    ("charity", "NON_PROFIT"), ("social", "SOCIAL_MEDIA"), ("video platform", "SOCIAL_MEDIA"),
)


@dataclass(frozen=True)
class DeclaredCompany:
    name: str
    company_domain: str  # the company's first declared registrable domain: its identity in DSI
    source_type: str  # OWNED or COMPETITOR


def declared_companies(project: Project) -> dict[str, DeclaredCompany]:
    """Registrable domain -> the client or competitor that declared it."""
    declared: dict[str, DeclaredCompany] = {}
    for company, source_type in [(project.client, "OWNED")] + [(c, "COMPETITOR") for c in project.competitors]:
        domains = [registrable_domain(d) for d in company.domains]
        for domain in domains:
            declared.setdefault(domain, DeclaredCompany(company.name, domains[0], source_type))
    return declared


def client_company_domain(project: Project) -> str:
    """The client's identity domain (its first declared domain, registrable part)."""
    return registrable_domain(project.client.domains[0])


def _source_type(profile: CompanyProfile) -> str:
    if profile.source_type:
        return profile.source_type
    industry = (profile.industry or "").lower()
    return next((kind for hint, kind in _INDUSTRY_SOURCE_TYPES if hint in industry), "OTHER")


def fetch_missing_profiles(
    domains: Iterable[str],
    cached_profiles: pd.DataFrame,
    provider: CompanyDataProvider,
    declared: Mapping[str, DeclaredCompany],
    *,
    now: datetime,
    retry_delay_s: float = 0.5,
    max_concurrency: int = 1,
) -> pd.DataFrame:
    """Profiles for the ``domains`` that have no fresh cached profile (one provider call each, at most
    ``max_concurrency`` at once).

    ``cached_profiles`` holds the fresh cache rows (PROFILE_COLUMNS); the result has the same columns
    and holds only new rows, in domain order, ready to upsert into the cache. A lookup that fails after
    its retries fails the whole call (no further lookup starts), with that domain's error.
    """
    missing = sorted(set(domains) - set(cached_profiles["domain"]))

    def look_up(domain: str) -> CompanyProfile:
        return call_with_retries(
            lambda: provider.company_profile(domain),
            describe=f"company profile for {domain}",
            base_delay_s=retry_delay_s,
        )

    profiles = map_in_order(look_up, missing, max_concurrency=max_concurrency)
    rows = []
    for domain, profile in zip(missing, profiles, strict=True):
        known = declared.get(domain)
        rows.append(
            {
                "domain": domain,
                "company_name": known.name if known else (profile.name or company_name_from_domain(domain)),
                "industry": profile.industry,
                "description": profile.description,
                "employees": profile.employees,
                "revenue_usd": profile.revenue_usd,
                "hq_country": profile.hq_country,
                "source": profile.source if profile.name else f"{profile.source} (no record; named from domain)",
                "source_type": known.source_type if known else _source_type(profile),
                "confidence": 1.0 if known else (0.9 if profile.name else 0.3),
                "enriched_at": now,
            }
        )
    return pd.DataFrame(rows, columns=list(PROFILE_COLUMNS))


def is_enriched(profiles: pd.DataFrame) -> pd.Series:
    """A profile counts as enriched when a source knew the company (not just named from its domain)."""
    return profiles["confidence"] >= 0.5


def enrich_serp_companies(
    serp_results: pd.DataFrame,
    project: Project,
    cached_profiles: pd.DataFrame,
    provider: CompanyDataProvider,
    *,
    now: datetime,
    retry_delay_s: float = 0.5,
    max_concurrency: int = 1,
) -> PhaseOutput:
    """Map every organic and news host of the SERPs to its company, enriching unknown domains once
    (at most ``max_concurrency`` lookups at once)."""
    hosts = pd.Series(
        serp_results.loc[serp_results["serp_type"] != "video", "domain"].unique(), dtype="object", name="host"
    )
    frame = pd.DataFrame({"host": hosts})
    frame["domain"] = frame["host"].map(registrable_domain)
    declared = declared_companies(project)
    new_profiles = fetch_missing_profiles(
        frame["domain"], cached_profiles, provider, declared, now=now, retry_delay_s=retry_delay_s,
        max_concurrency=max_concurrency,
    )
    profiles = pd.concat([cached_profiles, new_profiles], ignore_index=True).drop_duplicates("domain", keep="last")
    frame = frame.merge(profiles, on="domain", how="left", validate="many_to_one")
    frame["company_domain"] = [declared[d].company_domain if d in declared else d for d in frame["domain"]]
    frame["enriched"] = is_enriched(frame)
    frame["from_cache"] = ~frame["domain"].isin(new_profiles["domain"])
    table = frame[["host", "company_domain", "company_name", "source_type", "enriched", "from_cache"]]

    distinct = frame.drop_duplicates("domain")
    enriched = int(distinct["enriched"].sum())
    result = {
        "success": True,
        "hosts": len(frame),
        "domains": len(distinct),
        "companies": int(frame["company_domain"].nunique()),
        "domains_enriched": enriched,
        "enrichment_coverage": round(coverage(enriched, len(distinct)), 4),
        "provider_calls": len(new_profiles),
        "cache_hits": int(distinct["from_cache"].sum()),
        "source_types": {k: int(v) for k, v in distinct["source_type"].value_counts().items()},
    }
    preview = distinct[["domain", "company_name", "source_type", "confidence"]].head(10)
    return PhaseOutput(
        tables={"serp_domain_companies": table},
        result=result,
        cache_updates={"company_profiles": new_profiles},
        preview=preview,
    )


def check_serp_companies(
    domain_companies: pd.DataFrame, project: Project, enrichment_threshold: float
) -> CheckOutcome:
    """Enough SERP domains are enriched, and no company owns domains it did not declare (catch-all guard)."""
    frame = domain_companies.assign(domain=domain_companies["host"].map(registrable_domain))
    declared = declared_companies(project)
    families = frame.groupby("company_domain")["domain"].agg(lambda d: set(d))
    merged = {
        company: sorted(domains)
        for company, domains in families.items()
        if any(d != company and declared.get(d, None) is None for d in domains)
        or any(d in declared and declared[d].company_domain != company for d in domains)
    }
    if merged:
        company, domains = next(iter(merged.items()))
        return CheckOutcome(
            passed=False,
            description=(
                f"{len(merged)} companies hold unrelated domains, e.g. {company} holds {', '.join(domains)}"
            ),
            metrics={"merged_companies": len(merged)},
        )
    distinct = frame.drop_duplicates("domain")
    return coverage_gate(
        "SERP domains enriched", int(distinct["enriched"].sum()), len(distinct), enrichment_threshold
    )
