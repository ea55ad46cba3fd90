"""The multiprocess executor (the product's default): independent phases of a run wait on their providers
at the same time, each step in its own process, and runs of two markets at once collect their SERPs
together within one shared calls-per-minute limit. The status rows stay true throughout."""

from __future__ import annotations

import itertools

import dagster as dg
import pytest

from cylvy_pipeline.contract import PARTITION_TAG, PHASES
from cylvy_pipeline_tests.processes import start_cli

pytestmark = pytest.mark.slow

# Long enough per call that the phases after the SERPs last seconds, not milliseconds.
LATENCIES = "keyword_metrics=100,serp=100,company_data=250,youtube=1500,web=250"
AFTER_THE_SERPS = ("company_enrichment_serp", "youtube_enrichment", "content_scraping")


def _step_times(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float, int]]:
    """Step key -> (start, end, pid of the process that executed it)."""
    events = instance.all_logs(run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS})
    starts = {e.step_key: (e.timestamp, e.dagster_event.pid) for e in events
              if e.dagster_event.event_type == dg.DagsterEventType.STEP_START}
    ends = {e.step_key: e.timestamp for e in events if e.dagster_event.event_type == dg.DagsterEventType.STEP_SUCCESS}
    return {key: (start, ends[key], pid) for key, (start, pid) in starts.items()}


def _overlap(a: tuple[float, float, int], b: tuple[float, float, int]) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


def _run_markets(instance: dg.DagsterInstance, conn, tmp_path, *markets: str, **env: str) -> dict[str, dict]:
    """Run each market with its own `cylvy-pipeline run` at once; each run's step times, once all
    succeeded with every status row completed."""
    runs = {
        market: start_cli("run", "--market", market, log=tmp_path / f"{market}.log", CYLVY_EXECUTOR="multiprocess",
                          CYLVY_SAMPLE_LATENCY_MS=LATENCIES, **env)
        for market in markets
    }
    assert [run.wait(timeout=600) for run in runs.values()] == [0] * len(runs), [
        (tmp_path / f"{market}.log").read_text() for market in runs
    ]
    steps = {}
    for market in runs:
        (record,) = instance.get_run_records(dg.RunsFilter(tags={PARTITION_TAG: market}), limit=1)
        steps[market] = _step_times(instance, record.dagster_run.run_id)
        statuses = dict(conn.execute(
            "SELECT phase_name, status FROM pipeline_phase_status WHERE pipeline_execution_id = %s",
            (record.dagster_run.run_id,),
        ).fetchall())
        assert statuses == dict.fromkeys(PHASES, "completed")
    return steps


def test_independent_phases_wait_on_their_providers_together(dagster_instance, product_db, tmp_path):
    steps = _run_markets(dagster_instance, product_db, tmp_path, "UK")["UK"]
    for a, b in itertools.combinations(AFTER_THE_SERPS, 2):
        assert _overlap(steps[a], steps[b]) > 0, (a, b, steps)
    # Each step in a process of its own, none in the run worker's.
    assert len({steps[phase][2] for phase in PHASES}) == len(PHASES)


#: The shared SERP limit of the two-market test: one call every 100 ms, whoever makes it.
SERP_CALLS_PER_MINUTE = 600


def test_two_markets_collect_their_serps_together_within_one_shared_rate(dagster_instance, product_db, tmp_path):
    steps = _run_markets(dagster_instance, product_db, tmp_path, "US", "DE",
                         CYLVY_SAMPLE_CALLS_PER_MINUTE=f"serp={SERP_CALLS_PER_MINUTE}")
    us, de = steps["US"]["serp_collection"], steps["DE"]["serp_collection"]
    assert _overlap(us, de) > 0, (us, de)  # no pool makes them take turns
    # Call starts from api_usage (the end of a call less its duration), per market.
    runs = {market: dagster_instance.get_run_records(dg.RunsFilter(tags={PARTITION_TAG: market}), limit=1)[0]
            for market in steps}
    starts = {market: sorted(row[0] for row in product_db.execute(
        """SELECT (extract(epoch FROM at) - duration_ms / 1000.0)::float8 FROM api_usage
           WHERE provider = 'sample SERP' AND dagster_run_id = %s""", (record.dagster_run.run_id,)))
        for market, record in runs.items()}
    assert [len(times) for times in starts.values()] == [12 * 3, 12 * 3]  # 12 keywords × 3 SERP types each
    # While both phases ran, both called: their calls interleave on the one shared schedule...
    together = (max(us[0], de[0]), min(us[1], de[1]))
    for market, times in starts.items():
        assert sum(together[0] <= t <= together[1] for t in times) >= 5, (market, together, times)
    # ...and together they keep to the rate: 71 intervals of 100 ms at least, no second above its 10 calls
    # (give or take one for the timers' jitter).
    every = sorted(starts["US"] + starts["DE"])
    interval = 60 / SERP_CALLS_PER_MINUTE
    assert every[-1] - every[0] >= (len(every) - 1) * interval * 0.95
    assert max(sum(1 for t in every if s <= t < s + 1.0) for s in every) <= 11
