"""The analyst's report after real pipeline runs: the client's rank, a gap computed by hand from
serp_results, the changes after a second calculation, the Excel and CSV exports, the dsi_calculation
metadata, and the HTML's sections rendered by headless Chromium."""

from __future__ import annotations

import json
import re
import shutil

import dagster as dg
import pandas as pd
import psycopg
import pytest

from cylvy_pipeline.analysis.ctr import ctr_for_position
from cylvy_pipeline.execution import ProjectChoice, run_market
from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.reporting import analyst_tables, dsi_report
from cylvy_pipeline.storage.dsi_results import client_dsi_history, latest_completed_dsi, previous_completed_dsi
from cylvy_pipeline.storage.tables import query_frame
from cylvy_pipeline_tests.conftest import TEST_KEYWORDS
from cylvy_pipeline_tests.dagster_ui import chromium
from cylvy_pipeline_tests.test_cli import cli

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SECTIONS = ["rank", "top-companies", "client-vs-competitors", "change", "gaps", "wins", "content-fit",
            "drill-down", "glossary"]


def calculations(conn, market: str) -> int:
    return client_dsi_history(conn, market)["pipeline_execution_id"].nunique()


@pytest.fixture(scope="module")
def markets(dagster_instance, database_urls) -> dict[str, str]:
    """US calculated twice, the earlier time for two more keywords (so the changes are not all zero), UK
    once or more: market → latest execution."""
    assert run_market(dagster_instance, "US", project=ProjectChoice(keyword_count=TEST_KEYWORDS + 2)).success
    assert run_market(dagster_instance, "US").success
    with psycopg.connect(database_urls.product, autocommit=True) as conn:
        if calculations(conn, "UK") < 1:
            assert run_market(dagster_instance, "UK").success
        return {market: latest_completed_dsi(conn, market)[0] for market in ("US", "UK")}


@pytest.fixture(scope="module")
def reports(markets, database_urls) -> dict[str, dsi_report.AnalystReport]:
    project = load_project()
    with psycopg.connect(database_urls.product, autocommit=True) as conn:
        return {market: dsi_report.latest_report(conn, project, market) for market in markets}


def company_rows(conn, execution_id: str, market: str) -> pd.DataFrame:
    return query_frame(
        conn, "SELECT * FROM dsi_company WHERE pipeline_execution_id = %s AND market = %s", (execution_id, market)
    )


@pytest.mark.parametrize("market", ["US", "UK"])
def test_the_clients_rank_among_all_companies(market, markets, reports, product_db):
    stored = company_rows(product_db, markets[market], market)
    rank = reports[market].tables.rank
    subject = reports[market].subject
    assert len(rank) == len(subject.landscapes) * len(subject.serp_types)
    for row in rank.itertuples(index=False):
        scope = stored[(stored["landscape"] == row.landscape) & (stored["serp_type"] == row[1])]
        client = scope[scope["is_client"]]
        assert row.companies == len(scope)
        if client.empty:
            assert pd.isna(row[2])
        else:
            assert row[2] == client["rank"].iloc[0]  # client rank
            assert row[6] == pytest.approx(client["dsi_index"].iloc[0])  # DSI index
        assert row.leader == scope.loc[scope["rank"] == 1, "company_name"].iloc[0]
    # The top-companies table holds the client's row in every scope where it ranks, even outside the top 10.
    top = reports[market].tables.top_companies
    clients = top[top["domain"] == subject.client_domain]
    assert len(clients) == int(stored["is_client"].sum())


def test_a_gap_computed_by_hand_from_serp_results(markets, reports, product_db):
    """The largest organic gap: a keyword where a named competitor has a result and the client none, by
    volume × CTR of the competitor's best position."""
    project = load_project()
    subject = reports["US"].subject
    execution = markets["US"]
    serp = query_frame(product_db, """
        SELECT r.keyword, r.position, r.url, r.search_volume, c.company_domain
        FROM serp_results r
        JOIN serp_domain_companies c ON c.pipeline_execution_id = r.pipeline_execution_id
             AND c.market = r.market AND c.host = r.domain
        WHERE r.pipeline_execution_id = %s AND r.market = 'US' AND r.serp_type = 'organic'""", (execution,))
    assert len(serp), "the US execution ran every phase, so its own SERP rows are what its DSI read"
    default_volume = project.thresholds.default_search_volume
    client_keywords = set(serp.loc[serp["company_domain"] == subject.client_domain, "keyword"])
    expected = []
    for (keyword, domain), results in serp[serp["company_domain"].isin(list(subject.competitors))].groupby(
        ["keyword", "company_domain"]
    ):
        if keyword in client_keywords:
            continue
        best = results.sort_values("position").iloc[0]
        volume = default_volume if pd.isna(best["search_volume"]) else int(best["search_volume"])
        expected.append((volume * ctr_for_position(int(best["position"])), keyword, subject.competitors[domain],
                         int(best["position"]), best["url"]))
    assert expected, "the sample market has organic gaps"
    expected.sort(key=lambda gap: (-gap[0], gap[1], gap[2]))
    gaps = reports["US"].tables.gaps
    organic = gaps[gaps["SERP type"] == "organic"]
    assert len(organic) == len(expected)
    first = organic.iloc[0]
    traffic, keyword, competitor, position, url = expected[0]
    assert (first["keyword"], first["competitor"], first["position"], first["competitor page"]) == (
        keyword, competitor, position, url)
    assert first["estimated traffic"] == pytest.approx(traffic)
    assert gaps["estimated traffic"].is_monotonic_decreasing


def test_changes_after_a_second_calculation(markets, reports, product_db):
    report = reports["US"]
    previous = previous_completed_dsi(product_db, "US", before=report.calculation.calculated_at)
    assert previous is not None and report.calculation.previous_execution_id == previous
    now = company_rows(product_db, markets["US"], "US")
    before = company_rows(product_db, previous, "US")
    rank = report.tables.rank
    for row in rank.to_dict("records"):
        def client(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[(frame["landscape"] == row["landscape"]) & (frame["serp_type"] == row["SERP type"])
                         & frame["is_client"]]
        current, earlier = client(now), client(before)
        if len(earlier):
            assert row["previous rank"] == earlier["rank"].iloc[0]
        else:
            assert pd.isna(row["previous rank"])
        if len(current) and len(earlier):
            assert row["rank change"] == earlier["rank"].iloc[0] - current["rank"].iloc[0]
        dsi_now = current["dsi_index"].iloc[0] if len(current) else 0.0
        dsi_before = earlier["dsi_index"].iloc[0] if len(earlier) else 0.0
        assert row["DSI index change"] == pytest.approx(dsi_now - dsi_before)
    # Keywords gained and lost: the client's keywords now against then.
    keywords = query_frame(product_db, """
        SELECT DISTINCT pipeline_execution_id::text AS execution, serp_type, keyword FROM dsi_keyword
        WHERE market = 'US' AND is_client AND pipeline_execution_id IN (%s, %s)""", (markets["US"], previous))
    sets = {e: set(zip(g["serp_type"], g["keyword"])) for e, g in keywords.groupby("execution")}
    changes = report.tables.keyword_changes
    gained = set(zip(changes.loc[changes["change"] == "gained", "SERP type"],
                     changes.loc[changes["change"] == "gained", "keyword"]))
    assert gained == sets.get(markets["US"], set()) - sets.get(previous, set())
    top = report.tables.top_companies
    assert top["previous rank"].notna().any()  # the companies of the previous calculation are matched
    # Two keywords fewer than the previous calculation: the client's index moved somewhere.
    assert (rank["DSI index change"].abs() > 0).any(), rank


def test_report_exports_xlsx_and_csv(markets, reports, tmp_path):
    workbook_path = tmp_path / "us.xlsx"
    result = cli("report", "--market", "US", "--format", "xlsx", "--output", str(workbook_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"US: {workbook_path}\n"
    workbook = pd.read_excel(workbook_path, sheet_name=None)
    assert list(workbook) == ["about", *analyst_tables.TABLE_TITLES]
    about = dict(workbook["about"].values.tolist())
    assert about["market"] == "US" and about["execution"] == markets["US"]
    tables = reports["US"].tables
    sheet = workbook["rank"]
    assert sheet.columns.tolist() == tables.rank.columns.tolist()
    assert sheet["client rank"].fillna(-1).astype(int).tolist() == tables.rank["client rank"].fillna(-1).tolist()
    gaps = workbook["gaps"]
    assert gaps[["keyword", "competitor", "position"]].values.tolist() == \
        tables.gaps[["keyword", "competitor", "position"]].values.tolist()
    assert len(workbook["keyword_drilldown"]) == len(tables.keyword_drilldown)

    folder = tmp_path / "reports"
    every = cli("report", "--format", "csv", "--output", str(folder))
    assert every.returncode == 0, every.stderr
    assert every.stdout.splitlines()[:2] == [f"US: {folder / 'dsi-report-US'}", f"UK: {folder / 'dsi-report-UK'}"]
    files = sorted(p.name for p in (folder / "dsi-report-UK").iterdir())
    assert files == sorted(f"{name}.csv" for name in ["about", *analyst_tables.TABLE_TITLES])
    rank = pd.read_csv(folder / "dsi-report-UK" / "rank.csv")
    uk = reports["UK"].tables.rank
    assert rank["client rank"].fillna(-1).astype(int).tolist() == uk["client rank"].fillna(-1).tolist()
    assert rank["leader"].tolist() == uk["leader"].tolist()


def test_dsi_calculation_metadata_names_its_calculation_and_has_the_tables(markets, reports, dagster_instance):
    records = dagster_instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("dsi_calculation"), asset_partitions=["UK"]), limit=1000,
    ).records
    metadata = next(r.asset_materialization.metadata for r in records
                    if r.asset_materialization.metadata["pipeline_execution_id"].value == markets["UK"])
    assert list(metadata)[0] == "calculation"  # the first thing the asset page shows
    about = metadata["calculation"]
    assert isinstance(about, dg.MarkdownMetadataValue)
    assert about.value.startswith(f"**Market UK · execution {markets['UK']} · calculated ")
    report = reports["UK"]
    assert dsi_report.rank_sentence(report.tables.rank, report.subject, "All", "organic") in about.value
    for key in ("client_rank", "top_companies", "gaps"):
        assert isinstance(metadata[key], dg.MarkdownMetadataValue), key
        assert metadata[key].value.startswith("|"), key  # a Markdown table
    assert "Ledgerline" in metadata["top_companies"].value  # the client's row, wherever it ranks
    client_rank = report.tables.rank.iloc[0]
    assert f"| {client_rank['landscape']} " in metadata["client_rank"].value
    assert json.loads(json.dumps(metadata["standardized_result"].value))["success"] is True


def test_the_html_sections_render_in_a_browser(markets, tmp_path):
    output = tmp_path / "uk.html"
    result = cli("report", "--market", "UK", "--output", str(output))
    assert result.returncode == 0, result.stderr
    page = output.read_text()
    # A probe copy of the page writes, per section, how many tables and images are laid out visible (with
    # a height) and whether every image decoded, into its DOM for --dump-dom to show.
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", (
        "<script>window.addEventListener('load', () => document.body.setAttribute('data-sections', JSON.stringify("
        "Array.from(document.querySelectorAll('section')).map(s => ({id: s.id, height: s.offsetHeight, "
        "tables: Array.from(s.querySelectorAll('table')).filter(t => t.offsetHeight > 0 && t.rows.length > 1).length, "
        "images: Array.from(s.querySelectorAll('img')).filter(i => i.complete && i.naturalWidth > 0 "
        "&& i.offsetHeight > 0).length})))));</script></body>"
    )))
    dom = chromium("--dump-dom", probe.as_uri(), user_data_dir=tmp_path / "profile")
    found = re.search(r"data-sections=\"([^\"]*)\"", dom)
    assert found, dom[:500]
    sections = {s["id"]: s for s in json.loads(found.group(1).replace("&quot;", '"'))}
    assert list(sections) == SECTIONS
    assert all(section["height"] > 0 for section in sections.values())
    assert sections["rank"]["tables"] == 2  # the rank table and the DSI index (coverage) grid
    assert sections["top-companies"]["tables"] == 3 and sections["top-companies"]["images"] == 3
    assert sections["client-vs-competitors"]["images"] == 1
    assert sections["gaps"]["tables"] == 1 and sections["wins"]["tables"] == 2
    assert sections["content-fit"]["tables"] == 3 and sections["drill-down"]["tables"] == 1
    assert 'download="dsi-report-UK.xlsx"' in page


@pytest.fixture(autouse=True, scope="module")
def _chromium_installed():
    if shutil.which("chromium") is None:
        pytest.fail("Debian chromium is required for the report test (.ci/run installs it)")
