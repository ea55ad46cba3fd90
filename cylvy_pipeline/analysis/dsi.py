"""The Digital Share Index (SPEC 6.8): how much of a market's search attention a company owns.

For every landscape (a named group of keywords) and SERP type (organic, news, video) we compute three
views, all as fractions in [0, 1]:

* **company** — ``DSI = coverage × share × R``: how many of the landscape's keywords the company ranks
  for, how much of the attention in the landscape it gets, and how relevant its content is to the
  client's personas. Shown to users as an index 0–100.
* **page** — ``DSI = share × R(page)``: which individual URLs carry the company's presence.
* **keyword** — per keyword, each company's share of that keyword × R: "who owns this keyword".

*Attention* is estimated traffic for organic results (``T = volume × CTR(position)``) and plain
appearances for news and video, whose click behaviour the CTR curve does not describe.

Nothing is clamped: if an input is wrong (a negative volume, a relevance above 1) the numbers go out of
range and :func:`validate_dsi` reports it, rather than a ``min``/``max`` hiding it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cylvy_pipeline.analysis.ctr import ctr_for_positions
from cylvy_pipeline.analysis.identity import company_name_from_domain

DSI_FORMULA_VERSION = "dsi-2026.1"

SERP_TYPES: tuple[str, ...] = ("organic", "news", "video")
# Organic results are weighted by estimated traffic; news and video results by appearance.
TRAFFIC_WEIGHTED_SERP_TYPES: frozenset[str] = frozenset({"organic"})

SERP_INPUT_COLUMNS: tuple[str, ...] = (
    "keyword",
    "serp_type",
    "position",
    "url",
    "company_domain",
    "company_name",
    "search_volume",
)
RELEVANCE_INPUT_COLUMNS: tuple[str, ...] = ("url", "relevance")

COMPANY_COLUMNS: tuple[str, ...] = (
    "landscape",
    "serp_type",
    "company_domain",
    "company_name",
    "keywords_ranked",
    "landscape_keywords",
    "coverage",
    "traffic",
    "share",
    "relevance",
    "dsi",
    "dsi_index",
    "rank",
    "market_position",
    "formula_version",
)
PAGE_COLUMNS: tuple[str, ...] = (
    "landscape",
    "serp_type",
    "url",
    "company_domain",
    "traffic",
    "share",
    "relevance",
    "dsi",
    "rank",
    "formula_version",
)
KEYWORD_COLUMNS: tuple[str, ...] = (
    "landscape",
    "serp_type",
    "keyword",
    "company_domain",
    "company_name",
    "traffic",
    "share",
    "relevance",
    "dsi",
    "rank",
    "formula_version",
)

# Floating-point slack for the range and sum checks: a share of 1.0000000000000002 is a rounding
# artefact, not a broken calculation.
VALIDATION_TOLERANCE = 1e-9

_SCOPE = ["landscape", "serp_type"]


@dataclass(frozen=True)
class PositionCutoffs:
    """Minimum company DSI (a fraction) for each market position; below ``competitor`` is "niche"."""

    leader: float
    challenger: float
    competitor: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.competitor <= self.challenger <= self.leader <= 1.0:
            raise ValueError(
                "position cut-offs must satisfy 0 <= competitor <= challenger <= leader <= 1, got "
                f"leader={self.leader}, challenger={self.challenger}, competitor={self.competitor}"
            )

    def market_position(self, dsi: float) -> str:
        """The market position label of one company DSI."""
        if dsi >= self.leader:
            return "leader"
        if dsi >= self.challenger:
            return "challenger"
        if dsi >= self.competitor:
            return "competitor"
        return "niche"


@dataclass(frozen=True, eq=False)  # DataFrames do not compare to a single bool
class DsiResult:
    """The three DSI tables of one market, plus how many inputs had to fall back to defaults.

    ``defaulted_volume_rows`` counts SERP rows whose keyword had no search volume;
    ``defaulted_relevance_rows`` counts SERP rows whose url had no relevance (no analysis).
    """

    companies: pd.DataFrame
    pages: pd.DataFrame
    keywords: pd.DataFrame
    defaulted_volume_rows: int
    defaulted_relevance_rows: int


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], frame_name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{frame_name} is missing column(s): {', '.join(missing)}")


def _landscape_membership(landscapes: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """One row per (landscape, keyword), keywords de-duplicated within a landscape."""
    pairs = [
        (landscape, keyword)
        for landscape, keywords in landscapes.items()
        for keyword in dict.fromkeys(keywords)  # de-duplicate, keep the given order
    ]
    return pd.DataFrame(pairs, columns=["landscape", "keyword"])


def _company_names(serp: pd.DataFrame) -> pd.Series:
    """One display name per company domain: its most frequent name, alphabetical on ties.

    Rows without a name fall back to a name derived from the domain, so no company is nameless.
    """
    named = serp.loc[serp["company_name"].notna(), ["company_domain", "company_name"]]
    counts = named.groupby(["company_domain", "company_name"], sort=False).size().rename("rows").reset_index()
    counts = counts.sort_values(["company_domain", "rows", "company_name"], ascending=[True, False, True])
    names = counts.drop_duplicates("company_domain").set_index("company_domain")["company_name"]
    unnamed_domains = pd.Index(serp["company_domain"].unique()).difference(names.index)
    if len(unnamed_domains):
        derived = pd.Series(
            [company_name_from_domain(domain) for domain in unnamed_domains], index=unnamed_domains
        )
        names = pd.concat([names, derived])
    return names.astype(object)


def _prepare_rows(
    serp: pd.DataFrame,
    relevance: pd.DataFrame,
    *,
    default_search_volume: int,
    default_relevance: float,
    ctr_curve: Mapping[int, float] | None,
) -> tuple[pd.DataFrame, int, int]:
    """SERP rows with ``traffic``, ``weight`` and ``row_relevance``, plus the defaulted-row counts."""
    rows = serp.loc[:, ["keyword", "serp_type", "url", "company_domain"]].copy()

    volume = serp["search_volume"].astype("Float64")
    volume_missing = volume.isna()
    rows["volume"] = volume.fillna(float(default_search_volume)).astype("float64")
    rows["traffic"] = rows["volume"] * ctr_for_positions(serp["position"], ctr_curve).to_numpy()

    # A url analysed more than once (it should not be) counts with its mean relevance.
    relevance_by_url = (
        relevance.loc[relevance["relevance"].notna(), ["url", "relevance"]]
        .astype({"relevance": "float64"})
        .groupby("url", sort=False)["relevance"]
        .mean()
    )
    url_relevance = rows["url"].map(relevance_by_url).astype("float64")
    relevance_missing = url_relevance.isna()
    rows["row_relevance"] = url_relevance.fillna(float(default_relevance))

    # The unit of "attention" a row contributes to shares and to relevance averages.
    is_traffic_weighted = rows["serp_type"].isin(TRAFFIC_WEIGHTED_SERP_TYPES)
    rows["weight"] = np.where(is_traffic_weighted, rows["traffic"], 1.0)
    rows["weighted_relevance"] = rows["weight"] * rows["row_relevance"]
    return rows, int(volume_missing.sum()), int(relevance_missing.sum())


def _aggregate(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Traffic, attention weight and relevance per group of ``keys``.

    Relevance is the attention-weighted mean (traffic-weighted for organic, plain mean for news/video).
    When a group has no attention at all (organic rows of zero-volume keywords) the weighted mean is
    undefined, so the plain mean stands in; the group's share — and so its DSI — is 0 either way.
    """
    # dropna=False: a row with a missing url must still count (and be visible), never vanish silently.
    grouped = rows.groupby(keys, sort=False, dropna=False)
    aggregated = grouped.agg(
        traffic=("traffic", "sum"),
        weight=("weight", "sum"),
        weighted_relevance=("weighted_relevance", "sum"),
        plain_relevance=("row_relevance", "mean"),
    ).reset_index()
    has_weight = aggregated["weight"] != 0
    aggregated["relevance"] = np.where(
        has_weight,
        aggregated["weighted_relevance"] / aggregated["weight"].where(has_weight, 1.0),
        aggregated["plain_relevance"],
    )
    return aggregated.drop(columns=["weighted_relevance", "plain_relevance"])


def _add_share(aggregated: pd.DataFrame, total_keys: list[str]) -> pd.DataFrame:
    """``share`` = the group's attention / the attention of its enclosing ``total_keys`` group (0 if none)."""
    total = aggregated.groupby(total_keys, sort=False)["weight"].transform("sum")
    aggregated["share"] = np.where(total != 0, aggregated["weight"] / total.where(total != 0, 1.0), 0.0)
    return aggregated


def _add_rank(frame: pd.DataFrame, group_keys: list[str], tiebreak_column: str) -> pd.DataFrame:
    """``rank`` 1..n within each group: highest DSI first, ties broken by ``tiebreak_column`` ascending."""
    ordered = frame.sort_values(
        [*group_keys, "dsi", tiebreak_column], ascending=[True] * len(group_keys) + [False, True], kind="mergesort"
    )
    ordered["rank"] = ordered.groupby(group_keys, sort=False).cumcount().astype("int64") + 1
    return ordered.reset_index(drop=True)


def _empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


def calculate_dsi(
    serp: pd.DataFrame,
    relevance: pd.DataFrame,
    landscapes: Mapping[str, Sequence[str]],
    *,
    default_search_volume: int,
    default_relevance: float,
    position_cutoffs: PositionCutoffs,
    ctr_curve: Mapping[int, float] | None = None,
) -> DsiResult:
    """Company, page and keyword DSI for one market.

    ``serp``: one row per SERP result — keyword, serp_type ("organic" | "news" | "video"), position,
    url, company_domain (registrable domain), company_name, search_volume (``<NA>`` = unknown: the
    ``default_search_volume`` is used and the row counted in ``defaulted_volume_rows``).

    ``relevance``: url, relevance (mean persona score / 10). A SERP url without one uses
    ``default_relevance`` and is counted in ``defaulted_relevance_rows``.

    ``landscapes``: landscape name -> its keywords. A landscape's keyword count (the denominator of
    coverage) includes keywords that have no SERP rows: not ranking for them is the point. SERP rows of
    keywords outside every landscape do not contribute. Keywords match exactly.

    Raises ``ValueError`` for missing columns, an unknown SERP type, a position below 1, a negative
    default volume or a default relevance outside [0, 1].
    """
    _require_columns(serp, SERP_INPUT_COLUMNS, "serp")
    _require_columns(relevance, RELEVANCE_INPUT_COLUMNS, "relevance")
    if default_search_volume < 0:
        raise ValueError(f"default_search_volume must be >= 0, got {default_search_volume}")
    if not 0.0 <= default_relevance <= 1.0:
        raise ValueError(f"default_relevance must be in [0, 1], got {default_relevance}")
    unknown_types = sorted(set(serp["serp_type"].dropna().unique()) - set(SERP_TYPES))
    if unknown_types or serp["serp_type"].isna().any():
        raise ValueError(f"unknown SERP type(s) {unknown_types or ['<missing>']}; expected one of {SERP_TYPES}")
    if serp["company_domain"].isna().any():
        raise ValueError(f"{int(serp['company_domain'].isna().sum())} SERP row(s) have no company_domain")

    rows, defaulted_volume_rows, defaulted_relevance_rows = _prepare_rows(
        serp,
        relevance,
        default_search_volume=default_search_volume,
        default_relevance=default_relevance,
        ctr_curve=ctr_curve,
    )

    membership = _landscape_membership(landscapes)
    landscape_keyword_counts = membership.groupby("landscape", sort=False).size().rename("landscape_keywords")
    scoped = membership.merge(rows, on="keyword", how="inner", validate="many_to_many")
    if scoped.empty:
        return DsiResult(
            companies=_empty_frame(COMPANY_COLUMNS),
            pages=_empty_frame(PAGE_COLUMNS),
            keywords=_empty_frame(KEYWORD_COLUMNS),
            defaulted_volume_rows=defaulted_volume_rows,
            defaulted_relevance_rows=defaulted_relevance_rows,
        )
    company_names = _company_names(serp)

    companies = _company_table(scoped, landscape_keyword_counts, company_names, position_cutoffs)
    pages = _page_table(scoped)
    keywords = _keyword_table(scoped, company_names)
    return DsiResult(
        companies=companies,
        pages=pages,
        keywords=keywords,
        defaulted_volume_rows=defaulted_volume_rows,
        defaulted_relevance_rows=defaulted_relevance_rows,
    )


def _company_table(
    scoped: pd.DataFrame,
    landscape_keyword_counts: pd.Series,
    company_names: pd.Series,
    position_cutoffs: PositionCutoffs,
) -> pd.DataFrame:
    keys = [*_SCOPE, "company_domain"]
    companies = _add_share(_aggregate(scoped, keys), _SCOPE)
    keywords_ranked = (
        scoped.groupby(keys, sort=False, dropna=False)["keyword"].nunique().rename("keywords_ranked")
    )
    companies = companies.merge(keywords_ranked.reset_index(), on=keys, how="left")
    companies["keywords_ranked"] = companies["keywords_ranked"].astype("int64")
    companies["landscape_keywords"] = companies["landscape"].map(landscape_keyword_counts).astype("int64")
    companies["coverage"] = companies["keywords_ranked"] / companies["landscape_keywords"]
    companies["company_name"] = companies["company_domain"].map(company_names)
    companies["dsi"] = companies["coverage"] * companies["share"] * companies["relevance"]
    companies["dsi_index"] = companies["dsi"] * 100.0
    companies = _add_rank(companies, _SCOPE, "company_domain")
    dsi_values = companies["dsi"].to_numpy()
    companies["market_position"] = np.select(
        [
            dsi_values >= position_cutoffs.leader,
            dsi_values >= position_cutoffs.challenger,
            dsi_values >= position_cutoffs.competitor,
        ],
        ["leader", "challenger", "competitor"],
        default="niche",
    ).astype(object)
    companies["formula_version"] = DSI_FORMULA_VERSION
    return companies.loc[:, list(COMPANY_COLUMNS)]


def _page_table(scoped: pd.DataFrame) -> pd.DataFrame:
    pages = _add_share(_aggregate(scoped, [*_SCOPE, "url", "company_domain"]), _SCOPE)
    pages["dsi"] = pages["share"] * pages["relevance"]
    pages = _add_rank(pages, _SCOPE, "url")
    pages["formula_version"] = DSI_FORMULA_VERSION
    return pages.loc[:, list(PAGE_COLUMNS)]


def _keyword_table(scoped: pd.DataFrame, company_names: pd.Series) -> pd.DataFrame:
    keyword_scope = [*_SCOPE, "keyword"]
    keywords = _add_share(_aggregate(scoped, [*keyword_scope, "company_domain"]), keyword_scope)
    keywords["company_name"] = keywords["company_domain"].map(company_names)
    keywords["dsi"] = keywords["share"] * keywords["relevance"]
    keywords = _add_rank(keywords, keyword_scope, "company_domain")
    keywords["formula_version"] = DSI_FORMULA_VERSION
    return keywords.loc[:, list(KEYWORD_COLUMNS)]


# --- validation -----------------------------------------------------------------------------------------

_MAX_EXAMPLES = 5


def _describe_rows(frame: pd.DataFrame, mask: pd.Series, value_column: str, identity_columns: Sequence[str]) -> str:
    examples = []
    for _, row in frame.loc[mask].head(_MAX_EXAMPLES).iterrows():
        identity = ", ".join(f"{column}={row[column]!r}" for column in identity_columns)
        examples.append(f"{value_column}={row[value_column]!r} ({identity})")
    more = int(mask.sum()) - len(examples)
    suffix = f"; and {more} more" if more > 0 else ""
    return "; ".join(examples) + suffix


def _out_of_range(
    frame: pd.DataFrame, table: str, column: str, identity_columns: Sequence[str]
) -> list[str]:
    if frame.empty or column not in frame.columns:
        return []
    values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    bad = values.isna() | (values < -VALIDATION_TOLERANCE) | (values > 1.0 + VALIDATION_TOLERANCE)
    if not bad.any():
        return []
    return [
        f"{table}: {int(bad.sum())} row(s) with {column} outside [0, 1]: "
        + _describe_rows(frame, bad, column, identity_columns)
    ]


def _share_sums(frame: pd.DataFrame, table: str, scope: list[str]) -> list[str]:
    """Shares must add up to 1 in every scope that has attention at all.

    An organic scope whose total traffic is 0 (every keyword has volume 0) has all shares 0 by
    definition and is skipped; news and video scopes count appearances, which always exist.
    """
    if frame.empty:
        return []
    sums = frame.groupby(scope, sort=True).agg(share=("share", "sum"), traffic=("traffic", "sum")).reset_index()
    no_attention = sums["serp_type"].isin(TRAFFIC_WEIGHTED_SERP_TYPES) & (sums["traffic"] == 0)
    bad = ~no_attention & ((sums["share"] - 1.0).abs() > VALIDATION_TOLERANCE)
    if not bad.any():
        return []
    return [
        f"{table}: shares do not sum to 1 in {int(bad.sum())} scope(s): "
        + _describe_rows(sums, bad, "share", scope)
    ]


def validate_dsi(result: DsiResult) -> list[str]:
    """Human-readable problems with a DSI result; an empty list means it is consistent.

    Checks (SPEC 6.9): coverage within [0, 1], every share within [0, 1], company and page shares (and
    each keyword's company shares) summing to 1 per landscape × SERP type, relevance and DSI within
    [0, 1]. Missing (NaN) values are problems too.
    """
    problems: list[str] = []
    company_identity = [*_SCOPE, "company_domain"]
    page_identity = [*_SCOPE, "url"]
    keyword_identity = [*_SCOPE, "keyword", "company_domain"]

    problems += _out_of_range(result.companies, "companies", "coverage", company_identity)
    for table, frame, identity in (
        ("companies", result.companies, company_identity),
        ("pages", result.pages, page_identity),
        ("keywords", result.keywords, keyword_identity),
    ):
        problems += _out_of_range(frame, table, "share", identity)
    problems += _share_sums(result.companies, "companies", _SCOPE)
    problems += _share_sums(result.pages, "pages", _SCOPE)
    problems += _share_sums(result.keywords, "keywords", [*_SCOPE, "keyword"])
    for table, frame, identity in (
        ("companies", result.companies, company_identity),
        ("pages", result.pages, page_identity),
        ("keywords", result.keywords, keyword_identity),
    ):
        problems += _out_of_range(frame, table, "relevance", identity)
        problems += _out_of_range(frame, table, "dsi", identity)
    return problems
