"""The DSI report of one calculation: the same charts and numbers in the Dagster UI and in an HTML file.

Charts (Markdown metadata of ``dsi_calculation``, images embedded as ``data:`` URIs; sections of the
HTML report):

* ``chart_top_companies_<serp type>`` — the top companies by DSI, one panel per landscape;
* ``chart_client_vs_competitors`` — the client's and each competitor's DSI per landscape and SERP type;
* ``chart_client_dsi_trend`` — the client's DSI over the market's completed calculations (this one
  included); with only one calculation so far, a sentence saying so instead of a chart.

Numbers Dagster plots over time (plain floats, one key per landscape and SERP type, present in every
materialization even where the client does not rank, when they are 0):

* ``client_dsi_index_<landscape slug>_<serp type>`` — the client's DSI index (0–100);
* ``client_coverage_<landscape slug>_<serp type>`` — the share of the landscape's keywords where the
  client ranks (a fraction).

A landscape slug is its name in lower case with every run of other characters than letters and digits
turned into one ``_`` ("Universal Banking" → ``universal_banking``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import psycopg

from cylvy_pipeline.phases.company_enrichment import client_company_domain, declared_companies
from cylvy_pipeline.phases.dsi_calculation import top_companies
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.project.queries import landscape_keywords
from cylvy_pipeline.reporting import charts
from cylvy_pipeline.storage.dsi_results import client_dsi_history, latest_completed_dsi
from cylvy_pipeline.storage.tables import read_rows


@dataclass(frozen=True)
class ReportSubject:
    """Whose DSI the report is about, and the scopes it is cut into (from the project)."""

    client_name: str
    client_domain: str
    competitors: Mapping[str, str]  # identity domain -> name, in project order
    landscapes: tuple[str, ...]
    serp_types: tuple[str, ...]
    headline_landscape: str  # the landscape of every keyword (or else the first): the report's top-10 table

    @property
    def contenders(self) -> dict[str, str]:
        """The client and its competitors (identity domain -> name), client first."""
        return {self.client_domain: self.client_name, **self.competitors}


def report_subject(project: Project) -> ReportSubject:
    competitors = {
        declared.company_domain: declared.name
        for declared in declared_companies(project).values()
        if declared.source_type == "COMPETITOR"
    }
    return ReportSubject(
        client_name=project.client.name,
        client_domain=client_company_domain(project),
        competitors=competitors,
        landscapes=tuple(landscape_keywords(project)),
        serp_types=tuple(project.serp_types),
        headline_landscape=next((s.name for s in project.landscapes if not s.categories), project.landscapes[0].name),
    )


@dataclass(frozen=True)
class DsiCharts:
    """The PNG images of one calculation's report."""

    top_companies: Mapping[str, bytes]  # SERP type -> chart
    client_vs_competitors: bytes
    client_trend: bytes | None  # None while the market has only one calculation
    calculations: int  # how many calculations the trend covers


def render_charts(
    companies: pd.DataFrame, history: pd.DataFrame, subject: ReportSubject, market: str
) -> DsiCharts:
    """``companies``: the calculation's dsi_company rows; ``history``: the client's DSI in the market's
    completed calculations (:func:`cylvy_pipeline.storage.dsi_results.client_dsi_history`)."""
    competitor_domains = list(subject.competitors)
    return DsiCharts(
        top_companies={
            serp_type: charts.top_companies_chart(
                companies, serp_type, subject.landscapes, market=market,
                client_domain=subject.client_domain, competitor_domains=competitor_domains,
            )
            for serp_type in subject.serp_types
        },
        client_vs_competitors=charts.client_vs_competitors_chart(
            companies, subject.landscapes, subject.serp_types, subject.contenders, market=market
        ),
        client_trend=charts.client_trend_chart(
            history, subject.landscapes, subject.serp_types, market=market, client=subject.client_name
        ),
        calculations=int(history["pipeline_execution_id"].nunique()),
    )


def single_calculation_note(market: str) -> str:
    return (
        f"Only one DSI calculation of {market} so far: the client's trend is drawn from the second "
        "execution of the market on."
    )


def chart_markdown(rendered: DsiCharts, subject: ReportSubject, market: str) -> dict[str, str]:
    """Metadata key -> Markdown with the chart embedded (or, for a trend of one point, the note)."""
    markdown = {
        f"chart_top_companies_{serp_type}": _markdown_image(f"Top companies by {serp_type} DSI in {market}", png)
        for serp_type, png in rendered.top_companies.items()
    }
    markdown["chart_client_vs_competitors"] = _markdown_image(
        f"{subject.client_name} and its competitors by DSI in {market}", rendered.client_vs_competitors
    )
    markdown["chart_client_dsi_trend"] = (
        _markdown_image(f"{subject.client_name}'s DSI over time in {market}", rendered.client_trend)
        if rendered.client_trend is not None
        else single_calculation_note(market)
    )
    return markdown


def _markdown_image(title: str, png: bytes) -> str:
    return f"**{title}**\n\n![{title}]({charts.png_data_uri(png)})"


def landscape_slug(landscape: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", landscape.casefold()).strip("_")


def client_metrics(companies: pd.DataFrame, subject: ReportSubject) -> dict[str, float]:
    """The client's DSI index and coverage per landscape and SERP type, under stable keys (0 where the
    client does not rank)."""
    client = companies[companies["company_domain"] == subject.client_domain].set_index(["landscape", "serp_type"])
    metrics: dict[str, float] = {}
    for landscape in subject.landscapes:
        for serp_type in subject.serp_types:
            row = client.loc[(landscape, serp_type)] if (landscape, serp_type) in client.index else None
            scope = f"{landscape_slug(landscape)}_{serp_type}"
            metrics[f"client_dsi_index_{scope}"] = 0.0 if row is None else round(float(row["dsi_index"]), 4)
            metrics[f"client_coverage_{scope}"] = 0.0 if row is None else round(float(row["coverage"]), 4)
    return metrics


@dataclass(frozen=True)
class Calculation:
    """Which calculation a report shows."""

    market: str
    execution_id: str
    calculated_at: datetime
    project_name: str


def stored_report(conn: psycopg.Connection, project: Project, market: str) -> str | None:
    """The HTML report of the market's latest completed DSI calculation; None if it has none yet."""
    latest = latest_completed_dsi(conn, market)
    if latest is None:
        return None
    execution_id, calculated_at = latest
    subject = report_subject(project)
    companies = read_rows(conn, "dsi_company", execution_id=execution_id, market=market)
    history = client_dsi_history(conn, market, up_to=calculated_at)
    calculation = Calculation(market, execution_id, calculated_at, project.name)
    return html_report(calculation, companies, render_charts(companies, history, subject, market), subject)


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1120px;
       padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #555; font-size: .9rem; } .note { color: #555; font-style: italic; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; border: 1px solid #eee; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child, td.name { text-align: left; }
tr.client td { color: #c8323c; font-weight: 600; }
"""


def html_report(
    calculation: Calculation, companies: pd.DataFrame, rendered: DsiCharts, subject: ReportSubject
) -> str:
    """One self-contained HTML page: inline CSS, charts as ``data:`` URIs, nothing loaded from elsewhere."""
    e = html.escape
    market = calculation.market
    formula = ", ".join(sorted(companies["formula_version"].dropna().unique())) or "unknown"
    calculated = calculation.calculated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    trend = (
        _figure(f"{subject.client_name}'s DSI over time in {market}", rendered.client_trend)
        if rendered.client_trend is not None
        else f'<p class="note">{e(single_calculation_note(market))}</p>'
    )
    sections = [
        f"<h1>{e(subject.client_name)}: Digital Share Index in {e(market)}</h1>",
        f'<p class="meta">Project {e(calculation.project_name)} · execution {e(calculation.execution_id)} · '
        f"calculated {e(calculated)} · formula {e(formula)}</p>",
        "<p>DSI = coverage × share × relevance: the share of the landscape's keywords where a company ranks, its "
        "share of the attention (organic: estimated traffic; news and video: appearances) and the relevance of its "
        "content to the client's personas, shown as an index 0–100.</p>",
        f"<h2>{e(subject.client_name)}'s DSI index (coverage)</h2>",
        _client_table(companies, subject),
        "<h2>Client and competitors</h2>",
        _figure(f"{subject.client_name} and its competitors by DSI in {market}", rendered.client_vs_competitors),
        f"<h2>Trend over {rendered.calculations} calculation{'s' if rendered.calculations != 1 else ''}</h2>",
        trend,
        "<h2>Top companies</h2>",
        *(_figure(f"Top companies by {serp_type} DSI in {market}", png)
          for serp_type, png in rendered.top_companies.items()),
        f"<h2>Top 10 companies by organic DSI in {e(subject.headline_landscape)}</h2>",
        _top_table(companies, subject),
    ]
    body = "\n".join(section for section in sections if section)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>DSI report — {e(subject.client_name)} — {e(market)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _figure(title: str, png: bytes) -> str:
    e = html.escape
    return f'<figure><img src="{charts.png_data_uri(png)}" alt="{e(title)}"></figure>'


def _client_table(companies: pd.DataFrame, subject: ReportSubject) -> str:
    metrics = client_metrics(companies, subject)
    head = "".join(f"<th>{html.escape(serp_type)}</th>" for serp_type in subject.serp_types)
    rows = []
    for landscape in subject.landscapes:
        cells = []
        for serp_type in subject.serp_types:
            scope = f"{landscape_slug(landscape)}_{serp_type}"
            cells.append(
                f"<td>{metrics[f'client_dsi_index_{scope}']:.2f} ({metrics[f'client_coverage_{scope}']:.0%})</td>"
            )
        rows.append(f"<tr><td>{html.escape(landscape)}</td>{''.join(cells)}</tr>")
    return f"<table><tr><th>landscape</th>{head}</tr>{''.join(rows)}</table>"


def _top_table(companies: pd.DataFrame, subject: ReportSubject) -> str:
    top = top_companies(companies, "organic", subject.headline_landscape, n=10)
    e = html.escape
    rows = "".join(
        f'<tr class="{"client" if row.company_domain == subject.client_domain else ""}">'
        f"<td>{int(row.rank)}</td><td class=\"name\">{e(str(row.company_name))}</td>"
        f"<td class=\"name\">{e(str(row.company_domain))}</td><td>{row.dsi_index:.2f}</td>"
        f"<td>{row.coverage:.0%}</td><td>{row.share:.1%}</td><td>{row.relevance:.2f}</td>"
        f"<td class=\"name\">{e(str(row.market_position))}</td></tr>"
        for row in top.itertuples()
    )
    return (
        "<table><tr><th>rank</th><th>company</th><th>domain</th><th>DSI index</th><th>coverage</th><th>share</th>"
        f"<th>relevance</th><th>position</th></tr>{rows}</table>"
    )
