"""Migrations and run-scoped writes on a real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pandas as pd
import pytest

from cylvy_pipeline.storage.migrations import apply_migrations, available_migrations
from cylvy_pipeline.storage.tables import (
    MissingUpstreamOutput,
    pinned_output_execution,
    read_rows,
    write_phase_output,
)


def _schema(conn) -> list[tuple]:
    return conn.execute(
        """SELECT table_name, column_name, data_type FROM information_schema.columns
           WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"""
    ).fetchall()


def test_migrations_apply_once_and_rerun_changes_nothing(database_urls, product_db):
    before = _schema(product_db)
    assert apply_migrations(database_urls.product) == []
    assert apply_migrations(database_urls.product) == []
    assert _schema(product_db) == before
    applied = [version for (version,) in product_db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert applied == [migration.version for migration in available_migrations()]
    assert applied[:5] == ["0001", "0002", "0003", "0004", "0005"]


def test_phase_status_table_matches_the_seed_contract(product_db):
    columns = {name for table, name, _ in _schema(product_db) if table == "pipeline_phase_status"}
    assert {
        "id", "pipeline_execution_id", "phase_name", "status", "started_at", "completed_at", "result_data",
        "error_message", "created_at", "updated_at",
    } <= columns
    with pytest.raises(Exception, match="pipeline_phase_status_status_check"):
        with product_db.transaction():
            product_db.execute(
                "INSERT INTO pipeline_phase_status (pipeline_execution_id, phase_name, status) VALUES (%s, 'x', 'done')",
                (str(uuid.uuid4()),),
            )


def _metrics_frame(volume: int | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "keyword": ["payments hub"], "category": ["Payments"], "jtbd_stage": [None], "is_brand": [False],
            "search_volume": pd.array([volume], dtype="Int64"), "competition": [None],
            "competition_index": pd.array([None], dtype="Int64"), "low_top_of_page_bid": [None],
            "high_top_of_page_bid": [None], "metrics_missing": [volume is None],
        }
    )


def test_an_execution_never_overwrites_another_and_reruns_replace_their_own(product_db):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    market = "ZZ"  # a market no pipeline test uses
    write_phase_output(product_db, phase="keyword_metrics", execution_id=first, market=market,
                       dagster_run_id="run-1", frames={"keyword_metrics": _metrics_frame(100)})
    write_phase_output(product_db, phase="keyword_metrics", execution_id=second, market=market,
                       dagster_run_id="run-2", frames={"keyword_metrics": _metrics_frame(None)})
    # A retry of the second execution replaces its own rows only.
    write_phase_output(product_db, phase="keyword_metrics", execution_id=second, market=market,
                       dagster_run_id="run-3", frames={"keyword_metrics": _metrics_frame(300)})

    assert read_rows(product_db, "keyword_metrics", execution_id=first, market=market)["search_volume"].tolist() == [100]
    assert read_rows(product_db, "keyword_metrics", execution_id=second, market=market)["search_volume"].tolist() == [300]


def test_missing_volume_is_stored_as_null_not_zero(product_db):
    execution = str(uuid.uuid4())
    write_phase_output(product_db, phase="keyword_metrics", execution_id=execution, market="ZY",
                       dagster_run_id="run", frames={"keyword_metrics": _metrics_frame(None)})
    assert product_db.execute(
        "SELECT search_volume, metrics_missing FROM keyword_metrics WHERE pipeline_execution_id = %s", (execution,)
    ).fetchall() == [(None, True)]


def test_reading_a_phase_that_never_ran_names_what_to_do(product_db):
    with pytest.raises(MissingUpstreamOutput) as error:
        pinned_output_execution(
            product_db, "content_analysis", "XX", execution_id=str(uuid.uuid4()), as_of=datetime.now(UTC)
        )
    assert str(error.value) == (
        "content_analysis has no output for market XX yet; materialize content_analysis for XX first"
    )


def test_a_phase_must_write_exactly_its_tables(product_db):
    with pytest.raises(ValueError, match=r"keyword_metrics writes exactly \['keyword_metrics'\]"):
        write_phase_output(product_db, phase="keyword_metrics", execution_id=str(uuid.uuid4()), market="ZZ",
                           dagster_run_id="run", frames={})


def test_every_provider_call_is_a_row_of_api_usage_even_when_the_phase_fails(database_urls, product_db):
    import psycopg

    from cylvy_pipeline.providers.base import ProviderCall
    from cylvy_pipeline.storage.usage import UsageLog, execution_totals

    execution = str(uuid.uuid4())
    at = datetime(2026, 11, 29, 12, tzinfo=UTC)

    def call(endpoint: str, cost: float, status: str = "ok") -> ProviderCall:
        return ProviderCall("DataForSEO", endpoint, status, 200 if status == "ok" else 503, 1.0, cost, 0.25, at)

    connect = lambda: psycopg.connect(database_urls.product)  # noqa: E731
    with pytest.raises(RuntimeError):
        with UsageLog(connect, execution_id=execution, market="US", phase="serp_collection", flush_every=2) as log:
            log(call("/v3/serp/google/organic/live/advanced", 0.002))
            log(call("/v3/serp/google/organic/live/advanced", 0.0, "http_503"))
            assert product_db.execute("SELECT count(*) FROM api_usage WHERE pipeline_execution_id = %s",
                                      (execution,)).fetchone() == (2,)  # flushed at two calls
            log(call("/v3/serp/google/organic/live/advanced", 0.002))
            raise RuntimeError("the phase failed after its calls")
    assert (log.calls, round(log.cost_usd, 6)) == (3, 0.004)
    rows = product_db.execute(
        "SELECT phase_name, provider, status, http_status, duration_ms FROM api_usage "
        "WHERE pipeline_execution_id = %s ORDER BY id", (execution,)
    ).fetchall()
    assert rows == [("serp_collection", "DataForSEO", "ok", 200, 250), ("serp_collection", "DataForSEO", "http_503", 503, 250),
                    ("serp_collection", "DataForSEO", "ok", 200, 250)]
    calls, cost = execution_totals(product_db, execution)
    assert (calls, cost) == (3, pytest.approx(0.004))
