"""The ``api_usage`` table: every provider call of a phase, recorded as it happens.

A :class:`UsageLog` belongs to one phase of one execution and market. Provider clients hand it each call
(it is the ``usage`` callback of the HTTP layer and of the sample providers); it writes them in
batches on its own connection, so calls are recorded even when the phase then fails, and a crash loses at
most the last unflushed batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

import pandas as pd
import psycopg

from cylvy_pipeline.providers.base import ProviderCall
from cylvy_pipeline.providers.errors import BudgetExceeded
from cylvy_pipeline.storage.tables import copy_frame

FLUSH_EVERY_CALLS = 200

USAGE_COLUMNS = (
    "pipeline_execution_id", "market", "phase_name", "dagster_run_id", "provider", "endpoint", "calls", "units",
    "cost_usd", "status", "http_status", "duration_ms", "at",
)


class UsageLog:
    """Collects one phase's provider calls and writes them to ``api_usage`` (thread-safe)."""

    def __init__(self, connect: Callable[[], psycopg.Connection], *, execution_id: str, market: str, phase: str,
                 dagster_run_id: str | None = None, flush_every: int = FLUSH_EVERY_CALLS,
                 budget_usd: float | None = None):
        self._connect = connect
        self.budget_usd = budget_usd
        self.spent_before_usd = 0.0  # by the execution's earlier phases and attempts (read on entering)
        self._key = {"pipeline_execution_id": str(execution_id), "market": market, "phase_name": phase,
                     "dagster_run_id": dagster_run_id}
        self._pending: list[ProviderCall] = []
        self._lock = threading.Lock()
        self._flush_every = flush_every
        self.calls = 0
        self.cost_usd = 0.0

    def record(self, call: ProviderCall) -> None:
        with self._lock:
            self._pending.append(call)
            self.calls += 1
            self.cost_usd += call.cost_usd
            full = len(self._pending) >= self._flush_every
        if full:
            self.flush()

    __call__ = record

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return
        frame = pd.DataFrame(
            [
                {**self._key, "provider": c.provider, "endpoint": c.endpoint, "calls": 1, "units": c.units,
                 "cost_usd": c.cost_usd, "status": c.status, "http_status": c.http_status,
                 "duration_ms": round(c.duration_s * 1000), "at": c.at}
                for c in pending
            ],
            columns=list(USAGE_COLUMNS),
        )
        with self._connect() as conn:
            copy_frame(conn, "api_usage", frame)

    def __enter__(self) -> UsageLog:
        if self.budget_usd is not None:
            with self._connect() as conn:
                self.spent_before_usd = execution_totals(conn, self._key["pipeline_execution_id"])[1]
        return self

    def check_budget(self, expected_cost_usd: float, provider: str) -> None:
        """Raise :class:`BudgetExceeded` if a call of ``expected_cost_usd`` would take the execution past
        its budget. (Calls of one phase running at once may each pass the check: the overshoot is at
        most one call per concurrent request.)"""
        if self.budget_usd is None:
            return
        with self._lock:
            spent = self.spent_before_usd + self.cost_usd
        if spent + expected_cost_usd > self.budget_usd + 1e-9:
            raise BudgetExceeded(
                f"{self._key['phase_name']} stopped before a {provider} call that would take the execution past its "
                f"budget: ${spent:.4f} spent of ${self.budget_usd:.2f}, the call costs about ${expected_cost_usd:.4f}"
                " — raise providers.max_cost_usd in project.yaml and re-execute from failure"
            )

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.flush()


def execution_totals(conn: psycopg.Connection, execution_id: str) -> tuple[int, float]:
    """Provider calls and their cost (USD) of one execution so far."""
    calls, cost = conn.execute(
        "SELECT coalesce(sum(calls), 0)::int, coalesce(sum(cost_usd), 0) FROM api_usage WHERE pipeline_execution_id = %s",
        (str(execution_id),),
    ).fetchone()
    return calls, float(cost)
