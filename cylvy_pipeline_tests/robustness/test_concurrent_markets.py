"""Two markets executing at once rank many of the same pages: each page is fetched once and each piece
of content analysed once, the other execution taking the result instead of paying for it again."""

from __future__ import annotations

import pytest

from cylvy_pipeline_tests.processes import start_cli

pytestmark = pytest.mark.slow


def phase_result(conn, execution_id: str, phase: str, field: str) -> int:
    return int(conn.execute(
        """SELECT result_data->>%s FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = %s""", (field, execution_id, phase),
    ).fetchone()[0])


def test_two_markets_at_once_fetch_and_analyse_each_item_once(product_db, tmp_path):
    # Nothing cached: every page of both markets is due, and the overlap is what would be paid twice.
    product_db.execute("DELETE FROM page_cache")
    product_db.execute("DELETE FROM analysis_cache")
    before = {r[0] for r in product_db.execute("SELECT id FROM pipeline_executions").fetchall()}
    runs = [
        start_cli("run", "--market", market, log=tmp_path / f"{market}.log", CYLVY_SAMPLE_LATENCY_MS="150")
        for market in ("US", "UK")
    ]
    assert [r.wait(timeout=600) for r in runs] == [0, 0], [(tmp_path / f"{m}.log").read_text() for m in ("US", "UK")]
    executions = [str(r[0]) for r in product_db.execute("SELECT id FROM pipeline_executions").fetchall()
                  if r[0] not in before]
    assert len(executions) == 2

    distinct_pages = product_db.execute(
        "SELECT count(DISTINCT normalized_url) FROM scraped_pages WHERE pipeline_execution_id = ANY(%s::uuid[])",
        (executions,),
    ).fetchone()[0]
    shared_pages = product_db.execute(
        """SELECT count(*) FROM (SELECT normalized_url FROM scraped_pages WHERE pipeline_execution_id = ANY(%s::uuid[])
           GROUP BY normalized_url HAVING count(DISTINCT pipeline_execution_id) = 2) AS shared""",
        (executions,),
    ).fetchone()[0]
    assert shared_pages > 20  # the markets overlap: without claims these would be fetched twice
    fetched = [phase_result(product_db, e, "content_scraping", "fetched_now") for e in executions]
    fetched_by_both = product_db.execute(
        """SELECT normalized_url, bool_and(status = 'failed') FROM scraped_pages
           WHERE pipeline_execution_id = ANY(%s::uuid[]) AND NOT from_cache
           GROUP BY normalized_url HAVING count(*) = 2""",
        (executions,),
    ).fetchall()
    # Only a page whose fetch had failed before the other execution started is fetched again (failures
    # are retried by the next execution); a scraped page never is.
    assert all(failed for _, failed in fetched_by_both), fetched_by_both
    assert sum(fetched) == distinct_pages + len(fetched_by_both)

    distinct_content = product_db.execute(
        "SELECT count(DISTINCT content_hash) FROM content_analyses WHERE pipeline_execution_id = ANY(%s::uuid[])",
        (executions,),
    ).fetchone()[0]
    analysed = [phase_result(product_db, e, "content_analysis", "analysed_now") for e in executions]
    assert sum(analysed) == distinct_content
    taken = [phase_result(product_db, e, "content_scraping", "taken_from_concurrent_executions") for e in executions]
    print(f"fetched {fetched} of {distinct_pages} pages ({shared_pages} in both markets); taken from the other: {taken}; analysed {analysed}")
