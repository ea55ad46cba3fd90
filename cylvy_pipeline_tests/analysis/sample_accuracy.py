"""How well content analysis reads the sample world, measured against what the world knows of every page:
the page type it was written as, the JTBD phase it was written for and its audience (personas).

The analyzer sees what the pipeline gives it (the extracted text and title, whether the page is HTML or a
PDF, and what the page declares about itself: its URL, og:type, JSON-LD types, date, author; a video's
title and description); the labels stay in the world. Used by the accuracy test and by
``benchmarks/analyzer_accuracy.py``, whose figures are recorded in BENCHMARKS.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import pandas as pd

from cylvy_pipeline.analysis.analyzer import LocalContentAnalyzer
from cylvy_pipeline.phases import content_analysis, content_scraping, youtube_enrichment
from cylvy_pipeline.providers.sample.clients import SampleYouTube
from cylvy_pipeline.providers.sample.market import SimulatedMarket
from cylvy_pipeline_tests.sample_world import NO_FAULTS, sample_serps

NOW = datetime(2026, 11, 29, tzinfo=UTC)

# The targets of issue 7 (scope item 2).
MIN_PAGE_TYPE_ACCURACY = 0.8
MIN_JTBD_ACCURACY = 0.7
MIN_PERSONA_SPEARMAN = 0.75
MAX_NON_TARGET_PERSONA_SCORE = 4.0
# A page written for a persona reads as clearly for it: the analyzer's score curve is calibrated so that a
# page about a dimension lands around 7–10 (see the comment on analyzer.SCORE_SCALE).
MIN_TARGET_PERSONA_SCORE = 7.0
# Page and video relevance on one scale: the median persona relevance of one is within this factor of
# the other's, and so is the mean score of the personas each is made for.
MAX_SCALE_RATIO = 1.5


@dataclass(frozen=True)
class AnalyzerAccuracy:
    market: str
    pages: int  # distinct scraped pages of the market's organic and news results
    videos: int
    page_type_accuracy: float  # share of pages whose top page type is the one they were written as
    page_types_labelled: int  # pages of a form the project names (events have none)
    majority_page_type_share: float  # what always answering the commonest page type would score
    jtbd_accuracy: float  # share of pages whose top JTBD phase is the one they were written for
    majority_jtbd_share: float
    persona_spearman: float  # rank correlation of persona scores with "written for this persona" (pages)
    target_persona_score: float  # mean score of the personas a page is written for
    non_target_persona_score: float  # mean score of the personas it is not written for
    video_target_persona_score: float
    video_non_target_persona_score: float
    page_relevance_median: float  # persona relevance (mean persona score / 10) of pages
    video_relevance_median: float

    @property
    def scale_ratio(self) -> float:
        """The larger over the smaller of page and video: median relevance, and target persona score."""
        ratios = (
            _ratio(self.page_relevance_median, self.video_relevance_median),
            _ratio(self.target_persona_score, self.video_target_persona_score),
        )
        return max(ratios)


def _spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation (ties share their mean rank)."""
    return float(a.rank().corr(b.rank()))


def _ratio(a: float, b: float) -> float:
    low, high = sorted((a, b))
    return high / low if low > 0 else float("inf")


@lru_cache(maxsize=4)
def _sample_content(market_code: str) -> tuple[SimulatedMarket, pd.DataFrame]:
    """The market's distinct scraped pages and its videos as the pipeline would analyse them, with the
    world's labels alongside."""
    world, serps = sample_serps(market_code)
    project = world.project
    rows = []
    seen: set[int] = set()
    for url in serps.loc[serps["serp_type"] != "video", "url"].unique():
        page = world.page_for_url(url)
        if page is None or page.index in seen:
            continue
        seen.add(page.index)
        fetched = world.fetch(url)
        if fetched.status_code != 200:
            continue
        # What content_scraping keeps of the page, made into the item content_analysis analyses.
        scraped = content_scraping.extracted_row(fetched.body, fetched.content_type, fetched.final_url)
        if scraped["status"] != "scraped":
            continue
        item = content_analysis.page_item(url, scraped)
        labels = world.page_labels(page)
        rows.append({
            "kind": "page", "text": item["text"], "title": item["title"], "content_type": item["content_type"],
            "metadata": item["metadata"],
            "page_type": labels.page_type, "jtbd_phase": labels.jtbd_phase, "personas": labels.personas,
        })
    videos = youtube_enrichment.enrich_videos(serps, SampleYouTube(world, faults=NO_FAULTS), retry_delay_s=0)
    items = content_analysis.content_items(
        pd.DataFrame(columns=["url", "normalized_url", "status"]),
        pd.DataFrame(columns=["normalized_url", "title", "text", "content_type"]),
        videos.tables["youtube_videos"],
    )
    for item in items.itertuples():
        video = world.video_for_id(youtube_enrichment.video_id_from_url(item.url))
        rows.append({
            "kind": "video", "text": item.text, "title": item.title, "content_type": item.content_type,
            "metadata": None,
            "page_type": None, "jtbd_phase": None,
            "personas": tuple(project.personas[i].name for i in video.personas),
        })
    return world, pd.DataFrame(rows)


def measure(market_code: str, analyzer: LocalContentAnalyzer | None = None) -> AnalyzerAccuracy:
    """Analyse the market's pages and videos and compare the analyzer's judgement with the labels."""
    world, content = _sample_content(market_code)
    project = world.project
    analyzer = analyzer or LocalContentAnalyzer()
    dimensions = content_analysis.analysis_dimensions(project)
    brands = content_analysis.brand_terms(project)
    analyses = [
        content_analysis.analyze_item(analyzer, row._asdict(), dimensions, brands) for row in content.itertuples()
    ]

    def top(analysis, kind: str) -> str | None:
        scored = [score for score in analysis.scores if score.kind == kind]
        best = max(scored, key=lambda score: score.score, default=None)
        return best.name if best is not None and best.score > 0 else None

    content = content.assign(
        top_page_type=[top(a, "page_type") for a in analyses],
        top_jtbd=[top(a, "jtbd_phase") for a in analyses],
        relevance=[a.persona_relevance for a in analyses],
    )
    persona_scores = pd.DataFrame(
        [
            (index, row.kind, score.score, score.name in row.personas)
            for index, (row, analysis) in enumerate(zip(content.itertuples(), analyses, strict=True))
            for score in analysis.scores
            if score.kind == "persona"
        ],
        columns=["item", "kind", "score", "is_target"],
    )
    pages = content[content["kind"] == "page"]
    typed = pages[pages["page_type"].notna()]
    phased = pages[pages["jtbd_phase"].notna()]
    page_scores = persona_scores[persona_scores["kind"] == "page"]
    video_scores = persona_scores[persona_scores["kind"] == "video"]
    return AnalyzerAccuracy(
        market=market_code,
        pages=len(pages),
        videos=int((content["kind"] == "video").sum()),
        page_type_accuracy=float((typed["top_page_type"] == typed["page_type"]).mean()),
        page_types_labelled=len(typed),
        majority_page_type_share=float(typed["page_type"].value_counts(normalize=True).iloc[0]),
        jtbd_accuracy=float((phased["top_jtbd"] == phased["jtbd_phase"]).mean()),
        majority_jtbd_share=float(phased["jtbd_phase"].value_counts(normalize=True).iloc[0]),
        persona_spearman=_spearman(page_scores["score"], page_scores["is_target"].astype(float)),
        target_persona_score=float(page_scores.loc[page_scores["is_target"], "score"].mean()),
        non_target_persona_score=float(page_scores.loc[~page_scores["is_target"], "score"].mean()),
        video_target_persona_score=float(video_scores.loc[video_scores["is_target"], "score"].mean()),
        video_non_target_persona_score=float(video_scores.loc[~video_scores["is_target"], "score"].mean()),
        page_relevance_median=float(pages["relevance"].median()),
        video_relevance_median=float(content.loc[content["kind"] == "video", "relevance"].median()),
    )


def confusion(market_code: str, kind: str = "page_type") -> pd.DataFrame:
    """Labelled vs predicted counts, for looking into misses (``kind``: page_type or jtbd_phase)."""
    world, content = _sample_content(market_code)
    project = world.project
    analyzer = LocalContentAnalyzer()
    dimensions = content_analysis.analysis_dimensions(project)
    pages = content[(content["kind"] == "page") & content[kind].notna()]
    predicted = []
    for row in pages.itertuples():
        scores = [s for s in content_analysis.analyze_item(analyzer, row._asdict(), dimensions, {}).scores if s.kind == kind]
        predicted.append(max(scores, key=lambda s: s.score).name)
    return pd.crosstab(pages[kind], pd.Series(predicted, index=pages.index, name="predicted"))
