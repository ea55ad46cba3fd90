"""The seed's contract and the names every layer shares: the eight phases and their dependencies, the
tables each phase writes, the job, the run tags, and what a pipeline execution is.

This is the single source of truth for those names. The Dagster assets are wired from it, the status
derivation walks it, the storage layer writes the tables it lists, and the tests assert that Dagster's
asset graph equals it.
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

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

#: Tables written by each phase; every one has pipeline_execution_id and market columns.
PHASE_TABLES: Mapping[str, tuple[str, ...]] = {
    "keyword_metrics": ("keyword_metrics",),
    "serp_collection": ("serp_results", "serp_fetches"),
    "company_enrichment_serp": ("serp_domain_companies",),
    "youtube_enrichment": ("youtube_videos",),
    "content_scraping": ("scraped_pages",),
    "company_enrichment_youtube": ("youtube_channel_companies",),
    "content_analysis": ("content_analyses", "content_dimension_scores"),
    "dsi_calculation": ("dsi_company", "dsi_page", "dsi_keyword"),
}

#: The Dagster concurrency pool of each phase that calls a provider: steps of one pool across all runs
#: share the pool's limit (dagster.yaml), so runs of several markets take turns on a provider.
PROVIDER_POOLS: Mapping[str, str] = {
    "keyword_metrics": "keyword_data_api",
    "serp_collection": "serp_api",
    "company_enrichment_serp": "company_data_api",
    "youtube_enrichment": "youtube_api",
    "content_scraping": "web_scraping",
    "company_enrichment_youtube": "company_data_api",
}

#: The asset group of the phases, and the job that materializes all of them for one market.
PHASE_GROUP = "market_analysis"
PIPELINE_JOB = "market_pipeline"
#: The repository Dagster makes of a code location's one ``Definitions`` object: with the location's name,
#: where the UI finds the job of a run.
REPOSITORY_NAME = "__repository__"

# Run tags. Dagster's own: which market (partition) a run is for, and which execution it continues.
PARTITION_TAG = "dagster/partition"
ROOT_RUN_TAG = "dagster/root_run_id"
PARENT_RUN_TAG = "dagster/parent_run_id"
# Ours: the project a run was made for (so a re-execution serves the same one), what launched it, the
# machine whose processes execute it, whether the run launcher started it, and which execution's output a phase outside the run was read from.
PROJECT_TAG = "cylvy/project_dir"
KEYWORDS_TAG = "cylvy/keyword_count"
TRIGGER_TAG = "cylvy/trigger"
WORKER_HOST_TAG = "cylvy/worker_host"
#: On a run that could not start (no market, or one the project does not list): the one line saying why.
NOT_STARTED_TAG = "cylvy/not_started"
#: On runs the run launcher started (from the UI, a schedule or a sensor), not a `cylvy-pipeline` command.
LAUNCHED_RUN_TAG = "cylvy/launched"
INPUT_TAG_PREFIX = "cylvy/input/"


def execution_id_of(run: dg.DagsterRun) -> str:
    """A pipeline execution is a root run and its re-executions; its id is the root run's id."""
    return run.root_run_id or run.run_id
