"""From what Dagster recorded about an execution's runs to one status per phase (SPEC 1.3).

Pure: plain records in, plain rows out, no Dagster or database. An execution is its root run plus every
re-execution of it, oldest first. A phase's status comes from the latest run that planned it; a phase
that never ran because an upstream failed gets no event from Dagster at all, so ``blocked`` is derived
here from the plan and the phase graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cylvy_pipeline.contract import PHASE_DEPENDENCIES, PHASES

IN_FLIGHT_RUN_STATUSES = frozenset({"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"})


@dataclass(frozen=True)
class StepRecord:
    """What the event log says about one phase's step (and its checks) in one run."""

    started_at: datetime | None = None
    ended_at: datetime | None = None
    succeeded: bool = False
    failed: bool = False
    attempts: int = 0
    retrying: bool = False
    error: str | None = None  # user-facing cause of the last failure
    result: Mapping[str, Any] | None = None  # the standardized result from the materialization
    failed_check: str | None = None  # "check <name> failed: <description>"
    checks_pending: bool = False  # a blocking check on the phase has not been evaluated yet


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    status: str  # Dagster run status name, e.g. "STARTED", "SUCCESS", "FAILURE", "CANCELED"
    planned: frozenset[str]  # phases selected in this run
    steps: Mapping[str, StepRecord] = field(default_factory=dict)
    failure_reason: str | None = None  # why the run itself failed (e.g. its worker died)

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT_RUN_STATUSES


@dataclass(frozen=True)
class PhaseStatus:
    phase: str
    status: str  # pending | running | completed | failed | blocked | skipped
    result_data: Mapping[str, Any]
    started_at: datetime | None = None
    completed_at: datetime | None = None
    error_message: str | None = None
    dagster_run_id: str | None = None
    attempts: int = 0


def derive_phase_statuses(runs: Sequence[RunRecord]) -> list[PhaseStatus]:
    """One PhaseStatus per phase of the graph, in the seed's phase order. ``runs``: root first."""
    if not runs:
        raise ValueError("an execution has at least its root run")
    selected = frozenset().union(*(run.planned for run in runs))
    derived: dict[str, PhaseStatus] = {}
    for phase in PHASES:  # topological order: upstream statuses are known when a phase is derived
        if phase not in selected:
            derived[phase] = PhaseStatus(
                phase, "skipped", {"success": False, "reason": "not selected in this execution"}
            )
            continue
        run = next(r for r in reversed(runs) if phase in r.planned)
        derived[phase] = _phase_in_run(phase, run, derived)
    return [derived[p] for p in PHASES]


def _phase_in_run(phase: str, run: RunRecord, derived: Mapping[str, PhaseStatus]) -> PhaseStatus:
    step = run.steps.get(phase, StepRecord())
    common = {"started_at": step.started_at, "dagster_run_id": run.run_id, "attempts": step.attempts}

    if step.failed or step.failed_check:
        error = step.failed_check or step.error or "the phase failed"
        attempts = f" after {step.attempts} attempts" if step.attempts > 1 else ""
        data = {"success": False, "error": error, "attempts": step.attempts}
        if run.status in ("CANCELED", "CANCELING"):
            data["reason"] = "canceled"
        return PhaseStatus(
            phase, "failed", data, completed_at=step.ended_at, error_message=f"{phase} failed{attempts}: {error}",
            **common,
        )
    if step.succeeded and not (step.checks_pending and run.in_flight):
        result = {**(step.result or {}), "success": True}
        return PhaseStatus(phase, "completed", result, completed_at=step.ended_at, **common)
    if step.started_at is not None:
        if run.in_flight:
            data: dict[str, Any] = {"success": False, "attempt": max(step.attempts, 1)}
            if step.retrying:
                data.update(retrying=True, last_error=step.error)
            return PhaseStatus(phase, "running", data, **common)
        if step.succeeded:  # materialized, but the run ended before its checks were evaluated
            return PhaseStatus(phase, "completed", {**(step.result or {}), "success": True},
                               completed_at=step.ended_at, **common)
        error = _interrupted(run)
        return PhaseStatus(
            phase, "failed", {"success": False, "error": error, "reason": run.status.lower()},
            completed_at=step.ended_at, error_message=f"{phase} failed: {error}", **common,
        )

    # The step never started in this run. A canceling run starts no more steps: they are skipped, not
    # blocked by the phase the cancel interrupted (it fails with reason "canceled").
    if run.status in ("CANCELED", "CANCELING"):
        return PhaseStatus(
            phase, "skipped", {"success": False, "reason": "the run was canceled before this phase started"},
            dagster_run_id=run.run_id,
        )
    upstream_down = [
        d for d in PHASE_DEPENDENCIES[phase] if d in derived and derived[d].status in ("failed", "blocked")
    ]
    if upstream_down:
        causes = _root_causes(phase, derived)
        return PhaseStatus(
            phase, "blocked",
            {
                "success": False,
                "blocked_by": ",".join(upstream_down),
                "root_cause": ",".join(causes),
                "reason": f"{' and '.join(upstream_down)} did not complete, so {phase} did not run"
                + (f" (originally failed: {', '.join(causes)})" if causes != upstream_down else ""),
            },
            dagster_run_id=run.run_id,
        )
    if run.in_flight:
        return PhaseStatus(phase, "pending", {"success": False}, dagster_run_id=run.run_id)
    reason = f"the run ended ({run.status.lower()}) before this phase started"
    if run.failure_reason:
        reason += f": {run.failure_reason}"
    return PhaseStatus(phase, "skipped", {"success": False, "reason": reason}, dagster_run_id=run.run_id)


def _interrupted(run: RunRecord) -> str:
    if run.status == "CANCELED" or run.status == "CANCELING":
        return "the run was canceled while this phase was running"
    # The run's own cause (e.g. "the run worker process (pid N) died ...") says it best when known.
    return run.failure_reason or f"the run ended ({run.status.lower()}) while this phase was running"


def _root_causes(phase: str, derived: Mapping[str, PhaseStatus]) -> list[str]:
    """The failed phases upstream of ``phase`` whose failure blocked it (through blocked phases)."""
    causes: list[str] = []
    for dependency in PHASE_DEPENDENCIES[phase]:
        status = derived.get(dependency)
        if status is None:
            continue
        if status.status == "failed":
            causes.append(dependency)
        elif status.status == "blocked":
            causes += _root_causes(dependency, derived)
    return [p for p in PHASES if p in set(causes)]


def execution_status(phases: Sequence[PhaseStatus], latest_run: RunRecord) -> str:
    """The execution's status for pipeline_executions."""
    if latest_run.in_flight:
        return "running"
    if latest_run.status == "CANCELED":
        return "canceled"
    if any(p.status in ("failed", "blocked") for p in phases):
        return "failed"
    return "completed" if latest_run.status == "SUCCESS" else "failed"


def summarize(phases: Sequence[PhaseStatus]) -> dict[str, Any]:
    """Totals per status, failed and blocked phase lists, per-phase duration (like the seed's
    ``get_execution_summary()``)."""
    totals = {s: 0 for s in ("pending", "running", "completed", "failed", "blocked", "skipped")}
    for p in phases:
        totals[p.status] += 1
    return {
        "total": len(phases),
        **totals,
        "failed_phases": [p.phase for p in phases if p.status == "failed"],
        "blocked_phases": [p.phase for p in phases if p.status == "blocked"],
        "durations_seconds": {
            p.phase: round((p.completed_at - p.started_at).total_seconds(), 3)
            for p in phases
            if p.started_at and p.completed_at
        },
    }
