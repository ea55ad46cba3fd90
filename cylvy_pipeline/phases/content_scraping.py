"""Phase 5 — content_scraping: the text of every organic and news page that ranks.

Videos are not scraped. A page counts as scraped with at least 100 characters of main text; anything
else is recorded as failed with its reason. Fetches are cached across markets and executions by
normalised URL, so a page is fetched once per freshness window however many keywords, markets or runs it
appears in; only a transient failure (no answer, 408, 425, 429, 5xx) is fetched again, by the next
execution.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import pandas as pd

from cylvy_pipeline.analysis.extraction import MIN_SCRAPED_CHARS, ExtractedPage, extract_page, is_scraped
from cylvy_pipeline.analysis.urls import normalize_url
from cylvy_pipeline.phases.parallel import map_in_order
from cylvy_pipeline.phases.results import CheckOutcome, PhaseOutput, ProduceOnce, coverage, coverage_gate
from cylvy_pipeline.providers.base import WebFetcher
from cylvy_pipeline.providers.errors import ProviderError
from cylvy_pipeline.providers.retry import call_with_retries

#: What a page says about itself, kept with its text and read by content analysis (migration 0008).
SELF_DESCRIPTION_COLUMNS = ("final_url", "og_type", "schema_types", "published_at", "author")
PAGE_CACHE_COLUMNS = (
    "normalized_url", "url", "status", "failure_reason", "http_status", "title", "meta_description",
    "site_name", "text", "word_count", "content_type", "content_hash", "fetched_at", *SELF_DESCRIPTION_COLUMNS,
)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def extracted_fields(extracted: ExtractedPage, final_url: str) -> dict:
    """The page-cache fields of one extracted page: its text and what it declares about itself
    (``schema_types`` space-separated: schema.org type names never contain spaces)."""
    return {
        "title": extracted.title,
        "meta_description": extracted.meta_description,
        "site_name": extracted.site_name,
        "text": extracted.text,
        "word_count": extracted.word_count,
        "content_type": extracted.content_type,
        "content_hash": text_hash(extracted.text),
        "final_url": final_url or None,
        "og_type": extracted.og_type,
        "schema_types": " ".join(extracted.schema_types) or None,
        "published_at": extracted.published_at,
        "author": extracted.author,
    }


def scrape_page(url: str, normalized: str, fetcher: WebFetcher, *, now: datetime, retry_delay_s: float) -> dict:
    """Fetch and extract one page into a PAGE_CACHE_COLUMNS row; failures become a row with a reason."""
    row = dict.fromkeys(PAGE_CACHE_COLUMNS)
    row.update(normalized_url=normalized, url=url, fetched_at=now, status="failed")
    try:
        page = call_with_retries(lambda: fetcher.fetch(url), describe=f"fetch {url}", base_delay_s=retry_delay_s)
    except ProviderError as error:
        row["failure_reason"] = str(error)
        return row
    row["http_status"] = page.status_code
    if page.status_code >= 400:
        row["failure_reason"] = f"HTTP {page.status_code}"
        return row
    row.update(extracted_row(page.body, page.content_type, page.final_url))
    return row


def extracted_row(body: bytes, content_type: str, final_url: str) -> dict:
    """The extraction of one fetched page as page-cache fields, with its ``status`` (``scraped`` with
    enough text, else ``failed`` and a ``failure_reason``)."""
    extracted = extract_page(body, content_type, final_url)
    row = extracted_fields(extracted, final_url)
    if is_scraped(extracted):
        row.update(status="scraped", failure_reason=None)
    else:
        row.update(status="failed",
                   failure_reason=f"too little text ({len(extracted.text)} characters, need {MIN_SCRAPED_CHARS})")
    return row


def serp_page_urls(serp_results: pd.DataFrame) -> pd.DataFrame:
    """The distinct organic and news URLs of the SERPs with their cache keys (url, normalized_url)."""
    urls = serp_results.loc[serp_results["serp_type"].isin(["organic", "news"]), ["url"]].drop_duplicates()
    return urls.assign(normalized_url=urls["url"].map(normalize_url)).reset_index(drop=True)


#: HTTP answers worth asking for again: the server may answer differently next time.
TRANSIENT_HTTP_STATUSES = frozenset({408, 425, 429})


def reusable_fetches(cached_pages: pd.DataFrame) -> pd.DataFrame:
    """The cached fetches not worth repeating: successes, and failures that would fail again (404, 410,
    403, a page with too little text). A failure without an HTTP answer (a timeout, an outage), a 408,
    425 or 429, or a 5xx is transient: the next execution fetches the page again."""
    status = pd.to_numeric(cached_pages["http_status"], errors="coerce")
    transient = status.isna() | status.isin(TRANSIENT_HTTP_STATUSES) | (status >= 500)
    return cached_pages[(cached_pages["status"] == "scraped") | ~transient]


def scrape_serp_pages(
    urls: pd.DataFrame,
    cached_pages: pd.DataFrame,
    fetcher: WebFetcher,
    produce_once: ProduceOnce,
    *,
    now: datetime,
    max_concurrency: int = 8,
    retry_delay_s: float = 0.5,
) -> PhaseOutput:
    """Scrape the ``urls`` (from :func:`serp_page_urls`) whose fresh cached fetch is missing or transient.

    ``cached_pages`` holds fresh cache rows (PAGE_CACHE_COLUMNS, text optional) of any status; see
    :func:`reusable_fetches` for which of them are reused.
    Each page is fetched through ``produce_once`` (keyed by normalised URL), which records the page in
    the page cache, or hands over the row of a concurrent execution that fetched it meanwhile.
    """
    cached = reusable_fetches(cached_pages).drop(columns=["url"], errors="ignore").set_index("normalized_url")
    to_fetch = urls[~urls["normalized_url"].isin(cached.index)].drop_duplicates("normalized_url")

    def fetch(page: tuple[str, str]) -> tuple[dict, bool]:
        url, normalized = page
        return produce_once(normalized, lambda: scrape_page(url, normalized, fetcher, now=now, retry_delay_s=retry_delay_s))

    outcomes = map_in_order(fetch, list(zip(to_fetch["url"], to_fetch["normalized_url"], strict=True)),
                            max_concurrency=max_concurrency)
    rows = pd.DataFrame([row for row, _ in outcomes], columns=list(PAGE_CACHE_COLUMNS))
    fetched_here = pd.Series([here for _, here in outcomes], dtype=bool)
    known = pd.concat([cached, rows.drop(columns=["url"]).set_index("normalized_url")])
    table = urls.join(known, on="normalized_url")
    from_elsewhere = set(cached.index) | set(rows.loc[~fetched_here.to_numpy(), "normalized_url"])
    table["from_cache"] = table["normalized_url"].isin(from_elsewhere)
    table = table[
        ["url", "normalized_url", "status", "failure_reason", "title", "site_name", "word_count", "content_type",
         "content_hash", "from_cache", *SELF_DESCRIPTION_COLUMNS]
    ]

    scraped = int((table["status"] == "scraped").sum())
    failures = table.loc[table["status"] == "failed", "failure_reason"].str.split(":").str[0]
    result = {
        "success": True,
        "urls": len(table),
        "pages_scraped": scraped,
        "pages_failed": len(table) - scraped,
        "scrape_coverage": round(coverage(scraped, len(table)), 4),
        "fetched_now": int(fetched_here.sum()),
        # Pages a concurrent execution fetched while this one waited for them.
        "taken_from_concurrent_executions": int((~fetched_here).sum()),
        "cache_hits": int(table["from_cache"].sum()),
        "pdf_pages": int((table["content_type"] == "pdf").sum()),
        "failure_reasons": {k: int(v) for k, v in failures.value_counts().head(5).items()},
    }
    preview = table[table["status"] == "scraped"].sort_values("word_count", ascending=False).head(10)[
        ["url", "title", "word_count", "content_type"]
    ]
    # Every fetch, failed ones with their reason, is already in the page cache (recorded by produce_once).
    return PhaseOutput(tables={"scraped_pages": table}, result=result, preview=preview)


def check_scrape_coverage(scraped_pages: pd.DataFrame, threshold: float) -> CheckOutcome:
    scraped = int((scraped_pages["status"] == "scraped").sum())
    return coverage_gate("organic and news URLs scraped", scraped, len(scraped_pages), threshold)
