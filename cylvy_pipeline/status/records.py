"""Read what Dagster recorded about runs into the plain records that :mod:`.derive` works on."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
from dagster._core.events import JobFailureData

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.runtime.run_launcher import WORKER_DEATH_KEY
from cylvy_pipeline.status.derive import RunRecord, StepRecord

ET = dg.DagsterEventType
_EVENT_TYPES = {
    ET.STEP_START, ET.STEP_RESTARTED, ET.STEP_UP_FOR_RETRY, ET.STEP_SUCCESS, ET.STEP_FAILURE,
    ET.ASSET_MATERIALIZATION, ET.ASSET_CHECK_EVALUATION, ET.RUN_FAILURE, ET.RUN_CANCELED, ET.ENGINE_EVENT,
}
# Dagster's own exceptions around the error a phase raised (by class, as the error info records it):
# the user-facing cause is inside them.
_DAGSTER_WRAPPERS = frozenset(
    {"RetryRequestedFromPolicy", "DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"}
)


def _message_line(error) -> str:
    """The error's first message line without the exception class name Python prefixes it with."""
    lines = error.message.strip().splitlines()
    first = lines[0] if lines else ""
    qualified_class, separator, rest = first.partition(": ")
    return rest if separator and qualified_class.rsplit(".", 1)[-1] == error.cls_name else first


def user_facing_error(error) -> str:
    """The first error in the cause chain that Dagster did not wrap around it, in one line."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.cause or getattr(error, "context", None)
    chosen = next((e for e in chain if e.cls_name not in _DAGSTER_WRAPPERS), chain[0] if chain else None)
    return (_message_line(chosen) if chosen else "") or "unknown error"


# What Dagster records as the error of a run that an interrupt (Ctrl-C, SIGTERM) ended between steps.
_INTERRUPTS = frozenset({"DagsterExecutionInterruptedError", "KeyboardInterrupt"})


def was_interrupted(event: dg.DagsterEvent) -> bool:
    """Whether a run-failure event records an interrupt. An interrupt that reaches a running phase
    cancels the run; one that lands between steps, in Dagster's own code, is recorded as a failure of
    the run, with the interrupt as its error: it was a cancellation all the same."""
    data = event.event_specific_data
    return isinstance(data, JobFailureData) and data.error is not None and data.error.cls_name in _INTERRUPTS


def run_failure_reason(event: dg.DagsterEvent) -> str | None:
    """Why a run failed, in a line, from the failure event's structured data where Dagster gives it
    (the error that ended the run); otherwise the event's own message."""
    data = event.event_specific_data
    if isinstance(data, JobFailureData) and data.error is not None:
        return user_facing_error(data.error)
    return event.message.strip().splitlines()[0] if event.message else None


def _crash_report(event: dg.DagsterEvent, run_id: str) -> str | None:
    """Why a run process launched by a gRPC code server ended, when the code server noticed first (it
    then fails the run with Dagster's generic "marked as failed from outside the execution context"). The
    code server records the cause only as this sentence, e.g. "Run execution process for <id> was
    terminated by signal 9 (SIGKILL).": the one place a cause is read from Dagster's text."""
    prefix = f"[DagsterApiServer] Run execution process for {run_id} "
    message = event.message or ""
    return message.removeprefix("[DagsterApiServer] ") if message.startswith(prefix) else None


def phase_of_step(step_key: str | None) -> str | None:
    """The phase a step belongs to: the asset step itself, or one of its check steps ("<phase>_<check>";
    the checks run inside their phase's step now, and had steps of their own in runs made before)."""
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
    interrupted = False
    for entry in instance.all_logs(run.run_id, of_type=_EVENT_TYPES):
        event = entry.dagster_event
        if event is None:
            continue
        kind = event.event_type
        if kind == ET.RUN_FAILURE:
            failure_reason = run_failure_reason(event) or failure_reason
            interrupted = interrupted or was_interrupted(event)
            continue
        if kind == ET.ENGINE_EVENT:
            death = event.engine_event_data.metadata.get(WORKER_DEATH_KEY) if event.engine_event_data else None
            worker_death = death.value if death is not None else (_crash_report(event, run.run_id) or worker_death)
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
    status = "CANCELED" if interrupted and run.status == dg.DagsterRunStatus.FAILURE else run.status.value
    return RunRecord(run.run_id, status, frozenset(planned), steps, worker_death or failure_reason)
