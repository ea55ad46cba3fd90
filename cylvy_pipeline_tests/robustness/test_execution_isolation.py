"""Two executions of one market at once: each phase reads its upstreams' rows of its own execution, and
a run of some phases reads the upstream output that was current when it started (SPEC 2)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import dagster as dg
import pandas as pd
import pytest

from cylvy_pipeline.contract import KEYWORDS_TAG, PARTITION_TAG, execution_id_of
from cylvy_pipeline.execution import run_market
from cylvy_pipeline.storage.tables import pinned_output_execution, query_frame, write_phase_output
from cylvy_pipeline_tests.dagster_ui import wait_for
from cylvy_pipeline_tests.processes import kill_session, start_cli

pytestmark = pytest.mark.slow


def _rows(conn, table: str, execution_id: str, columns: str) -> pd.DataFrame:
    return query_frame(conn, f"SELECT DISTINCT {columns} FROM {table} WHERE pipeline_execution_id = %s", (execution_id,))


def assert_built_from_its_own_rows(conn, execution_id: str) -> None:
    """Every phase's rows refer only to what the same execution's upstream phases produced."""

    def values(table: str, column: str, where: str = "TRUE") -> set:
        return {
            r[0] for r in conn.execute(
                f"SELECT DISTINCT {column} FROM {table} WHERE pipeline_execution_id = %s AND {where}", (execution_id,)
            ).fetchall()
        }

    keywords = values("keyword_metrics", "keyword")
    assert keywords and values("serp_results", "keyword") <= keywords and values("serp_fetches", "keyword") == keywords
    page_urls = values("serp_results", "url", "serp_type IN ('organic', 'news')")
    video_urls = values("serp_results", "url", "serp_type = 'video'")
    hosts = values("serp_results", "domain", "serp_type <> 'video'")
    assert values("serp_domain_companies", "host") == hosts
    assert values("scraped_pages", "url") == page_urls
    assert values("youtube_videos", "url") <= video_urls
    channels = values("youtube_videos", "channel_id", "channel_id IS NOT NULL")
    assert values("youtube_channel_companies", "channel_id") == channels
    assert values("content_analyses", "url", "content_kind = 'page'") <= values("scraped_pages", "url", "status = 'scraped'")
    assert values("content_analyses", "url", "content_kind = 'video'") <= values("youtube_videos", "url")
    assert values("dsi_page", "url") <= page_urls | video_urls
    assert values("dsi_keyword", "keyword") <= keywords
    companies = values("serp_domain_companies", "company_domain") | values("youtube_channel_companies", "company_domain")
    channel_companies = {f"channel:{c}" for c in channels | values("serp_results", "source", "serp_type = 'video'")}
    assert values("dsi_company", "company_domain") - channel_companies <= companies


def _phase_succeeded(instance: dg.DagsterInstance, phase: str) -> bool:
    records = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    return any(
        e.dagster_event.step_key == phase
        for r in records
        for e in instance.all_logs(r.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    )


def test_two_executions_of_one_market_at_once_each_use_only_their_own_rows(dagster_instance, product_db, tmp_path):
    # The slow execution (20 keywords, 80 ms per provider call) is overtaken: the fast one (12 keywords)
    # starts once the slow one has collected its SERPs and finishes while it is still enriching, so
    # every later phase of the slow execution runs after the fast one's output became the newest. The
    # slow one is a command of its own, as two executions are in production (two runs in threads of one
    # process can deadlock in Dagster's logging set-up, which reconfigures logging for every run).
    slow = start_cli("run", "--market", "DE", "--keywords", "20", log=tmp_path / "slow.log", CYLVY_SAMPLE_LATENCY_MS="80")
    try:
        wait_for(lambda: _phase_succeeded(dagster_instance, "serp_collection"), timeout_s=120, interval_s=0.1,
                 what="the slow execution's SERPs")
        fast = run_market(dagster_instance, "DE")
        assert slow.wait(timeout=300) == 0, (tmp_path / "slow.log").read_text()
    finally:
        kill_session(slow.pid)
    (slow_run,) = dagster_instance.get_run_records(
        dg.RunsFilter(tags={PARTITION_TAG: "DE", KEYWORDS_TAG: "20"}), limit=1
    )
    slow_execution = execution_id_of(slow_run.dagster_run)
    assert fast.success
    for execution_id in (fast.execution_id, slow_execution):
        assert_built_from_its_own_rows(product_db, execution_id)
    sizes = {e: len(_rows(product_db, "keyword_metrics", e, "keyword")) for e in (fast.execution_id, slow_execution)}
    assert sorted(sizes.values()) == [12, 20]


def test_a_run_of_some_phases_reads_the_output_current_when_the_execution_started(product_db):
    market = "ZX"  # a market no pipeline test uses
    reader, older, newer = (str(uuid.uuid4()) for _ in range(3))
    frame = pd.DataFrame({"keyword": ["k"], "category": ["c"], "jtbd_stage": [None], "is_brand": [False],
                          "search_volume": [1], "competition": [None], "competition_index": [None],
                          "low_top_of_page_bid": [None], "high_top_of_page_bid": [None], "metrics_missing": [False]})
    write_phase_output(product_db, phase="keyword_metrics", execution_id=older, market=market,
                       dagster_run_id="older", frames={"keyword_metrics": frame})
    started = datetime.now(UTC)
    write_phase_output(product_db, phase="keyword_metrics", execution_id=newer, market=market,
                       dagster_run_id="newer", frames={"keyword_metrics": frame})
    # The output that landed after the execution started is not the one it reads, now or later.
    assert pinned_output_execution(product_db, "keyword_metrics", market, execution_id=reader, as_of=started) == older
    later = started + timedelta(hours=1)
    assert pinned_output_execution(product_db, "keyword_metrics", market, execution_id=reader, as_of=later) == older
    # The execution's own output, once it has one, is what it reads.
    write_phase_output(product_db, phase="keyword_metrics", execution_id=reader, market=market,
                       dagster_run_id="own", frames={"keyword_metrics": frame})
    assert pinned_output_execution(product_db, "keyword_metrics", market, execution_id=reader, as_of=started) == reader
