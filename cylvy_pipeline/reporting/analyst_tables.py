"""The analyst's tables of one DSI calculation: pandas in, pandas out, no database, no Dagster.

The DSI tables answer "who owns the market"; an analyst is paid to answer four more questions, and each
table here answers one of them, in the same words in the HTML report, the Excel/CSV export and the
``dsi_calculation`` metadata:

* **Where does the client rank?** :func:`rank_table` (the client's rank among *all* companies of each
  landscape × SERP type, not just against its named competitors) and :func:`top_companies_table` (who
  leads, and what kind of source each company is: competitor, publisher, social media, …).
* **Where does it lose, where does it win?** :func:`gaps_table` (keywords where a named competitor ranks
  and the client does not, by the traffic the competitor's position earns), :func:`client_keywords_table`,
  :func:`client_pages_table` and :func:`keyword_drilldown_table` (who ranks for each keyword).
* **Why?** :func:`content_fit_tables`: how relevant the client's and each competitor's ranking content is
  to each persona, and which page types and buying stages it covers.
* **What changed?** Every table that can carries the change since the market's previous completed
  calculation; :func:`keyword_changes_table` lists the keywords the client gained and lost.

Column names are the words the report shows (they become the spreadsheet's headers). Fractions stay
fractions (0.25 = 25 %); DSI indexes are 0–100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cylvy_pipeline.reporting.subject import ReportSubject

#: How the report names a company's source type (company_profiles.source_type) — the analyst's words.
SOURCE_WORDS: Mapping[str, str] = {
    "OWNED": "client",
    "COMPETITOR": "competitor",
    "PREMIUM_PUBLISHER": "publisher",
    "PROFESSIONAL_BODY": "professional body",
    "EDUCATION": "education",
    "GOVERNMENT": "government",
    "NON_PROFIT": "non-profit",
    "SOCIAL_MEDIA": "social media",
    "OTHER": "other",
}
#: A video channel that could not be resolved to a company counts as its own company (SPEC 6.8).
CHANNEL_PREFIX = "channel:"
CHANNEL_SOURCE = "video channel"

#: The stored market position (leader/challenger/competitor/niche) in the report's words: "competitor" is
#: kept for the client's *named* competitors, so a trade-media site in the middle tier is a "contender".
STANDING_WORDS: Mapping[str, str] = {
    "leader": "leader", "challenger": "challenger", "competitor": "contender", "niche": "niche",
}
#: A page whose every score of a kind is 0 fits no page type (or buying stage) at all.
UNCLASSIFIED = "unclassified"


@dataclass(frozen=True, eq=False)  # DataFrames do not compare to a single bool
class CalculationRows:
    """The rows of one DSI calculation and the upstream rows it read.

    ``companies``, ``keywords``, ``pages``: its dsi_company, dsi_keyword and dsi_page rows.
    ``serp``: the serp_results it read (keyword, serp_type, position, url, search_volume,
    estimated_traffic). ``dimension_scores``: the content_dimension_scores it read (url, dimension_kind,
    dimension_name, score). ``source_types``: company_domain → source type (OWNED, COMPETITOR, …).
    """

    companies: pd.DataFrame
    keywords: pd.DataFrame
    pages: pd.DataFrame
    serp: pd.DataFrame
    dimension_scores: pd.DataFrame
    source_types: Mapping[str, str]


@dataclass(frozen=True, eq=False)
class PreviousCalculation:
    """What the market's previous completed calculation had: its dsi_company and dsi_keyword rows."""

    execution_id: str
    companies: pd.DataFrame
    keywords: pd.DataFrame


@dataclass(frozen=True, eq=False)
class ReportTables:
    """Every table of the report, in the order the report and the export show them."""

    rank: pd.DataFrame
    top_companies: pd.DataFrame
    gaps: pd.DataFrame
    client_keywords: pd.DataFrame
    client_pages: pd.DataFrame
    keyword_changes: pd.DataFrame
    content_personas: pd.DataFrame
    content_page_types: pd.DataFrame
    content_stages: pd.DataFrame
    keyword_drilldown: pd.DataFrame

    def named(self) -> dict[str, pd.DataFrame]:
        """Table name (a sheet or file name) → table."""
        return {name: getattr(self, name) for name in TABLE_TITLES}


#: Table name → its title in the report (and the export's sheet order).
TABLE_TITLES: Mapping[str, str] = {
    "rank": "The client's rank per landscape and SERP type",
    "top_companies": "Top companies per landscape and SERP type",
    "gaps": "Gaps: keywords where competitors rank and the client does not",
    "client_keywords": "The client's best keywords",
    "client_pages": "The client's best pages",
    "keyword_changes": "Keywords the client gained and lost",
    "content_personas": "Content fit: mean relevance per persona",
    "content_page_types": "Content fit: share of ranking pages per page type",
    "content_stages": "Content fit: share of ranking pages per buying stage",
    "keyword_drilldown": "Per keyword: who ranks",
}


def source_words(domains: pd.Series, source_types: Mapping[str, str], subject: ReportSubject) -> pd.Series:
    """Each company's source in words: the project's client and competitors decide first, then the
    company profile's source type; an unresolved video channel is a "video channel"."""
    def word(domain: str) -> str:
        if domain == subject.client_domain:
            return "client"
        if domain in subject.competitors:
            return "competitor"
        if str(domain).startswith(CHANNEL_PREFIX):
            return CHANNEL_SOURCE
        stored = source_types.get(domain)
        # A profile says COMPETITOR or OWNED only for the project's own domains, handled above.
        return "other" if stored in (None, "OWNED", "COMPETITOR") else SOURCE_WORDS.get(stored, str(stored).lower())

    return domains.map(word).astype(object)


def _scope_frame(subject: ReportSubject) -> pd.DataFrame:
    return pd.DataFrame(
        [(landscape, serp_type) for landscape in subject.landscapes for serp_type in subject.serp_types],
        columns=["landscape", "serp_type"],
    )


def rank_table(
    companies: pd.DataFrame, subject: ReportSubject, previous: PreviousCalculation | None = None
) -> pd.DataFrame:
    """One row per landscape × SERP type: the client's rank among every company that ranks there, how
    many companies that is, its DSI index, coverage, share and relevance, the leader, and — with a
    previous calculation — how each moved (rank change > 0 = moved up)."""
    scopes = _scope_frame(subject)
    counts = companies.groupby(["landscape", "serp_type"]).size().rename("companies").reset_index()
    leaders = companies[companies["rank"] == 1][["landscape", "serp_type", "company_name", "dsi_index"]].rename(
        columns={"company_name": "leader", "dsi_index": "leader DSI index"}
    )
    client = _client_rows(companies, subject)
    table = scopes.merge(client, how="left").merge(counts, how="left").merge(leaders, how="left")
    table["companies"] = table["companies"].fillna(0).astype("int64")
    if previous is not None:
        before = _client_rows(previous.companies, subject).rename(columns={
            "rank": "previous rank", "dsi_index": "previous DSI index", "keywords_ranked": "previous keywords ranked",
        })[["landscape", "serp_type", "previous rank", "previous DSI index", "previous keywords ranked"]]
        table = table.merge(before, how="left")
        table["rank change"] = table["previous rank"] - table["rank"]
        # Not ranking is a DSI index of 0 and no keywords: a change from or to nothing is still a change.
        table["DSI index change"] = table["dsi_index"].fillna(0.0) - table["previous DSI index"].fillna(0.0)
        table["keywords ranked change"] = (
            table["keywords_ranked"].fillna(0) - table["previous keywords ranked"].fillna(0)
        ).astype("Int64")
    else:
        for column in ("previous rank", "rank change", "DSI index change", "keywords ranked change"):
            table[column] = pd.NA
    table = table.rename(columns={
        "serp_type": "SERP type", "rank": "client rank", "dsi_index": "DSI index",
        "keywords_ranked": "keywords ranked",
    })
    for column in ("client rank", "previous rank", "rank change", "keywords ranked"):
        table[column] = table[column].astype("Int64")
    return table[[
        "landscape", "SERP type", "client rank", "companies", "previous rank", "rank change", "DSI index",
        "DSI index change", "keywords ranked", "keywords ranked change", "coverage", "share", "relevance",
        "leader", "leader DSI index",
    ]]


def _client_rows(companies: pd.DataFrame, subject: ReportSubject) -> pd.DataFrame:
    client = companies[companies["company_domain"] == subject.client_domain]
    return client[["landscape", "serp_type", "rank", "dsi_index", "keywords_ranked", "coverage", "share", "relevance"]]


def top_companies_table(
    companies: pd.DataFrame,
    subject: ReportSubject,
    source_types: Mapping[str, str],
    previous: PreviousCalculation | None = None,
    n: int = 10,
) -> pd.DataFrame:
    """Per landscape × SERP type the ``n`` highest-DSI companies, plus the client's row wherever it is
    outside them (so its rank is always in the table), with each company's source in words and its rank
    change since the previous calculation."""
    scope_keys = ["landscape", "serp_type"]
    ordered = companies.sort_values([*scope_keys, "rank", "company_domain"])
    shown = ordered[(ordered["rank"] <= n) | (ordered["company_domain"] == subject.client_domain)]
    shown = shown[shown["landscape"].isin(subject.landscapes) & shown["serp_type"].isin(subject.serp_types)]
    table = shown.assign(
        source=source_words(shown["company_domain"], source_types, subject),
        standing=shown["market_position"].map(STANDING_WORDS).fillna(shown["market_position"]),
    )
    if previous is not None:
        before = previous.companies[[*scope_keys, "company_domain", "rank"]].rename(columns={"rank": "previous rank"})
        table = table.merge(before, on=[*scope_keys, "company_domain"], how="left")
        table["rank change"] = table["previous rank"] - table["rank"]
    else:
        table = table.assign(**{"previous rank": pd.NA, "rank change": pd.NA})
    # The project's landscape order, not the alphabet's.
    table["_landscape"] = table["landscape"].map({name: i for i, name in enumerate(subject.landscapes)})
    table["_serp"] = table["serp_type"].map({name: i for i, name in enumerate(subject.serp_types)})
    table = table.sort_values(["_landscape", "_serp", "rank"]).rename(columns={
        "serp_type": "SERP type", "company_name": "company", "company_domain": "domain", "dsi_index": "DSI index",
    })
    for column in ("rank", "previous rank", "rank change"):
        table[column] = table[column].astype("Int64")
    return table[[
        "landscape", "SERP type", "rank", "company", "domain", "source", "DSI index", "coverage", "share",
        "relevance", "standing", "previous rank", "rank change",
    ]].reset_index(drop=True)


def attributed_serp(serp: pd.DataFrame, pages: pd.DataFrame, companies: pd.DataFrame) -> pd.DataFrame:
    """The calculation's SERP rows with the company each belongs to, as the DSI attributed them (its
    dsi_page rows map every url of a SERP type to one company)."""
    owners = pages[["serp_type", "url", "company_domain"]].drop_duplicates(["serp_type", "url"])
    names = companies.drop_duplicates("company_domain").set_index("company_domain")["company_name"]
    rows = serp[["keyword", "serp_type", "position", "url", "search_volume", "estimated_traffic"]].merge(
        owners, on=["serp_type", "url"], how="inner"
    )
    rows["company_name"] = rows["company_domain"].map(names)
    return rows


def _best_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Per (SERP type, keyword, company) the company's best-placed result."""
    return rows.sort_values(["serp_type", "keyword", "company_domain", "position"]).drop_duplicates(
        ["serp_type", "keyword", "company_domain"]
    )


def _serp_order(frame: pd.DataFrame, subject: ReportSubject, column: str = "serp_type") -> pd.Series:
    return frame[column].map({name: i for i, name in enumerate(subject.serp_types)})


def gaps_table(rows: pd.DataFrame, subject: ReportSubject) -> pd.DataFrame:
    """Keywords (per SERP type) where a named competitor ranks and the client does not: one row per
    competitor with its best position and that page, by the estimated traffic the position earns
    (volume × CTR of the competitor's position), highest first. ``rows``: :func:`attributed_serp`."""
    client_keys = set(map(tuple, rows.loc[rows["company_domain"] == subject.client_domain,
                                          ["serp_type", "keyword"]].to_numpy()))
    best = _best_rows(rows[rows["company_domain"].isin(list(subject.competitors))])
    missing = [(s, k) not in client_keys for s, k in zip(best["serp_type"], best["keyword"])]
    gaps = best[np.array(missing, dtype=bool)].assign(_serp=lambda f: _serp_order(f, subject))
    gaps = gaps.sort_values(["estimated_traffic", "_serp", "keyword", "company_domain"],
                            ascending=[False, True, True, True])
    return gaps.rename(columns={
        "serp_type": "SERP type", "search_volume": "search volume", "company_name": "competitor",
        "url": "competitor page", "estimated_traffic": "estimated traffic",
    })[["SERP type", "keyword", "search volume", "competitor", "position", "competitor page", "estimated traffic"]
       ].astype({"search volume": "Int64"}).reset_index(drop=True)


def client_keywords_table(
    rows: pd.DataFrame, keywords: pd.DataFrame, subject: ReportSubject, previous: PreviousCalculation | None = None
) -> pd.DataFrame:
    """The keywords (per SERP type) where the client ranks, by the estimated traffic of its best result:
    its position and page, its share of the keyword's attention and its rank among the keyword's
    companies, and whether it ranked there in the previous calculation."""
    best = _best_rows(rows[rows["company_domain"] == subject.client_domain])
    shares = _keyword_shares(keywords, subject)
    table = best.merge(shares, on=["serp_type", "keyword"], how="left")
    if previous is not None:
        before = set(map(tuple, _keyword_shares(previous.keywords, subject)[["serp_type", "keyword"]].to_numpy()))
        table["new since previous"] = [(s, k) not in before for s, k in zip(table["serp_type"], table["keyword"])]
    else:
        table["new since previous"] = pd.NA
    table = table.assign(_serp=_serp_order(table, subject)).sort_values(
        ["estimated_traffic", "_serp", "keyword"], ascending=[False, True, True]
    )
    return table.rename(columns={
        "serp_type": "SERP type", "search_volume": "search volume", "url": "client page",
        "estimated_traffic": "estimated traffic",
    })[["SERP type", "keyword", "search volume", "position", "client page", "estimated traffic",
        "keyword share", "keyword rank", "new since previous"]
       ].astype({"search volume": "Int64", "keyword rank": "Int64"}).reset_index(drop=True)


def _keyword_shares(keywords: pd.DataFrame, subject: ReportSubject) -> pd.DataFrame:
    """The client's share and rank of each keyword (per SERP type): the same in every landscape that
    holds the keyword, so one landscape's row stands for all."""
    client = keywords[keywords["company_domain"] == subject.client_domain]
    return client.drop_duplicates(["serp_type", "keyword"])[["serp_type", "keyword", "share", "rank"]].rename(
        columns={"share": "keyword share", "rank": "keyword rank"}
    )


def client_pages_table(rows: pd.DataFrame, pages: pd.DataFrame, subject: ReportSubject) -> pd.DataFrame:
    """The client's pages (per SERP type) in the headline landscape, best page DSI first: how many
    keywords each ranks for, its best position, estimated traffic, share, relevance and page rank."""
    client_pages = pages[(pages["company_domain"] == subject.client_domain)
                         & (pages["landscape"] == subject.headline_landscape)]
    client_rows = rows[rows["company_domain"] == subject.client_domain]
    per_page = client_rows.groupby(["serp_type", "url"]).agg(
        keywords=("keyword", "nunique"), best_position=("position", "min")
    ).reset_index()
    table = client_pages.merge(per_page, on=["serp_type", "url"], how="left")
    table = table.assign(_serp=_serp_order(table, subject)).sort_values(["dsi", "_serp", "url"],
                                                                        ascending=[False, True, True])
    return table.rename(columns={
        "serp_type": "SERP type", "url": "page", "best_position": "best position", "traffic": "estimated traffic",
        "dsi": "page DSI", "rank": "page rank",
    })[["SERP type", "page", "keywords", "best position", "estimated traffic", "share", "relevance", "page DSI",
        "page rank"]].astype({"keywords": "Int64", "best position": "Int64"}).reset_index(drop=True)


def keyword_changes_table(
    keywords: pd.DataFrame, subject: ReportSubject, previous: PreviousCalculation | None
) -> pd.DataFrame:
    """The keywords (per SERP type) where the client ranks now and did not in the previous calculation
    ("gained"), and the reverse ("lost"), with the client's estimated traffic on them then and now
    (news and video: appearances)."""
    columns = ["SERP type", "keyword", "change", "client traffic before", "client traffic now"]
    if previous is None:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})

    def client_traffic(frame: pd.DataFrame) -> pd.Series:
        client = frame[frame["company_domain"] == subject.client_domain].drop_duplicates(["serp_type", "keyword"])
        return client.set_index(["serp_type", "keyword"])["traffic"]

    now, before = client_traffic(keywords), client_traffic(previous.keywords)
    gained = now.index.difference(before.index)
    lost = before.index.difference(now.index)
    table = pd.DataFrame(
        [(s, k, "gained", 0.0, float(now[(s, k)])) for s, k in gained]
        + [(s, k, "lost", float(before[(s, k)]), 0.0) for s, k in lost],
        columns=["serp_type", "keyword", "change", "client traffic before", "client traffic now"],
    )
    table = table.assign(_serp=_serp_order(table, subject)).sort_values(["change", "_serp", "keyword"])
    return table.rename(columns={"serp_type": "SERP type"})[columns].reset_index(drop=True)


def keyword_drilldown_table(
    rows: pd.DataFrame, subject: ReportSubject, source_types: Mapping[str, str]
) -> pd.DataFrame:
    """Every result of every keyword (per SERP type): who ranks, at which position, with which page and
    the estimated traffic of the position; keywords by search volume, highest first."""
    table = rows.assign(
        source=source_words(rows["company_domain"], source_types, subject),
        client=rows["company_domain"] == subject.client_domain,
        _serp=_serp_order(rows, subject),
        _volume=rows["search_volume"].astype("Float64").fillna(-1),
    ).sort_values(["_serp", "_volume", "keyword", "position"], ascending=[True, False, True, True])
    return table.rename(columns={
        "serp_type": "SERP type", "search_volume": "search volume", "company_name": "company", "url": "page",
        "estimated_traffic": "estimated traffic",
    })[["SERP type", "keyword", "search volume", "position", "company", "source", "page", "estimated traffic",
        "client"]].astype({"search volume": "Int64"}).reset_index(drop=True)


def content_fit_tables(
    rows: pd.DataFrame,
    dimension_scores: pd.DataFrame,
    subject: ReportSubject,
    personas: Sequence[str],
    page_types: Sequence[str],
    stages: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """For the client, each named competitor and all ranking content together: the mean relevance of
    its analysed ranking pages and videos to each persona (score / 10, a fraction), and the share of them
    whose best-fitting page type and buying stage (JTBD phase) is each one. A page fits the type (stage)
    it scores highest on, the project's order breaking ties; one scoring 0 on all is "unclassified"."""
    contenders = subject.contenders
    owners = rows[["url", "company_domain"]].drop_duplicates("url")
    scores = dimension_scores.merge(owners, on="url", how="inner")
    groups = [(name, scores[scores["company_domain"] == domain]) for domain, name in contenders.items()]
    groups.append(("all ranking content", scores))

    def persona_row(name: str, frame: pd.DataFrame) -> dict[str, object]:
        persona = frame[frame["dimension_kind"] == "persona"]
        means = (persona.groupby("dimension_name")["score"].mean() / 10.0).reindex(list(personas))
        return {"company": name, "pages": int(frame["url"].nunique()), **means.to_dict()}

    def shares_row(name: str, frame: pd.DataFrame, kind: str, names: Sequence[str]) -> dict[str, object]:
        fits = _best_fit(frame[frame["dimension_kind"] == kind], names)
        pages = int(frame["url"].nunique())
        counts = fits.value_counts().reindex([*names, UNCLASSIFIED], fill_value=0)
        return {"company": name, "pages": pages,
                **{k: (float(v) / pages if pages else np.nan) for k, v in counts.items()}}

    persona_table = pd.DataFrame([persona_row(n, f) for n, f in groups], columns=["company", "pages", *personas])
    type_table = pd.DataFrame([shares_row(n, f, "page_type", page_types) for n, f in groups],
                              columns=["company", "pages", *page_types, UNCLASSIFIED])
    stage_table = pd.DataFrame([shares_row(n, f, "jtbd_phase", stages) for n, f in groups],
                               columns=["company", "pages", *stages, UNCLASSIFIED])
    return persona_table, type_table, stage_table


def _best_fit(scores: pd.DataFrame, names: Sequence[str]) -> pd.Series:
    """url → the dimension it scores highest on (ties: the first in ``names``), or "unclassified"."""
    if scores.empty:
        return pd.Series(dtype=object)
    order = {name: i for i, name in enumerate(names)}
    ranked = scores.assign(_order=scores["dimension_name"].map(order).fillna(len(order))).sort_values(
        ["url", "score", "_order"], ascending=[True, False, True]
    ).drop_duplicates("url")
    return pd.Series(
        np.where(ranked["score"] > 0, ranked["dimension_name"], UNCLASSIFIED), index=ranked["url"], dtype=object
    )


def content_gaps(personas: pd.DataFrame, stages: pd.DataFrame, subject: ReportSubject) -> list[str]:
    """Sentences naming the personas and buying stages where the client's content falls short of its
    competitors' average (the "what to do" of the content-fit tables)."""
    sentences = []
    client = subject.client_name
    for table, what, unit, shown in ((personas, "persona", "relevance", "{:.2f}"),
                                     (stages, "buying stage", "share of pages", "{:.1%}")):
        columns = [c for c in table.columns if c not in ("company", "pages", UNCLASSIFIED)]
        mine = table[table["company"] == client]
        theirs = table[table["company"].isin(list(subject.competitors.values())) & (table["pages"] > 0)]
        if mine.empty or theirs.empty or int(mine["pages"].iloc[0]) == 0:
            continue
        behind = [
            (column, float(mine[column].iloc[0]), float(theirs[column].mean()))
            for column in columns
            if pd.notna(mine[column].iloc[0]) and float(mine[column].iloc[0]) < float(theirs[column].mean())
        ]
        behind.sort(key=lambda item: item[1] - item[2])
        if behind:
            listed = "; ".join(f"{name} ({shown.format(mine_value)} vs {shown.format(their_value)})"
                               for name, mine_value, their_value in behind)
            sentences.append(f"{client}'s content is behind its competitors' average {unit} for {what}s: {listed}.")
        else:
            sentences.append(f"{client}'s content matches or beats its competitors' average {unit} for every {what}.")
    return sentences


def report_tables(
    current: CalculationRows,
    subject: ReportSubject,
    previous: PreviousCalculation | None,
) -> ReportTables:
    """Every analyst table of one calculation (``previous``: the market's previous completed one)."""
    rows = attributed_serp(current.serp, current.pages, current.companies)
    personas_table, types_table, stages_table = content_fit_tables(
        rows, current.dimension_scores, subject, subject.personas, subject.page_types, subject.stages
    )
    return ReportTables(
        rank=rank_table(current.companies, subject, previous),
        top_companies=top_companies_table(current.companies, subject, current.source_types, previous),
        gaps=gaps_table(rows, subject),
        client_keywords=client_keywords_table(rows, current.keywords, subject, previous),
        client_pages=client_pages_table(rows, current.pages, subject),
        keyword_changes=keyword_changes_table(current.keywords, subject, previous),
        content_personas=personas_table,
        content_page_types=types_table,
        content_stages=stages_table,
        keyword_drilldown=keyword_drilldown_table(rows, subject, current.source_types),
    )


def keyword_summary_table(drilldown: pd.DataFrame, subject: ReportSubject, top: int = 3) -> pd.DataFrame:
    """One row per keyword and SERP type of :func:`keyword_drilldown_table`: the client's position and
    estimated traffic, how many named competitors rank, and the first ``top`` results' companies."""
    rows = []
    competitor_names = set(subject.competitors.values())
    for (serp_type, keyword), group in drilldown.groupby(["SERP type", "keyword"], sort=False):
        client = group[group["client"]]
        rows.append({
            "SERP type": serp_type,
            "keyword": keyword,
            "search volume": group["search volume"].iloc[0],
            "client position": client["position"].min() if len(client) else pd.NA,
            "client estimated traffic": float(client["estimated traffic"].sum()),
            "competitors ranking": int(group.loc[group["company"].isin(competitor_names), "company"].nunique()),
            "top results": ", ".join(f"{int(r.position)}. {r.company}" for r in group.head(top).itertuples()),
        })
    columns = ["SERP type", "keyword", "search volume", "client position", "client estimated traffic",
               "competitors ranking", "top results"]
    return pd.DataFrame(rows, columns=columns).astype({"search volume": "Int64", "client position": "Int64"})
