"""Phase 2 — serp_collection: the ranked organic, news and video results for every keyword."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cylvy_pipeline.analysis.ctr import ctr_for_positions
from cylvy_pipeline.phases.parallel import map_in_order
from cylvy_pipeline.phases.results import CheckOutcome, PhaseOutput
from cylvy_pipeline.providers.base import SERP_ITEM_COLUMNS, SerpProvider
from cylvy_pipeline.providers.retry import call_with_retries


def collect_serps(
    keyword_metrics: pd.DataFrame,
    market: str,
    serp_types: Sequence[str],
    depth: int,
    provider: SerpProvider,
    *,
    default_search_volume: int,
    ctr_curve: Mapping[int, float] | None = None,
    max_concurrency: int = 8,
    retry_delay_s: float = 0.5,
) -> PhaseOutput:
    """Fetch the top ``depth`` results per keyword and SERP type, and estimate each result's traffic.

    Estimated traffic = search volume × CTR(position). A keyword without a volume uses
    ``default_search_volume`` and the row says so (``volume_defaulted``). A SERP with no results is
    recorded in ``serp_fetches`` with a count of 0, so "empty" and "not fetched" never look alike.
    """
    requests = [(keyword, serp_type) for keyword in keyword_metrics["keyword"] for serp_type in serp_types]

    def fetch(request: tuple[str, str]) -> pd.DataFrame:
        keyword, serp_type = request
        return call_with_retries(
            lambda: provider.search(keyword, market, serp_type, depth),
            describe=f"{serp_type} SERP for {keyword!r} in {market}",
            base_delay_s=retry_delay_s,
        )

    if getattr(provider, "batches_searches", False):
        # A queue: post every SERP, collect each when ready. Not retried as a whole: that would post (and
        # pay for) every task again; its calls are retried one by one.
        pages = provider.search_many(requests, market, depth)
    else:  # a SERP that fails for good (a refused key, a spent budget) stops the others from starting
        pages = map_in_order(fetch, requests, max_concurrency=max_concurrency)

    fetches = pd.DataFrame(
        {
            "keyword": [k for k, _ in requests],
            "serp_type": [t for _, t in requests],
            "result_count": [len(p) for p in pages],
        }
    )
    non_empty = [
        page.assign(keyword=keyword, serp_type=serp_type)
        for (keyword, serp_type), page in zip(requests, pages, strict=True)
        if len(page)
    ]
    columns = ["keyword", "serp_type", *SERP_ITEM_COLUMNS]
    results = pd.concat(non_empty, ignore_index=True)[columns] if non_empty else pd.DataFrame(columns=columns)

    volumes = keyword_metrics.set_index("keyword")["search_volume"].astype("Int64")
    results["search_volume"] = results["keyword"].map(volumes).astype("Int64")
    results["volume_defaulted"] = results["search_volume"].isna()
    results["ctr"] = ctr_for_positions(results["position"].astype(int), ctr_curve)
    results["estimated_traffic"] = (
        results["search_volume"].fillna(default_search_volume).astype(float) * results["ctr"]
    )

    by_type = results.groupby("serp_type").size().to_dict()
    result = {
        "success": True,
        "market": market,
        "serp_requests": len(requests),
        "empty_serps": int((fetches["result_count"] == 0).sum()),
        "results": len(results),
        "organic_results": int(by_type.get("organic", 0)),
        "news_results": int(by_type.get("news", 0)),
        "video_results": int(by_type.get("video", 0)),
        "distinct_domains": int(results["domain"].nunique()),
        "rows_with_defaulted_volume": int(results["volume_defaulted"].sum()),
        "estimated_traffic": round(float(results["estimated_traffic"].sum()), 1),
    }
    preview = (
        results[results["serp_type"] == "organic"]
        .groupby("domain", as_index=False)["estimated_traffic"].sum()
        .sort_values("estimated_traffic", ascending=False)
        .head(10)
    )
    return PhaseOutput(tables={"serp_results": results, "serp_fetches": fetches}, result=result, preview=preview)


def check_serps_fetched(fetches: pd.DataFrame, keywords: Sequence[str], serp_types: Sequence[str]) -> CheckOutcome:
    """Every (keyword, SERP type) was fetched; an empty result counts, a missing fetch does not."""
    expected = {(k, t) for k in keywords for t in serp_types}
    got = set(zip(fetches["keyword"], fetches["serp_type"], strict=True))
    missing = sorted(expected - got)
    return CheckOutcome(
        passed=not missing,
        description=(
            f"all {len(expected)} keyword × SERP-type requests fetched"
            if not missing
            else f"{len(missing)} of {len(expected)} keyword × SERP-type requests missing, e.g. {missing[:3]}"
        ),
        metrics={"expected": len(expected), "fetched": len(got & expected), "missing": len(missing)},
    )
