"""Follow in-flight runs and keep their status rows current, a fraction of a second behind.

The status-sync sensor is the Dagster-native reconciler, but the daemon evaluates sensors at most every
5 seconds. ``follow`` closes that gap: ``cylvy-pipeline dev`` runs it next to the webserver and daemon
(``cylvy-pipeline sync --follow``), and ``run`` / ``reexecute`` run it in a helper process while they
execute — a separate process, because the run's own threads keep the interpreter lock busy.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from datetime import datetime

import dagster as dg
import psycopg

from cylvy_pipeline.status.sync import sync
from cylvy_pipeline.storage.database import database_outage

FOLLOW_INTERVAL_S = 0.25
MAX_RECONNECT_DELAY_S = 5.0


def follow(url: str, *, interval_s: float = FOLLOW_INTERVAL_S, updated_after: datetime | None = None,
           stop=None, ready=None) -> None:
    """Sync every ``interval_s`` seconds until ``stop`` is set (forever if None) or the process that
    started this one ends.

    The first pass reconciles every run updated after ``updated_after`` (None: all of them); later
    passes look at runs updated since the previous pass, plus every run in flight. While the database
    cannot be reached, it tries again with a growing pause (at most ``MAX_RECONNECT_DELAY_S``).
    """
    parent = os.getppid()
    cursor, delay = updated_after, interval_s
    conn: psycopg.Connection | None = None
    with dg.DagsterInstance.get() as instance:
        try:
            while True:
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(url)
                    cursor = sync(instance, conn, cursor).cursor or cursor
                    delay = interval_s
                except Exception as error:
                    if database_outage(error) is None:
                        raise
                    if conn is not None:
                        conn.close()
                    conn, delay = None, min(max(2 * delay, 0.5), MAX_RECONNECT_DELAY_S)
                if ready is not None:
                    ready.set()
                    ready = None
                # A follower never outlives the command that started it (a killed parent leaves it orphaned).
                if _stopped(stop, delay) or os.getppid() != parent:
                    return
        finally:
            if conn is not None:
                conn.close()


def _follow_for_parent(url: str, **kwargs) -> None:
    """:func:`follow` in the helper process. Ctrl-C reaches the whole terminal process group; the
    parent decides when following stops (and syncs once more itself), so the helper ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    follow(url, **kwargs)


def _stopped(stop, wait_s: float) -> bool:
    """Wait ``wait_s`` seconds; say whether ``stop`` was set meanwhile.

    The events are polled, never waited on: a process waiting on a multiprocessing event is registered
    with it, and setting the event then blocks until every registered waiter wakes — forever, if one
    was killed while it waited.
    """
    time.sleep(wait_s)
    return stop is not None and stop.is_set()


class LiveStatusSync:
    """Runs :func:`follow` in a helper process for the duration of a ``with`` block; on exit, stops it
    and does one last sync in this process, so the rows are final when the caller reads them."""

    def __init__(self, database_url: str, *, updated_after: datetime | None = None):
        self._url = database_url
        self._updated_after = updated_after
        context = multiprocessing.get_context("spawn")  # never fork a process that holds threads and sockets
        self._stop, self._ready = context.Event(), context.Event()
        self._process = context.Process(
            target=_follow_for_parent,
            args=(database_url,),
            kwargs={"updated_after": updated_after, "stop": self._stop, "ready": self._ready},
            name="cylvy-status-sync",
            daemon=True,
        )

    def __enter__(self) -> LiveStatusSync:
        self._process.start()
        # Wait until it follows: the first phases of the first run would otherwise go unseen while it
        # imports. If it cannot start, runs go on and the final sync below still makes the rows true.
        deadline = time.monotonic() + 60
        while not self._ready.is_set() and self._process.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)  # polled: see _stopped
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._process.join(timeout=30)
        if self._process.is_alive():
            self._process.terminate()
        with dg.DagsterInstance.get() as instance, psycopg.connect(self._url) as conn:
            sync(instance, conn, self._updated_after)
