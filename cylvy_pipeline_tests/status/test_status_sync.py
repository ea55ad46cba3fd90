"""pipeline_phase_status kept true by real Dagster runs, the sync sensor and re-execution from failure.

The seed's two monitoring queries run verbatim against a failed-then-re-executed execution.
"""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest

from cylvy_pipeline.defs.resources import PostgresResource
from cylvy_pipeline.defs.sensors import pipeline_status_sync
from cylvy_pipeline.execution import NothingToReexecute, reexecute_from_failure, run_market
from cylvy_pipeline.status.summary import get_execution_summary
from cylvy_pipeline.storage.tables import query_frame

pytestmark = pytest.mark.slow

# From the seed's "Monitoring Phase Execution", verbatim; an operator pastes the execution id in.
SEED_STATUS_QUERY = """
-- View current phase status
SELECT 
    phase_name,
    status,
    started_at,
    completed_at,
    EXTRACT(EPOCH FROM (completed_at - started_at)) as duration_seconds,
    result_data->>'success' as success
FROM pipeline_phase_status
WHERE pipeline_execution_id = 'YOUR_PIPELINE_ID'
ORDER BY created_at;
"""
SEED_BLOCKED_QUERY = """
-- View blocked phases
SELECT phase_name, result_data->>'blocked_by' as blocked_by
FROM pipeline_phase_status
WHERE status = 'blocked'
AND pipeline_execution_id = 'YOUR_PIPELINE_ID';
"""


def seed_query(conn, query: str, execution_id: str) -> pd.DataFrame:
    return query_frame(conn, query.replace("YOUR_PIPELINE_ID", execution_id))


@pytest.fixture(scope="module")
def failed_execution(dagster_instance, database_urls):
    # Nothing cached, so company_enrichment_serp has to ask the (failing) company-data source.
    with psycopg.connect(database_urls.product, autocommit=True) as conn:
        conn.execute("DELETE FROM company_profiles")
    mp = pytest.MonkeyPatch()
    mp.setenv("CYLVY_SAMPLE_FAULTS", "company_enrichment_serp=1.0")
    try:
        outcome = run_market(dagster_instance, "US")
    finally:
        mp.undo()
    assert not outcome.success
    return outcome


def test_a_failure_shows_failed_and_blocked_phases(failed_execution, product_db):
    rows = seed_query(product_db, SEED_STATUS_QUERY, failed_execution.execution_id)
    assert rows[["phase_name", "status", "success"]].values.tolist() == [
        ["keyword_metrics", "completed", "true"],
        ["serp_collection", "completed", "true"],
        ["company_enrichment_serp", "failed", "false"],
        ["youtube_enrichment", "completed", "true"],
        ["content_scraping", "completed", "true"],
        ["company_enrichment_youtube", "blocked", "false"],
        ["content_analysis", "blocked", "false"],
        ["dsi_calculation", "blocked", "false"],
    ]
    ran = rows[rows["status"].isin(["completed", "failed"])]
    assert ran["duration_seconds"].notna().all() and (ran["duration_seconds"] >= 0).all()
    assert rows.loc[rows["status"] == "blocked", "started_at"].isna().all()

    blocked = seed_query(product_db, SEED_BLOCKED_QUERY, failed_execution.execution_id)
    assert sorted(blocked.values.tolist()) == [
        ["company_enrichment_youtube", "company_enrichment_serp"],
        ["content_analysis", "company_enrichment_serp"],
        ["dsi_calculation", "content_analysis,company_enrichment_youtube"],
    ]
    error, message = product_db.execute(
        """SELECT result_data->>'error', error_message FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'company_enrichment_serp'""",
        (failed_execution.execution_id,),
    ).fetchone()
    assert "simulated outage of the company data provider" in error
    assert "Traceback" not in message and "Exceeded max_retries" not in error
    assert message.startswith("company_enrichment_serp failed after 3 attempts: company profile for ")


def test_the_execution_summary_matches_the_table(failed_execution, product_db):
    summary = get_execution_summary(product_db, failed_execution.execution_id)
    assert (summary["completed"], summary["failed"], summary["blocked"]) == (4, 1, 3)
    assert summary["status"] == "failed"
    assert summary["failed_phases"] == ["company_enrichment_serp"]
    assert summary["blocked_phases"] == ["company_enrichment_youtube", "content_analysis", "dsi_calculation"]
    assert set(summary["durations_seconds"]) == {
        "keyword_metrics", "serp_collection", "company_enrichment_serp", "youtube_enrichment", "content_scraping",
    }


def test_the_sensor_rebuilds_lost_rows_and_is_idempotent(failed_execution, dagster_instance, product_db):
    import dagster as dg

    before = seed_query(product_db, SEED_STATUS_QUERY, failed_execution.execution_id)
    with product_db.transaction():  # as if the sensor had been off while this execution ran
        product_db.execute(
            "DELETE FROM pipeline_phase_status WHERE pipeline_execution_id = %s", (failed_execution.execution_id,)
        )
    context = dg.build_sensor_context(instance=dagster_instance, resources={"database": PostgresResource()})
    first = pipeline_status_sync(context)
    assert first.cursor is not None
    after = seed_query(product_db, SEED_STATUS_QUERY, failed_execution.execution_id)
    pd.testing.assert_frame_equal(
        before[["phase_name", "status", "success"]], after[["phase_name", "status", "success"]]
    )
    updated = product_db.execute("SELECT max(updated_at) FROM pipeline_phase_status").fetchone()[0]
    # Next tick from the cursor: nothing changed, nothing written.
    second = pipeline_status_sync(
        dg.build_sensor_context(instance=dagster_instance, cursor=first.cursor, resources={"database": PostgresResource()})
    )
    assert second.skip_reason is not None and "no pipeline runs changed" in str(second.skip_reason)
    # A full reconcile from no cursor rewrites nothing either.
    pipeline_status_sync(context)
    assert product_db.execute("SELECT max(updated_at) FROM pipeline_phase_status").fetchone()[0] == updated


def test_reexecution_from_failure_completes_the_same_execution(failed_execution, dagster_instance, product_db):
    with pytest.raises(NothingToReexecute, match="no run 'not-a-run'"):
        reexecute_from_failure(dagster_instance, "not-a-run")
    outcome = reexecute_from_failure(dagster_instance, failed_execution.run_id)
    assert outcome.success
    assert outcome.execution_id == failed_execution.execution_id and outcome.run_id != failed_execution.run_id

    rows = seed_query(product_db, SEED_STATUS_QUERY, failed_execution.execution_id)
    assert rows["phase_name"].tolist() == [
        "keyword_metrics", "serp_collection", "company_enrichment_serp", "youtube_enrichment",
        "content_scraping", "company_enrichment_youtube", "content_analysis", "dsi_calculation",
    ]
    assert set(rows["status"]) == {"completed"} and set(rows["success"]) == {"true"}
    assert seed_query(product_db, SEED_BLOCKED_QUERY, failed_execution.execution_id).empty
    run_ids = product_db.execute(
        "SELECT status, dagster_run_ids FROM pipeline_executions WHERE id = %s", (failed_execution.execution_id,)
    ).fetchone()
    assert run_ids == ("completed", [failed_execution.run_id, outcome.run_id])
    # Phases that had completed keep their first run; the re-executed ones name the new run.
    owners = dict(product_db.execute(
        "SELECT phase_name, dagster_run_id FROM pipeline_phase_status WHERE pipeline_execution_id = %s",
        (failed_execution.execution_id,),
    ).fetchall())
    assert owners["keyword_metrics"] == failed_execution.run_id
    assert owners["dsi_calculation"] == outcome.run_id

    with pytest.raises(NothingToReexecute, match="nothing to re-execute"):
        reexecute_from_failure(dagster_instance, outcome.run_id)


def test_completed_rows_carry_the_standardized_result(failed_execution, product_db):
    result = product_db.execute(
        """SELECT result_data FROM pipeline_phase_status
           WHERE pipeline_execution_id = %s AND phase_name = 'keyword_metrics'""",
        (failed_execution.execution_id,),
    ).fetchone()[0]
    assert result["success"] is True and result["keywords"] == 12 and "volume_coverage" in result


def test_a_failed_blocking_check_fails_its_phase_with_its_numbers(dagster_instance, product_db, monkeypatch):
    # Nothing cached and every fetch failing: content_scraping materializes (failures are recorded per
    # page) but its completeness gate fails, which must fail the phase and block what needs its pages.
    product_db.execute("DELETE FROM page_cache")
    monkeypatch.setenv("CYLVY_SAMPLE_FAULTS", "content_scraping=1.0")
    outcome = run_market(dagster_instance, "DE")
    assert not outcome.success
    rows = {
        phase: (status, data)
        for phase, status, data in product_db.execute(
            """SELECT phase_name, status, result_data FROM pipeline_phase_status
               WHERE pipeline_execution_id = %s""",
            (outcome.execution_id,),
        ).fetchall()
    }
    status, data = rows["content_scraping"]
    urls = product_db.execute(
        "SELECT count(*) FROM scraped_pages WHERE pipeline_execution_id = %s", (outcome.execution_id,)
    ).fetchone()[0]
    assert status == "failed"
    assert data["error"] == (
        f"blocking check pages_scraped failed: organic and news URLs scraped: 0 of {urls} (0.0%) is below the "
        f"80% threshold (coverage=0.0, covered=0, threshold=0.8, total={urls})"
    )
    assert rows["content_analysis"][0] == "blocked"
    assert rows["content_analysis"][1]["blocked_by"] == "content_scraping"
    assert rows["dsi_calculation"][1]["root_cause"] == "content_scraping"
    assert rows["company_enrichment_youtube"][0] == "completed"  # not downstream of scraping
