"""Provider rate limits shared by every run, process and machine that uses the product database.

A vendor's limit is a rate — so many calls a minute per account — whoever makes them: two markets'
SERP phases at once, a Celery worker on another machine. Each limit is one row in
``provider_rate_limits`` holding the earliest moment the next call may start; taking a call's slot is one
statement that moves that moment on by the limit's interval (the row lock makes concurrent takers queue
for a fraction of a millisecond), and the caller sleeps until its slot. Calls are spaced evenly, on the
database's clock, so machines whose clocks differ still share one schedule. Nothing is held while a call
is made: a process killed with slots reserved only lets those slots pass unused, it never keeps capacity.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import psycopg

_TAKE_SLOT = """
INSERT INTO provider_rate_limits AS limits (limiter, next_free)
VALUES (%(limiter)s, clock_timestamp() + %(interval)s)
ON CONFLICT (limiter) DO UPDATE
    SET next_free = greatest(limits.next_free, clock_timestamp()) + %(interval)s
RETURNING extract(epoch FROM (limits.next_free - %(interval)s - clock_timestamp()))::float8
"""


class SharedRateLimiter:
    """At most ``calls_per_minute`` calls a minute under ``name``, across everything that shares the
    database. :meth:`acquire` waits for this call's slot; one connection per limiter, opened on first use
    and closed by :meth:`close`."""

    def __init__(self, connect: Callable[[], psycopg.Connection], name: str, calls_per_minute: float, *,
                 sleep: Callable[[float], None] = time.sleep):
        if calls_per_minute <= 0:
            raise ValueError(f"calls_per_minute must be positive, got {calls_per_minute}")
        self.name = name
        self.calls_per_minute = calls_per_minute
        self._interval = timedelta(seconds=60.0 / calls_per_minute)
        self._connect = connect
        self._sleep = sleep
        self._connection: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            wait_s = self._take_slot()
        if wait_s > 0:
            self._sleep(wait_s)

    def _take_slot(self) -> float:
        for attempt in (1, 2):
            try:
                if self._connection is None or self._connection.closed:
                    self._connection = self._connect()
                    self._connection.autocommit = True
                (wait_s,) = self._connection.execute(
                    _TAKE_SLOT, {"limiter": self.name, "interval": self._interval}).fetchone()
                return wait_s
            except psycopg.OperationalError:
                # A connection the server dropped (a restart, an idle timeout): one new one, then the error.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
