"""The seed's phase contract: the eight phase names and their dependencies.

This is the single source of truth for the graph. The Dagster assets are wired from it, the status
derivation walks it, and the tests assert that Dagster's asset graph equals it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PHASE_DEPENDENCIES: Mapping[str, tuple[str, ...]] = {
    "keyword_metrics": (),
    "serp_collection": ("keyword_metrics",),
    "company_enrichment_serp": ("serp_collection",),
    "youtube_enrichment": ("serp_collection",),
    "content_scraping": ("serp_collection",),
    "company_enrichment_youtube": ("youtube_enrichment", "company_enrichment_serp"),
    "content_analysis": ("content_scraping", "company_enrichment_serp", "youtube_enrichment"),
    "dsi_calculation": ("content_analysis", "company_enrichment_youtube"),
}

#: Phases in the seed's order (a topological order of the graph).
PHASES: tuple[str, ...] = tuple(PHASE_DEPENDENCIES)


def downstream_of(phases: Iterable[str]) -> set[str]:
    """Every phase that depends, directly or transitively, on any of ``phases`` (excluding them)."""
    start = set(phases)
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for phase, deps in PHASE_DEPENDENCIES.items():
            if phase not in found and phase not in start and any(d in start or d in found for d in deps):
                found.add(phase)
                changed = True
    return found
