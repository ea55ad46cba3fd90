"""Benchmark: one market, the sample market scaled to N keywords, zero simulated latency.

Each run starts cold: a fresh state folder, so a new embedded PostgreSQL and empty caches. Reports the
end-to-end wall time of `cylvy-pipeline run`, each phase's step time, the peak RSS of the largest
process (the pipeline process; PostgreSQL's own processes are far smaller) and the rows per table.

    python benchmarks/pipeline_benchmark.py [--keywords 1000] [--runs 3] [--market US]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from cylvy_pipeline.contract import PHASE_TABLES, PHASES

CLI = [sys.executable, "-m", "cylvy_pipeline.cli"]


def one_run(keywords: int, market: str) -> dict:
    state = Path(tempfile.mkdtemp(prefix="cylvy-bench-", dir="/tmp"))
    os.chmod(state, 0o755)  # the embedded server runs as its own user and must reach its data folder
    env = {**os.environ, "CYLVY_STATE_DIR": str(state)}
    for name in ("CYLVY_DATABASE_URL", "CYLVY_DAGSTER_DATABASE_URL", "CYLVY_SAMPLE_FAULTS", "CYLVY_PROJECT_DIR"):
        env.pop(name, None)
    try:
        # Start the database first so its one-off initdb is not counted as pipeline time.
        url = subprocess.run([*CLI, "db", "url"], env=env, check=True, capture_output=True, text=True).stdout.strip()
        started = time.perf_counter()
        run = subprocess.run(
            [*CLI, "run", "--market", market, "--keywords", str(keywords)], env=env, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        if run.returncode != 0:
            raise SystemExit(f"pipeline failed:\n{run.stdout}\n{run.stderr}")
        with psycopg.connect(url) as conn:
            phases = dict(
                conn.execute(
                    """SELECT phase_name, EXTRACT(EPOCH FROM completed_at - started_at)::float
                       FROM pipeline_phase_status WHERE status = 'completed'"""
                ).fetchall()
            )
            rows = {
                table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for tables in PHASE_TABLES.values()
                for table in tables
            }
            rows |= {
                cache: conn.execute(f"SELECT count(*) FROM {cache}").fetchone()[0]
                for cache in ("company_profiles", "page_cache", "analysis_cache", "channel_resolutions")
            }
        return {"wall": wall, "phases": phases, "rows": rows}
    finally:
        subprocess.run([*CLI, "db", "stop"], env=env, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--market", default="US")
    args = parser.parse_args()

    runs = []
    for i in range(args.runs):
        runs.append(one_run(args.keywords, args.market))
        print(f"run {i + 1}: {runs[-1]['wall']:.1f} s", file=sys.stderr)
    peak_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    print(f"## One market ({args.market}), {args.keywords} keywords, zero latency — median of {args.runs} cold runs\n")
    walls = [r["wall"] for r in runs]
    listed = ", ".join(f"{w:.1f}" for w in walls)
    print(f"- End-to-end wall time of `cylvy-pipeline run`: **{statistics.median(walls):.1f} s** (runs: {listed})")
    print(f"- Peak RSS of the largest process: **{peak_rss_mib:.0f} MiB**\n")
    print("| phase | median step time (s) |\n|---|---|")
    for phase in PHASES:
        print(f"| {phase} | {statistics.median(r['phases'].get(phase, float('nan')) for r in runs):.2f} |")
    print("\n| table | rows |\n|---|---|")
    for table, count in runs[-1]["rows"].items():
        print(f"| {table} | {count:,} |")


if __name__ == "__main__":
    main()
