"""The DSI report of one calculation: the same charts and numbers in the Dagster UI and in an HTML file.

Charts (Markdown metadata of ``dsi_calculation``, images embedded as ``data:`` URIs; sections of the
HTML report):

* ``chart_top_companies_<serp type>`` — the top companies by DSI, one panel per landscape;
* ``chart_client_vs_competitors`` — the client's and each competitor's DSI per landscape and SERP type;
* ``chart_client_dsi_trend`` — the client's DSI over the market's completed calculations (this one
  included); with only one calculation so far, a sentence saying so instead of a chart.

Tables (:mod:`cylvy_pipeline.reporting.analyst_tables`): the client's rank among all companies, the
top companies with their source, gaps, the client's best keywords and pages, content fit, changes since
the previous calculation and the per-keyword drill-down — sections of the HTML report, sheets of the
Excel export, and (rank, top companies, gaps) Markdown tables of the ``dsi_calculation`` metadata.

Numbers Dagster plots over time (plain floats, one key per landscape and SERP type, present in every
materialization even where the client does not rank, when they are 0):

* ``client_dsi_index_<landscape slug>_<serp type>`` — the client's DSI index (0–100);
* ``client_coverage_<landscape slug>_<serp type>`` — the share of the landscape's keywords where the
  client ranks (a fraction).

A landscape slug is its name in lower case with every run of other characters than letters and digits
turned into one ``_`` ("Universal Banking" → ``universal_banking``).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import psycopg

from cylvy_pipeline.project.model import Project
from cylvy_pipeline.reporting import analyst_tables as at
from cylvy_pipeline.reporting import charts, export
# ReportSubject and report_subject are re-exported: the report's callers have always found them here.
from cylvy_pipeline.reporting.subject import ReportSubject, report_subject  # noqa: F401
from cylvy_pipeline.storage import dsi_results
from cylvy_pipeline.storage.tables import read_rows


@dataclass(frozen=True)
class DsiCharts:
    """The PNG images of one calculation's report."""

    top_companies: Mapping[str, bytes]  # SERP type -> chart
    client_vs_competitors: bytes
    client_trend: bytes | None  # None while the market has only one calculation
    calculations: int  # how many calculations the trend covers


def render_charts(
    companies: pd.DataFrame, history: pd.DataFrame, subject: ReportSubject, market: str, caption: str = ""
) -> DsiCharts:
    """``companies``: the calculation's dsi_company rows; ``history``: the client's DSI in the market's
    completed calculations (:func:`cylvy_pipeline.storage.dsi_results.client_dsi_history`); ``caption``:
    the execution and date each chart names under its title (:attr:`Calculation.caption`)."""
    competitor_domains = list(subject.competitors)
    return DsiCharts(
        top_companies={
            serp_type: charts.top_companies_chart(
                companies, serp_type, subject.landscapes, market=market,
                client_domain=subject.client_domain, competitor_domains=competitor_domains, caption=caption,
            )
            for serp_type in subject.serp_types
        },
        client_vs_competitors=charts.client_vs_competitors_chart(
            companies, subject.landscapes, subject.serp_types, subject.contenders, market=market, caption=caption
        ),
        client_trend=charts.client_trend_chart(
            history, subject.landscapes, subject.serp_types, market=market, client=subject.client_name,
            caption=caption,
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
    """Which calculation a report shows, and which one its changes are measured against."""

    market: str
    execution_id: str
    calculated_at: datetime
    project_name: str
    previous_execution_id: str | None = None
    previous_calculated_at: datetime | None = None

    @property
    def when(self) -> str:
        return _utc(self.calculated_at)

    @property
    def caption(self) -> str:
        """What every chart and table of the report names: market, execution and date."""
        return f"{self.market} · execution {self.execution_id} · {self.when}"

    @property
    def compared_with(self) -> str:
        if self.previous_execution_id is None:
            return f"the first completed calculation of {self.market}: no changes to show yet"
        return f"execution {self.previous_execution_id} of {_utc(self.previous_calculated_at)}"


def _utc(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True, eq=False)
class AnalystReport:
    """Everything one report shows: the calculation, its company rows, the analyst tables and the
    client's history for the trend."""

    calculation: Calculation
    subject: ReportSubject
    companies: pd.DataFrame
    tables: at.ReportTables
    history: pd.DataFrame

    def export_tables(self) -> dict[str, pd.DataFrame]:
        """The tables to take away, led by ``about`` (market, execution, date, glossary)."""
        return {"about": about_table(self.calculation, self.subject), **self.tables.named()}


def calculation_rows(conn: psycopg.Connection, market: str, execution_id: str) -> at.CalculationRows:
    """The DSI rows of one calculation and the upstream rows it read (the executions it read them from)."""
    def upstream(phase: str, table: str, columns: list[str]) -> tuple[str | None, pd.DataFrame]:
        source = dsi_results.input_execution(conn, execution_id, phase, market)
        if source is None:
            return None, pd.DataFrame(columns=columns)
        return source, read_rows(conn, table, execution_id=source, market=market, columns=columns)

    companies = read_rows(conn, "dsi_company", execution_id=execution_id, market=market)
    _, serp = upstream("serp_collection", "serp_results",
                       ["keyword", "serp_type", "position", "url", "search_volume", "estimated_traffic"])
    _, scores = upstream("content_analysis", "content_dimension_scores",
                         ["url", "dimension_kind", "dimension_name", "score"])
    enrichment = dsi_results.input_execution(conn, execution_id, "company_enrichment_serp", market)
    return at.CalculationRows(
        companies=companies,
        keywords=read_rows(conn, "dsi_keyword", execution_id=execution_id, market=market),
        pages=read_rows(conn, "dsi_page", execution_id=execution_id, market=market),
        serp=serp,
        dimension_scores=scores,
        source_types=dsi_results.company_source_types(
            conn, enrichment, market, sorted(companies["company_domain"].unique())
        ),
    )


def load_report(
    conn: psycopg.Connection, project: Project, market: str, execution_id: str, calculated_at: datetime
) -> AnalystReport:
    """The report of one DSI calculation of ``market`` (also while its phase is still running: the
    asset draws it from the rows it has just written), compared with the previous completed one."""
    subject = report_subject(project)
    previous_id = dsi_results.previous_completed_dsi(conn, market, before=calculated_at)
    previous = None
    if previous_id is not None:
        previous = at.PreviousCalculation(
            previous_id,
            read_rows(conn, "dsi_company", execution_id=previous_id, market=market),
            read_rows(conn, "dsi_keyword", execution_id=previous_id, market=market),
        )
    current = calculation_rows(conn, market, execution_id)
    calculation = Calculation(
        market, execution_id, calculated_at, project.name, previous_id,
        None if previous_id is None else dsi_results.calculated_at(conn, market, previous_id),
    )
    history = dsi_results.client_dsi_history(conn, market, including_execution=execution_id, up_to=calculated_at)
    return AnalystReport(calculation, subject, current.companies, at.report_tables(current, subject, previous), history)


def latest_report(conn: psycopg.Connection, project: Project, market: str) -> AnalystReport | None:
    """The report of the market's latest completed DSI calculation; None if it has none yet."""
    latest = dsi_results.latest_completed_dsi(conn, market)
    if latest is None:
        return None
    execution_id, calculated_at = latest
    return load_report(conn, project, market, execution_id, calculated_at)


def stored_report(conn: psycopg.Connection, project: Project, market: str) -> str | None:
    """The HTML report of the market's latest completed DSI calculation; None if it has none yet."""
    report = latest_report(conn, project, market)
    return None if report is None else report_html(report)


#: The most rows of one table the Excel download inside the HTML holds: a project of thousands of keywords
#: has hundreds of thousands of drill-down rows, which belong in `report --format xlsx|csv`, not in a page.
DOWNLOAD_ROWS = 20_000


def download_tables(report: AnalystReport, limit: int = DOWNLOAD_ROWS) -> dict[str, pd.DataFrame]:
    """The export's tables for the HTML's download: each cut to ``limit`` rows, which ``about`` says."""
    tables = report.export_tables()
    cut = [name for name, frame in tables.items() if len(frame) > limit and name != "about"]
    if not cut:
        return tables
    note = pd.DataFrame([("note", f"{', '.join(cut)}: the first {limit:,} rows only; `cylvy-pipeline report "
                                  f"--market {report.calculation.market} --format xlsx` writes every row")],
                        columns=["field", "value"])
    return {"about": pd.concat([tables["about"], note], ignore_index=True),
            **{name: frame.head(limit) for name, frame in tables.items() if name != "about"}}


def report_html(report: AnalystReport, *, with_download: bool = True) -> str:
    """The report as one self-contained HTML page, with its tables as an Excel download inside it."""
    calculation = report.calculation
    rendered = render_charts(report.companies, report.history, report.subject, calculation.market,
                             calculation.caption)
    workbook = export.xlsx_bytes(download_tables(report)) if with_download else None
    return html_report(calculation, report.companies, rendered, report.subject, report.tables, workbook)


# --- words ------------------------------------------------------------------------------------------------

def glossary(subject: ReportSubject) -> list[tuple[str, str]]:
    """The terms of the report and what they mean, for the HTML and the export's ``about`` table."""
    leader, challenger, contender = (f"{100 * cutoff:g}" for cutoff in subject.position_cutoffs)
    return [
        ("DSI", "Digital Share Index = coverage × share × relevance, per landscape and SERP type: how much of "
                "the search attention a company owns, weighted by how relevant its content is to the client's "
                "personas. A fraction from 0 to 1."),
        ("DSI index", "The DSI × 100, on a 0–100 scale. 100 would mean ranking for every keyword, owning all of "
                      "the attention, with content fully relevant to every persona, so in a landscape shared by "
                      "dozens of companies small values are normal: an index of 0.19 is, for example, 25 % "
                      "coverage × 1.5 % share × 0.5 relevance. Compare companies with each other, not with 100."),
        ("coverage", "The share of the landscape's keywords for which the company has at least one result."),
        ("share", "The company's share of the landscape's attention: of the estimated traffic for organic "
                  "results, of the appearances for news and video results."),
        ("relevance", "How relevant the company's ranking content is to the client's personas: the mean persona "
                      "score / 10 (0–1), weighted by attention."),
        ("estimated traffic", "Monthly search volume × the click-through rate of the result's position "
                              "(28 % at position 1, 16 % at 2, 11 % at 3, …)."),
        ("rank", "The company's place by DSI among every company with a result in the landscape and SERP type "
                 "(1 = highest DSI). A rank change of ▲2 means two places up since the previous calculation."),
        ("source", "What kind of site a company is: client, competitor (named in the project), publisher, "
                   "professional body, education, government, non-profit, social media, video channel or other."),
        ("standing", f"The company's tier by DSI index: leader (≥ {leader}), challenger (≥ {challenger}), "
                     f"contender (≥ {contender}) or niche."),
        ("gap", "A keyword where a named competitor has a result and the client has none, ranked by the "
                "estimated traffic of the competitor's position."),
        ("buying stage", "The JTBD phase a page serves best (its highest-scoring phase); page type likewise."),
    ]


def about_table(calculation: Calculation, subject: ReportSubject) -> pd.DataFrame:
    """What the export's tables are about (market, execution, date, comparison) and the glossary."""
    rows = [
        ("project", calculation.project_name),
        ("client", subject.client_name),
        ("market", calculation.market),
        ("execution", calculation.execution_id),
        ("calculated", calculation.when),
        ("changes compared with", calculation.compared_with),
        *glossary(subject),
    ]
    return pd.DataFrame(rows, columns=["field", "value"])


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_sentence(rank: pd.DataFrame, subject: ReportSubject, landscape: str, serp_type: str) -> str:
    """The client's standing in one scope in one sentence, with its index taken apart."""
    scope = rank[(rank["landscape"] == landscape) & (rank["SERP type"] == serp_type)]
    if scope.empty or int(scope["companies"].iloc[0]) == 0:
        return f"No {serp_type} results in {landscape}."
    row = scope.iloc[0]
    where = f"In {landscape} ({serp_type} results)"
    leader = f"the leader is {row['leader']} with {row['leader DSI index']:.2f}"
    if pd.isna(row["client rank"]):
        return f"{where} {subject.client_name} does not rank among the {row['companies']} companies; {leader}."
    change = ""
    if pd.notna(row["rank change"]):
        moved = int(row["rank change"])
        change = (f", {abs(moved)} place{'s' if abs(moved) != 1 else ''} {'up' if moved > 0 else 'down'}"
                  if moved else ", the same place") + " since the previous calculation"
    return (
        f"{where} {subject.client_name} ranks {_ordinal(int(row['client rank']))} of {row['companies']} companies"
        f"{change}, with a DSI index of {row['DSI index']:.2f} (= 100 × {row['coverage']:.0%} coverage × "
        f"{row['share']:.1%} share × {row['relevance']:.2f} relevance); "
        + (f"{subject.client_name} leads." if int(row["client rank"]) == 1 else f"{leader}.")
    )


# --- formatting -------------------------------------------------------------------------------------------

_PERCENT = {"coverage", "share", "keyword share"}
_TWO_DECIMALS = {"DSI index", "leader DSI index", "relevance"}
_TRAFFIC = {"estimated traffic", "client estimated traffic", "client traffic before", "client traffic now"}


def display_frame(frame: pd.DataFrame, *, percent: frozenset[str] | set[str] = frozenset(),
                  decimals: frozenset[str] | set[str] = frozenset()) -> pd.DataFrame:
    """The table as text the way the report shows it: percentages, signed changes, ▲/▼ rank moves,
    "—" for nothing. ``percent`` / ``decimals``: more columns to show as a percentage / with 2 decimals."""
    def cell(column: str, value: object) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
            return "—"
        if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
            return "yes" if value else "no"
        if column == "rank change":
            moved = int(value)
            return "=" if moved == 0 else (f"▲{moved}" if moved > 0 else f"▼{-moved}")
        if column == "DSI index change":
            return f"{float(value):+.2f}"
        if column == "keywords ranked change":
            return f"{int(value):+d}"
        if column in _PERCENT or column in percent:
            return f"{float(value):.1%}"
        if column in _TWO_DECIMALS or column in decimals:
            return f"{float(value):.2f}"
        if column in _TRAFFIC:
            return f"{float(value):,.1f}"
        if column == "page DSI":
            return f"{float(value):.4f}"
        if column == "search volume":
            return f"{int(value):,}"
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    return pd.DataFrame({column: [cell(column, v) for v in frame[column]] for column in frame.columns},
                        columns=list(frame.columns))


def markdown_table(frame: pd.DataFrame, **formats) -> str:
    """The table as Markdown (for Dagster's metadata), formatted as in the report."""
    shown = display_frame(frame, **formats)
    shown = shown.apply(lambda column: column.str.replace("|", "\\|", regex=False))
    return shown.to_markdown(index=False, disable_numparse=True)


def content_formats(table: pd.DataFrame, kind: str) -> dict[str, set[str]]:
    """Persona tables show mean relevance (2 decimals); page-type and stage tables shares (percent)."""
    columns = {c for c in table.columns if c not in ("company", "pages")}
    return {"decimals": columns} if kind == "personas" else {"percent": columns}


# --- HTML -------------------------------------------------------------------------------------------------

#: How many rows the HTML shows of the long tables (the export has them all).
HTML_ROWS = {"gaps": 25, "client_keywords": 20, "client_pages": 15, "keyword_summary": 60}

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1180px;
       padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2.2rem; }
h3 { font-size: 1rem; margin-top: 1.4rem; }
.meta { color: #555; font-size: .9rem; } .note { color: #555; font-style: italic; }
.lead { font-size: 1rem; background: #f4f7fb; border-left: 4px solid #0072b2; padding: .5rem .8rem; }
a.download { display: inline-block; margin: .6rem 0; padding: .35rem .8rem; border: 1px solid #0072b2;
             border-radius: 4px; color: #0072b2; text-decoration: none; font-size: .9rem; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; border: 1px solid #eee; }
table { border-collapse: collapse; font-size: .82rem; margin: .5rem 0 1rem; }
caption { text-align: left; font-size: .8rem; color: #555; padding-bottom: .3rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .55rem; text-align: right; vertical-align: top; }
th { background: #f6f6f6; }
th:first-child, td:first-child, .text, .url { text-align: left; }
td { white-space: nowrap; } td.text { white-space: normal; max-width: 22rem; }
td.url { white-space: normal; min-width: 16rem; max-width: 26rem; overflow-wrap: anywhere; font-size: .78rem; }
tr.client td { color: #b34700; font-weight: 600; }
dl { font-size: .88rem; } dt { font-weight: 600; margin-top: .4rem; } dd { margin-left: 1.2rem; color: #333; }
"""


def _table(frame: pd.DataFrame, title: str, calculation: Calculation, *, highlight: pd.Series | None = None,
           limit: int | None = None, total: int | None = None, **formats) -> str:
    """One table with a caption naming it, its market, execution and date (and how much of it is shown:
    ``total`` rows in all, when ``frame`` is already a part)."""
    e = html.escape
    total = len(frame) if total is None else total
    shown = frame.head(limit) if limit is not None else frame
    cut = f" — the first {len(shown)} of {total} rows; all in the Excel download" if len(shown) < total else ""
    if shown.empty:
        return f'<p class="note">{e(title)}: none ({e(calculation.caption)}).</p>'
    text = display_frame(shown, **formats)
    numeric = {c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])}
    marks = [False] * len(shown) if highlight is None else list(highlight.loc[shown.index])
    # Numbers align right; words wrap; URLs (the page columns) may break anywhere.
    kinds = {c: "" if c in numeric else ' class="url"' if "page" in str(c) else ' class="text"' for c in text.columns}
    head = "".join(f"<th{kinds[c]}>{e(str(c))}</th>" for c in text.columns)
    client_row = ' class="client"'
    rows = "".join(
        f"<tr{client_row if mark else ''}>"
        + "".join(f"<td{kinds[c]}>{e(v)}</td>" for c, v in zip(text.columns, values))
        + "</tr>"
        for mark, values in zip(marks, text.itertuples(index=False))
    )
    return (f"<table><caption><strong>{e(title)}</strong> — {e(calculation.caption)}{e(cut)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")


def _figure(title: str, png: bytes, calculation: Calculation) -> str:
    e = html.escape
    return (f'<figure><img src="{charts.png_data_uri(png)}" alt="{e(title)}">'
            f"<figcaption class=\"meta\">{e(title)} — {e(calculation.caption)}</figcaption></figure>")


def html_report(
    calculation: Calculation,
    companies: pd.DataFrame,
    rendered: DsiCharts,
    subject: ReportSubject,
    tables: at.ReportTables,
    workbook: bytes | None = None,
) -> str:
    """One self-contained HTML page: inline CSS, charts and the Excel download as ``data:`` URIs, no
    scripts, nothing loaded from elsewhere."""
    e = html.escape
    market, client = calculation.market, subject.client_name
    formula = ", ".join(sorted(companies["formula_version"].dropna().unique())) or "unknown"
    headline, scope = subject.headline_landscape, (subject.serp_types[0] if subject.serp_types else "organic")
    trend = (
        _figure(f"{client}'s DSI over time in {market}", rendered.client_trend, calculation)
        if rendered.client_trend is not None
        else f'<p class="note">{e(single_calculation_note(market))}</p>'
    )
    download = (
        f'<a class="download" download="dsi-report-{e(market)}.xlsx" '
        f'href="data:{export.XLSX_MEDIA_TYPE};base64,{base64.b64encode(workbook).decode("ascii")}">'
        "Download the tables (Excel, one sheet per table)</a>"
        if workbook is not None else ""
    )
    client_of = lambda frame, column: frame[column] == client  # noqa: E731 — the rows to highlight
    top = tables.top_companies
    # The one-line-per-keyword summary of the keywords shown only (the drill-down may hold thousands).
    drill = tables.keyword_drilldown
    searches = drill[["SERP type", "keyword"]].drop_duplicates()
    shown = searches.head(HTML_ROWS["keyword_summary"])
    summary = at.keyword_summary_table(drill.merge(shown, on=["SERP type", "keyword"]), subject)
    sections = [
        f"<h1>{e(client)}: Digital Share Index in {e(market)}</h1>",
        f'<p class="meta">Project {e(calculation.project_name)} · market {e(market)} · execution '
        f"{e(calculation.execution_id)} · calculated {e(calculation.when)} · formula {e(formula)} · changes "
        f"compared with {e(calculation.compared_with)}</p>",
        download,
        f'<p class="lead">{e(rank_sentence(tables.rank, subject, headline, scope))}</p>',
        "<p>DSI = coverage × share × relevance: the share of the landscape's keywords where a company ranks, its "
        "share of the attention (organic: estimated traffic; news and video: appearances) and the relevance of its "
        "content to the client's personas, shown as an index 0–100. The glossary at the end explains each term.</p>",
        '<section id="rank">',
        f"<h2>Where {e(client)} ranks</h2>",
        "<p>The client's rank among every company with a result (publishers and social media included), per "
        "landscape and SERP type, and how it moved since the previous calculation.</p>",
        _table(tables.rank, at.TABLE_TITLES["rank"], calculation),
        f"<h3>{e(client)}'s DSI index (coverage)</h3>",
        _client_table(companies, subject),
        "</section>",
        '<section id="top-companies">',
        f"<h2>Who leads {e(headline)}</h2>",
        *(_table(top[(top["landscape"] == headline) & (top["SERP type"] == serp_type)].drop(
                     columns=["landscape", "SERP type"]),
                 f"Top companies by {serp_type} DSI in {headline}", calculation,
                 highlight=top["domain"] == subject.client_domain)
          for serp_type in subject.serp_types),
        *(_figure(f"Top companies by {serp_type} DSI in {market}", png, calculation)
          for serp_type, png in rendered.top_companies.items()),
        "</section>",
        '<section id="client-vs-competitors">',
        "<h2>Client, competitors and each landscape's leader</h2>",
        _figure(f"{client} and its competitors by DSI in {market}", rendered.client_vs_competitors, calculation),
        "</section>",
        '<section id="change">',
        f"<h2>What changed: trend over {rendered.calculations} calculation{'s' if rendered.calculations != 1 else ''}</h2>",
        trend,
        _table(tables.keyword_changes, at.TABLE_TITLES["keyword_changes"], calculation)
        if calculation.previous_execution_id else "",
        "</section>",
        '<section id="gaps">',
        f"<h2>Gaps: where competitors rank and {e(client)} does not</h2>",
        "<p>By the estimated traffic of the competitor's position: the first rows are the keywords worth the "
        "most to win.</p>",
        _table(tables.gaps, at.TABLE_TITLES["gaps"], calculation, limit=HTML_ROWS["gaps"]),
        "</section>",
        '<section id="wins">',
        f"<h2>Where {e(client)} wins</h2>",
        _table(tables.client_keywords, at.TABLE_TITLES["client_keywords"], calculation,
               limit=HTML_ROWS["client_keywords"]),
        _table(tables.client_pages, at.TABLE_TITLES["client_pages"], calculation, limit=HTML_ROWS["client_pages"]),
        "</section>",
        '<section id="content-fit">',
        "<h2>Content fit: personas, page types and buying stages</h2>",
        *(f"<p>{e(sentence)}</p>" for sentence in
          at.content_gaps(tables.content_personas, tables.content_stages, subject)),
        _table(tables.content_personas, at.TABLE_TITLES["content_personas"], calculation,
               highlight=client_of(tables.content_personas, "company"),
               **content_formats(tables.content_personas, "personas")),
        _table(tables.content_page_types, at.TABLE_TITLES["content_page_types"], calculation,
               highlight=client_of(tables.content_page_types, "company"),
               **content_formats(tables.content_page_types, "shares")),
        _table(tables.content_stages, at.TABLE_TITLES["content_stages"], calculation,
               highlight=client_of(tables.content_stages, "company"),
               **content_formats(tables.content_stages, "shares")),
        "</section>",
        '<section id="drill-down">',
        "<h2>Per keyword: who ranks</h2>",
        "<p>Every result of every keyword (company, position, page, estimated traffic) is in the Excel "
        "download's keyword_drilldown sheet; here each keyword in one line, by search volume.</p>",
        _table(summary, "Per keyword: the client's position and the first results", calculation,
               total=len(searches)),
        "</section>",
        '<section id="glossary">',
        "<h2>Glossary</h2>",
        "<dl>" + "".join(f"<dt>{e(term)}</dt><dd>{e(meaning)}</dd>" for term, meaning in glossary(subject)) + "</dl>",
        "</section>",
    ]
    body = "\n".join(section for section in sections if section)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>DSI report — {e(client)} — {e(market)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


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
    return f"<table><thead><tr><th>landscape</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
