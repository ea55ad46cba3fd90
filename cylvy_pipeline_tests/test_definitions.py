"""The Dagster definitions load and the asset graph is exactly the seed's phase graph."""

from __future__ import annotations

import dagster as dg
import pytest

from cylvy_pipeline.contract import PHASE_DEPENDENCIES, PHASES

# The code location loads only where DAGSTER_HOME is prepared (alone, this file would otherwise depend on
# another test having prepared it first).
pytestmark = pytest.mark.usefixtures("database_urls")

SEED_EDGES = {
    ("keyword_metrics", "serp_collection"),
    ("serp_collection", "company_enrichment_serp"),
    ("serp_collection", "youtube_enrichment"),
    ("serp_collection", "content_scraping"),
    ("youtube_enrichment", "company_enrichment_youtube"),
    ("company_enrichment_serp", "company_enrichment_youtube"),
    ("content_scraping", "content_analysis"),
    ("company_enrichment_serp", "content_analysis"),
    ("youtube_enrichment", "content_analysis"),
    ("content_analysis", "dsi_calculation"),
    ("company_enrichment_youtube", "dsi_calculation"),
}


def test_phase_graph_is_the_seed_table():
    assert {(d, p) for p, deps in PHASE_DEPENDENCIES.items() for d in deps} == SEED_EDGES
    assert PHASES == (
        "keyword_metrics", "serp_collection", "company_enrichment_serp", "youtube_enrichment",
        "content_scraping", "company_enrichment_youtube", "content_analysis", "dsi_calculation",
    )


def test_asset_graph_equals_the_seed_edges():
    from cylvy_pipeline.definitions import defs as load_definitions

    defs = load_definitions()

    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert keys == {dg.AssetKey(p) for p in PHASES}  # exact names, no prefix
    edges = {
        (parent.to_user_string(), key.to_user_string()) for key in keys for parent in graph.get(key).parent_keys
    }
    assert edges == SEED_EDGES


def test_assets_share_one_group_and_the_market_partitions():
    from cylvy_pipeline.definitions import defs as load_definitions

    defs = load_definitions()

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.group_name == "market_analysis"
        assert node.partitions_def.get_partition_keys() == ["US", "UK", "DE"]


def test_every_phase_has_a_docstring_description():
    from cylvy_pipeline.definitions import defs as load_definitions

    defs = load_definitions()

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        assert len(graph.get(key).description or "") > 60, key


def test_blocking_checks_cover_the_completeness_gates():
    from cylvy_pipeline.definitions import defs as load_definitions

    defs = load_definitions()

    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k).blocking for k in graph.asset_check_keys}
    assert checks == {
        ("keyword_metrics", "every_keyword_has_metrics"): True,
        ("serp_collection", "every_serp_fetched"): True,
        ("company_enrichment_serp", "serp_domains_enriched"): True,
        ("company_enrichment_youtube", "channels_named_after_their_companies"): True,
        ("youtube_enrichment", "video_coverage"): False,
        ("content_scraping", "pages_scraped"): True,
        ("content_analysis", "pages_analysed"): True,
        ("dsi_calculation", "dsi_values_consistent"): True,
    }
    # Each is evaluated in the step that materializes its phase, not in a step (a process) of its own.
    for key in graph.asset_check_keys:
        assert key in defs.get_assets_def(key.asset_key).check_keys


def test_dagster_validates_the_code_location(database_urls):
    """`dagster definitions validate` loads workspace.yaml the way the UI and daemon do."""
    import os
    import subprocess
    import sys

    from cylvy_pipeline.environment import WORKSPACE_YAML

    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", str(WORKSPACE_YAML)],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation successful" in result.stdout + result.stderr


def test_the_analyzer_and_formula_versions_are_the_code_versions():
    from cylvy_pipeline.analysis.analyzer import ANALYZER_VERSION
    from cylvy_pipeline.analysis.dsi import DSI_FORMULA_VERSION
    from cylvy_pipeline.definitions import defs as load_definitions

    defs = load_definitions()

    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("content_analysis")).code_version == ANALYZER_VERSION
    assert graph.get(dg.AssetKey("dsi_calculation")).code_version == DSI_FORMULA_VERSION
