"""The cylvy-pipeline command as a user runs it: one clear line for every mistake, nothing stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
def test_run_prints_the_phase_table_and_top_companies_and_fails_loudly(product_db):
    ok = cli("run", "--market", "UK")
    assert ok.returncode == 0, ok.stderr
    assert "completed" in ok.stdout and "Top 10 companies by organic DSI (UK, all keywords)" in ok.stdout
    for phase in ("keyword_metrics", "dsi_calculation"):
        assert phase in ok.stdout

    failed = cli("run", "--market", "US", CYLVY_SAMPLE_FAULTS="serp_collection=1.0")
    assert failed.returncode == 1
    assert "Failed phase(s) in US: serp_collection" in failed.stdout


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
    latest = cli("status")
    assert latest.returncode == 0 and "keyword_metrics" in latest.stdout


def test_status_and_sync_commands(database_urls):
    bad = cli("status", "not-an-id")
    assert bad.returncode == 2
    assert bad.stderr == "cylvy-pipeline: status: 'not-an-id' is not an execution id (a UUID, the root run id)\n"
    unknown = cli("status", "00000000-0000-0000-0000-000000000000")
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "cylvy-pipeline: status: no pipeline execution 00000000-0000-0000-0000-000000000000 in pipeline_phase_status\n"
    )
    synced = cli("sync")
    assert synced.returncode == 0 and synced.stdout.startswith("synced ")
    assert cli("reexecute", "no-such-run").stderr == "cylvy-pipeline: reexecute: there is no run 'no-such-run'\n"
