"""Provider rate limits shared through PostgreSQL: every limiter of one name, in any process, takes its
calls from one schedule, and a process killed with a slot reserved holds nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import psycopg
import pytest

from cylvy_pipeline.storage.rate_limits import SharedRateLimiter


def _limiter(database_urls, name: str, calls_per_minute: float) -> SharedRateLimiter:
    return SharedRateLimiter(lambda: psycopg.connect(database_urls.product), name, calls_per_minute)


def test_limiters_of_one_name_share_one_schedule(database_urls):
    name = f"test {uuid.uuid4()}"
    # Two limiters stand for two runs' clients; 1,200 calls a minute is one call every 50 ms.
    first, second = _limiter(database_urls, name, 1200), _limiter(database_urls, name, 1200)
    starts: list[float] = []
    lock = threading.Lock()

    def call(limiter: SharedRateLimiter) -> None:
        for _ in range(10):
            limiter.acquire()
            with lock:
                starts.append(time.monotonic())

    threads = [threading.Thread(target=call, args=(limiter,)) for limiter in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first.close(), second.close()
    starts.sort()
    # 20 calls at 50 ms apart take 19 intervals, whoever makes them; alone, each would take 0.45 s.
    assert starts[-1] - starts[0] >= 19 * 0.05 * 0.95
    assert max(sum(1 for t in starts if s <= t < s + 0.25) for s in starts) <= 6  # ≤ 5 a quarter second, +1 jitter


def test_another_name_has_a_schedule_of_its_own(database_urls):
    slow = _limiter(database_urls, f"test {uuid.uuid4()}", 6)  # one call every 10 s
    other = _limiter(database_urls, f"test {uuid.uuid4()}", 6)
    slow.acquire(), other.acquire()  # each name's first call goes at once
    started = time.monotonic()
    _limiter(database_urls, f"test {uuid.uuid4()}", 6).acquire()
    assert time.monotonic() - started < 5.0  # not the 10 s the other names' schedule would impose


TAKE_SLOTS = """
import sys, psycopg
from cylvy_pipeline.storage.rate_limits import SharedRateLimiter
limiter = SharedRateLimiter(lambda: psycopg.connect(sys.argv[1]), sys.argv[2], float(sys.argv[3]))
while True:
    limiter.acquire()
    print("took a slot", flush=True)
"""


def test_a_killed_holder_leaves_no_capacity_behind(database_urls):
    name = f"test {uuid.uuid4()}"
    # A process taking every slot of a 120-a-minute limit (one per 0.5 s), killed while it waits for one.
    holder = subprocess.Popen([sys.executable, "-c", TAKE_SLOTS, database_urls.product, name, "120"],
                              stdout=subprocess.PIPE, text=True, env=os.environ.copy(), start_new_session=True)
    try:
        for _ in range(3):
            assert holder.stdout.readline() == "took a slot\n"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()
    limiter = _limiter(database_urls, name, 120)
    started = time.monotonic()
    for _ in range(3):
        limiter.acquire()
    limiter.close()
    # The slot the killed process had reserved goes unused (the first call here takes the one after it),
    # then one call every 0.5 s: nothing stays held.
    assert time.monotonic() - started <= 2 * 0.5 + 2 * 0.5 + 0.3


def test_a_rate_that_is_not_positive_is_refused():
    with pytest.raises(ValueError, match="^calls_per_minute must be positive, got 0$"):
        SharedRateLimiter(lambda: None, "x", 0)
