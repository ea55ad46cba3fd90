"""Content-analysis accuracy against the sample world's labels, per sample market (issue 7, item 2).

Usage: .venv/bin/python benchmarks/analyzer_accuracy.py   — prints the Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cylvy_pipeline.analysis.analyzer import ANALYZER_VERSION  # noqa: E402
from cylvy_pipeline_tests.analysis.sample_accuracy import measure  # noqa: E402


def main() -> None:
    started = time.perf_counter()
    results = [measure(market) for market in ("US", "UK", "DE")]
    print(f"Analyzer `{ANALYZER_VERSION}`, sample project, seed 7.\n")
    print("| market | pages | videos | page type (majority) | top JTBD (majority) | persona Spearman "
          "| persona score target / other (pages) | same (videos) | median relevance page / video |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.market} | {r.pages} | {r.videos} "
            f"| {r.page_type_accuracy:.3f} ({r.majority_page_type_share:.3f}) "
            f"| {r.jtbd_accuracy:.3f} ({r.majority_jtbd_share:.3f}) | {r.persona_spearman:.3f} "
            f"| {r.target_persona_score:.2f} / {r.non_target_persona_score:.2f} "
            f"| {r.video_target_persona_score:.2f} / {r.video_non_target_persona_score:.2f} "
            f"| {r.page_relevance_median:.3f} / {r.video_relevance_median:.3f} |"
        )
    print(f"\n({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
