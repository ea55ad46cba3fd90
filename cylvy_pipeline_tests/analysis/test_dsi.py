"""Digital Share Index arithmetic, checked against numbers worked out by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from cylvy_pipeline.analysis.dsi import (
    COMPANY_COLUMNS,
    DSI_FORMULA_VERSION,
    KEYWORD_COLUMNS,
    PAGE_COLUMNS,
    DsiResult,
    PositionCutoffs,
    calculate_dsi,
    validate_dsi,
)

CUTOFFS = PositionCutoffs(leader=0.30, challenger=0.10, competitor=0.02)


def serp_frame(rows: list[tuple[str, str, int, str, str, int | None]]) -> pd.DataFrame:
    """SERP rows from (keyword, serp_type, position, url, company_domain, search_volume)."""
    frame = pd.DataFrame(rows, columns=["keyword", "serp_type", "position", "url", "company_domain", "search_volume"])
    frame["company_name"] = frame["company_domain"].str.split(".").str[0].str.title()
    frame["search_volume"] = frame["search_volume"].astype("Int64")
    return frame


def relevance_frame(scores: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"url": list(scores), "relevance": list(scores.values())})


def run(serp: pd.DataFrame, relevance: pd.DataFrame, landscapes: dict[str, list[str]], **overrides) -> DsiResult:
    options = {"default_search_volume": 100, "default_relevance": 0.5, "position_cutoffs": CUTOFFS}
    options.update(overrides)
    return calculate_dsi(serp, relevance, landscapes, **options)


def row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        mask &= (frame[column] == value).to_numpy()
    matches = frame.loc[mask]
    assert len(matches) == 1, f"expected one row for {where}, found {len(matches)}"
    return matches.iloc[0]


# Two keywords, three companies, positions 1-3:
#   k1 (volume 1000): 1 alpha (a1, R .8)  2 beta (b1, R .5)   3 gamma (g1, R .6)
#   k2 (volume  500): 1 beta (b2, R .9)   2 alpha (a2, R .4)
ORGANIC_ROWS = [
    ("k1", "organic", 1, "https://alpha.example/a1", "alpha.example", 1000),
    ("k1", "organic", 2, "https://beta.example/b1", "beta.example", 1000),
    ("k1", "organic", 3, "https://gamma.example/g1", "gamma.example", 1000),
    ("k2", "organic", 1, "https://beta.example/b2", "beta.example", 500),
    ("k2", "organic", 2, "https://alpha.example/a2", "alpha.example", 500),
]
ORGANIC_RELEVANCE = {
    "https://alpha.example/a1": 0.8,
    "https://alpha.example/a2": 0.4,
    "https://beta.example/b1": 0.5,
    "https://beta.example/b2": 0.9,
    "https://gamma.example/g1": 0.6,
}
# Traffic T = V × CTR:
#   k1: alpha 1000 × .2823 = 282.3   beta 1000 × .1572 = 157.2   gamma 1000 × .1073 = 107.3   (k1 = 546.8)
#   k2: beta   500 × .2823 = 141.15  alpha 500 × .1572 =  78.6                                (k2 = 219.75)
#   landscape total = 766.55; alpha 360.9, beta 298.35, gamma 107.3
TOTAL = 766.55


@pytest.fixture(scope="module")
def organic_result() -> DsiResult:
    return run(serp_frame(ORGANIC_ROWS), relevance_frame(ORGANIC_RELEVANCE), {"Lending": ["k1", "k2"]})


def test_company_dsi_matches_hand_arithmetic(organic_result: DsiResult) -> None:
    companies = organic_result.companies
    assert list(companies.columns) == list(COMPANY_COLUMNS)

    alpha = row(companies, company_domain="alpha.example")
    # coverage 2/2; share 360.9 / 766.55; R = (282.3×.8 + 78.6×.4) / 360.9 = 257.28 / 360.9
    assert alpha["keywords_ranked"] == 2 and alpha["landscape_keywords"] == 2
    assert alpha["coverage"] == pytest.approx(1.0)
    assert alpha["traffic"] == pytest.approx(360.9)
    assert alpha["share"] == pytest.approx(360.9 / TOTAL)
    assert alpha["relevance"] == pytest.approx(257.28 / 360.9)
    # DSI = 1 × (360.9 / 766.55) × (257.28 / 360.9) = 257.28 / 766.55 = 0.33563...
    assert alpha["dsi"] == pytest.approx(257.28 / TOTAL)
    assert alpha["dsi_index"] == pytest.approx(100 * 257.28 / TOTAL)

    beta = row(companies, company_domain="beta.example")
    # R = (157.2×.5 + 141.15×.9) / 298.35 = (78.6 + 127.035) / 298.35 = 205.635 / 298.35
    assert beta["share"] == pytest.approx(298.35 / TOTAL)
    assert beta["relevance"] == pytest.approx(205.635 / 298.35)
    assert beta["dsi"] == pytest.approx(205.635 / TOTAL)  # = 0.26826...

    gamma = row(companies, company_domain="gamma.example")
    # coverage 1/2; share 107.3 / 766.55; R .6 -> DSI = .5 × 107.3 / 766.55 × .6 = 32.19 / 766.55 = 0.04199...
    assert gamma["keywords_ranked"] == 1
    assert gamma["coverage"] == pytest.approx(0.5)
    assert gamma["relevance"] == pytest.approx(0.6)
    assert gamma["dsi"] == pytest.approx(32.19 / TOTAL)

    assert companies["share"].sum() == pytest.approx(1.0)
    assert set(companies["formula_version"]) == {DSI_FORMULA_VERSION}
    assert gamma["company_name"] == "Gamma"


def test_rank_and_market_position(organic_result: DsiResult) -> None:
    ranked = organic_result.companies.sort_values("rank")
    assert ranked["company_domain"].tolist() == ["alpha.example", "beta.example", "gamma.example"]
    assert ranked["rank"].tolist() == [1, 2, 3]
    # .336 >= leader .30; .268 >= challenger .10; .042 >= competitor .02
    assert ranked["market_position"].tolist() == ["leader", "challenger", "competitor"]


def test_page_dsi_is_page_share_times_page_relevance(organic_result: DsiResult) -> None:
    pages = organic_result.pages
    assert list(pages.columns) == list(PAGE_COLUMNS)
    a1 = row(pages, url="https://alpha.example/a1")
    assert a1["company_domain"] == "alpha.example"
    assert a1["traffic"] == pytest.approx(282.3)
    assert a1["share"] == pytest.approx(282.3 / TOTAL)
    assert a1["relevance"] == pytest.approx(0.8)
    assert a1["dsi"] == pytest.approx(282.3 / TOTAL * 0.8)  # 225.84 / 766.55 = 0.29462...
    assert a1["rank"] == 1  # the largest page DSI: next is b2 with 141.15 × .9 = 127.035
    assert pages["share"].sum() == pytest.approx(1.0)
    assert len(pages) == 5


def test_keyword_dsi_is_share_of_the_keyword(organic_result: DsiResult) -> None:
    keywords = organic_result.keywords
    assert list(keywords.columns) == list(KEYWORD_COLUMNS)
    # k2: beta 141.15 / 219.75 × .9; alpha 78.6 / 219.75 × .4
    beta_k2 = row(keywords, keyword="k2", company_domain="beta.example")
    assert beta_k2["share"] == pytest.approx(141.15 / 219.75)
    assert beta_k2["dsi"] == pytest.approx(141.15 / 219.75 * 0.9)
    assert beta_k2["rank"] == 1
    alpha_k2 = row(keywords, keyword="k2", company_domain="alpha.example")
    assert alpha_k2["dsi"] == pytest.approx(78.6 / 219.75 * 0.4)
    assert alpha_k2["company_name"] == "Alpha"
    assert alpha_k2["rank"] == 2
    # k1: gamma 107.3 / 546.8 × .6
    assert row(keywords, keyword="k1", company_domain="gamma.example")["dsi"] == pytest.approx(107.3 / 546.8 * 0.6)
    assert keywords.groupby("keyword")["share"].sum().tolist() == pytest.approx([1.0, 1.0])


def test_a_consistent_result_validates_clean(organic_result: DsiResult) -> None:
    assert validate_dsi(organic_result) == []
    assert organic_result.defaulted_volume_rows == 0
    assert organic_result.defaulted_relevance_rows == 0


def test_missing_volume_uses_the_default_and_is_counted() -> None:
    # k2 has no volume: default 400 -> beta 400 × .2823 = 112.92, alpha 400 × .1572 = 62.88
    rows = [(*r[:5], None) if r[0] == "k2" else r for r in ORGANIC_ROWS]
    result = run(
        serp_frame(rows), relevance_frame(ORGANIC_RELEVANCE), {"Lending": ["k1", "k2"]}, default_search_volume=400
    )
    assert result.defaulted_volume_rows == 2
    total = 546.8 + 112.92 + 62.88
    alpha = row(result.companies, company_domain="alpha.example")
    assert alpha["traffic"] == pytest.approx(282.3 + 62.88)
    assert alpha["share"] == pytest.approx((282.3 + 62.88) / total)
    assert validate_dsi(result) == []


def test_missing_relevance_uses_the_default_and_is_counted() -> None:
    relevance = dict(ORGANIC_RELEVANCE)
    del relevance["https://gamma.example/g1"]
    result = run(
        serp_frame(ORGANIC_ROWS), relevance_frame(relevance), {"Lending": ["k1", "k2"]}, default_relevance=0.25
    )
    assert result.defaulted_relevance_rows == 1
    gamma = row(result.companies, company_domain="gamma.example")
    # DSI = .5 × 107.3 / 766.55 × .25
    assert gamma["relevance"] == pytest.approx(0.25)
    assert gamma["dsi"] == pytest.approx(0.5 * 107.3 / TOTAL * 0.25)


def test_news_share_counts_appearances_not_traffic() -> None:
    # k1 news: alpha at 1 and 2, beta at 3; k2 news: gamma at 1. Volumes differ wildly on purpose: they
    # must not matter. Appearances: alpha 2, beta 1, gamma 1 of 4.
    rows = [
        ("k1", "news", 1, "https://alpha.example/n1", "alpha.example", 10_000),
        ("k1", "news", 2, "https://alpha.example/n2", "alpha.example", 10_000),
        ("k1", "news", 3, "https://beta.example/n3", "beta.example", 10_000),
        ("k2", "news", 1, "https://gamma.example/n4", "gamma.example", 10),
    ]
    relevance = {"https://alpha.example/n1": 0.9, "https://alpha.example/n2": 0.3, "https://beta.example/n3": 0.5}
    result = run(serp_frame(rows), relevance_frame(relevance), {"Lending": ["k1", "k2"]})
    companies = result.companies
    alpha = row(companies, company_domain="alpha.example")
    assert alpha["share"] == pytest.approx(0.5)
    assert alpha["relevance"] == pytest.approx((0.9 + 0.3) / 2)  # plain mean, not traffic-weighted
    assert alpha["traffic"] == pytest.approx(10_000 * (0.2823 + 0.1572))  # traffic is still reported
    # alpha ranks for k1 only: coverage 1/2, so DSI = .5 × .5 × .6 = .15
    assert alpha["coverage"] == pytest.approx(0.5)
    assert alpha["dsi"] == pytest.approx(0.15)
    assert row(companies, company_domain="gamma.example")["share"] == pytest.approx(0.25)
    assert row(companies, company_domain="gamma.example")["relevance"] == pytest.approx(0.5)  # defaulted
    assert result.defaulted_relevance_rows == 1
    assert row(result.pages, url="https://alpha.example/n1")["dsi"] == pytest.approx(0.25 * 0.9)
    assert row(result.keywords, keyword="k1", company_domain="alpha.example")["share"] == pytest.approx(2 / 3)
    assert validate_dsi(result) == []


def test_coverage_counts_landscape_keywords_without_serp_rows() -> None:
    # The landscape has four keywords; k3 and k4 returned no results. alpha ranks for 2 of 4.
    result = run(serp_frame(ORGANIC_ROWS), relevance_frame(ORGANIC_RELEVANCE), {"Lending": ["k1", "k2", "k3", "k4"]})
    alpha = row(result.companies, company_domain="alpha.example")
    assert alpha["landscape_keywords"] == 4
    assert alpha["coverage"] == pytest.approx(0.5)
    # Shares are unchanged (same traffic), so DSI halves: .5 × 257.28 / 766.55
    assert alpha["dsi"] == pytest.approx(0.5 * 257.28 / TOTAL)
    assert row(result.companies, company_domain="gamma.example")["coverage"] == pytest.approx(0.25)


def test_each_landscape_and_serp_type_is_its_own_scope() -> None:
    rows = [
        *ORGANIC_ROWS,
        ("k2", "video", 1, "https://video.example/v1", "video.example", 500),
    ]
    result = run(serp_frame(rows), relevance_frame(ORGANIC_RELEVANCE), {"All": ["k1", "k2"], "Only k2": ["k2"]})
    companies = result.companies
    # In "Only k2", alpha's organic traffic is 78.6 of 219.75 and its coverage 1/1.
    alpha_k2 = row(companies, landscape="Only k2", serp_type="organic", company_domain="alpha.example")
    assert alpha_k2["share"] == pytest.approx(78.6 / 219.75)
    assert alpha_k2["landscape_keywords"] == 1
    assert alpha_k2["dsi"] == pytest.approx(78.6 / 219.75 * 0.4)
    # The single video result owns its scope: share 1, default relevance .5, coverage 1/2 in "All".
    video_all = row(companies, landscape="All", serp_type="video", company_domain="video.example")
    assert video_all["share"] == pytest.approx(1.0)
    assert video_all["dsi"] == pytest.approx(0.5 * 1.0 * 0.5)
    assert row(companies, landscape="All", serp_type="organic", company_domain="alpha.example")["dsi"] == (
        pytest.approx(257.28 / TOTAL)
    )
    assert len(companies) == 3 + 2 + 1 + 1
    assert validate_dsi(result) == []


@pytest.mark.parametrize(
    ("cutoffs", "expected"),
    [
        # DSIs: alpha .33564, beta .26826, gamma .04199
        (PositionCutoffs(leader=0.30, challenger=0.10, competitor=0.02), ["leader", "challenger", "competitor"]),
        (PositionCutoffs(leader=0.40, challenger=0.30, competitor=0.05), ["challenger", "competitor", "niche"]),
        (PositionCutoffs(leader=0.268, challenger=0.2, competitor=0.1), ["leader", "leader", "niche"]),
        (PositionCutoffs(leader=0.0, challenger=0.0, competitor=0.0), ["leader", "leader", "leader"]),
    ],
)
def test_market_position_follows_the_cutoffs(cutoffs: PositionCutoffs, expected: list[str]) -> None:
    serp, relevance = serp_frame(ORGANIC_ROWS), relevance_frame(ORGANIC_RELEVANCE)
    result = run(serp, relevance, {"Lending": ["k1", "k2"]}, position_cutoffs=cutoffs)
    assert result.companies.sort_values("rank")["market_position"].tolist() == expected


def test_cutoffs_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="competitor <= challenger <= leader"):
        PositionCutoffs(leader=0.01, challenger=0.05, competitor=0.0)


def test_equal_dsi_ranks_by_domain() -> None:
    # Two companies, one keyword each at position 1 with equal volume and relevance: identical DSI.
    rows = [
        ("k1", "organic", 1, "https://zulu.example/", "zulu.example", 100),
        ("k2", "organic", 1, "https://yankee.example/", "yankee.example", 100),
    ]
    result = run(serp_frame(rows), relevance_frame({}), {"L": ["k1", "k2"]})
    ranked = result.companies.sort_values("rank")
    assert ranked["company_domain"].tolist() == ["yankee.example", "zulu.example"]
    assert ranked["rank"].tolist() == [1, 2]


def test_custom_ctr_curve_changes_traffic() -> None:
    rows = [
        ("k1", "organic", 1, "https://alpha.example/a1", "alpha.example", 1000),
        ("k1", "organic", 2, "https://beta.example/b1", "beta.example", 1000),
    ]
    result = run(serp_frame(rows), relevance_frame({}), {"L": ["k1"]}, ctr_curve={1: 0.5, 2: 0.5})
    assert row(result.companies, company_domain="alpha.example")["traffic"] == pytest.approx(500.0)
    assert row(result.companies, company_domain="alpha.example")["share"] == pytest.approx(0.5)


def test_zero_traffic_scope_has_zero_shares_and_passes_validation() -> None:
    rows = [
        ("k1", "organic", 1, "https://alpha.example/a1", "alpha.example", 0),
        ("k1", "organic", 2, "https://beta.example/b1", "beta.example", 0),
    ]
    result = run(serp_frame(rows), relevance_frame({"https://alpha.example/a1": 0.7}), {"L": ["k1"]})
    assert result.companies["share"].tolist() == [0.0, 0.0]
    assert result.companies["dsi"].tolist() == [0.0, 0.0]
    # With no traffic to weigh by, relevance is the plain mean of the company's rows.
    assert row(result.companies, company_domain="alpha.example")["relevance"] == pytest.approx(0.7)
    assert validate_dsi(result) == []


def test_rows_outside_every_landscape_do_not_count() -> None:
    rows = [*ORGANIC_ROWS, ("off-topic", "organic", 1, "https://delta.example/", "delta.example", 9999)]
    result = run(serp_frame(rows), relevance_frame(ORGANIC_RELEVANCE), {"Lending": ["k1", "k2"]})
    assert "delta.example" not in set(result.companies["company_domain"])
    assert row(result.companies, company_domain="alpha.example")["dsi"] == pytest.approx(257.28 / TOTAL)


def test_no_matching_rows_gives_empty_tables_with_the_columns() -> None:
    result = run(serp_frame(ORGANIC_ROWS), relevance_frame({}), {"Other": ["k9"]})
    assert result.companies.empty and list(result.companies.columns) == list(COMPANY_COLUMNS)
    assert result.pages.empty and list(result.pages.columns) == list(PAGE_COLUMNS)
    assert result.keywords.empty and list(result.keywords.columns) == list(KEYWORD_COLUMNS)
    assert validate_dsi(result) == []


def test_missing_company_name_is_derived_from_the_domain() -> None:
    serp = serp_frame([("k1", "organic", 1, "https://ledger-line.example/", "ledger-line.example", 10)])
    serp["company_name"] = pd.Series([None], dtype=object)
    result = run(serp, relevance_frame({}), {"L": ["k1"]})
    assert result.companies["company_name"].tolist() == ["Ledger Line"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda serp: serp.drop(columns=["search_volume"]), "missing column"),
        (lambda serp: serp.assign(serp_type="shopping"), "unknown SERP type"),
        (lambda serp: serp.assign(position=0), "position"),
    ],
)
def test_bad_input_is_rejected(change, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run(change(serp_frame(ORGANIC_ROWS)), relevance_frame({}), {"L": ["k1"]})


def test_validate_dsi_reports_coverage_above_one(organic_result: DsiResult) -> None:
    companies = organic_result.companies.copy()
    companies.loc[companies["company_domain"] == "gamma.example", "coverage"] = 1.5
    broken = dataclasses.replace(organic_result, companies=companies)
    problems = validate_dsi(broken)
    assert len(problems) == 1
    assert "coverage outside [0, 1]" in problems[0]
    assert "gamma.example" in problems[0]


def test_validate_dsi_reports_shares_and_dsi_out_of_range(organic_result: DsiResult) -> None:
    companies = organic_result.companies.copy()
    companies.loc[companies["company_domain"] == "alpha.example", ["share", "dsi"]] = [1.2, -0.1]
    pages = organic_result.pages.copy()
    pages.loc[pages["url"] == "https://beta.example/b1", "share"] = 0.0  # page shares no longer sum to 1
    problems = validate_dsi(dataclasses.replace(organic_result, companies=companies, pages=pages))
    text = "\n".join(problems)
    assert "companies: 1 row(s) with share outside [0, 1]" in text
    assert "companies: shares do not sum to 1" in text
    assert "pages: shares do not sum to 1" in text
    assert "companies: 1 row(s) with dsi outside [0, 1]" in text


def test_out_of_range_relevance_is_reported_not_clamped() -> None:
    relevance = dict(ORGANIC_RELEVANCE, **{"https://gamma.example/g1": 3.0})  # a score of 30/10
    result = run(serp_frame(ORGANIC_ROWS), relevance_frame(relevance), {"Lending": ["k1", "k2"]})
    gamma = row(result.companies, company_domain="gamma.example")
    assert gamma["relevance"] == pytest.approx(3.0)
    assert any("relevance outside [0, 1]" in problem for problem in validate_dsi(result))


def test_large_market_is_consistent() -> None:
    """1,000 keywords × 3 SERP types × 10 results × 3 landscapes: every invariant holds."""
    generator = np.random.default_rng(7)
    keywords = [f"keyword {index}" for index in range(1000)]
    domains = [f"company-{index}.example" for index in range(60)]
    frames = []
    for serp_type in ("organic", "news", "video"):
        frames.append(
            pd.DataFrame(
                {
                    "keyword": np.repeat(keywords, 10),
                    "serp_type": serp_type,
                    "position": np.tile(np.arange(1, 11), len(keywords)),
                    "company_domain": generator.choice(domains, size=len(keywords) * 10),
                    "search_volume": pd.array(
                        np.repeat(generator.integers(0, 5000, size=len(keywords)), 10), dtype="Int64"
                    ),
                }
            )
        )
    serp = pd.concat(frames, ignore_index=True)
    serp["url"] = "https://" + serp["company_domain"] + "/" + serp["serp_type"] + "/" + serp.index.astype(str)
    serp["company_name"] = serp["company_domain"]
    serp.loc[serp.index % 17 == 0, "search_volume"] = pd.NA
    scored_urls = serp["url"].iloc[::2]
    relevance = pd.DataFrame({"url": scored_urls, "relevance": generator.random(len(scored_urls))})
    landscapes = {"All": keywords, "First half": keywords[:500], "Every third": keywords[::3]}

    result = run(serp, relevance, landscapes)

    assert validate_dsi(result) == []
    assert result.defaulted_volume_rows == int((serp.index % 17 == 0).sum())
    assert result.defaulted_relevance_rows == len(serp) - len(scored_urls)
    assert set(result.companies["landscape"]) == set(landscapes)
    assert (result.companies.groupby(["landscape", "serp_type"])["rank"].min() == 1).all()
