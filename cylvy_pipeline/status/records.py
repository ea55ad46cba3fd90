"""Read what Dagster recorded about runs into the plain records that :mod:`.derive` works on."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import dagster as dg

from cylvy_pipeline.phase_graph import PHASES
from cylvy_pipeline.status.derive import RunRecord, StepRecord

ET = dg.DagsterEventType
_EVENT_TYPES = {
    ET.STEP_START, ET.STEP_RESTARTED, ET.STEP_UP_FOR_RETRY, ET.STEP_SUCCESS, ET.STEP_FAILURE,
    ET.ASSET_MATERIALIZATION, ET.ASSET_CHECK_EVALUATION, ET.RUN_FAILURE, ET.RUN_CANCELED, ET.ENGINE_EVENT,
}
# Engine events that explain a run's death (the code server saw its run worker killed).
_WORKER_DEATH = re.compile(r"terminated by signal|died|crashed", re.IGNORECASE)
# Dagster's own wrappers around the error a phase raised: the user-facing cause is inside them.
_WRAPPER_MESSAGES = ("Exceeded max_retries", "Error occurred while executing", "Execution of step")
_CLASS_PREFIX = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Failure|Output)): ")


def user_facing_error(error) -> str:
    """The first message in the error's cause chain that is not a Dagster wrapper, without the
    exception class name or a traceback."""
    messages = []
    while error is not None:
        messages.append(error.message.strip())
        error = error.cause or getattr(error, "context", None)
    chosen = next((m for m in messages if not m.startswith(_WRAPPER_MESSAGES)), messages[0] if messages else "")
    return _CLASS_PREFIX.sub("", chosen).splitlines()[0] if chosen else "unknown error"


# Run monitoring reports a dead worker as "Detected run worker status CheckRunHealthResult(status=...,
# msg='<the launcher's message>', ...). Marking run ... as failed."; the launcher's message is the reason.
_HEALTH_MESSAGE = re.compile(r"msg='([^']*)'")


def run_failure_reason(message: str | None) -> str | None:
    """Why a run failed, in a line: the run worker's health message when run monitoring failed it."""
    if not message:
        return None
    if match := _HEALTH_MESSAGE.search(message):
        return match.group(1)
    return message.strip().splitlines()[0]


def phase_of_step(step_key: str | None) -> str | None:
    """The phase a step belongs to: the asset step itself, or one of its check steps ("<phase>_<check>")."""
    if step_key is None:
        return None
    if step_key in PHASES:
        return step_key
    owners = [p for p in PHASES if step_key.startswith(p + "_")]
    return max(owners, key=len) if owners else None


def _time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


def read_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunRecord:
    """The run's plan and each planned phase's step record, from its event log."""
    step_keys = run.step_keys_to_execute
    if step_keys is None:
        planned = {k.to_user_string() for k in run.asset_selection or ()} or set(PHASES)
        check_steps: dict[str, set[str]] = {}
    else:
        planned = {k for k in step_keys if k in PHASES}
        check_steps = {}
        for key in step_keys:
            if key not in PHASES and (owner := phase_of_step(key)):
                check_steps.setdefault(owner, set()).add(key)

    state: dict[str, dict] = {p: {"attempts": 0, "check_steps_done": set()} for p in planned}
    failure_reason = worker_death = None
    for entry in instance.all_logs(run.run_id, of_type=_EVENT_TYPES):
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type
        if kind == ET.RUN_FAILURE:
            failure_reason = run_failure_reason(event.message or entry.user_message) or failure_reason
            continue
        if kind == ET.ENGINE_EVENT:
            if event.message and _WORKER_DEATH.search(event.message):
                worker_death = run_failure_reason(event.message.removeprefix("[DagsterApiServer] "))
            continue
        phase = phase_of_step(event.step_key)
        if phase not in state:
            continue
        s = state[phase]
        own_step = event.step_key == phase
        if own_step and kind in (ET.STEP_START, ET.STEP_RESTARTED):
            s.setdefault("started_at", _time(entry.timestamp))
            s["attempts"] += 1
            s["retrying"] = False
        elif own_step and kind == ET.STEP_UP_FOR_RETRY:
            s["retrying"] = True
            s["error"] = user_facing_error(event.step_retry_data.error) if event.step_retry_data.error else None
        elif own_step and kind == ET.STEP_SUCCESS:
            s.update(succeeded=True, ended_at=_time(entry.timestamp), retrying=False)
        elif own_step and kind == ET.STEP_FAILURE:
            s.update(failed=True, ended_at=_time(entry.timestamp), retrying=False)
            s["error"] = user_facing_error(event.step_failure_data.error)
        elif kind == ET.ASSET_MATERIALIZATION:
            value = event.event_specific_data.materialization.metadata.get("standardized_result")
            s["result"] = value.value if value is not None else None
        elif kind == ET.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            s["check_steps_done"].add(event.step_key)
            if not evaluation.passed and evaluation.blocking and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                numbers = ", ".join(
                    f"{k}={v.value}" for k, v in evaluation.metadata.items() if k != "outcome"
                )
                s["failed_check"] = f"blocking check {evaluation.check_name} failed: {evaluation.description} ({numbers})"
        elif not own_step and kind == ET.STEP_FAILURE:
            s["check_steps_done"].add(event.step_key)
            # A failed blocking check also fails its step; the evaluation above already said why.
            s["failed_check"] = s.get("failed_check") or (
                f"check step {event.step_key} could not run: {user_facing_error(event.step_failure_data.error)}"
            )
        elif not own_step and kind == ET.STEP_SUCCESS:
            s["check_steps_done"].add(event.step_key)

    steps = {
        phase: StepRecord(
            started_at=s.get("started_at"),
            ended_at=s.get("ended_at"),
            succeeded=s.get("succeeded", False),
            failed=s.get("failed", False),
            attempts=s["attempts"],
            retrying=s.get("retrying", False),
            error=s.get("error"),
            result=s.get("result"),
            failed_check=s.get("failed_check"),
            checks_pending=bool(check_steps.get(phase, set()) - s["check_steps_done"]),
        )
        for phase, s in state.items()
    }
    return RunRecord(run.run_id, run.status.value, frozenset(planned), steps, worker_death or failure_reason)
