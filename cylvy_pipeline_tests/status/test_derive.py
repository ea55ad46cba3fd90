"""Status derivation rules (SPEC 1.3) on hand-built run records: no Dagster, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.status.derive import (
    RunRecord,
    StepRecord,
    derive_phase_statuses,
    execution_status,
    summarize,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def done(i: int, result: dict | None = None) -> StepRecord:
    return StepRecord(started_at=T0 + timedelta(seconds=i), ended_at=T0 + timedelta(seconds=i + 1),
                      succeeded=True, attempts=1, result=result or {"success": True, "rows": i})


def by_phase(statuses) -> dict[str, str]:
    return {s.phase: s.status for s in statuses}


ALL = frozenset(PHASES)


def test_a_successful_run_completes_every_phase_with_its_result():
    run = RunRecord("r1", "SUCCESS", ALL, {p: done(i) for i, p in enumerate(PHASES)})
    statuses = derive_phase_statuses([run])
    assert [s.phase for s in statuses] == list(PHASES)
    assert by_phase(statuses) == dict.fromkeys(PHASES, "completed")
    serp = statuses[1]
    assert serp.result_data == {"success": True, "rows": 1}
    assert (serp.started_at, serp.completed_at) == (T0 + timedelta(seconds=1), T0 + timedelta(seconds=2))
    assert execution_status(statuses, run) == "completed"


def test_failure_blocks_dependents_naming_direct_upstreams_and_root_cause():
    steps = {p: done(i) for i, p in enumerate(PHASES[:5]) if p != "company_enrichment_serp"}
    steps["company_enrichment_serp"] = StepRecord(
        started_at=T0, ended_at=T0 + timedelta(seconds=4), failed=True, attempts=3,
        error="company profile for acme.example failed after 4 tries: simulated outage",
    )
    statuses = {s.phase: s for s in derive_phase_statuses([RunRecord("r1", "FAILURE", ALL, steps)])}
    failed = statuses["company_enrichment_serp"]
    assert failed.status == "failed"
    assert failed.result_data == {
        "success": False, "attempts": 3,
        "error": "company profile for acme.example failed after 4 tries: simulated outage",
    }
    assert failed.error_message == (
        "company_enrichment_serp failed after 3 attempts: company profile for acme.example failed after 4 "
        "tries: simulated outage"
    )
    assert {p: s.status for p, s in statuses.items()} == {
        "keyword_metrics": "completed", "serp_collection": "completed", "company_enrichment_serp": "failed",
        "youtube_enrichment": "completed", "content_scraping": "completed",
        "company_enrichment_youtube": "blocked", "content_analysis": "blocked", "dsi_calculation": "blocked",
    }
    assert statuses["company_enrichment_youtube"].result_data["blocked_by"] == "company_enrichment_serp"
    dsi = statuses["dsi_calculation"].result_data
    assert dsi["blocked_by"] == "content_analysis,company_enrichment_youtube"
    assert dsi["root_cause"] == "company_enrichment_serp"
    assert dsi["reason"] == (
        "content_analysis and company_enrichment_youtube did not complete, so dsi_calculation did not run "
        "(originally failed: company_enrichment_serp)"
    )


def test_a_failed_blocking_check_fails_its_phase():
    steps = {p: done(i) for i, p in enumerate(PHASES[:5])}
    steps["content_scraping"] = StepRecord(
        started_at=T0, ended_at=T0, succeeded=True, attempts=1,
        failed_check="blocking check pages_scraped failed: 3 of 10 (30.0%) is below the 80% threshold",
    )
    statuses = {s.phase: s for s in derive_phase_statuses([RunRecord("r1", "FAILURE", ALL, steps)])}
    assert statuses["content_scraping"].status == "failed"
    assert "pages_scraped" in statuses["content_scraping"].result_data["error"]
    assert statuses["content_analysis"].status == "blocked"
    assert statuses["content_analysis"].result_data["blocked_by"] == "content_scraping"
    # company_enrichment_youtube does not depend on scraping: it is not blocked by it.
    assert statuses["company_enrichment_youtube"].status == "skipped"


def test_in_flight_run_shows_running_retrying_and_pending():
    steps = {
        "keyword_metrics": done(0),
        "serp_collection": StepRecord(started_at=T0, attempts=2, retrying=True, error="SERP provider timed out"),
    }
    statuses = {s.phase: s for s in derive_phase_statuses([RunRecord("r1", "STARTED", ALL, steps)])}
    assert statuses["serp_collection"].status == "running"
    assert statuses["serp_collection"].result_data == {
        "success": False, "attempt": 2, "retrying": True, "last_error": "SERP provider timed out",
    }
    assert [statuses[p].status for p in PHASES[2:]] == ["pending"] * 6


def test_a_succeeded_step_stays_running_until_its_checks_are_evaluated():
    step = StepRecord(started_at=T0, ended_at=T0, succeeded=True, attempts=1, checks_pending=True)
    statuses = derive_phase_statuses([RunRecord("r1", "STARTED", ALL, {"keyword_metrics": step})])
    assert statuses[0].status == "running"


def test_phases_outside_the_selection_are_skipped_and_count_as_satisfied():
    run = RunRecord("r1", "SUCCESS", frozenset({"dsi_calculation"}), {"dsi_calculation": done(0)})
    statuses = by_phase(derive_phase_statuses([run]))
    assert statuses["dsi_calculation"] == "completed"
    assert [statuses[p] for p in PHASES[:-1]] == ["skipped"] * 7
    skipped = derive_phase_statuses([run])[0]
    assert skipped.result_data == {"success": False, "reason": "not selected in this execution"}


def test_cancel_fails_the_running_phase_and_skips_the_unstarted():
    steps = {"keyword_metrics": done(0), "serp_collection": StepRecord(started_at=T0, attempts=1)}
    statuses = {s.phase: s for s in derive_phase_statuses([RunRecord("r1", "CANCELED", ALL, steps)])}
    assert statuses["serp_collection"].status == "failed"
    assert statuses["serp_collection"].result_data["error"] == "the run was canceled while this phase was running"
    assert statuses["serp_collection"].result_data["reason"] == "canceled"
    # Nothing else started: skipped because of the cancel, not blocked; nothing left pending or running.
    assert {statuses[p].status for p in PHASES[2:]} == {"skipped"}
    assert statuses["dsi_calculation"].result_data == {
        "success": False, "reason": "the run was canceled before this phase started",
    }


def test_while_the_run_is_canceling_the_unstarted_phases_are_skipped_not_blocked():
    # The interrupted step has failed; the run has not yet ended canceled. The table must not show the
    # other phases blocked by it in between (the UI test caught that state under load).
    failed = StepRecord(started_at=T0, attempts=1, ended_at=T0, failed=True, error="the run was canceled")
    steps = {"keyword_metrics": done(0), "serp_collection": failed}
    statuses = {s.phase: s for s in derive_phase_statuses([RunRecord("r1", "CANCELING", ALL, steps)])}
    assert statuses["serp_collection"].status == "failed"
    assert statuses["serp_collection"].result_data["reason"] == "canceled"
    assert {statuses[p].status for p in PHASES[2:]} == {"skipped"}


def test_a_dead_worker_fails_the_running_phase_and_blocks_its_dependents():
    steps = {p: done(i) for i, p in enumerate(PHASES[:4])}
    steps["content_scraping"] = StepRecord(started_at=T0, attempts=1)
    death = "the run worker process (pid 4242) died while the run was in progress"
    run = RunRecord("r1", "FAILURE", ALL, steps, failure_reason=death)
    statuses = {s.phase: s for s in derive_phase_statuses([run])}
    assert statuses["content_scraping"].status == "failed"
    assert statuses["content_scraping"].result_data["error"] == death
    assert statuses["content_scraping"].error_message == f"content_scraping failed: {death}"
    unexplained = RunRecord("r2", "FAILURE", ALL, steps)
    assert {s.phase: s for s in derive_phase_statuses([unexplained])}["content_scraping"].result_data["error"] == (
        "the run ended (failure) while this phase was running"
    )
    assert statuses["content_analysis"].status == "blocked"
    assert statuses["dsi_calculation"].status == "blocked"
    # Not downstream of the dead phase and never started: skipped with the reason, not left pending.
    assert statuses["company_enrichment_youtube"].status == "skipped"
    assert {s.status for s in statuses.values()} <= {"completed", "failed", "blocked", "skipped"}


def test_a_reexecution_continues_the_same_execution():
    failed_steps = {p: done(i) for i, p in enumerate(PHASES[:2])}
    failed_steps["company_enrichment_serp"] = StepRecord(started_at=T0, ended_at=T0, failed=True, attempts=1, error="x")
    root = RunRecord("root", "FAILURE", ALL, failed_steps)
    rerun_phases = frozenset(PHASES[2:])
    rerun = RunRecord("rerun", "SUCCESS", rerun_phases, {p: done(10 + i) for i, p in enumerate(PHASES[2:])})
    statuses = {s.phase: s for s in derive_phase_statuses([root, rerun])}
    assert {s.status for s in statuses.values()} == {"completed"}
    assert statuses["keyword_metrics"].dagster_run_id == "root"
    assert statuses["company_enrichment_serp"].dagster_run_id == "rerun"
    assert execution_status(list(statuses.values()), rerun) == "completed"


def test_summary_counts_statuses_and_durations():
    steps = {"keyword_metrics": done(0)}
    steps["serp_collection"] = StepRecord(started_at=T0, ended_at=T0 + timedelta(seconds=2), failed=True, error="e")
    statuses = derive_phase_statuses([RunRecord("r1", "FAILURE", ALL, steps)])
    summary = summarize(statuses)
    assert summary["completed"] == 1 and summary["failed"] == 1 and summary["blocked"] == 6
    assert summary["failed_phases"] == ["serp_collection"]
    assert summary["durations_seconds"] == {"keyword_metrics": 1.0, "serp_collection": 2.0}


def test_an_execution_needs_a_run():
    with pytest.raises(ValueError, match="at least its root run"):
        derive_phase_statuses([])
