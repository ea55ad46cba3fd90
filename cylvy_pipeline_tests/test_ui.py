"""The Dagster UI and daemon for real: the asset graph over GraphQL, a materialization launched through
the GraphQL client and followed in pipeline_phase_status by the sync sensor, a run worker killed with
SIGKILL mid-phase, and the lineage page rendered in headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import dagster as dg
import pytest
from dagster_graphql import DagsterGraphQLClient

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.defs.providers import sample_latency_run_config
from cylvy_pipeline.runtime.run_launcher import run_worker_pid
from cylvy_pipeline_tests.dagster_ui import browser_page, chromium, dagster_dev, graphql, launch, wait_for
from cylvy_pipeline_tests.test_definitions import SEED_EDGES

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "ui"
# 36 SERP calls at 1.5 s each, 8 at a time: serp_collection runs for about 7 s.
SLOW_PROVIDERS = sample_latency_run_config(1500)


@pytest.fixture(scope="module")
def ui(tmp_path_factory, database_urls):
    log = tmp_path_factory.mktemp("dagster-dev") / "dagster-dev.log"
    with dagster_dev(log) as base_url:
        yield base_url


def phase_statuses(conn, execution_id: str) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT phase_name, status FROM pipeline_phase_status WHERE pipeline_execution_id = %s", (execution_id,)
    ).fetchall())


def test_graphql_shows_the_eight_phases_with_the_seed_edges(ui):
    nodes = graphql(ui, "{ assetNodes { assetKey { path } groupName partitionKeys dependencyKeys { path } } }")
    nodes = nodes["assetNodes"]
    assert sorted(n["assetKey"]["path"][0] for n in nodes) == sorted(PHASES)
    assert {n["groupName"] for n in nodes} == {"market_analysis"}
    assert all(n["partitionKeys"] == ["US", "UK", "DE"] for n in nodes)
    edges = {(d["path"][0], n["assetKey"]["path"][0]) for n in nodes for d in n["dependencyKeys"]}
    assert edges == SEED_EDGES


def test_a_launched_materialization_ends_with_eight_completed_phases(ui, product_db):
    run_id = launch(ui, "DE")
    statuses = wait_for(
        lambda: (s := phase_statuses(product_db, run_id)) and set(s.values()) == {"completed"} and len(s) == 8 and s,
        timeout_s=240, interval_s=1, what="eight completed phases in pipeline_phase_status",
    )
    assert list(statuses) and set(statuses) == set(PHASES)


def test_a_killed_run_worker_fails_its_phase_and_blocks_dependents_until_reexecuted(ui, dagster_instance, product_db):
    # Slow provider calls keep serp_collection (never served from a cache) busy long enough to kill
    # its worker in the middle.
    run_id = launch(ui, "UK", SLOW_PROVIDERS)
    wait_for(
        lambda: phase_statuses(product_db, run_id).get("serp_collection") == "running",
        timeout_s=240, interval_s=0.25, what="serp_collection to be running",
    )
    pid = run_worker_pid(dagster_instance, run_id)
    assert pid is not None and pid != os.getpid()
    os.kill(pid, signal.SIGKILL)

    final = wait_for(
        lambda: (s := phase_statuses(product_db, run_id)) and not {"running", "pending"} & set(s.values()) and s,
        timeout_s=90, interval_s=1, what="no phase left running or pending after the kill",
    )
    assert final["keyword_metrics"] == "completed" and final["serp_collection"] == "failed"
    assert {final[p] for p in PHASES[2:]} == {"blocked"}
    assert dagster_instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    error = product_db.execute(
        """SELECT result_data->>'error' FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'serp_collection'""", (run_id,),
    ).fetchone()[0]
    assert "SIGKILL" in error or "died" in error, error

    # "Re-execute from failure", as the UI's button sends it: the same execution ends fully completed.
    launched = graphql(
        ui,
        """mutation($params: ReexecutionParams!) { launchPipelineReexecution(reexecutionParams: $params) {
             __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
        {"params": {"parentRunId": run_id, "strategy": "FROM_FAILURE"}},
    )["launchPipelineReexecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    wait_for(
        lambda: set(phase_statuses(product_db, run_id).values()) == {"completed"},
        timeout_s=240, interval_s=1, what="the re-executed execution to complete",
    )
    run_ids = product_db.execute(
        "SELECT dagster_run_ids FROM pipeline_executions WHERE id = %s", (run_id,)
    ).fetchone()[0]
    assert run_ids == [run_id, launched["run"]["runId"]]


def test_a_canceled_run_fails_the_running_phase_and_skips_the_rest(ui, dagster_instance, product_db):
    run_id = launch(ui, "US", SLOW_PROVIDERS)
    wait_for(
        lambda: phase_statuses(product_db, run_id).get("serp_collection") == "running",
        timeout_s=240, interval_s=0.25, what="serp_collection to be running",
    )
    DagsterGraphQLClient("127.0.0.1", port_number=int(ui.rsplit(":", 1)[1])).terminate_run(run_id)
    final = wait_for(
        lambda: (s := phase_statuses(product_db, run_id)) and not {"running", "pending"} & set(s.values()) and s,
        timeout_s=90, interval_s=1, what="no phase left running or pending after the cancel",
    )
    # The rows are final once the run is canceling (its unstarted phases will never start); the run
    # worker ends the run canceled a moment later.
    wait_for(lambda: dagster_instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.CANCELED,
             timeout_s=60, interval_s=0.5, what="the run to end canceled")
    assert final["keyword_metrics"] == "completed" and final["serp_collection"] == "failed"
    assert {final[p] for p in PHASES[2:]} == {"skipped"}
    reason = product_db.execute(
        """SELECT result_data->>'reason' FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'serp_collection'""", (run_id,),
    ).fetchone()[0]
    assert reason == "canceled"


def test_the_lineage_page_renders_all_eight_assets(ui, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = f"{ui}/asset-groups/market_analysis/lineage"
    dom = chromium("--dump-dom", url, user_data_dir=tmp_path / "profile-dom")
    missing = [p for p in PHASES if p not in dom]
    assert not missing, f"not in the rendered lineage page: {missing}"
    screenshot = ARTIFACTS / "asset-lineage.png"
    chromium(f"--screenshot={screenshot}", url, user_data_dir=tmp_path / "profile-shot")
    assert screenshot.exists() and screenshot.stat().st_size > 10_000


# The text-only element whose text is exactly ``text``, under ``root``.
_LEAF = """(root, text) => Array.from(root.querySelectorAll('*')).find(
    e => e.childElementCount === 0 && e.textContent.trim() === text)"""


def test_the_dsi_calculation_page_shows_the_charts(ui, dagster_instance, tmp_path):
    # What an analyst does: open the asset's latest materialization and "Show Markdown" on each chart.
    record = dagster_instance.fetch_materializations(dg.AssetKey("dsi_calculation"), limit=1).records[0]
    materialization = record.asset_materialization
    charts = [key for key, value in materialization.metadata.items() if "data:image/png;base64," in str(value.value)]
    assert {"chart_top_companies_organic", "chart_client_vs_competitors"} <= set(charts), list(materialization.metadata)
    url = f"{ui}/assets/dsi_calculation?view=events&partition={materialization.partition}"
    with browser_page(url, user_data_dir=tmp_path / "profile") as page:
        for key in charts:
            page.wait_for(f"!!({_LEAF})(document, {key!r})", what=f"{key} in the materialization's metadata")
            opened = page.evaluate(f"""(() => {{
                const leaf = {_LEAF};
                let row = leaf(document, {key!r});
                while (row && !leaf(row, '[Show Markdown]')) row = row.parentElement;
                if (!row) return false;
                leaf(row, '[Show Markdown]').click();
                return true;
            }})()""")
            assert opened, f"no [Show Markdown] next to {key}"
            widths = page.wait_for(
                """(() => { const images = Array.from(document.querySelectorAll('[role=dialog] img'));
                            const widths = images.map(i => i.complete ? i.naturalWidth : 0);
                            return widths.length && widths.every(w => w > 0) && widths; })()""",
                timeout_s=30, what=f"the {key} chart decoded in its dialog",
            )
            assert len(widths) == 1 and widths[0] >= 400
            if key == "chart_top_companies_organic":
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.wait_for("document.getAnimations().length === 0", timeout_s=10, what="the dialog to open fully")
                page.screenshot(ARTIFACTS / "dsi-calculation-chart.png")
            page.evaluate(f"({_LEAF})(document.querySelector('[role=dialog]'), 'Close').click()")
            page.wait_for("!document.querySelector('[role=dialog] img')", timeout_s=10, what="the dialog to close")


@pytest.fixture(autouse=True, scope="module")
def _chromium_installed():
    if shutil.which("chromium") is None:
        pytest.fail("Debian chromium is required for the UI tests (.ci/run installs it)")
