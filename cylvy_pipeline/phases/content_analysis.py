"""Phase 7 — content_analysis: how relevant each page and video is to the client's buyers.

Every scraped page (and every video's title and description) is scored against each persona, JTBD
phase, page type and custom dimension. Analyses are cached by content hash and analyzer version, so
unchanged content is never analysed twice; a failed analysis is recorded as failed and never stored as
a result.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd

from cylvy_pipeline.analysis.analyzer import (
    AnalysisDimension,
    ContentAnalysis,
    ContentAnalyzer,
    DimensionScore,
    LocalContentAnalyzer,
    content_hash,
    reads_as_english,
)
from cylvy_pipeline.analysis.page_signals import PageMetadata
from cylvy_pipeline.phases.content_scraping import SELF_DESCRIPTION_COLUMNS
from cylvy_pipeline.phases.parallel import map_in_order
from cylvy_pipeline.phases.results import CheckOutcome, PhaseOutput, ProduceOnce, coverage, coverage_gate
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.providers.errors import BudgetExceeded, ProviderAuthError, QuotaExhausted


def analysis_dimensions(project: Project) -> list[AnalysisDimension]:
    """The project's personas, JTBD phases, page types and custom dimensions as scoring dimensions."""
    # A persona is described by everything the project says of it: its keywords and description name its
    # subject ("clearing, settlement, exceptions" is what a payments operations page talks about), its
    # goals and pain points what it wants (outcome terms, which count less). A dimension's name is not
    # among its terms ("page", "building" are no evidence of anything), only used to recognise it.
    dimensions = [
        AnalysisDimension("persona", p.name, (*p.keywords, p.description), (*p.goals, *p.pain_points))
        for p in project.personas
    ]
    for kind, items in (
        ("jtbd_phase", project.jtbd_phases),
        ("page_type", project.page_types),
        ("custom", project.custom_dimensions),
    ):
        dimensions += [AnalysisDimension(kind, d.name, tuple(d.signals)) for d in items]
    return dimensions


def brand_terms(project: Project) -> dict[str, list[str]]:
    return {c.name: [c.name, *c.domains] for c in (project.client, *project.competitors)}


def analysis_version(
    analyzer: ContentAnalyzer, dimensions: Sequence[AnalysisDimension], brands: Mapping[str, Sequence[str]]
) -> str:
    """The cache version of an analysis: the analyzer's version plus a fingerprint of what it scored
    against, so editing a persona or a competitor invalidates the cached analyses it affects."""
    fingerprint = hashlib.sha256(
        json.dumps([[dataclasses.astuple(d) for d in dimensions], sorted(brands.items())], default=list).encode()
    ).hexdigest()[:12]
    return f"{analyzer.version}+{fingerprint}"


def _to_json(analysis: ContentAnalysis) -> dict:
    return dataclasses.asdict(analysis)


def _from_json(data: Mapping) -> ContentAnalysis:
    return ContentAnalysis(
        scores=tuple(DimensionScore(**s) for s in data["scores"]),
        sentiment=data["sentiment"],
        sentiment_score=data["sentiment_score"],
        key_topics=tuple(data["key_topics"]),
        mentions=tuple(tuple(m) for m in data["mentions"]),
        persona_relevance=data["persona_relevance"],
    )


def _optional(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def page_metadata(url: str, row: Mapping) -> PageMetadata:
    """What a scraped page declared about itself (page-cache fields, see ``content_scraping``), with the
    URL it was served from (else the URL it ranked with)."""
    schema_types = _optional(row.get("schema_types"))
    return PageMetadata(
        url=_optional(row.get("final_url")) or _optional(url),
        og_type=_optional(row.get("og_type")),
        schema_types=tuple(schema_types.split()) if schema_types else (),
        published_at=_optional(row.get("published_at")),
        author=_optional(row.get("author")),
    )


def page_item(url: str, row: Mapping) -> dict:
    """The analysis item of one scraped page, from its page-cache fields."""
    item = {
        "url": url,
        "content_kind": "page",
        "title": _optional(row.get("title")),
        "text": row.get("text") or "",
        "content_type": row.get("content_type"),
        "metadata": page_metadata(url, row),
    }
    return {**item, "content_hash": analysed_content_hash(item["text"], item["title"], item["content_type"],
                                                           item["metadata"])}


def content_items(scraped_pages: pd.DataFrame, page_texts: pd.DataFrame, videos: pd.DataFrame) -> pd.DataFrame:
    """One row per thing to analyse: url, content_kind, title, text (pages: scraped text; videos:
    title + description), content_type (html | pdf | video), metadata (what a page declares about
    itself: :class:`PageMetadata`; ``None`` for videos) and content_hash, the cache key of its analysis
    (everything the analyzer reads)."""
    columns = ["normalized_url", "title", "text", "content_type",
               *[column for column in SELF_DESCRIPTION_COLUMNS if column in page_texts.columns]]
    pages = scraped_pages[scraped_pages["status"] == "scraped"][["url", "normalized_url"]].merge(
        page_texts[columns], on="normalized_url", how="inner"
    )
    page_rows = [page_item(row["url"], row) for row in pages.to_dict("records")]
    video_items = pd.DataFrame(
        {
            "url": videos["url"],
            "content_kind": "video",
            "title": videos["title"],
            "text": videos["title"].fillna("") + "\n" + videos["description"].fillna(""),
            "content_type": "video",
            "metadata": None,
        }
    )
    video_items = video_items.assign(content_hash=[
        analysed_content_hash(text, title, "video", None)
        for text, title in zip(video_items["text"], video_items["title"], strict=True)
    ])
    item_columns = ["url", "content_kind", "title", "text", "content_type", "metadata", "content_hash"]
    return pd.concat([pd.DataFrame(page_rows, columns=item_columns), video_items[item_columns]], ignore_index=True)


def analysed_content_hash(
    text: str, title: str | None, content_type: str | None, metadata: PageMetadata | None = None
) -> str:
    """The cache key of an analysis: a hash of everything the analyzer reads (whitespace-insensitive)."""
    title = title if isinstance(title, str) else ""
    described = metadata.describe() if metadata is not None else ""
    return content_hash(f"{content_type or ''}\n{title}\n{described}\n{text}")


def analyze_item(
    analyzer: ContentAnalyzer,
    item: Mapping,
    dimensions: Sequence[AnalysisDimension],
    brands: Mapping[str, Sequence[str]],
) -> ContentAnalysis:
    """Analyse one item of :func:`content_items` (the one way content is analysed)."""
    title = item["title"] if isinstance(item["title"], str) else None
    metadata = item.get("metadata")
    return analyzer.analyze(item["text"], title, dimensions, brands, item["content_type"],
                            metadata=metadata if isinstance(metadata, PageMetadata) else None)


def analyze_content(
    items: pd.DataFrame,
    dimensions: Sequence[AnalysisDimension],
    brands: Mapping[str, Sequence[str]],
    cached_analyses: pd.DataFrame,
    analyzer: ContentAnalyzer,
    produce_once: ProduceOnce,
    *,
    now: datetime,
    max_concurrency: int = 1,
) -> PhaseOutput:
    """Analyse ``items`` (see :func:`content_items`), reusing cached analyses of identical content.

    Each new analysis goes through ``produce_once`` (keyed by content hash), which records it in the
    analysis cache, or hands over the analysis a concurrent execution made meanwhile. At most
    ``max_concurrency`` analyses run at once (``produce_once`` and the analyzer must be thread-safe); the
    output does not depend on it. A failed analysis is recorded and the others go on; a refused key, a spent
    quota or a spent budget stops the phase, since every further analysis would fail the same way.
    """
    version = analysis_version(analyzer, dimensions, brands)
    cache = {h: _from_json(r) for h, r in zip(cached_analyses["content_hash"], cached_analyses["result"], strict=True)}
    to_analyse = [row for row in items.drop_duplicates("content_hash").itertuples() if row.content_hash not in cache]

    def analyse(row) -> tuple[dict | None, bool, dict | None]:
        """(the cache row, whether it was made here, a failure) for one item."""

        def produce() -> dict:
            analysis = analyze_item(analyzer, row._asdict(), dimensions, brands)
            return {"content_hash": row.content_hash, "analyzer_version": version,
                    "result": _to_json(analysis), "analyzed_at": now}

        try:
            cache_row, here = produce_once(row.content_hash, produce)
        except (ProviderAuthError, QuotaExhausted, BudgetExceeded):
            raise  # every further item would fail the same way (and a refused key costs a call each)
        except Exception as error:  # noqa: BLE001 — any analyzer failure is recorded, never stored as a result
            return None, False, {"url": row.url, "error": f"{type(error).__name__}: {error}"}
        return cache_row, here, None

    analysed_here, failures = 0, []
    analyses: dict[str, ContentAnalysis] = {h: cache[h] for h in items["content_hash"] if h in cache}
    for row, (cache_row, here, failure) in zip(
        to_analyse, map_in_order(analyse, to_analyse, max_concurrency=max_concurrency), strict=True
    ):
        if failure is not None:
            failures.append(failure)
            continue
        analyses[row.content_hash] = _from_json(cache_row["result"])
        if here:
            analysed_here += 1
        else:  # a concurrent execution analysed the same content meanwhile
            cache[row.content_hash] = analyses[row.content_hash]

    done = items[items["content_hash"].isin(analyses)]
    table = pd.DataFrame(
        {
            "url": done["url"],
            "content_kind": done["content_kind"],
            "content_hash": done["content_hash"],
            "analyzer_version": version,
            "persona_relevance": [analyses[h].persona_relevance for h in done["content_hash"]],
            "sentiment": [analyses[h].sentiment for h in done["content_hash"]],
            "sentiment_score": [analyses[h].sentiment_score for h in done["content_hash"]],
            "key_topics": [list(analyses[h].key_topics) for h in done["content_hash"]],
            "mentions": [dict(analyses[h].mentions) for h in done["content_hash"]],
            "from_cache": done["content_hash"].isin(cache).to_numpy(),
        }
    )
    scores = pd.DataFrame(
        [
            (url, s.kind, s.name, s.score, s.confidence, s.evidence)
            for url, h in zip(done["url"], done["content_hash"], strict=True)
            for s in analyses[h].scores
        ],
        columns=["url", "dimension_kind", "dimension_name", "score", "confidence", "evidence"],
    )

    pages = table[table["content_kind"] == "page"]
    result = {
        "success": True,
        "items": len(items),
        "pages_analysed": len(pages),
        "videos_analysed": int((table["content_kind"] == "video").sum()),
        "analysis_failures": len(failures),
        "analysis_coverage": round(coverage(len(table), len(items)), 4),
        "analysed_now": analysed_here,
        "cache_hits": int(table["from_cache"].sum()),
        "analyzer_version": version,
        "mean_persona_relevance": round(float(table["persona_relevance"].mean()), 4) if len(table) else None,
    }
    if failures:
        result["failed_examples"] = failures[:3]
    # The local analyzer reads English only: pages in another language (a German market's SERPs) score as
    # little as off-topic ones, which says nothing about their relevance. Counted, and said plainly.
    other_language = [url for url, kind, text in zip(items["url"], items["content_kind"], items["text"], strict=True)
                      if kind == "page" and not reads_as_english(text)]
    result["pages_not_in_english"] = len(other_language)
    if other_language and isinstance(analyzer, LocalContentAnalyzer):
        result["language_warning"] = (
            f"{len(other_language)} of {int((items['content_kind'] == 'page').sum())} pages are not in English, "
            f"the one language the local analyzer reads (e.g. {other_language[0]}): their relevance is near 0 "
            "whatever they say; analyse this market with content_analyzer: openai"
        )
    persona_means = (
        scores[scores["dimension_kind"] == "persona"].groupby("dimension_name", as_index=False)["score"].mean()
    )
    return PhaseOutput(
        tables={"content_analyses": table, "content_dimension_scores": scores},
        result=result,
        preview=persona_means.rename(columns={"dimension_name": "persona", "score": "mean score (0–10)"}),
    )


def check_analysis_coverage(analysed_pages: int, scraped_pages: int, threshold: float) -> CheckOutcome:
    return coverage_gate("scraped pages analysed", analysed_pages, scraped_pages, threshold)
