"""How the records of a run's end read, from real events in the Postgres-backed instance: the causes are
structured data, except the one cause Dagster's gRPC code server records only as a sentence."""

from __future__ import annotations

import uuid

import dagster as dg
from dagster._core.events import JobFailureData, RunFailureReason
from dagster._grpc.server import DagsterApiServer
from dagster._utils import get_run_crash_explanation
from dagster._utils.error import SerializableErrorInfo

from cylvy_pipeline.runtime.run_launcher import record_worker_death
from cylvy_pipeline.status.records import read_run


def started_run(instance: dg.DagsterInstance) -> dg.DagsterRun:
    run = dg.DagsterRun(job_name="market_pipeline", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED,
                        tags={"dagster/partition": "ZZ"})  # a market no other test uses
    instance.add_run(run)
    return run


def test_an_interrupt_recorded_as_a_run_failure_reads_as_canceled(dagster_instance):
    run = started_run(dagster_instance)
    interrupt = SerializableErrorInfo("DagsterExecutionInterruptedError\n", [], "DagsterExecutionInterruptedError")
    dagster_instance.report_run_failed(
        run, "Execution was interrupted unexpectedly.",
        JobFailureData(error=interrupt, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION),
    )
    assert dagster_instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert read_run(dagster_instance, dagster_instance.get_run_by_id(run.run_id)).status == "CANCELED"


def test_a_dead_worker_reads_as_a_failure_with_its_cause(dagster_instance):
    run = started_run(dagster_instance)
    cause = "the run worker process (pid 4242) died while the run was in progress"
    record_worker_death(dagster_instance, run, cause)
    # Run monitoring's own sentence is what Dagster stores as the message; the cause comes from the record.
    dagster_instance.report_run_failed(run, "Detected run worker status FAILED: … Marking run as failed.")
    record = read_run(dagster_instance, dagster_instance.get_run_by_id(run.run_id))
    assert (record.status, record.failure_reason) == ("FAILURE", cause)


def test_a_run_process_the_code_server_saw_die_reads_as_its_crash_report(dagster_instance):
    # What Dagster's gRPC code server records when the run process it launched was killed before anyone
    # else noticed: its crash report, then the generic failure.
    run = started_run(dagster_instance)
    report = get_run_crash_explanation(prefix=f"Run execution process for {run.run_id}", exit_code=-9)
    dagster_instance.report_engine_event(report, run, cls=DagsterApiServer)
    dagster_instance.report_run_failed(run)
    record = read_run(dagster_instance, dagster_instance.get_run_by_id(run.run_id))
    assert (record.status, record.failure_reason) == ("FAILURE", report)  # without the "[DagsterApiServer]" tag
    assert report.startswith(f"Run execution process for {run.run_id} was terminated by signal 9 (SIGKILL).")


def test_a_run_error_reads_as_its_first_line_without_the_class(dagster_instance):
    run = started_run(dagster_instance)
    error = SerializableErrorInfo("psycopg.OperationalError: server closed the connection\nmore\n", [], "OperationalError")
    dagster_instance.report_run_failed(run, "An exception was thrown during execution.",
                                       JobFailureData(error=error, failure_reason=RunFailureReason.RUN_EXCEPTION))
    assert read_run(dagster_instance, dagster_instance.get_run_by_id(run.run_id)).failure_reason == (
        "server closed the connection"
    )
