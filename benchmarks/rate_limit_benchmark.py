"""Benchmark: what the shared provider rate limit costs a call (storage/rate_limits.py).

Against a fresh embedded PostgreSQL (its own state folder): the time one call spends taking its slot —
the statement and the wait for the limiter's lock, not the sleep until the slot — measured two ways:
2,000 slots taken back to back by one thread (the statement alone), and 8 threads calling at a limit of
2,000 calls a minute for 20 seconds (a SERP phase at the vendor's limit, as it runs).

    python benchmarks/rate_limit_benchmark.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

CLI = [sys.executable, "-m", "cylvy_pipeline.cli"]


def timed_limiter(connect, name: str, calls_per_minute: float, costs: list[float], sleep=time.sleep):
    from cylvy_pipeline.storage.rate_limits import SharedRateLimiter

    class Timed(SharedRateLimiter):
        def _take_slot(self) -> float:
            started = time.perf_counter()
            try:
                return super()._take_slot()
            finally:
                costs.append(time.perf_counter() - started)

    return Timed(connect, name, calls_per_minute, sleep=sleep)


def main() -> None:
    state = Path(tempfile.mkdtemp(prefix="cylvy-rate-", dir="/tmp"))
    os.chmod(state, 0o755)  # the embedded server runs as its own user and must reach its data folder
    env = {**os.environ, "CYLVY_STATE_DIR": str(state)}
    for name in ("CYLVY_DATABASE_URL", "CYLVY_DAGSTER_DATABASE_URL"):
        env.pop(name, None)
    try:
        subprocess.run([*CLI, "db", "migrate"], env=env, check=True, capture_output=True)
        url = subprocess.run([*CLI, "db", "url"], env=env, check=True, capture_output=True, text=True).stdout.strip()
        import psycopg

        def connect():
            return psycopg.connect(url)

        back_to_back: list[float] = []
        limiter = timed_limiter(connect, f"bench {uuid.uuid4()}", 2000, back_to_back, sleep=lambda _s: None)
        for _ in range(2000):
            limiter.acquire()
        limiter.close()

        at_the_limit: list[float] = []
        limiter = timed_limiter(connect, f"bench {uuid.uuid4()}", 2000, at_the_limit)
        stop = time.monotonic() + 20

        def caller() -> None:
            while time.monotonic() < stop:
                limiter.acquire()

        threads = [threading.Thread(target=caller) for _ in range(8)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        limiter.close()
    finally:
        subprocess.run([*CLI, "db", "stop"], env=env, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)

    def row(label: str, costs: list[float], extra: str) -> str:
        ms = sorted(c * 1000 for c in costs)
        return (f"| {label} | {len(ms):,} | {statistics.median(ms):.3f} | {ms[int(len(ms) * 0.95)]:.3f} | "
                f"{ms[-1]:.3f} | {extra} |")

    print("| how | calls | median (ms) | p95 (ms) | max (ms) | |\n|---|---|---|---|---|---|")
    print(row("one thread, back to back (no sleeping)", back_to_back, ""))
    print(row("8 threads at 2,000 calls/min for 20 s", at_the_limit,
              f"{len(at_the_limit) / elapsed * 60:,.0f} calls/min achieved"))


if __name__ == "__main__":
    main()
