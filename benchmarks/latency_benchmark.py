"""Benchmark: the pipeline against providers that take time to answer, as real ones do.

One `cylvy-pipeline run` of the sample market scaled to N keywords, for one or more markets at once
(one command per market, as a team runs them), with a simulated latency per provider
(``CYLVY_SAMPLE_LATENCY_MS``) and the product's default executor (multiprocess). Each run starts cold:
a fresh state folder, so a new embedded PostgreSQL (started before timing) and empty caches.

For each market it reports the phases' wall time (the first phase's start to the last phase's end in
Dagster's event log) against the critical path of the phase durations alone — each phase from its step's
start to its materialization, so its checks (evaluated in the same step, after it) count as overhead, like
step starts and waits for a pool — i.e. the wall time had every phase started the moment its inputs were
ready and cost nothing else; and, for each phase that calls a provider, its step time against its own
bound: the time its calls take at the provider's in-phase concurrency (``providers.concurrency``),
ceil(calls / concurrency) × latency, summed over the providers it calls (calls counted in ``api_usage``),
or the shared calls-per-minute limit (``--calls-per-minute``) where that is longer.

    python benchmarks/latency_benchmark.py --keywords 1000 --latency 100
    python benchmarks/latency_benchmark.py --keywords 1000 --markets US,UK,DE \\
        --latency serp=6000,web=1500,company_data=800,youtube=300,keyword_metrics=2000 \\
        --calls-per-minute serp=2000 --providers "concurrency: {serp: 256, web: 64, company_data: 32}"
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "cylvy_pipeline.cli"]
# Phase -> the sample providers it calls, by their name in api_usage and in CYLVY_SAMPLE_LATENCY_MS.
SAMPLE_PROVIDERS = {
    "sample keyword metrics": "keyword_metrics", "sample SERP": "serp", "sample YouTube": "youtube",
    "sample company data": "company_data", "sample web": "web",
}
# The name of each sample provider in CYLVY_SAMPLE_LATENCY_MS -> its kind under providers.concurrency.
PROVIDER_KINDS = {"keyword_metrics": "keyword_data", "serp": "serp", "youtube": "video_data",
                  "company_data": "company_data", "web": "web"}


def critical_path(durations: dict[str, float], dependencies: dict[str, list[str]]) -> tuple[float, list[str]]:
    """The longest chain of ``durations`` through ``dependencies`` (step -> the steps it waits for)."""
    finish: dict[str, tuple[float, list[str]]] = {}

    def finish_of(step: str) -> tuple[float, list[str]]:
        if step not in finish:
            before = max((finish_of(d) for d in dependencies.get(step, []) if d in durations),
                         default=(0.0, []), key=lambda f: f[0])
            finish[step] = (before[0] + durations[step], [*before[1], step])
        return finish[step]

    return max((finish_of(step) for step in durations), key=lambda f: f[0])


def step_dependencies() -> dict[str, list[str]]:
    """Phase -> the phases it waits for (each phase's checks run inside its own step)."""
    from cylvy_pipeline.contract import PHASE_DEPENDENCIES

    return {phase: list(upstream) for phase, upstream in PHASE_DEPENDENCIES.items()}


def provider_concurrency(project) -> dict[str, int]:
    """Each sample provider's in-phase concurrency (``providers.concurrency.<kind>`` of the project)."""
    return {name: getattr(project.providers.concurrency, kind) for name, kind in PROVIDER_KINDS.items()}


def one_run(keywords: int, markets: list[str], latency: str, calls_per_minute: str,
            project_dir: Path | None) -> dict:
    state = Path(tempfile.mkdtemp(prefix="cylvy-latency-", dir="/tmp"))
    os.chmod(state, 0o755)  # the embedded server runs as its own user and must reach its data folder
    env = {**os.environ, "CYLVY_STATE_DIR": str(state), "CYLVY_SAMPLE_LATENCY_MS": latency,
           "CYLVY_SAMPLE_CALLS_PER_MINUTE": calls_per_minute}
    for name in ("CYLVY_DATABASE_URL", "CYLVY_DAGSTER_DATABASE_URL", "CYLVY_SAMPLE_FAULTS", "CYLVY_PROJECT_DIR",
                 "CYLVY_EXECUTOR"):
        env.pop(name, None)
    project_args = ["--project", str(project_dir)] if project_dir else []
    try:
        subprocess.run([*CLI, "db", "url"], env=env, check=True, capture_output=True, text=True)
        started = time.perf_counter()
        commands = [
            subprocess.Popen([*CLI, "run", "--market", market, "--keywords", str(keywords), *project_args], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for market in markets
        ]
        outputs = [command.communicate()[0] for command in commands]
        wall = time.perf_counter() - started
        if any(command.returncode for command in commands):
            raise SystemExit("pipeline failed:\n" + "\n".join(outputs))
        return {"wall": wall, "markets": measure(state, markets)}
    finally:
        subprocess.run([*CLI, "db", "stop"], env=env, capture_output=True)
        shutil.rmtree(state, ignore_errors=True)


def measure(state: Path, markets: list[str]) -> dict[str, dict]:
    """Per market: the run's wall time, its step durations and critical path, and each provider phase's
    calls per provider — read in a fresh interpreter pointed at the run's state folder."""
    script = f"""
import json, os
os.environ["CYLVY_STATE_DIR"] = {str(state)!r}
import dagster as dg
import psycopg
from cylvy_pipeline import execution
from cylvy_pipeline.environment import prepare_environment
instance = execution.open_instance()
out = {{}}
with psycopg.connect(prepare_environment().product) as conn:
    for market in {markets!r}:
        (record,) = instance.get_run_records(dg.RunsFilter(tags={{"dagster/partition": market}}), limit=1)
        run_id = record.dagster_run.run_id
        events = instance.all_logs(run_id)
        kinds = lambda kind: [e for e in events if e.dagster_event and e.dagster_event.event_type == kind]
        starts = {{e.step_key: e.timestamp for e in kinds(dg.DagsterEventType.STEP_START)}}
        materialized = {{e.step_key: e.timestamp for e in kinds(dg.DagsterEventType.ASSET_MATERIALIZATION)}}
        ends = {{e.step_key: e.timestamp for e in kinds(dg.DagsterEventType.STEP_SUCCESS)}}
        run_start = kinds(dg.DagsterEventType.RUN_START)[0].timestamp
        run_end = kinds(dg.DagsterEventType.RUN_SUCCESS)[0].timestamp
        calls = conn.execute(
            "SELECT phase_name, provider, sum(calls) FROM api_usage WHERE pipeline_execution_id = %s "
            "GROUP BY phase_name, provider", (run_id,)).fetchall()
        out[market] = {{"run": run_end - run_start,
                        "phases": max(ends.values()) - min(starts.values()),
                        "steps": {{k: ends[k] - starts[k] for k in starts if k in ends}},
                        "phase_only": {{k: materialized[k] - starts[k] for k in starts if k in materialized}},
                        "calls": [[p, provider, int(n)] for p, provider, n in calls]}}
print(json.dumps(out))
"""
    import json

    env = {k: v for k, v in os.environ.items() if not k.startswith("CYLVY_")}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"reading the runs failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    from cylvy_pipeline.contract import PHASES
    from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR, load_project
    from cylvy_pipeline.providers.sample.faults import parse_latency_ms

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=1000)
    parser.add_argument("--markets", default="US", help="comma-separated; each runs in its own command, at once")
    parser.add_argument("--latency", default="100", help="CYLVY_SAMPLE_LATENCY_MS: ms, or provider=ms,…")
    parser.add_argument("--providers", default="", help="YAML lines added under providers: in project.yaml")
    parser.add_argument("--calls-per-minute", default="",
                        help="CYLVY_SAMPLE_CALLS_PER_MINUTE: a rate shared by all markets, e.g. serp=2000")
    args = parser.parse_args()
    markets = args.markets.split(",")
    latencies = parse_latency_ms(args.latency)

    project_dir = None
    with tempfile.TemporaryDirectory() as folder:
        if args.providers:
            project_dir = Path(folder) / "project"
            shutil.copytree(SAMPLE_PROJECT_DIR, project_dir)
            lines = "".join(f"  {line.strip()}\n" for line in args.providers.split(";"))
            (project_dir / "project.yaml").write_text((project_dir / "project.yaml").read_text() + "\nproviders:\n" + lines)
        project = load_project(project_dir, keyword_count=args.keywords)
        concurrency = provider_concurrency(project)
        run = one_run(args.keywords, markets, args.latency, args.calls_per_minute, project_dir)

    dependencies = step_dependencies()
    rates = f", shared rate `{args.calls_per_minute}` calls/min" if args.calls_per_minute else ""
    print(f"## {args.keywords} keywords × {len(markets)} market(s) ({', '.join(markets)}) at once, "
          f"latency `{args.latency}` ms{rates}, multiprocess executor\n")
    print(f"- Wall time of the {len(markets)} `cylvy-pipeline run` command(s): **{run['wall']:.1f} s**")
    for market, measured in run["markets"].items():
        path_s, path = critical_path(measured["phase_only"], dependencies)
        print(f"- {market}: run {measured['run']:.1f} s; phases {measured['phases']:.1f} s (first start to last "
              f"end) against the critical path of the phases alone {path_s:.1f} s: "
              f"**ratio {measured['phases'] / path_s:.2f}** (path: {' → '.join(path)})")
    print("\n| market | phase | calls | concurrency | bound (s) | step (s) | step ÷ bound |\n|---|---|---|---|---|---|---|")
    for market, measured in run["markets"].items():
        for phase in PHASES:
            calls = [(SAMPLE_PROVIDERS[provider], n) for p, provider, n in measured["calls"] if p == phase]
            if not calls:
                continue
            bound = sum(math.ceil(n / concurrency[kind]) * latencies[kind] / 1000 for kind, n in calls)
            step = measured["steps"].get(phase, float("nan"))
            ratio = f"{step / bound:.2f}" if bound else "–"
            at_once = "/".join(str(concurrency[kind]) for kind, _ in calls)
            print(f"| {market} | {phase} | {sum(n for _, n in calls):,} | {at_once} | {bound:.1f} | "
                  f"{step:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
