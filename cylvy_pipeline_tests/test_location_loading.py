"""Loading the code location: configuration in, definitions out, no side effects.

A run worker, a step process or a Celery worker on another machine rebuilds the definitions from its own
environment; importing them must not start a database, write files or change the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from cylvy_pipeline.defs.location import LocationSettings, pipeline_definitions
from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR, ProjectConfigError

# Runs in a fresh interpreter: imports the code location, loads it as Dagster does (calling the
# @dg.definitions function) and describes what it got, and whether the import changed os.environ.
_DESCRIBE = """
import json, os
before = dict(os.environ)
import cylvy_pipeline.definitions as location
defs = location.defs()
job = defs.resolve_job_def("market_pipeline")
graph = defs.resolve_asset_graph()
print(json.dumps({
    "markets": graph.get(next(iter(graph.get_all_asset_keys()))).partitions_def.get_partition_keys(),
    "executor": job.executor_def.name,
    "resources": {key: type(resource).__name__ for key, resource in sorted(defs.resources.items())
                  if key in ("serp", "company_data", "content_analyzer")},
    "environment_changed": dict(os.environ) != before,
}))
"""


def _project(folder: Path, markets: str, providers: str = "") -> Path:
    shutil.copytree(SAMPLE_PROJECT_DIR, folder)
    text = (folder / "project.yaml").read_text().replace("markets: [US, UK, DE]", f"markets: {markets}")
    (folder / "project.yaml").write_text(text + providers)
    return folder


def _load_in_fresh_process(tmp_path: Path, **variables: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("CYLVY_", "DAGSTER_"))}
    environment.update({"DAGSTER_HOME": str(tmp_path / "dagster_home"), **variables})
    result = subprocess.run([sys.executable, "-c", _DESCRIBE], capture_output=True, text=True, env=environment,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_environments_give_the_definitions_each_describes_without_starting_a_database(tmp_path):
    state = tmp_path / "state"
    # A database URL nothing listens on: loading must not need one.
    unreachable = "postgresql://cylvy@127.0.0.1:9/nothing?connect_timeout=1"
    sample = _load_in_fresh_process(
        tmp_path, CYLVY_STATE_DIR=str(state), CYLVY_DATABASE_URL=unreachable, CYLVY_SAMPLE_KEYWORDS="20",
    )
    assert sample == {
        "markets": ["US", "UK", "DE"],
        "executor": "multiprocess",
        "resources": {"company_data": "SampleCompanyDataSource", "content_analyzer": "LocalAnalyzer",
                      "serp": "SampleSerpData"},
        "environment_changed": False,
    }
    other = _project(tmp_path / "other", "[DE, US]", "\nproviders:\n  serp: dataforseo\n  company_data: homepage\n")
    described = _load_in_fresh_process(
        tmp_path, CYLVY_STATE_DIR=str(state), CYLVY_DATABASE_URL=unreachable, CYLVY_PROJECT_DIR=str(other),
        CYLVY_EXECUTOR="in_process",
    )
    assert described == {
        "markets": ["DE", "US"],
        "executor": "in_process",
        "resources": {"company_data": "HomepageCompanyDataSource", "content_analyzer": "LocalAnalyzer",
                      "serp": "DataForSeoSerpData"},
        "environment_changed": False,
    }
    assert not state.exists()  # no embedded server was started, no state folder written


def test_settings_read_at_run_time_are_bound_as_environment_variables(tmp_path):
    project = _project(tmp_path / "project", "[US]")
    environ = {"CYLVY_PROJECT_DIR": str(project), "CYLVY_SAMPLE_KEYWORDS": "30", "CYLVY_SAMPLE_LATENCY_MS": "serp=5",
               "CYLVY_DATABASE_URL": "postgresql://cylvy@db.example/cylvy"}
    defs = pipeline_definitions(LocationSettings(environ))
    resources = defs.resources
    # dg.EnvVar, not the value: each process that runs a step reads its own environment.
    assert resources["project"].project_dir == dg.EnvVar("CYLVY_PROJECT_DIR")
    assert resources["project"].keyword_count == dg.EnvVar.int("CYLVY_SAMPLE_KEYWORDS")
    assert resources["database"].url == dg.EnvVar("CYLVY_DATABASE_URL")
    assert resources["serp"].latencies == dg.EnvVar("CYLVY_SAMPLE_LATENCY_MS")
    assert resources["serp"].faults == ""  # unset: no EnvVar that would fail the run
    # A project named explicitly (the CLI's --project, a re-executed run's tags) is bound as a value.
    explicit = pipeline_definitions(LocationSettings({}, project_dir=str(project), keyword_count=12))
    assert explicit.resources["project"].project_dir == str(project)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CYLVY_EXECUTOR", "threads",
         "CYLVY_EXECUTOR: 'threads' is not an executor — use one of multiprocess, in_process, celery, or unset it"),
        ("CYLVY_EXECUTOR", "celery",
         "CYLVY_CELERY_BROKER_URL: not set, and the celery executor needs the broker its workers listen on — set "
         "it to the Redis URL, e.g. redis://127.0.0.1:6379/0, or choose another CYLVY_EXECUTOR"),
        ("CYLVY_MAX_CONCURRENT_STEPS", "0",
         "CYLVY_MAX_CONCURRENT_STEPS: '0' is not a positive whole number — set it to the number of "
         "steps, e.g. 4, or unset it"),
    ],
)
def test_a_bad_execution_setting_fails_loading_with_one_line(variable, value, message):
    with pytest.raises(ProjectConfigError) as error:
        pipeline_definitions(LocationSettings({variable: value}))
    assert str(error.value) == message


def test_the_celery_executor_reads_its_broker_where_the_run_executes(monkeypatch):
    loaded_with = "redis://:a-password@broker.example:6379/0"
    job = pipeline_definitions(
        LocationSettings({"CYLVY_EXECUTOR": "celery", "CYLVY_CELERY_BROKER_URL": loaded_with})
    ).resolve_job_def("market_pipeline")
    assert job.executor_def.name == "celery"
    # Bound as the variable, not its value: the process that executes the run (another machine's run
    # worker) resolves it from its own environment, and Redis keeps the step results there too.
    monkeypatch.setenv("CYLVY_CELERY_BROKER_URL", "redis://run-worker.example:6379/1")
    resolved = job.executor_def.config_schema.resolve_config({})
    assert resolved.success, resolved.errors
    config = resolved.value["config"]
    assert (config["broker"], config["backend"]) == ("redis://run-worker.example:6379/1",) * 2
    assert config["config_source"]["task_track_started"] is True  # the run watches started steps


def test_a_worker_without_a_broker_refuses_to_start_in_one_line(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "CYLVY_CELERY_BROKER_URL"}
    result = subprocess.run([sys.executable, "-m", "cylvy_pipeline.cli", "worker"], capture_output=True, text=True,
                            env={**environment, "CYLVY_STATE_DIR": str(tmp_path / "state")}, timeout=120)
    assert (result.returncode, result.stderr.strip().splitlines()) == (
        2, ["cylvy-pipeline: CYLVY_CELERY_BROKER_URL: not set, and the celery executor needs the broker its workers "
            "listen on — set it to the Redis URL, e.g. redis://127.0.0.1:6379/0, or choose another CYLVY_EXECUTOR"]
    )
    assert not (tmp_path / "state").exists()  # refused before touching a database
