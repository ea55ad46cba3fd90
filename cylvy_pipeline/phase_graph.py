"""The seed's phase contract: the eight phase names and their dependencies.

This is the single source of truth for the graph. The Dagster assets are wired from it, the status
derivation walks it, and the tests assert that Dagster's asset graph equals it.
"""

from __future__ import annotations

from collections.abc import Mapping

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

