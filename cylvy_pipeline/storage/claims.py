"""Produce each shared-cache entry once, however many executions need it at the same moment.

Two markets running at once rank many of the same pages: without coordination both fetch (and analyse)
each of them, and pay twice. Here an execution claims an entry before producing it, with a PostgreSQL
advisory lock on the entry's key (the server releases it if the holder's process or connection dies, so
a crash leaves no stale claim), and records the entry in the cache table before releasing it. An
execution that finds the entry claimed waits for that one entry, then takes what was recorded, so
unrelated entries are never serialised: only two executions wanting the same item wait for each other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from cylvy_pipeline.storage.caches import upsert_cache_row

CacheRow = dict[str, Any]


class SharedCacheClaims:
    """Claims on the entries of one cache table, for one phase of one execution.

    ``scope`` fixes further key columns (e.g. the analyzer version of an analysis). A row recorded at or
    after ``since`` (default: when the claims open) is taken as this execution's own result, failed
    fetches included. Use as a context manager: it opens one connection per worker thread that claims,
    and closes them on exit.
    """

    def __init__(
        self,
        connect: Callable[[], psycopg.Connection],
        table: str,
        key_column: str,
        scope: Mapping[str, str] | None = None,
        *,
        since: datetime | None = None,
    ):
        self._connect = connect
        self._table = table
        self._scope = dict(scope or {})
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._connections_lock = threading.Lock()
        self._since = since
        conditions = [sql.SQL("{} = %s").format(sql.Identifier(c)) for c in (key_column, *self._scope)]
        self._lookup = sql.SQL("SELECT * FROM {} WHERE {} AND recorded_at >= %s").format(
            sql.Identifier(table), sql.SQL(" AND ").join(conditions)
        )

    def __enter__(self) -> SharedCacheClaims:
        if self._since is None:  # the database's clock: rows recorded from now on are new to this phase
            self._since = self._connection().execute("SELECT clock_timestamp() AS now").fetchone()["now"]
        return self

    def __exit__(self, *exc_info) -> None:
        for conn in self._connections:
            conn.close()
        self._connections.clear()

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._connect()
            conn.autocommit = True
            conn.row_factory = dict_row
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def _lock_key(self, key: str) -> str:
        return ":".join([self._table, *(f"{c}={v}" for c, v in sorted(self._scope.items())), key])

    def produce_once(self, key: str, produce: Callable[[], CacheRow]) -> tuple[CacheRow, bool]:
        """The cache row of ``key``: recorded by a concurrent execution since ``since``, or made by
        ``produce`` and recorded here. Returns the row and whether it was produced here.

        An exception from ``produce`` propagates and nothing is recorded (a failure is not a result).
        Two round trips to the database per entry: claim-and-look, then record-and-release (pipelined).
        """
        conn = self._connection()
        lock = self._lock_key(key)
        held = True
        try:
            with conn.pipeline():
                conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (lock,))
                found = conn.execute(self._lookup, (key, *self._scope.values(), self._since))
            recorded = found.fetchone()
            if recorded is not None:
                recorded.pop("recorded_at", None)
                return recorded, False
            row = produce()
            with conn.pipeline():
                upsert_cache_row(conn, self._table, row)
                conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (lock,))
            held = False
            return row, True
        finally:
            if held:
                conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (lock,))
