"""Reading and writing the product's tables with pandas frames (bulk writes use COPY).

Run-scoped tables are keyed by (pipeline_execution_id, market). A phase's output for one execution and
market is written in one transaction that first removes that execution's earlier attempt, so a retried
or re-executed phase replaces its own rows and never touches another execution's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from cylvy_pipeline.contract import PHASE_TABLES

_JSON_COLUMNS = {"key_topics", "mentions", "result", "result_data", "run_config", "selection", "summary"}


def _python_value(value: object) -> object:
    """A value psycopg can send: pandas' missing markers become NULL, numpy scalars plain Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if np.isnan(value):
            return None
        # A nullable integer column comes back from pandas as float (58 -> 58.0); PostgreSQL's integer
        # input rejects "58.0", while a float column accepts "58".
        if value.is_integer():
            return int(value)
    return value


def parameter_value(column: str, value: object) -> object:
    """A value to pass as a statement parameter for ``column`` (JSON columns as jsonb)."""
    value = _python_value(value)
    return Jsonb(value) if column in _JSON_COLUMNS and value is not None else value


def copy_frame(conn: psycopg.Connection, table: str, frame: pd.DataFrame) -> int:
    """COPY every row of ``frame`` into ``table`` (columns by name). Returns the row count."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    json_positions = [i for i, c in enumerate(columns) if c in _JSON_COLUMNS]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in frame.itertuples(index=False, name=None):
            values = [_python_value(v) for v in row]
            for i in json_positions:
                values[i] = json.dumps(values[i])
            copy.write_row(values)
    return len(frame)


def write_phase_output(
    conn: psycopg.Connection,
    *,
    phase: str,
    execution_id: UUID | str,
    market: str,
    dagster_run_id: str,
    frames: Mapping[str, pd.DataFrame],
) -> dict[str, int]:
    """Replace this execution's rows of ``phase`` for ``market`` and mark them the phase's latest output.

    ``frames`` maps each of the phase's tables to its rows (without the execution/market columns).
    Returns the number of rows written per table. Commits.
    """
    expected = set(PHASE_TABLES[phase])
    if set(frames) != expected:
        raise ValueError(f"{phase} writes exactly {sorted(expected)}, got {sorted(frames)}")
    counts: dict[str, int] = {}
    with conn.transaction():
        for table, frame in frames.items():
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE pipeline_execution_id = %s AND market = %s").format(
                    sql.Identifier(table)
                ),
                (str(execution_id), market),
            )
            tagged = frame.assign(pipeline_execution_id=str(execution_id), market=market)
            counts[table] = copy_frame(conn, table, tagged)
        conn.execute(
            """INSERT INTO phase_outputs (pipeline_execution_id, phase_name, market, dagster_run_id, row_counts)
               VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (pipeline_execution_id, phase_name, market) DO UPDATE
               SET dagster_run_id = EXCLUDED.dagster_run_id, row_counts = EXCLUDED.row_counts,
                   produced_at = clock_timestamp()""",
            (str(execution_id), phase, market, dagster_run_id, json.dumps(counts)),
        )
    return counts


class MissingUpstreamOutput(LookupError):
    """A phase needs an upstream phase's output for a market that has never been produced."""


def pinned_output_execution(
    conn: psycopg.Connection, phase: str, market: str, *, execution_id: UUID | str, as_of: datetime
) -> str:
    """The execution whose output of ``phase`` for ``market`` the execution ``execution_id`` reads.

    Its own output when it produced one (the phase is part of the execution). Otherwise the output
    that was the latest at ``as_of`` (when the execution started), recorded in ``execution_inputs`` by
    the first read so that every later read of the execution gets the same one, even after newer
    outputs land or when the first read happened a moment before an output committed.
    """
    own = conn.execute(
        "SELECT 1 FROM phase_outputs WHERE pipeline_execution_id = %s AND phase_name = %s AND market = %s",
        (str(execution_id), phase, market),
    ).fetchone()
    if own:
        return str(execution_id)
    with conn.transaction():
        conn.execute(
            """INSERT INTO execution_inputs (pipeline_execution_id, phase_name, market, input_execution_id)
               SELECT %(execution)s, %(phase)s, %(market)s, pipeline_execution_id FROM phase_outputs
               WHERE phase_name = %(phase)s AND market = %(market)s AND produced_at <= %(as_of)s
               ORDER BY produced_at DESC LIMIT 1
               ON CONFLICT DO NOTHING""",
            {"execution": str(execution_id), "phase": phase, "market": market, "as_of": as_of},
        )
        pinned = conn.execute(
            """SELECT input_execution_id FROM execution_inputs
               WHERE pipeline_execution_id = %s AND phase_name = %s AND market = %s""",
            (str(execution_id), phase, market),
        ).fetchone()
    if pinned is None:
        raise MissingUpstreamOutput(
            f"{phase} has no output for market {market} yet; materialize {phase} for {market} first"
        )
    return str(pinned[0])


def latest_output_rows(conn: psycopg.Connection, phase: str, table: str, market: str) -> pd.DataFrame | None:
    """The rows of ``table`` from the market's latest output of ``phase`` (None: it never ran)."""
    latest = conn.execute(
        """SELECT pipeline_execution_id FROM phase_outputs WHERE phase_name = %s AND market = %s
           ORDER BY produced_at DESC LIMIT 1""",
        (phase, market),
    ).fetchone()
    return None if latest is None else read_rows(conn, table, execution_id=latest[0], market=market)


def read_rows(
    conn: psycopg.Connection,
    table: str,
    *,
    execution_id: UUID | str,
    market: str,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The rows of one execution and market from a run-scoped table, without the key columns."""
    selected = sql.SQL("*") if columns is None else sql.SQL(", ").join(map(sql.Identifier, columns))
    query = sql.SQL("SELECT {} FROM {} WHERE pipeline_execution_id = %s AND market = %s").format(
        selected, sql.Identifier(table)
    )
    return query_frame(conn, query, (str(execution_id), market)).drop(
        columns=["pipeline_execution_id", "market"], errors="ignore"
    )


def query_frame(conn: psycopg.Connection, query: sql.Composable | str, params: Sequence = ()) -> pd.DataFrame:
    with conn.cursor() as cur:
        cur.execute(query, params)
        names = [d.name for d in cur.description or ()]
        return pd.DataFrame(cur.fetchall(), columns=names)
