"""The weekly schedule, the keyword-file sensor and the run-failure alert, evaluated the way the
daemon evaluates them (build_*_context on the Postgres-backed instance)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.defs.resources import PostgresResource, ProjectResource
from cylvy_pipeline.defs.schedules import weekly_market_refresh
from cylvy_pipeline.defs.sensors import keyword_file_changed, pipeline_failure_alert
from cylvy_pipeline.execution import run_market
from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR
from cylvy_pipeline_tests.webhook import webhook_receiver


def test_weekly_schedule_requests_one_run_per_market():
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 30, 5, tzinfo=UTC), resources={"project": ProjectResource()}
    )
    requests = weekly_market_refresh(context)
    assert [(r.partition_key, r.run_key) for r in requests] == [
        ("US", "2026-W49-US"), ("UK", "2026-W49-UK"), ("DE", "2026-W49-DE"),
    ]
    assert weekly_market_refresh.cron_schedule == "0 5 * * 1"
    assert all(r.asset_selection == [dg.AssetKey(p) for p in PHASES] for r in requests)


def test_automation_runs_only_the_enabled_phases(project_copy):
    yaml_path = project_copy / "project.yaml"
    text = yaml_path.read_text()
    assert "  - youtube_enrichment\n" in text and "  - company_enrichment_youtube\n" in text
    yaml_path.write_text(text.replace("  - youtube_enrichment\n", "").replace("  - company_enrichment_youtube\n", ""))
    resources = {"project": ProjectResource(project_dir=str(project_copy))}
    enabled = [dg.AssetKey(p) for p in PHASES if p not in ("youtube_enrichment", "company_enrichment_youtube")]

    weekly = weekly_market_refresh(dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 11, 30, 5, tzinfo=UTC), resources=resources
    ))
    assert [r.asset_selection for r in weekly] == [enabled] * 3
    first = keyword_file_changed(dg.build_sensor_context(cursor=None, resources=resources))
    (project_copy / "keywords.csv").write_text((project_copy / "keywords.csv").read_text() + "payout rails,Payments,,,,false\n")
    changed = keyword_file_changed(dg.build_sensor_context(cursor=first.cursor, resources=resources))
    assert [r.asset_selection for r in changed.run_requests] == [enabled] * 3


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    for name in ("project.yaml", "keywords.csv"):
        (tmp_path / name).write_bytes((SAMPLE_PROJECT_DIR / name).read_bytes())
    return tmp_path


def test_keyword_sensor_launches_on_content_change_only(project_copy, dagster_instance):
    resources = {"project": ProjectResource(project_dir=str(project_copy))}

    def tick(cursor):
        return keyword_file_changed(dg.build_sensor_context(instance=dagster_instance, cursor=cursor, resources=resources))

    first = tick(None)
    assert first.run_requests == [] and first.cursor  # remembers the content, launches nothing
    keywords = project_copy / "keywords.csv"
    os.utime(keywords, (1e9, 1e9))  # a touch: new mtime, same content
    touched = tick(first.cursor)
    assert touched.run_requests == [] and "unchanged" in str(touched.skip_reason)

    keywords.write_text(keywords.read_text() + "instant payouts orchestration,Payments,Solution Exploration,,,false\n")
    changed = tick(first.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["US", "UK", "DE"]
    assert changed.cursor != first.cursor
    assert len({r.run_key for r in changed.run_requests}) == 3
    assert tick(changed.cursor).run_requests == []


@pytest.fixture
def webhook(monkeypatch):
    with webhook_receiver() as (url, received):
        monkeypatch.setenv("CYLVY_ALERT_WEBHOOK_URL", url)
        yield received


@pytest.mark.slow
def test_failure_alert_records_and_posts_the_failed_phase(dagster_instance, product_db, webhook, monkeypatch):
    monkeypatch.setenv("CYLVY_SAMPLE_FAULTS", "serp_collection=1.0")
    failed = run_market(dagster_instance, "UK")
    monkeypatch.delenv("CYLVY_SAMPLE_FAULTS")
    assert not failed.success

    # The command that executed the run raised its alert.
    assert len(webhook) == 1 and webhook[0]["dagster_run_id"] == failed.run_id
    # The sensor raises it when nothing else has (a run launched from the UI): forget this one first.
    product_db.execute("DELETE FROM pipeline_alerts WHERE dagster_run_id = %s", (failed.run_id,))
    webhook.clear()

    run = dagster_instance.get_run_by_id(failed.run_id)
    failure_event = dagster_instance.all_logs(failed.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0].dagster_event
    context = dg.build_run_status_sensor_context(
        sensor_name="pipeline_failure_alert",
        dagster_instance=dagster_instance,
        dagster_run=run,
        dagster_event=failure_event,
        resources={"database": PostgresResource()},
    ).for_run_failure()
    pipeline_failure_alert(context)

    assert len(webhook) == 1
    payload = webhook[0]
    assert payload["text"].startswith(f"cylvy_pipeline: UK execution {failed.execution_id} failed at serp_collection")
    assert payload["market"] == "UK" and payload["dagster_run_id"] == failed.run_id
    assert "simulated outage of the SERP provider" in payload["failed_phases"]["serp_collection"]
    assert payload["blocked_phases"] == [
        "company_enrichment_serp", "youtube_enrichment", "content_scraping", "company_enrichment_youtube",
        "content_analysis", "dsi_calculation",
    ]
    row = product_db.execute(
        "SELECT market, webhook_status, details->>'dagster_run_id' FROM pipeline_alerts WHERE dagster_run_id = %s",
        (failed.run_id,),
    ).fetchone()
    assert row == ("UK", "HTTP 204", failed.run_id)

    # A second evaluation for the same run (a daemon restart) duplicates neither the row nor the post.
    pipeline_failure_alert(context)
    assert len(webhook) == 1
    assert product_db.execute(
        "SELECT count(*) FROM pipeline_alerts WHERE dagster_run_id = %s", (failed.run_id,)
    ).fetchone()[0] == 1
