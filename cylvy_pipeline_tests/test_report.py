"""DSI charts for analysts, for real: the dsi_calculation materialization's chart and client metadata after
real Dagster runs, and `cylvy-pipeline report` writing HTML that headless Chromium renders with its charts."""

from __future__ import annotations

import base64
import re
import shutil
import struct
from pathlib import Path

import dagster as dg
import psycopg
import pytest

from cylvy_pipeline.execution import run_market
from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR, load_project
from cylvy_pipeline.reporting import dsi_report
from cylvy_pipeline.storage.dsi_results import client_dsi_history, latest_completed_dsi
from cylvy_pipeline.storage.tables import query_frame
from cylvy_pipeline_tests.dagster_ui import chromium
from cylvy_pipeline_tests.test_cli import cli

pytestmark = [pytest.mark.slow, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "report"
CHART_KEYS = [
    "chart_top_companies_organic", "chart_top_companies_news", "chart_top_companies_video",
    "chart_client_vs_competitors", "chart_client_dsi_trend",
]
DATA_IMAGE = re.compile(r"!\[[^\]]*\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)")
PROJECT_NAME = "Ledgerline banking software market"


def completed_calculations(conn, market: str) -> int:
    return client_dsi_history(conn, market)["pipeline_execution_id"].nunique()


@pytest.fixture(scope="module")
def us_calculations(dagster_instance, database_urls):
    """US with at least two completed DSI calculations (earlier tests of the session usually made them)."""
    with psycopg.connect(database_urls.product, autocommit=True) as conn:
        while completed_calculations(conn, "US") < 2:
            assert run_market(dagster_instance, "US").success
        return completed_calculations(conn, "US")


def dsi_materializations(instance: dg.DagsterInstance, market: str, *, latest_first: bool = True):
    return instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("dsi_calculation"), asset_partitions=[market]),
        limit=1000, ascending=not latest_first,
    ).records


def test_dsi_calculation_metadata_has_the_charts_and_the_clients_numbers(us_calculations, dagster_instance, product_db):
    latest = dsi_materializations(dagster_instance, "US")[0].asset_materialization.metadata
    for key in CHART_KEYS:  # a trend too: there are two calculations or more
        assert isinstance(latest[key], dg.MarkdownMetadataValue), key
        image = DATA_IMAGE.search(latest[key].value)
        assert image, key
        png = base64.b64decode(image.group(1))
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) <= 60_000, key

    subject = dsi_report.report_subject(load_project())
    client = query_frame(
        product_db,
        """SELECT landscape, serp_type, dsi_index, coverage FROM dsi_company
           WHERE pipeline_execution_id = %s AND market = 'US' AND is_client""",
        (latest["pipeline_execution_id"].value,),
    ).set_index(["landscape", "serp_type"])
    assert len(client)  # the sample client ranks somewhere
    for landscape in subject.landscapes:
        for serp_type in subject.serp_types:
            scope = f"{dsi_report.landscape_slug(landscape)}_{serp_type}"
            dsi_index, coverage = latest[f"client_dsi_index_{scope}"], latest[f"client_coverage_{scope}"]
            assert isinstance(dsi_index, dg.FloatMetadataValue) and isinstance(coverage, dg.FloatMetadataValue)
            stored = client.loc[(landscape, serp_type)] if (landscape, serp_type) in client.index else None
            assert dsi_index.value == pytest.approx(0.0 if stored is None else stored["dsi_index"], abs=1e-4)
            assert coverage.value == pytest.approx(0.0 if stored is None else stored["coverage"], abs=1e-4)


def test_the_first_calculation_of_a_market_says_there_is_no_trend_yet(us_calculations, dagster_instance):
    # The session's databases start empty, so the oldest US calculation had no predecessor.
    first = dsi_materializations(dagster_instance, "US", latest_first=False)[0].asset_materialization.metadata
    assert first["chart_client_dsi_trend"].value == dsi_report.single_calculation_note("US")
    assert DATA_IMAGE.search(first["chart_top_companies_organic"].value)


def test_client_history_lists_the_markets_calculations_oldest_first(us_calculations, product_db):
    history = client_dsi_history(product_db, "US")
    calculations = history.drop_duplicates("pipeline_execution_id")
    assert len(calculations) == us_calculations >= 2
    assert calculations["calculated_at"].is_monotonic_increasing
    assert calculations["pipeline_execution_id"].iloc[-1] == latest_completed_dsi(product_db, "US")[0]
    assert set(history["landscape"].dropna()) <= set(dsi_report.report_subject(load_project()).landscapes)


def test_report_writes_html_that_a_browser_renders_with_its_charts(us_calculations, product_db, tmp_path):
    output = tmp_path / "us.html"
    result = cli("report", "--market", "US", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"US: {output}\n"
    page = output.read_text()
    execution_id, _ = latest_completed_dsi(product_db, "US")
    assert execution_id in page and f"trend over {us_calculations} calculations" in page
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 5  # top companies per SERP type, client against competitors, trend
    # Self-contained: nothing to fetch, so the page renders the same with no network (the URLs in the tables
    # are text, never links; the only link is the Excel download, a data: URI).
    inline = re.sub(r'<img src="data:[^"]+"|href="data:application/vnd\.openxmlformats[^"]+"', "", page)
    assert not re.search(r"(?:src|href)\s*=|url\(|@import|<script|<link", inline)
    assert not re.search(r"<a [^>]*href=\"https?://", page)

    # Chromium decodes every image: a copy of the page reports each image's decoded width into its DOM.
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", (
        "<script>window.addEventListener('load', () => document.body.setAttribute('data-image-widths', "
        "Array.from(document.images).map(i => i.complete ? i.naturalWidth : -1).join(',')));</script></body>"
    )))
    dom = chromium("--dump-dom", probe.as_uri(), user_data_dir=tmp_path / "profile-dom")
    widths = re.search(r'data-image-widths="([-\d,]*)"', dom)
    assert widths, dom[:500]
    expected = [struct.unpack(">I", base64.b64decode(image)[16:20])[0] for image in images]
    assert [int(w) for w in widths.group(1).split(",")] == expected
    assert all(width >= 400 for width in expected)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "dsi-report-US.png"
    screenshot.unlink(missing_ok=True)
    chromium(f"--screenshot={screenshot}", "--window-size=1200,2400", output.as_uri(),
             user_data_dir=tmp_path / "profile-shot")
    assert screenshot.exists() and screenshot.stat().st_size > 50_000  # charts, not a blank page


def test_report_for_every_market_writes_one_file_each_into_the_folder(us_calculations, product_db, tmp_path):
    result = cli("report", "--output", str(tmp_path / "reports"))
    assert result.returncode == 0, result.stderr
    with_dsi = [m for m in ("US", "UK", "DE") if latest_completed_dsi(product_db, m)]
    assert result.stdout.splitlines() == [f"{m}: {tmp_path / 'reports' / f'dsi-report-{m}.html'}" for m in with_dsi]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == sorted(f"dsi-report-{m}.html" for m in with_dsi)
    assert result.stderr == "".join(
        f"cylvy-pipeline: report: no completed DSI calculation for {m} yet; no report for it\n"
        for m in ("US", "UK", "DE") if m not in with_dsi
    )


def test_report_mistakes_are_one_line(database_urls, tmp_path):
    unknown = cli("report", "--market", "FR", "--output", str(tmp_path / "fr.html"))
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr == (
        f"cylvy-pipeline: --market: 'FR' is not a market of project {PROJECT_NAME!r} — use one of US, UK, DE\n"
    )
    existing_file = tmp_path / "report.html"
    existing_file.write_text("")
    several = cli("report", "--output", str(existing_file))
    assert several.returncode == 2
    assert several.stderr == (
        f"cylvy-pipeline: --output: {existing_file} is a file, and US, UK, DE make one report each — give a "
        "folder, or one --market\n"
    )
    assert not (tmp_path / "fr.html").exists()


def test_a_market_without_a_dsi_yet_is_one_line(database_urls, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(SAMPLE_PROJECT_DIR, project)
    yaml = project / "project.yaml"
    yaml.write_text(yaml.read_text().replace("markets: [US, UK, DE]", "markets: [FR]"))
    named = cli("report", "--project", str(project), "--market", "FR", "--output", str(tmp_path / "fr.html"))
    assert named.returncode == 2 and named.stdout == ""
    assert named.stderr == (
        "cylvy-pipeline: report: no completed DSI calculation for market FR yet — run "
        "`cylvy-pipeline run --market FR` first\n"
    )
    every = cli("report", "--project", str(project), "--output", str(tmp_path / "reports"))
    assert every.returncode == 2
    assert every.stderr == (
        f"cylvy-pipeline: report: no completed DSI calculation for any market of project {PROJECT_NAME!r} yet — "
        "run `cylvy-pipeline run` first\n"
    )
    assert not (tmp_path / "fr.html").exists() and not (tmp_path / "reports").exists()


@pytest.fixture(autouse=True, scope="module")
def _chromium_installed():
    if shutil.which("chromium") is None:
        pytest.fail("Debian chromium is required for the report test (.ci/run installs it)")
