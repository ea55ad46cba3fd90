"""Sync statuses while a run executes in this process, so rows change as steps start and end."""

from __future__ import annotations

import threading
from datetime import datetime

import dagster as dg
import psycopg

from cylvy_pipeline.status.sync import sync


class LiveStatusSync:
    """A background thread that syncs in-flight executions every ``interval_s`` seconds.

    Used by ``cylvy-pipeline run`` and ``reexecute``; ``close()`` does one last sync after the run ended.
    """

    def __init__(self, database_url: str, *, interval_s: float = 0.5, updated_after: datetime | None = None):
        self._url = database_url
        self._interval_s = interval_s
        self._cursor = updated_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cylvy-status-sync", daemon=True)
        self.error: Exception | None = None

    def __enter__(self) -> LiveStatusSync:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _sync_once(self, instance: dg.DagsterInstance, conn: psycopg.Connection) -> None:
        # The cursor is only a lower bound for "changed" runs; in-flight runs are always synced.
        sync(instance, conn, self._cursor)

    def _loop(self) -> None:
        # Its own instance and connection: nothing is shared with the thread executing the run.
        try:
            with dg.DagsterInstance.get() as instance, psycopg.connect(self._url) as conn:
                while not self._stop.wait(self._interval_s):
                    self._sync_once(instance, conn)
        except Exception as error:  # noqa: BLE001 — reported by close(); the final sync still runs
            self.error = error

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        with dg.DagsterInstance.get() as instance, psycopg.connect(self._url) as conn:
            self._sync_once(instance, conn)
