"""The analyst's tables (rank, gaps, wins, content fit, change) from a small hand-built market: no
database, no Dagster. The DSI rows come from the real DSI maths; every expectation is computed by hand."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
import pytest

from cylvy_pipeline.analysis.dsi import PositionCutoffs, calculate_dsi
from cylvy_pipeline.reporting import analyst_tables as at
from cylvy_pipeline.reporting import dsi_report, export

SUBJECT = dsi_report.ReportSubject(
    client_name="Ledgerline",
    client_domain="ledgerline.example",
    competitors={"quorvane.example": "Quorvane Systems", "brackwell.example": "Brackwell | Fintech"},
    landscapes=("All",),
    serp_types=("organic", "video"),
    headline_landscape="All",
    personas=("Head of Payments", "CIO"),
    page_types=("Product page", "Blog article"),
    stages=("Problem Identification", "Supplier Selection"),
)
NAMES = {
    "ledgerline.example": "Ledgerline", "quorvane.example": "Quorvane Systems",
    "brackwell.example": "Brackwell | Fintech", "gazette.example": "Banking Gazette",
    "channel:UC1": "Ledger Talk",
}
VOLUMES = {"core banking": 1000, "loan origination": 500, "payment hub": 100}
CTR = {1: 0.2823, 2: 0.1572, 3: 0.1073}


def serp(*results: tuple[str, str, int, str, str]) -> pd.DataFrame:
    """SERP rows from (keyword, serp_type, position, url, company_domain)."""
    frame = pd.DataFrame(results, columns=["keyword", "serp_type", "position", "url", "company_domain"])
    frame["company_name"] = frame["company_domain"].map(NAMES)
    frame["search_volume"] = frame["keyword"].map(VOLUMES)
    frame["estimated_traffic"] = frame["search_volume"] * frame["position"].map(CTR)
    return frame


NOW = serp(
    ("core banking", "organic", 1, "https://gazette.example/a", "gazette.example"),
    ("core banking", "organic", 2, "https://quorvane.example/q1", "quorvane.example"),
    ("core banking", "organic", 3, "https://ledgerline.example/l1", "ledgerline.example"),
    ("loan origination", "organic", 1, "https://quorvane.example/q2", "quorvane.example"),
    ("loan origination", "organic", 2, "https://brackwell.example/b2", "brackwell.example"),
    ("loan origination", "organic", 3, "https://gazette.example/g2", "gazette.example"),
    ("payment hub", "organic", 1, "https://ledgerline.example/l3", "ledgerline.example"),
    ("payment hub", "organic", 2, "https://brackwell.example/b3", "brackwell.example"),
    ("payment hub", "video", 1, "https://video.example/watch?v=1", "channel:UC1"),
    ("payment hub", "video", 2, "https://video.example/watch?v=2", "brackwell.example"),
)
# The previous calculation: the client had no result for "payment hub" yet.
BEFORE = NOW[~NOW["url"].eq("https://ledgerline.example/l3")]
SOURCE_TYPES = {"gazette.example": "PREMIUM_PUBLISHER", "ledgerline.example": "OWNED",
                "quorvane.example": "COMPETITOR", "brackwell.example": "COMPETITOR"}
SCORES = pd.DataFrame(
    [
        # url, kind, name, score: l1 is a product page for Supplier Selection, l3 a blog article.
        ("https://ledgerline.example/l1", "persona", "Head of Payments", 6.0),
        ("https://ledgerline.example/l1", "persona", "CIO", 2.0),
        ("https://ledgerline.example/l1", "page_type", "Product page", 7.0),
        ("https://ledgerline.example/l1", "page_type", "Blog article", 1.0),
        ("https://ledgerline.example/l1", "jtbd_phase", "Problem Identification", 1.0),
        ("https://ledgerline.example/l1", "jtbd_phase", "Supplier Selection", 8.0),
        ("https://ledgerline.example/l3", "persona", "Head of Payments", 4.0),
        ("https://ledgerline.example/l3", "persona", "CIO", 0.0),
        ("https://ledgerline.example/l3", "page_type", "Product page", 2.0),
        ("https://ledgerline.example/l3", "page_type", "Blog article", 5.0),
        ("https://ledgerline.example/l3", "jtbd_phase", "Problem Identification", 0.0),
        ("https://ledgerline.example/l3", "jtbd_phase", "Supplier Selection", 0.0),
        ("https://quorvane.example/q1", "persona", "Head of Payments", 3.0),
        ("https://quorvane.example/q1", "persona", "CIO", 9.0),
        ("https://quorvane.example/q1", "page_type", "Product page", 3.0),
        ("https://quorvane.example/q1", "page_type", "Blog article", 3.0),  # a tie: the project's order wins
        ("https://quorvane.example/q1", "jtbd_phase", "Problem Identification", 6.0),
        ("https://quorvane.example/q1", "jtbd_phase", "Supplier Selection", 2.0),
    ],
    columns=["url", "dimension_kind", "dimension_name", "score"],
)


def dsi_rows(rows: pd.DataFrame):
    result = calculate_dsi(
        rows, pd.DataFrame({"url": [], "relevance": []}), {"All": list(VOLUMES)},
        default_search_volume=0, default_relevance=0.5, position_cutoffs=PositionCutoffs(0.05, 0.02, 0.005),
        ctr_curve=CTR,
    )
    return result


def calculation(rows: pd.DataFrame) -> at.CalculationRows:
    result = dsi_rows(rows)
    return at.CalculationRows(
        companies=result.companies, keywords=result.keywords, pages=result.pages,
        serp=rows.drop(columns=["company_domain", "company_name"]), dimension_scores=SCORES,
        source_types=SOURCE_TYPES,
    )


@pytest.fixture(scope="module")
def tables() -> at.ReportTables:
    before = dsi_rows(BEFORE)
    previous = at.PreviousCalculation("e1", before.companies, before.keywords)
    return at.report_tables(calculation(NOW), SUBJECT, previous)


def test_the_clients_rank_is_among_every_company_with_its_change(tables):
    rank = tables.rank.set_index(["landscape", "SERP type"])
    organic = rank.loc[("All", "organic")]
    companies = dsi_rows(NOW).companies
    scope = companies[(companies["serp_type"] == "organic")].set_index("company_domain")
    assert organic["companies"] == 4  # the publisher counts as much as the competitors
    assert organic["client rank"] == scope.loc["ledgerline.example", "rank"]
    assert organic["DSI index"] == pytest.approx(scope.loc["ledgerline.example", "dsi_index"])
    assert organic["leader"] == NAMES[scope["rank"].idxmin()]
    before = dsi_rows(BEFORE).companies
    before_rank = before[(before["serp_type"] == "organic") & (before["company_domain"] == "ledgerline.example")]
    assert organic["previous rank"] == before_rank["rank"].iloc[0]
    assert organic["rank change"] == before_rank["rank"].iloc[0] - organic["client rank"]
    assert organic["DSI index change"] == pytest.approx(organic["DSI index"] - before_rank["dsi_index"].iloc[0])
    assert organic["keywords ranked"] == 2 and organic["keywords ranked change"] == 1
    # Video: a competitor and an unresolved channel rank (tied: the domain breaks it), the client does not.
    video = rank.loc[("All", "video")]
    assert pd.isna(video["client rank"]) and video["companies"] == 2 and video["leader"] == "Brackwell | Fintech"
    assert video["DSI index change"] == 0.0


def test_top_companies_name_each_source_in_words_and_always_hold_the_client(tables):
    top = tables.top_companies[tables.top_companies["SERP type"] == "organic"].set_index("domain")
    assert top.loc["gazette.example", "source"] == "publisher"
    assert top.loc["quorvane.example", "source"] == "competitor"
    assert top.loc["ledgerline.example", "source"] == "client"
    assert top["rank"].tolist() == sorted(top["rank"].tolist())
    video = tables.top_companies[tables.top_companies["SERP type"] == "video"].set_index("domain")
    assert video.loc["channel:UC1", "source"] == "video channel"
    only_three = at.top_companies_table(dsi_rows(NOW).companies, SUBJECT, SOURCE_TYPES, n=1)
    organic = only_three[only_three["SERP type"] == "organic"]
    client_rank = tables.rank.set_index(["landscape", "SERP type"]).loc[("All", "organic"), "client rank"]
    assert organic["rank"].tolist() == ([1, client_rank] if client_rank > 1 else [1])  # the client's row stays
    assert set(STANDINGS := tables.top_companies["standing"]) <= {"leader", "challenger", "contender", "niche"}
    assert "competitor" not in set(STANDINGS)  # the word is kept for the named competitors


def test_gaps_are_competitor_keywords_without_the_client_by_traffic_at_stake(tables):
    # "loan origination": Quorvane at 1 (500 × .2823), Brackwell at 2 (500 × .1572); the client has no result.
    # "payment hub" video: Brackwell at 2 (100 × .1572), the client has no video.
    assert tables.gaps[["SERP type", "keyword", "competitor", "position", "competitor page"]].values.tolist() == [
        ["organic", "loan origination", "Quorvane Systems", 1, "https://quorvane.example/q2"],
        ["organic", "loan origination", "Brackwell | Fintech", 2, "https://brackwell.example/b2"],
        ["video", "payment hub", "Brackwell | Fintech", 2, "https://video.example/watch?v=2"],
    ]
    assert tables.gaps["estimated traffic"].tolist() == pytest.approx([141.15, 78.6, 15.72])
    assert tables.gaps["search volume"].tolist() == [500, 500, 100]


def test_the_clients_best_keywords_and_pages_and_what_it_gained(tables):
    wins = tables.client_keywords
    assert wins[["keyword", "position", "client page"]].values.tolist() == [
        ["core banking", 3, "https://ledgerline.example/l1"],  # 1000 × .1073 = 107.3
        ["payment hub", 1, "https://ledgerline.example/l3"],  # 100 × .2823 = 28.23
    ]
    assert wins["estimated traffic"].tolist() == pytest.approx([107.3, 28.23])
    assert wins["new since previous"].tolist() == [False, True]
    assert wins.loc[1, "keyword share"] == pytest.approx(28.23 / (28.23 + 15.72)) and wins.loc[1, "keyword rank"] == 1
    assert set(tables.client_pages["page"]) == {"https://ledgerline.example/l1", "https://ledgerline.example/l3"}
    assert tables.keyword_changes.values.tolist() == [["organic", "payment hub", "gained", 0.0, pytest.approx(28.23)]]


def test_content_fit_per_persona_page_type_and_buying_stage(tables):
    personas = tables.content_personas.set_index("company")
    assert personas.loc["Ledgerline", "pages"] == 2
    assert personas.loc["Ledgerline", "Head of Payments"] == pytest.approx((6 + 4) / 2 / 10)
    assert personas.loc["Quorvane Systems", "CIO"] == pytest.approx(0.9)
    assert personas.loc["Brackwell | Fintech", "pages"] == 0  # no analysed page
    types = tables.content_page_types.set_index("company")
    assert types.loc["Ledgerline", ["Product page", "Blog article", "unclassified"]].tolist() == [0.5, 0.5, 0.0]
    assert types.loc["Quorvane Systems", "Product page"] == 1.0  # the tie goes to the project's first type
    stages = tables.content_stages.set_index("company")
    # l3 scores 0 on every stage: unclassified.
    assert stages.loc["Ledgerline", ["Problem Identification", "Supplier Selection", "unclassified"]].tolist() == [
        0.0, 0.5, 0.5]
    assert stages.loc["all ranking content", "pages"] == 3
    sentences = at.content_gaps(tables.content_personas, tables.content_stages, SUBJECT)
    assert sentences[0] == ("Ledgerline's content is behind its competitors' average relevance for personas: "
                            "CIO (0.10 vs 0.90).")
    assert "Problem Identification (0.0% vs 100.0%)" in sentences[1]


def test_drilldown_lists_who_ranks_for_every_keyword(tables):
    drill = tables.keyword_drilldown
    assert len(drill) == len(NOW)
    first = drill[drill["SERP type"] == "organic"].head(3)
    assert first["keyword"].tolist() == ["core banking"] * 3  # the highest volume first
    assert first["company"].tolist() == ["Banking Gazette", "Quorvane Systems", "Ledgerline"]
    assert first["client"].tolist() == [False, False, True]
    summary = at.keyword_summary_table(drill, SUBJECT).set_index(["SERP type", "keyword"])
    assert summary.loc[("organic", "core banking"), "top results"] == (
        "1. Banking Gazette, 2. Quorvane Systems, 3. Ledgerline")
    assert summary.loc[("organic", "loan origination"), "competitors ranking"] == 2
    assert pd.isna(summary.loc[("organic", "loan origination"), "client position"])


def test_display_words_for_changes_and_markdown_escapes_pipes(tables):
    shown = dsi_report.display_frame(pd.DataFrame({
        "rank change": pd.array([2, -1, 0, None], dtype="Int64"),
        "DSI index change": [0.123, -0.5, 0.0, None],
        "share": [0.25, 0.5, 1.0, None],
    }))
    assert shown["rank change"].tolist() == ["▲2", "▼1", "=", "—"]
    assert shown["DSI index change"].tolist() == ["+0.12", "-0.50", "+0.00", "—"]
    assert shown["share"].tolist() == ["25.0%", "50.0%", "100.0%", "—"]
    markdown = dsi_report.markdown_table(tables.gaps)
    assert "Brackwell \\| Fintech" in markdown and markdown.count("\n") == len(tables.gaps) + 1


def test_the_export_has_one_sheet_and_one_csv_per_table(tables, tmp_path):
    calc = dsi_report.Calculation("US", "e2", datetime(2026, 5, 8, 9, tzinfo=UTC), "Sample", "e1",
                                  datetime(2026, 5, 1, 9, tzinfo=UTC))
    named = {"about": dsi_report.about_table(calc, SUBJECT), **tables.named()}
    workbook = pd.read_excel(io.BytesIO(export.xlsx_bytes(named)), sheet_name=None)
    assert list(workbook) == list(named) == ["about", *at.TABLE_TITLES]
    about = dict(workbook["about"].values.tolist())
    assert about["market"] == "US" and about["execution"] == "e2" and about["calculated"] == "2026-05-08 09:00 UTC"
    assert about["changes compared with"] == "execution e1 of 2026-05-01 09:00 UTC"
    assert "0–100" in about["DSI index"]
    assert workbook["gaps"]["competitor"].tolist() == tables.gaps["competitor"].tolist()
    paths = export.write_csv_files(named, tmp_path / "csv")
    assert [p.name for p in paths] == [f"{name}.csv" for name in named]
    rank = pd.read_csv(tmp_path / "csv" / "rank.csv")
    assert rank.columns.tolist() == tables.rank.columns.tolist()
    assert rank["client rank"].tolist()[0] == tables.rank["client rank"].tolist()[0]


def test_rank_sentence_takes_the_index_apart(tables):
    sentence = dsi_report.rank_sentence(tables.rank, SUBJECT, "All", "organic")
    row = tables.rank.iloc[0]
    assert sentence.startswith(f"In All (organic results) Ledgerline ranks {dsi_report._ordinal(row['client rank'])} "
                               "of 4 companies")
    assert f"DSI index of {row['DSI index']:.2f} (= 100 × {row['coverage']:.0%} coverage" in sentence
    assert dsi_report.rank_sentence(tables.rank, SUBJECT, "All", "video") == (
        "In All (video results) Ledgerline does not rank among the 2 companies; the leader is Brackwell | Fintech with "
        f"{tables.rank.iloc[1]['leader DSI index']:.2f}.")
    assert [dsi_report._ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"]


def test_the_htmls_download_cuts_long_tables_and_says_so(tables):
    calc = dsi_report.Calculation("US", "e2", datetime(2026, 5, 8, 9, tzinfo=UTC), "Sample")
    report = dsi_report.AnalystReport(calc, SUBJECT, dsi_rows(NOW).companies, tables, pd.DataFrame())
    cut = dsi_report.download_tables(report, limit=3)
    assert len(cut["keyword_drilldown"]) == 3 and len(cut["gaps"]) == 3 == len(tables.gaps)
    note = dict(cut["about"].values.tolist())["note"]
    assert note.startswith("top_companies, content_personas, content_page_types, content_stages, keyword_drilldown: "
                           "the first 3 rows only")
    assert "--format xlsx" in note
    assert dsi_report.download_tables(report, limit=1000).keys() == report.export_tables().keys()
