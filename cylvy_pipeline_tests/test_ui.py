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
from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR
from cylvy_pipeline.defs.providers import sample_latency_run_config
from cylvy_pipeline.runtime.run_launcher import run_worker_pid
from cylvy_pipeline_tests.dagster_ui import (
    browser_page,
    chromium,
    dagster_dev,
    graphql,
    launch,
    reexecute_from_failure_in_the_ui,
    wait_for,
)
from cylvy_pipeline_tests.test_cli import cli
from cylvy_pipeline_tests.test_definitions import SEED_EDGES

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "ui"
# 36 SERP calls at 1.5 s each, 8 at a time: serp_collection runs for about 7 s.
SLOW_PROVIDERS = sample_latency_run_config(1500)


@pytest.fixture(scope="module")
def ui_log(tmp_path_factory) -> Path:
    """What `cylvy-pipeline dev` printed."""
    return tmp_path_factory.mktemp("dagster-dev") / "dagster-dev.log"


@pytest.fixture(scope="module")
def ui(ui_log, database_urls):
    with dagster_dev(ui_log) as base_url:
        yield base_url


def test_dev_starts_without_warnings_meant_for_dagster_users(ui, ui_log):
    printed = ui_log.read_text()
    assert printed.startswith(f"Dagster UI on {ui} (Ctrl-C stops it)\n")
    # Dagster's notice that `dg dev` supersedes `dagster dev`, and its warning that a checkout's
    # dagster.yaml (the source of DAGSTER_HOME's copy) is not the one in use.
    assert "SupersessionWarning" not in printed
    assert "Found a dagster instance configuration value (dagster.yaml)" not in printed
    assert "WARNING" not in printed and "Traceback" not in printed


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
    again = reexecute_from_failure_in_the_ui(ui, run_id)
    wait_for(
        lambda: set(phase_statuses(product_db, run_id).values()) == {"completed"},
        timeout_s=240, interval_s=1, what="the re-executed execution to complete",
    )
    run_ids = product_db.execute(
        "SELECT dagster_run_ids FROM pipeline_executions WHERE id = %s", (run_id,)
    ).fetchone()[0]
    assert run_ids == [run_id, again]


def latest_run_of(conn, market: str) -> str:
    return conn.execute(
        "SELECT dagster_run_ids[array_upper(dagster_run_ids, 1)] FROM pipeline_executions WHERE market = %s "
        "ORDER BY started_at DESC LIMIT 1", (market,),
    ).fetchone()[0]


def wait_for_a_completed_execution(conn, execution_id: str) -> dict[str, str]:
    return wait_for(
        lambda: (s := phase_statuses(conn, execution_id)) and set(s.values()) == {"completed"} and len(s) == 8 and s,
        timeout_s=240, interval_s=1, what="the re-executed execution to complete",
    )


# Every SERP call fails (SERPs are never served from a cache): serp_collection fails, the phases after it
# are blocked, and the run fails. The UI's processes do not have the fault, so a re-execution there completes.
SERP_API_DOWN = {"CYLVY_SAMPLE_FAULTS": "serp_collection=1.0"}


def test_a_run_the_command_line_started_is_reexecuted_from_failure_in_the_ui(ui, product_db):
    assert cli("run", "--market", "UK", **SERP_API_DOWN).returncode == 1
    failed = latest_run_of(product_db, "UK")
    assert phase_statuses(product_db, failed)["serp_collection"] == "failed"

    again = reexecute_from_failure_in_the_ui(ui, failed)
    wait_for_a_completed_execution(product_db, failed)
    run_ids = product_db.execute("SELECT dagster_run_ids FROM pipeline_executions WHERE id = %s", (failed,)).fetchone()
    assert run_ids[0] == [failed, again]


def test_a_run_the_reexecute_command_started_is_reexecuted_from_failure_in_the_ui(ui, product_db):
    assert cli("run", "--market", "DE", **SERP_API_DOWN).returncode == 1
    execution_id = latest_run_of(product_db, "DE")
    assert cli("reexecute", execution_id, **SERP_API_DOWN).returncode == 1  # the provider is still down
    second = latest_run_of(product_db, "DE")
    assert second != execution_id

    third = reexecute_from_failure_in_the_ui(ui, second)
    wait_for_a_completed_execution(product_db, execution_id)
    run_ids = product_db.execute(
        "SELECT dagster_run_ids FROM pipeline_executions WHERE id = %s", (execution_id,)
    ).fetchone()[0]
    assert run_ids == [execution_id, second, third]


def test_a_reexecution_where_another_project_is_served_fails_naming_both(ui, product_db):
    # Made for 13 generated keywords; the UI's code location serves 12 (the suite's environment).
    assert cli("run", "--market", "UK", "--keywords", "13", **SERP_API_DOWN).returncode == 1
    failed = latest_run_of(product_db, "UK")
    again = reexecute_from_failure_in_the_ui(ui, failed)
    wait_for(lambda: latest_run_of(product_db, "UK") == again and phase_statuses(product_db, failed)["serp_collection"]
             == "failed" and product_db.execute("SELECT status FROM pipeline_executions WHERE id = %s",
                                                (failed,)).fetchone()[0] == "failed",
             timeout_s=120, interval_s=0.5, what="the re-execution to fail")
    error = product_db.execute(
        """SELECT result_data->>'error' FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'serp_collection'""", (failed,),
    ).fetchone()[0]
    sample = SAMPLE_PROJECT_DIR
    assert error == (
        f"this execution was made for the project in {sample} scaled to 13 keywords, and this code location "
        f"serves the project in {sample} scaled to 12 keywords — continue it with `cylvy-pipeline reexecute "
        f"{again}`, which serves the execution's own project"
    )
    # The command it names does.
    assert cli("reexecute", again).returncode == 0
    assert set(phase_statuses(product_db, failed).values()) == {"completed"}


@pytest.mark.parametrize(
    ("tags", "refusal"),
    [
        ({}, "this run has no market — choose a market partition: US, UK, DE"),
        ({"dagster/partition": "FR"}, "'FR' is not a market of this project — choose a market partition: US, UK, DE"),
    ],
    ids=["no partition", "unknown market"],
)
def test_a_run_for_no_market_of_the_project_fails_at_once_in_one_line(ui, dagster_instance, product_db, tags, refusal):
    # What the Launchpad and the GraphQL client send unless a partition is chosen (or a stale market).
    client = DagsterGraphQLClient("127.0.0.1", port_number=int(ui.rsplit(":", 1)[1]))
    run_id = client.submit_job_execution(
        "market_pipeline", repository_location_name="cylvy_pipeline", repository_name="__repository__", tags=tags,
    )
    wait_for(lambda: dagster_instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE,
             timeout_s=120, interval_s=0.5, what="the run to fail")
    # Its first step failed, saying why and what to do; nothing else ran.
    failures = dagster_instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    assert [f.dagster_event.step_key for f in failures] == ["keyword_metrics"]
    assert failures[0].dagster_event.step_failure_data.error.message.startswith(
        f"dagster._core.definitions.events.Failure: {refusal}"
    )
    assert len(dagster_instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)) == 1

    # One alert, like any failed pipeline run, saying why it could not start.
    alert = f"cylvy_pipeline: run {run_id} could not start: {refusal}"
    alerts = wait_for(
        lambda: product_db.execute("SELECT message FROM pipeline_alerts WHERE dagster_run_id = %s", (run_id,)).fetchall(),
        timeout_s=60, interval_s=0.5, what="the run's alert",
    )
    assert alerts == [(alert,)]

    # Never a market's execution: no rows, and `status` shows another execution.
    assert cli("sync").returncode == 0
    assert product_db.execute(
        "SELECT count(*) FROM pipeline_executions WHERE id = %s OR %s = ANY(dagster_run_ids)", (run_id, run_id)
    ).fetchone() == (0,)
    assert product_db.execute(
        "SELECT count(*) FROM pipeline_phase_status WHERE pipeline_execution_id = %s", (run_id,)
    ).fetchone() == (0,)
    status = cli("status")
    assert status.returncode == 0 and run_id not in status.stdout
    assert product_db.execute("SELECT count(*) FROM pipeline_alerts WHERE dagster_run_id = %s", (run_id,)).fetchone() == (1,)


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


# A metadata key: its text in a table row (the asset's description may name the same word).
_METADATA_KEY = """(root, text) => Array.from(root.querySelectorAll('tr *')).find(
    e => e.childElementCount === 0 && e.textContent.trim() === text)"""


def test_the_dsi_calculation_page_names_its_calculation_and_shows_the_report_tables(ui, dagster_instance, tmp_path):
    # The analyst reads which market and execution the metadata belongs to, then the rank and gaps tables.
    record = dagster_instance.fetch_materializations(dg.AssetKey("dsi_calculation"), limit=1).records[0]
    materialization = record.asset_materialization
    execution = materialization.metadata["pipeline_execution_id"].value
    url = f"{ui}/assets/dsi_calculation?view=events&partition={materialization.partition}"
    with browser_page(url, user_data_dir=tmp_path / "profile") as page:
        # Short Markdown shows in its row as it is, no click needed (once its value is rendered, after its key).
        row = page.wait_for(f"""(() => {{ const key = ({_METADATA_KEY})(document, 'calculation');
                                        const text = key && key.closest('tr').innerText;
                                        return text && text.includes('Market') && text; }})()""",
                            what="the calculation field in the materialization's metadata")
        assert f"Market {materialization.partition} · execution {execution} · calculated" in row
        assert "ranks" in row or "does not rank" in row
        for key in ("client_rank", "top_companies", "gaps"):
            page.wait_for(f"!!({_METADATA_KEY})(document, {key!r})", what=f"{key} in the materialization's metadata")
            opened = page.evaluate(f"""(() => {{
                const leaf = {_LEAF};
                const row = ({_METADATA_KEY})(document, {key!r}).closest('tr');
                const link = leaf(row, '[Show Markdown]');
                if (!link) return false;
                link.click();
                return true;
            }})()""")
            assert opened, f"no [Show Markdown] next to {key}"
            rows = page.wait_for(
                """(() => { const rows = document.querySelectorAll('[role=dialog] table tr').length;
                            return rows >= 2 && rows; })()""",
                timeout_s=30, what=f"the {key} table in its dialog",
            )
            assert rows >= 2, key  # a header and at least one row, rendered as a table
            page.evaluate(f"({_LEAF})(document.querySelector('[role=dialog]'), 'Close').click()")
            page.wait_for("!document.querySelector('[role=dialog]')", timeout_s=10, what="the dialog to close")


@pytest.fixture(autouse=True, scope="module")
def _chromium_installed():
    if shutil.which("chromium") is None:
        pytest.fail("Debian chromium is required for the UI tests (.ci/run installs it)")
