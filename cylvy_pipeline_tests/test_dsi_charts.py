"""The DSI charts and the HTML report from small hand-built frames: no database, no Dagster."""

from __future__ import annotations

import base64
import re
import struct
from datetime import UTC, datetime

import pandas as pd
import pytest

from cylvy_pipeline.project.loader import load_project
from cylvy_pipeline.reporting import analyst_tables, charts, dsi_report
from cylvy_pipeline_tests import test_analyst_tables

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CHART_BYTES = 60_000

SUBJECT = dsi_report.ReportSubject(
    client_name="Ledgerline",
    client_domain="ledgerline.example",
    competitors={"quorvane.example": "Quorvane Systems", "brackwell.example": "Brackwell <Fintech>"},
    landscapes=("Payments", "Universal Banking", "All"),
    serp_types=("organic", "news", "video"),
    headline_landscape="All",
)


def company_rows(*rows: tuple[str, str, str, float, int]) -> pd.DataFrame:
    """dsi_company rows from (landscape, serp_type, company_domain, dsi_index, rank)."""
    frame = pd.DataFrame(rows, columns=["landscape", "serp_type", "company_domain", "dsi_index", "rank"])
    return frame.assign(
        company_name=frame["company_domain"].str.split(".").str[0].str.title(),
        coverage=0.5, share=0.25, relevance=0.8, dsi=frame["dsi_index"] / 100,
        market_position="competitor", formula_version="dsi-test", is_client=frame["company_domain"] == SUBJECT.client_domain,
    )


COMPANIES = company_rows(
    ("All", "organic", "finops.example", 9.0, 2),
    ("All", "organic", "ledgerline.example", 12.5, 1),
    ("All", "organic", "quorvane.example", 3.0, 4),
    ("All", "organic", "paymentspulse.example", 4.0, 3),
    ("All", "organic", "bluefjord.example", 1.0, 5),
    ("All", "news", "finops.example", 30.0, 1),
    ("All", "news", "quorvane.example", 2.0, 2),
    ("Payments", "organic", "quorvane.example", 8.0, 1),
    ("Payments", "organic", "ledgerline.example", 6.0, 2),
    ("Payments", "video", "brackwell.example", 5.0, 1),
)


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    return struct.unpack(">II", png[16:24])  # the IHDR chunk: width, height


def history(*calculations: tuple[str, str, list[tuple[str, str, float]]]) -> pd.DataFrame:
    """client_dsi_history rows from (execution, calculated at, [(landscape, serp_type, dsi_index)])."""
    rows = []
    for execution, at, scopes in calculations:
        for landscape, serp_type, dsi_index in scopes or [(None, None, None)]:
            rows.append((execution, pd.Timestamp(at), landscape, serp_type, dsi_index, 0.5))
    return pd.DataFrame(
        rows, columns=["pipeline_execution_id", "calculated_at", "landscape", "serp_type", "dsi_index", "coverage"]
    )


TWO_CALCULATIONS = history(
    ("e1", "2026-05-01T09:00Z", [("All", "organic", 10.0), ("Payments", "organic", 4.0)]),
    ("e2", "2026-05-08T09:00Z", [("All", "organic", 12.5), ("Payments", "organic", 6.0)]),
)


def test_top_companies_are_drawn_best_first_per_landscape():
    panels = charts.top_company_panels(COMPANIES, "organic", ["All", "Payments", "Universal Banking"], n=4)
    assert list(panels) == ["All", "Payments", "Universal Banking"]
    assert panels["All"]["company_domain"].tolist() == [
        "ledgerline.example", "finops.example", "paymentspulse.example", "quorvane.example",
    ]
    assert panels["Payments"]["company_domain"].tolist() == ["quorvane.example", "ledgerline.example"]
    assert panels["Universal Banking"].empty


@pytest.mark.parametrize("serp_type", ["organic", "news", "video"])
def test_top_companies_chart_is_a_small_png(serp_type):
    png = charts.top_companies_chart(
        COMPANIES, serp_type, SUBJECT.landscapes, market="US",
        client_domain=SUBJECT.client_domain, competitor_domains=list(SUBJECT.competitors),
    )
    width, height = png_size(png)
    assert len(png) <= MAX_CHART_BYTES and 400 <= width <= 1200 and 200 <= height <= 1200


def test_client_against_competitors_has_a_zero_where_a_company_does_not_rank():
    table = charts.client_vs_competitors_frame(COMPANIES, "organic", SUBJECT.landscapes, SUBJECT.contenders)
    assert table.columns.tolist() == ["Ledgerline", "Quorvane Systems", "Brackwell <Fintech>"]
    assert table.index.tolist() == ["Payments", "Universal Banking", "All"]
    assert table.loc["All"].tolist() == [12.5, 3.0, 0.0]
    assert table.loc["Payments"].tolist() == [6.0, 8.0, 0.0]
    assert table.loc["Universal Banking"].tolist() == [0.0, 0.0, 0.0]
    png = charts.client_vs_competitors_chart(COMPANIES, SUBJECT.landscapes, SUBJECT.serp_types, SUBJECT.contenders,
                                             market="US")
    assert len(png) <= MAX_CHART_BYTES and png_size(png)[0] <= 1200


def test_trend_needs_two_calculations():
    one = TWO_CALCULATIONS[TWO_CALCULATIONS["pipeline_execution_id"] == "e1"]
    assert charts.client_trend_chart(one, SUBJECT.landscapes, SUBJECT.serp_types, market="US", client="L") is None
    png = charts.client_trend_chart(TWO_CALCULATIONS, SUBJECT.landscapes, SUBJECT.serp_types, market="US", client="L")
    assert png is not None and len(png) <= MAX_CHART_BYTES and png_size(png)[0] <= 1200


def test_trend_is_oldest_first_and_zero_where_the_client_did_not_rank():
    calculations = history(
        ("late", "2026-05-15T09:00Z", [("All", "organic", 7.0)]),
        ("early", "2026-05-01T09:00Z", [("All", "organic", 10.0), ("Payments", "organic", 4.0)]),
        ("absent", "2026-05-08T09:00Z", []),  # the client ranked nowhere in this one
    ).sort_values("calculated_at")
    table = charts.client_trend_frame(calculations, "organic", ["Payments", "All"])
    assert table.index.tolist() == [pd.Timestamp(t) for t in ("2026-05-01T09:00Z", "2026-05-08T09:00Z", "2026-05-15T09:00Z")]
    assert table["All"].tolist() == [10.0, 0.0, 7.0]
    assert table["Payments"].tolist() == [4.0, 0.0, 0.0]
    assert charts.client_trend_frame(calculations, "video", ["All"])["All"].tolist() == [0.0, 0.0, 0.0]


def test_client_metrics_have_a_stable_key_for_every_landscape_and_serp_type():
    metrics = dsi_report.client_metrics(COMPANIES, SUBJECT)
    assert len(metrics) == 2 * len(SUBJECT.landscapes) * len(SUBJECT.serp_types)
    assert metrics["client_dsi_index_all_organic"] == 12.5
    assert metrics["client_coverage_all_organic"] == 0.5
    assert metrics["client_dsi_index_universal_banking_news"] == 0.0  # the client does not rank there
    assert all(isinstance(value, float) for value in metrics.values())
    assert dsi_report.landscape_slug(" Core & Lending / EU ") == "core_lending_eu"


def test_chart_markdown_embeds_the_pngs_and_says_when_there_is_no_trend_yet():
    single = TWO_CALCULATIONS[TWO_CALCULATIONS["pipeline_execution_id"] == "e1"]
    rendered = dsi_report.render_charts(COMPANIES, single, SUBJECT, "US")
    markdown = dsi_report.chart_markdown(rendered, SUBJECT, "US")
    assert list(markdown) == [
        "chart_top_companies_organic", "chart_top_companies_news", "chart_top_companies_video",
        "chart_client_vs_competitors", "chart_client_dsi_trend",
    ]
    for key in list(markdown)[:4]:
        encoded = re.fullmatch(r"\*\*.+\*\*\n\n!\[.+\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown[key])
        assert encoded, key
        assert base64.b64decode(encoded.group(1)).startswith(PNG_SIGNATURE)
    assert markdown["chart_client_dsi_trend"] == dsi_report.single_calculation_note("US")
    assert "data:image/png" not in markdown["chart_client_dsi_trend"]


def test_html_report_is_self_contained():
    calculation = dsi_report.Calculation("US", "e2", datetime(2026, 5, 8, 9, tzinfo=UTC), "Sample <project>")
    rendered = dsi_report.render_charts(COMPANIES, TWO_CALCULATIONS, SUBJECT, "US", calculation.caption)
    tables = analyst_tables.report_tables(test_analyst_tables.calculation(test_analyst_tables.NOW), SUBJECT, None)
    page = dsi_report.html_report(calculation, COMPANIES, rendered, SUBJECT, tables, workbook=b"PK-not-really")
    assert page.startswith("<!DOCTYPE html>")
    assert len(re.findall(r'<img src="data:image/png;base64,', page)) == 5  # 3 top charts, competitors, trend
    # Nothing to load: the only link is the Excel download, itself a data: URI.
    inline = re.sub(r'<img src="data:[^"]+"|href="data:application/vnd\.openxmlformats[^"]+"', "", page)
    assert not re.search(r"(?:src|href)\s*=|url\(|@import|<script|<link", inline)
    assert 'download="dsi-report-US.xlsx"' in page
    assert "Sample &lt;project&gt;" in page and "2026-05-08 09:00 UTC" in page
    assert "12.50 (50%)" in page  # the client's organic DSI index and coverage in "All"
    # Every table names the market, execution and date.
    assert page.count("<caption>") == page.count("US · execution e2 · 2026-05-08 09:00 UTC</caption>") + page.count(
        "rows; all in the Excel download</caption>") > 5
    assert "<h2>Glossary</h2>" in page and "<dt>DSI index</dt>" in page


def test_the_sample_project_names_the_client_and_four_competitors():
    subject = dsi_report.report_subject(load_project())
    assert subject.client_domain == "ledgerline.example"
    assert list(subject.contenders)[0] == "ledgerline.example" and len(subject.competitors) == 4
    assert all(domain.endswith(".example") for domain in subject.contenders)
    assert subject.headline_landscape == "All" and subject.serp_types == ("organic", "news", "video")


def test_the_competitor_chart_shows_each_landscapes_leader_when_it_is_someone_else():
    organic = charts.scope_leaders(COMPANIES, "organic", SUBJECT.landscapes, SUBJECT.contenders)
    assert organic.loc["All"].tolist() == ["", 0.0]  # the client leads: no extra bar
    assert organic.loc["Payments"].tolist() == ["", 0.0]  # a competitor leads
    news = charts.scope_leaders(COMPANIES, "news", SUBJECT.landscapes, SUBJECT.contenders)
    assert news.loc["All"].tolist() == ["Finops", 30.0]
    assert news.loc["Universal Banking"].tolist() == ["", 0.0]  # nobody ranks


def test_colours_are_the_colour_blind_safe_palette_and_distinct():
    okabe_ito = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#000000"}
    assert charts.CLIENT_COLOUR in okabe_ito and charts.COMPETITOR_COLOUR in okabe_ito
    assert set(charts.COMPETITOR_COLOURS) <= okabe_ito and charts.CLIENT_COLOUR not in charts.COMPETITOR_COLOURS
    assert len(set(charts.COMPETITOR_COLOURS)) == len(charts.COMPETITOR_COLOURS)
    assert len(set(charts.LANDSCAPE_MARKERS)) == len(charts.LANDSCAPE_COLOURS)  # a shape per line, not colour alone
