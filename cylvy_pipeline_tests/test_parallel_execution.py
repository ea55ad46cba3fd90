"""The multiprocess executor (the product's default): independent phases of a run wait on their providers
at the same time, each step in its own process, and runs of two markets at once take turns on each
provider's pool while their other phases overlap. The status rows stay true throughout."""

from __future__ import annotations

import itertools

import dagster as dg
import pytest

from cylvy_pipeline.contract import PARTITION_TAG, PHASES
from cylvy_pipeline.contract import PROVIDER_POOLS as POOLS
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


def _run_markets(instance: dg.DagsterInstance, conn, tmp_path, *markets: str) -> dict[str, dict]:
    """Run each market with its own `cylvy-pipeline run` at once; each run's step times, once all
    succeeded with every status row completed."""
    runs = {
        market: start_cli("run", "--market", market, log=tmp_path / f"{market}.log", CYLVY_EXECUTOR="multiprocess",
                          CYLVY_SAMPLE_LATENCY_MS=LATENCIES)
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


def test_two_markets_at_once_take_turns_on_each_provider(dagster_instance, product_db, tmp_path):
    steps = _run_markets(dagster_instance, product_db, tmp_path, "US", "DE")
    us, de = steps["US"], steps["DE"]
    span = {market: (min(s[0] for s in times.values()), max(s[1] for s in times.values()), 0)
            for market, times in steps.items()}
    assert _overlap(span["US"], span["DE"]) > 0  # the runs overlap...
    for phase, other in itertools.product(POOLS, POOLS):
        if POOLS[phase] == POOLS[other]:  # ...but never inside one provider's pool
            assert _overlap(us[phase], de[other]) <= 0, (phase, other, us[phase], de[other])
