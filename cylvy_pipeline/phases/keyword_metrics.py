"""Phase 1 — keyword_metrics: search volume, competition and bids per keyword in one market."""

from __future__ import annotations

import pandas as pd

from cylvy_pipeline.phases.parallel import map_in_order
from cylvy_pipeline.phases.results import CheckOutcome, PhaseOutput, coverage, coverage_gate
from cylvy_pipeline.providers.base import KEYWORD_METRIC_COLUMNS, KeywordMetricsProvider
from cylvy_pipeline.providers.retry import call_with_retries


def collect_keyword_metrics(
    keywords: pd.DataFrame, market: str, provider: KeywordMetricsProvider, *, retry_delay_s: float = 0.5,
    max_concurrency: int = 1,
) -> PhaseOutput:
    """Ask the provider for every keyword's metrics in ``market``, in batches (at most
    ``max_concurrency`` batches at once).

    ``keywords`` has the project's columns (keyword, category, jtbd_stage, avg_monthly_searches,
    is_brand). A volume the provider does not know falls back to the keyword file's figure; with
    neither, it stays missing (NULL), never zero.
    """
    batch = provider.max_keywords_per_call
    names = keywords["keyword"].tolist()

    def fetch(start: int) -> pd.DataFrame:
        return call_with_retries(
            lambda: provider.keyword_metrics(names[start : start + batch], market),
            describe=f"keyword metrics for {market} (keywords {start + 1}–{min(start + batch, len(names))})",
            base_delay_s=retry_delay_s,
        )

    fetched = map_in_order(fetch, range(0, len(names), batch), max_concurrency=max_concurrency)
    metrics = pd.concat(fetched, ignore_index=True) if fetched else pd.DataFrame(columns=KEYWORD_METRIC_COLUMNS)
    merged = keywords.merge(metrics[list(KEYWORD_METRIC_COLUMNS)], on="keyword", how="left")
    merged["metrics_missing"] = merged["search_volume"].isna()
    merged["search_volume"] = (
        merged["search_volume"].astype("Int64").fillna(merged["avg_monthly_searches"].astype("Int64"))
    )
    table = merged[
        [
            "keyword", "category", "jtbd_stage", "is_brand", "search_volume", "competition",
            "competition_index", "low_top_of_page_bid", "high_top_of_page_bid", "metrics_missing",
        ]
    ]
    with_volume = int(table["search_volume"].notna().sum())
    result = {
        "success": True,
        "market": market,
        "keywords": len(table),
        "keywords_with_metrics": with_volume,
        "volume_coverage": round(coverage(with_volume, len(table)), 4),
        "total_search_volume": int(table["search_volume"].fillna(0).sum()),
        "provider_calls": len(fetched),
    }
    preview = table.sort_values("search_volume", ascending=False, na_position="last").head(10)[
        ["keyword", "category", "search_volume", "competition"]
    ]
    return PhaseOutput(tables={"keyword_metrics": table}, result=result, preview=preview)


def check_keyword_metrics(rows: pd.DataFrame, expected_keywords: int, volume_threshold: float) -> CheckOutcome:
    """Every keyword has a row for the market, and enough of them have a search volume."""
    if len(rows) != expected_keywords:
        return CheckOutcome(
            passed=False,
            description=f"{len(rows)} keyword rows for {expected_keywords} keywords in the project",
            metrics={"rows": len(rows), "expected": expected_keywords},
        )
    return coverage_gate(
        "keywords with a search volume", int(rows["search_volume"].notna().sum()), len(rows), volume_threshold
    )
