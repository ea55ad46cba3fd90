"""Domain maths and text: registrable domains, URLs, CTR curve, DSI, extraction and content analysis.

:func:`analyze_fetched_page` is the stable entry point for evaluating content analysis on one page.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cylvy_pipeline.analysis.analyzer import ContentAnalysis, ContentAnalyzer, LocalContentAnalyzer
    from cylvy_pipeline.project.model import Project


def analyze_fetched_page(
    body: bytes, content_type: str, url: str, project: Project, analyzer: ContentAnalyzer | None = None
) -> ContentAnalysis | None:
    """What ``content_scraping`` then ``content_analysis`` make of one fetched page, by their own code.

    ``body`` and ``content_type`` are the server's answer for ``url`` (the address the page was served
    from). The page is extracted and its self-description kept as the scraping phase keeps them, turned
    into the analysis item as the analysis phase does, and analysed against ``project``'s personas, JTBD
    phases, page types and custom dimensions with its brands — by the local analyzer unless another is
    given. Returns the analysis (dimension scores and ``persona_relevance``, the page's relevance in
    the DSI), or ``None`` for a page the scraping phase would not count as scraped (less than 100
    characters of text), which the pipeline does not analyse either.
    """
    # Imported here: the phases import this package's modules, so this package cannot import them first.
    from cylvy_pipeline.phases import content_analysis, content_scraping

    row = content_scraping.extracted_row(body, content_type, url)
    if row["status"] != "scraped":
        return None
    item = content_analysis.page_item(url, row)
    return content_analysis.analyze_item(
        analyzer or _shipped_analyzer(),
        item,
        content_analysis.analysis_dimensions(project),
        content_analysis.brand_terms(project),
    )


@functools.cache
def _shipped_analyzer() -> LocalContentAnalyzer:
    """The local analyzer with the shipped weights and vocabulary, built once per process: reading and
    fingerprinting them, and compiling the project's dimensions, take longer than analysing a page."""
    from cylvy_pipeline.analysis.analyzer import LocalContentAnalyzer

    return LocalContentAnalyzer()
