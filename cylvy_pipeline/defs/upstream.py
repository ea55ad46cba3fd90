"""What a phase reads: its upstream phases' rows of the same pipeline execution (SPEC 2).

Two executions of one market may run at once (a UI launch, the weekly schedule and the keyword-file
sensor can overlap): each phase reads what its own execution produced, never the newest rows of the
market. A phase the execution does not include (a run of some phases only) is read as it was when the
execution started; the choice is recorded once (``execution_inputs``, and a ``cylvy/input/<phase>`` tag
on the run, so the UI shows the lineage that was used) and holds for the whole execution.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import dagster as dg
import pandas as pd
import psycopg

from cylvy_pipeline.contract import INPUT_TAG_PREFIX, execution_id_of
from cylvy_pipeline.storage.tables import pinned_output_execution, read_rows

StepContext = dg.AssetExecutionContext | dg.AssetCheckExecutionContext


def execution_of(context: StepContext) -> str:
    """The pipeline execution id: the root run id, so a re-execution continues the same execution."""
    return execution_id_of(context.run)


def _started_at(context: StepContext, run_id: str) -> datetime:
    record = context.instance.get_run_record_by_id(run_id)
    started = record.start_time if record is not None and record.start_time else None
    return datetime.fromtimestamp(started or (record.create_timestamp.timestamp() if record else 0), tz=UTC)


def execution_started_at(context: StepContext) -> datetime:
    """When the execution's first run started."""
    return _started_at(context, execution_of(context))


def run_started_at(context: StepContext) -> datetime:
    """When this run started (a re-execution from failure starts later than its execution)."""
    return _started_at(context, context.run.run_id)


class UpstreamRows:
    """Reads the rows of upstream phases for one step, from the execution each phase's output belongs to."""

    def __init__(self, context: StepContext, conn: psycopg.Connection):
        self._context = context
        self._conn = conn
        self.execution_id = execution_of(context)
        self.market = context.partition_key
        #: phase -> the execution whose output was read (shown in the materialization's metadata)
        self.sources: dict[str, str] = {}

    def source(self, phase: str) -> str:
        if phase not in self.sources:
            source = pinned_output_execution(
                self._conn, phase, self.market, execution_id=self.execution_id, as_of=execution_started_at(self._context)
            )
            if source != self.execution_id:
                self._context.instance.add_run_tags(self._context.run.run_id, {INPUT_TAG_PREFIX + phase: source})
            self.sources[phase] = source
        return self.sources[phase]

    def read(self, phase: str, table: str, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The rows of ``table`` (written by ``phase``) that this execution reads."""
        return read_rows(self._conn, table, execution_id=self.source(phase), market=self.market, columns=columns)
