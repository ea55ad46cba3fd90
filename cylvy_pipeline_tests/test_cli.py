"""The cylvy-pipeline command as a user runs it: one clear line for every mistake, nothing stored."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.environment import dagster_home, write_dagster_dotenv
from cylvy_pipeline.storage.database import REPOSITORY_ROOT, database_urls
from cylvy_pipeline.project.loader import SAMPLE_PROJECT_DIR
from cylvy_pipeline.project.model import KNOWN_MARKETS


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cylvy_pipeline.cli", *args],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=300,
    )


def stored_rows(conn) -> tuple[int, int]:
    return conn.execute(
        "SELECT (SELECT count(*) FROM phase_outputs), (SELECT count(*) FROM keyword_metrics)"
    ).fetchone()


@pytest.fixture
def broken_project(tmp_path: Path) -> Path:
    for name in ("project.yaml", "keywords.csv"):
        (tmp_path / name).write_bytes((SAMPLE_PROJECT_DIR / name).read_bytes())
    return tmp_path


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (
            lambda p: (p / "keywords.csv").unlink(),
            "keywords.csv: not found in {dir} — create it (start from a copy of {sample}/keywords.csv)",
        ),
        (
            lambda p: (p / "keywords.csv").write_text("Keyword,Primary Category\n"),
            "keywords.csv: no keywords (only a header line) — add one keyword per row below the header",
        ),
        (
            lambda p: (p / "keywords.csv").write_text("Term,Category\npayments hub,Payments\n"),
            "keywords.csv line 1: no keyword column (found columns: 'Term', 'Category') — name the column of "
            "search phrases 'keyword' (or 'Keyword')",
        ),
        (
            lambda p: (p / "keywords.csv").write_text(
                "Keyword,Primary Category\npayments hub,Payments\nPayments Hub ,Payments\n"
            ),
            "keywords.csv line 3: duplicate keyword 'Payments Hub' (first on line 2) — remove one of the two rows",
        ),
        (
            lambda p: (p / "project.yaml").write_text(
                (p / "project.yaml").read_text().replace("markets: [US, UK, DE]", "markets: [US, UK, XX]")
            ),
            "project.yaml markets[2]: unknown market code 'XX' — use one of {markets}",
        ),
        (
            lambda p: (p / "project.yaml").write_text("name: [unclosed\n"),
            None,
        ),
    ],
    ids=["missing-keywords-file", "empty-keyword-list", "no-keyword-column", "duplicate-keyword",
         "unknown-market", "invalid-yaml"],
)
def test_bad_project_input_is_one_line_and_stores_nothing(broken_project, breakage, message, product_db):
    breakage(broken_project)
    before = stored_rows(product_db)
    result = cli("run", "--project", str(broken_project), CYLVY_SAMPLE_KEYWORDS="")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    if message is not None:
        expected = message.format(dir=broken_project, sample=SAMPLE_PROJECT_DIR, markets=", ".join(KNOWN_MARKETS))
        assert lines[0] == f"cylvy-pipeline: {expected}"
    else:
        assert lines[0].startswith("cylvy-pipeline: project.yaml ")
        assert "Traceback" not in result.stderr
    assert stored_rows(product_db) == before


def test_unknown_market_or_phase_is_a_usage_error(product_db):
    before = stored_rows(product_db)
    result = cli("run", "--market", "FR")
    assert result.returncode == 2
    assert result.stderr == (
        "cylvy-pipeline: --market: 'FR' is not a market of project 'Ledgerline banking software market' — use one of US, UK, DE\n"
    )
    result = cli("run", "--select", "serp_collection,dsi")
    assert result.returncode == 2
    assert result.stderr.startswith("cylvy-pipeline: --select: unknown phase 'dsi' — use phase names from: keyword_metrics,")
    result = cli("run", "--keywords", "0")
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert stored_rows(product_db) == before


def test_bad_fault_spec_is_rejected_before_anything_runs(product_db):
    before = stored_rows(product_db)
    result = cli("run", "--market", "US", CYLVY_SAMPLE_FAULTS="serp=1.0")
    assert result.returncode == 2
    assert result.stderr.startswith("cylvy-pipeline: CYLVY_SAMPLE_FAULTS: unknown phase 'serp'")
    assert stored_rows(product_db) == before


@pytest.mark.slow
def test_the_readmes_fault_injection_fails_content_scraping_on_a_fresh_state_folder(product_db):
    # Warm: every page of US is fresh in the page cache, so failing every fetch fails nothing.
    assert cli("run", "--market", "US").returncode == 0
    warm = cli("run", "--market", "US", "--select", "keyword_metrics,serp_collection,content_scraping",
               CYLVY_SAMPLE_FAULTS="content_scraping=1.0")
    assert warm.returncode == 0, warm.stdout
    # The README's way: a fresh state folder (its own embedded server, caches empty; a short path, as the
    # server's socket lives in it).
    folder = REPOSITORY_ROOT / ".cylvy" / f"fresh-{uuid.uuid4().hex[:8]}"
    try:
        failed = cli("run", "--market", "US", CYLVY_SAMPLE_FAULTS="content_scraping=1.0", CYLVY_STATE_DIR=str(folder))
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "Failed phase(s) in US: content_scraping" in failed.stdout
    finally:
        cli("db", "stop", CYLVY_STATE_DIR=str(folder))
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_run_prints_the_phase_table_and_top_companies_and_fails_loudly(product_db):
    ok = cli("run", "--market", "UK")
    assert ok.returncode == 0, ok.stderr
    assert "completed" in ok.stdout and "Top 10 companies by organic DSI (UK, all keywords)" in ok.stdout
    # The client's place, even where the top 10 does not hold it.
    assert re.search(r"^Ledgerline ranks \d+ of \d+ companies by organic DSI in UK \(all keywords\), DSI index "
                     r"\d+\.\d\d\.$", ok.stdout, re.MULTILINE), ok.stdout
    for phase in ("keyword_metrics", "dsi_calculation"):
        assert phase in ok.stdout

    # Each step in a process of its own, as the product runs by default: none of them prints to the terminal.
    failed = cli("run", "--market", "US", CYLVY_SAMPLE_FAULTS="serp_collection=1.0", CYLVY_EXECUTOR="multiprocess")
    assert failed.returncode == 1
    assert failed.stderr == ""
    assert "Failed phase(s) in US: serp_collection" in failed.stdout
    # The last line is the command that continues the execution.
    run_id = _run_id(failed.stdout)
    last_line = failed.stdout.rstrip("\n").splitlines()[-1]
    assert last_line == f"To continue it from its failed phases: cylvy-pipeline reexecute {run_id}"


def test_db_url_prints_a_url_psql_can_use(database_urls):
    result = cli("db", "url")
    assert result.returncode == 0
    assert result.stdout.strip() == database_urls.product
    assert cli("db", "migrate").stdout.strip() == "database schema is up to date"


def _run_id(stdout: str) -> str:
    """The first run id in a report header: "== US: execution <id> — <status> (runs: <id>, …)"."""
    return stdout.split("(runs: ", 1)[1].split(")", 1)[0].split(",")[0].strip()


@pytest.mark.slow
def test_fail_then_reexecute_from_the_command_line(product_db):
    product_db.execute("DELETE FROM company_profiles")  # so company_enrichment_serp asks its failing source
    failed = cli("run", "--market", "US", CYLVY_SAMPLE_FAULTS="company_enrichment_serp=1.0")
    assert failed.returncode == 1
    lines = {line.split()[0]: line.split()[1] for line in failed.stdout.splitlines()[2:10]}
    assert lines == {
        "keyword_metrics": "completed", "serp_collection": "completed", "company_enrichment_serp": "failed",
        "youtube_enrichment": "completed", "content_scraping": "completed",
        "company_enrichment_youtube": "blocked", "content_analysis": "blocked", "dsi_calculation": "blocked",
    }
    assert "simulated outage of the company data provider" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
    run_id = _run_id(failed.stdout)

    resumed = cli("reexecute", run_id)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"execution {run_id} — completed" in resumed.stdout
    assert "Summary: 8 completed" in resumed.stdout

    runs = resumed.stdout.split("(runs: ", 1)[1].split(")", 1)[0].split(", ")
    assert runs[0] == run_id and len(runs) == 2  # one execution, two Dagster runs
    nothing = cli("reexecute", runs[1])
    assert nothing.returncode == 2
    assert nothing.stderr == f"cylvy-pipeline: reexecute: nothing to re-execute, run {runs[1]} succeeded\n"

    status = cli("status", run_id)
    assert status.returncode == 0 and "Summary: 8 completed" in status.stdout
    # The re-execution's run id (what the UI shows of it) names the same execution.
    by_second_run = cli("status", runs[1])
    assert by_second_run.returncode == 0 and by_second_run.stdout == status.stdout
    latest = cli("status")
    assert latest.returncode == 0 and "keyword_metrics" in latest.stdout


def test_status_and_sync_commands(database_urls):
    bad = cli("status", "not-an-id")
    assert bad.returncode == 2
    assert bad.stderr == "cylvy-pipeline: status: 'not-an-id' is not an execution or run id (a UUID)\n"
    unknown = cli("status", "00000000-0000-0000-0000-000000000000")
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "cylvy-pipeline: status: no pipeline execution 00000000-0000-0000-0000-000000000000 in pipeline_phase_status\n"
    )
    synced = cli("sync")
    assert synced.returncode == 0 and synced.stdout.startswith("synced ")
    assert cli("reexecute", "no-such-run").stderr == "cylvy-pipeline: reexecute: there is no run 'no-such-run'\n"


def _dagster(*args: str, folder: Path) -> subprocess.CompletedProcess:
    """One of Dagster's own commands, run in ``folder`` without the instance variables in its environment."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "CYLVY_DAGSTER_STORAGE_URL")}
    return subprocess.run([str(Path(sys.executable).with_name("dagster")), *args],
                          capture_output=True, text=True, env=environment, cwd=folder, timeout=300)


def test_a_run_dagster_itself_started_shows_in_status(dagster_instance, product_db, tmp_path):
    # Dagster's own command in a folder holding the `.env` that commands write into a checkout (only
    # there, and not for a test's state folder): no DAGSTER_HOME exported, no daemon syncing anything.
    assert write_dagster_dotenv(tmp_path, dagster_home(), database_urls().dagster)
    materialized = _dagster("asset", "materialize", "-m", "cylvy_pipeline.definitions",
                            "--select", "keyword_metrics", "--partition", "DE", folder=tmp_path)
    assert materialized.returncode == 0, materialized.stderr
    run_id = dagster_instance.get_runs(limit=1)[0].run_id
    assert product_db.execute("SELECT count(*) FROM pipeline_executions WHERE id = %s", (run_id,)).fetchone() == (0,)

    status = cli("status", run_id)  # reconciles first
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith(f"== DE: execution {run_id} — completed (runs: {run_id})\n")
    phases = {line.split()[0]: line.split()[1] for line in status.stdout.splitlines()[2:10]}
    assert phases == {"keyword_metrics": "completed", **{p: "skipped" for p in PHASES[1:]}}
    assert cli("status").stdout == status.stdout  # the latest execution


def test_a_dotenv_the_user_wrote_is_left_alone(tmp_path):
    (tmp_path / ".env").write_text("OPENAI_API_KEY=mine\n")
    assert not write_dagster_dotenv(tmp_path, tmp_path / "home", "postgresql+psycopg2://x@/dagster")
    assert (tmp_path / ".env").read_text() == "OPENAI_API_KEY=mine\n"


def test_dagster_commands_without_the_instance_fail_in_one_line(product_db, tmp_path):
    before = stored_rows(product_db)
    result = _dagster("asset", "materialize", "-m", "cylvy_pipeline.definitions",
                      "--select", "keyword_metrics", "--partition", "US", folder=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "cylvy_pipeline: DAGSTER_HOME is not set, so this Dagster command would keep its runs in a temporary "
        'instance that the UI and pipeline_phase_status never see — run `eval "$(cylvy-pipeline db env)"` first'
    )
    assert "Traceback" not in result.stderr
    assert stored_rows(product_db) == before


def test_status_piped_into_head_ends_quietly(database_urls):
    assert cli("run", "--market", "UK", "--select", "keyword_metrics").returncode == 0
    status = f"{shlex.quote(sys.executable)} -m cylvy_pipeline.cli status"
    first_line = subprocess.run(f"{status} | head -n 1", shell=True, capture_output=True, text=True,
                                env=os.environ.copy(), timeout=120)
    assert first_line.stdout.startswith("== UK: execution ") and len(first_line.stdout.splitlines()) == 1
    assert first_line.stderr == ""
    # A reader gone before anything was written (`head -n 0`): the command ends quietly, as a shell's
    # commands do on a closed pipe (128 + SIGPIPE).
    gone = subprocess.run(["bash", "-c", f'{status} | head -n 0; echo "${{PIPESTATUS[0]}}"'],
                          capture_output=True, text=True, env=os.environ.copy(), timeout=120)
    assert (gone.stdout, gone.stderr) == ("141\n", "")
