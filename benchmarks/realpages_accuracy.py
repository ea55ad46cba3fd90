"""Content-analysis accuracy on the labelled real-page development set (issue 17), in-sample and
cross-validated by source organisation, with the analysis time per page.

Usage: .venv/bin/python benchmarks/realpages_accuracy.py [--no-cv] [--without-sim] [--confusion]   — prints the Markdown for BENCHMARKS.md
(REALPAGES_DEV=<folder> to point elsewhere; the default is ../shared/realpages-dev beside the repository).

Every page goes through ``cylvy_pipeline.analysis.analyze_fetched_page`` (what content_scraping then
content_analysis do), with the page's public URL as the address it was served from. In-sample: the
shipped weights, fitted on all of these pages. Cross-validated: for each source organisation, weights
fitted without its pages (``fit_analyzer_weights.fit_weights``) analyse its pages — the honest estimate
for pages from organisations the weights have not seen.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_analyzer_weights  # noqa: E402
import realpages  # noqa: E402

from cylvy_pipeline.analysis import analyze_fetched_page  # noqa: E402
from cylvy_pipeline.analysis.analyzer import ANALYZER_VERSION, LocalContentAnalyzer  # noqa: E402
from cylvy_pipeline.analysis.extraction import extract_page  # noqa: E402
from cylvy_pipeline.phases import content_analysis, content_scraping  # noqa: E402
from cylvy_pipeline.project.loader import load_project  # noqa: E402

SAMPLE_PROJECT = Path(__file__).resolve().parent.parent / "cylvy_pipeline" / "project" / "sample"


def _row(page: realpages.DevPage, analysis) -> dict:
    def top(kind: str) -> str | None:
        scored = [score for score in analysis.scores if score.kind == kind]
        return max(scored, key=lambda score: score.score).name if scored else None

    row = {"page_id": page.page_id, "top_page_type": top("page_type"), "top_jtbd": top("jtbd_phase"),
           "relevance": analysis.persona_relevance}
    row.update({score.name: score.score for score in analysis.scores if score.kind == "persona"})
    return row


def analyse(pages, project, analyzer) -> pd.DataFrame:
    return pd.DataFrame([_row(page, analyze_fetched_page(page.body, page.content_type, page.url, project, analyzer))
                         for page in pages])


def cross_validated(pages, labels, project, *, with_sim: bool = True) -> pd.DataFrame:
    items = fit_analyzer_weights.read_items()
    sim = fit_analyzer_weights.read_sim_items() if with_sim else []
    frames = []
    organisations = labels["organisation"].to_numpy()
    for organisation in np.unique(organisations):
        held = organisations == organisation
        weights = fit_analyzer_weights.fit_weights(
            [item for item, h in zip(items, held, strict=True) if not h], labels[~held].reset_index(drop=True), sim
        )
        frames.append(analyse([p for p, h in zip(pages, held, strict=True) if h], project, LocalContentAnalyzer(weights)))
    return pd.concat(frames, ignore_index=True)


def timings(pages, project) -> tuple[float, float, float]:
    """Median milliseconds per page: analysis alone (the extracted item ready), extraction, and the whole
    of ``analyze_fetched_page`` (extraction, self-description, analysis)."""
    analyzer = LocalContentAnalyzer()
    dimensions = content_analysis.analysis_dimensions(project)
    brands = content_analysis.brand_terms(project)
    analysis_ms, extraction_ms, entry_point_ms = [], [], []
    for page in pages:
        started = time.perf_counter()
        extract_page(page.body, page.content_type, page.url)
        extraction_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        analyze_fetched_page(page.body, page.content_type, page.url, project)
        entry_point_ms.append((time.perf_counter() - started) * 1000)
        item = content_analysis.page_item(page.url, content_scraping.extracted_row(page.body, page.content_type, page.url))
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            content_analysis.analyze_item(analyzer, item, dimensions, brands)
            runs.append((time.perf_counter() - started) * 1000)
        analysis_ms.append(min(runs))
    return statistics.median(analysis_ms), statistics.median(extraction_ms), statistics.median(entry_point_ms)


def _table_row(name: str, f: realpages.Figures) -> str:
    each = " / ".join(f"{value:.2f}" for value in f.persona_auc_each.values())
    med = f.relevance_median
    return (
        f"| {name} | {f.page_type_accuracy:.3f} | {f.jtbd_accuracy:.3f} | {f.jtbd_clear_accuracy:.3f} "
        f"| {f.persona_spearman:.3f} ({f.persona_spearman_graded:.3f}) | {f.persona_auc:.3f} ({each}) "
        f"| {f.relevance_auc:.3f} | {med.get('banking', 0):.3f} / {med.get('fin-adjacent', 0):.3f} / "
        f"{med.get('off-topic', 0):.3f} ({med.get('off-topic', 0) / max(med.get('banking', 1e-9), 1e-9):.2f}) |"
    )


def main() -> None:
    if not (realpages.DEV_SET / "labels.csv").exists():
        sys.exit(f"no development set at {realpages.DEV_SET} (set REALPAGES_DEV)")
    started = time.perf_counter()
    project = load_project(SAMPLE_PROJECT)
    labels = realpages.labels()
    pages = realpages.pages()
    in_sample = labels.merge(analyse(pages, project, LocalContentAnalyzer()), on="page_id")
    rows = [("in-sample (shipped weights)", realpages.figures(in_sample))]
    if "--no-cv" not in sys.argv:
        cv = labels.merge(cross_validated(pages, labels, project), on="page_id")
        rows.append(("cross-validated by organisation", realpages.figures(cv)))
    if "--without-sim" in sys.argv:  # what the simulated market's share of the fit costs on real pages
        cv = labels.merge(cross_validated(pages, labels, project, with_sim=False), on="page_id")
        rows.append(("cross-validated, fitted without the simulated market", realpages.figures(cv)))
    first = rows[0][1]
    print(f"Analyzer `{ANALYZER_VERSION}`, sample project, dev set {first.pages} pages "
          f"(majority class: page type {first.majority_page_type:.3f}, JTBD {first.majority_jtbd:.3f}; "
          f"JTBD n={first.jtbd_pages}, clear n={first.jtbd_clear_pages}).\n")
    print("| weights | page type | top JTBD | top JTBD, clear | persona Spearman (graded) "
          "| persona AUC (payments / lending / CIO) | relevance AUC banking vs off-topic "
          "| median relevance banking / fin-adjacent / off-topic (off/banking) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, f in rows:
        print(_table_row(name, f))
    if "--confusion" in sys.argv:
        print(pd.crosstab(in_sample["page_type"], in_sample["top_page_type"]))
    analysis_ms, extraction_ms, entry_point_ms = timings(pages, project)
    print(f"\nMedian per page: analysis {analysis_ms:.1f} ms, extraction {extraction_ms:.1f} ms, "
          f"analyze_fetched_page {entry_point_ms:.1f} ms ({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
