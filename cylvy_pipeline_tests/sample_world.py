"""The sample project's simulated market and its SERPs, for tests that measure a phase against what the
world knows (its true owners, the labels of its pages)."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from cylvy_pipeline.phases import keyword_metrics, serp_collection
from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.project.queries import keywords_frame
from cylvy_pipeline.providers.sample.clients import SampleKeywordMetrics, SampleSerp
from cylvy_pipeline.providers.sample.faults import FaultInjector
from cylvy_pipeline.providers.sample.market import SimulatedMarket

SEED = 7
#: Provider clients without injected faults.
NO_FAULTS = FaultInjector("serp_collection", 0.0)  # a rate of 0 never fails, whatever the phase


@lru_cache(maxsize=4)
def sample_serps(market_code: str) -> tuple[SimulatedMarket, pd.DataFrame]:
    """The sample project's world and the SERP results (every SERP type) of one of its markets."""
    project = load_project(None)
    world = SimulatedMarket(project, seed=SEED)
    metrics = keyword_metrics.collect_keyword_metrics(
        keywords_frame(project), market_code, SampleKeywordMetrics(world, faults=NO_FAULTS), retry_delay_s=0
    ).tables["keyword_metrics"]
    serps = serp_collection.collect_serps(
        metrics, market_code, project.serp_types, project.results_per_search, SampleSerp(world, faults=NO_FAULTS),
        default_search_volume=10, retry_delay_s=0,
    ).tables["serp_results"]
    return world, serps
