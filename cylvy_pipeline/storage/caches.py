"""The caches shared across markets and executions: company profiles, pages, analyses, channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import psycopg
from psycopg import sql

from cylvy_pipeline.storage.tables import copy_frame, parameter_value, query_frame

#: Cache table -> its key columns (what an upsert conflicts on).
CACHE_KEYS: Mapping[str, tuple[str, ...]] = {
    "company_profiles": ("domain",),
    "page_cache": ("normalized_url",),
    "analysis_cache": ("content_hash", "analyzer_version"),
    "channel_resolutions": ("channel_id",),
}

# Serialises read-enrich-write of company profiles across concurrent market runs, so a domain is never
# sent to the provider twice. Any fixed 64-bit number.
COMPANY_PROFILE_LOCK = 0x6379_6C76_7930_0002


def _upsert(table: str, columns: Sequence[str], rows: sql.Composable) -> sql.Composed:
    """INSERT ``rows`` into a cache table, replacing an entry with the same key; stamps ``recorded_at``."""
    keys = CACHE_KEYS[table]
    return sql.SQL(
        "INSERT INTO {table} ({columns}) {rows} ON CONFLICT ({keys}) DO UPDATE SET {updates}, recorded_at = clock_timestamp()"
    ).format(
        table=sql.Identifier(table),
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        rows=rows,
        keys=sql.SQL(", ").join(map(sql.Identifier, keys)),
        updates=sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in columns if c not in keys
        ),
    )


def upsert_cache(conn: psycopg.Connection, table: str, frame: pd.DataFrame) -> int:
    """Insert or replace ``frame``'s rows in a cache table (staged with COPY). Returns the row count."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    staging = f"staging_{table}"
    conn.execute(
        sql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(
            sql.Identifier(staging), sql.Identifier(table)
        )
    )
    conn.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(staging)))
    copy_frame(conn, staging, frame)
    source = sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(staging)
    )
    conn.execute(_upsert(table, columns, source))
    return len(frame)


def upsert_cache_row(conn: psycopg.Connection, table: str, row: Mapping[str, object]) -> None:
    """Insert or replace one cache entry in a single statement (entries recorded one at a time)."""
    columns = list(row)
    values = sql.SQL("VALUES ({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns)))
    conn.execute(_upsert(table, columns, values), [parameter_value(c, row[c]) for c in columns])


def fresh_company_profiles(conn: psycopg.Connection, freshness_days: int) -> pd.DataFrame:
    """Profiles that are still fresh, including those of domains the source had no record of (named
    from the domain, low confidence): asking again within the window would pay for the same answer."""
    return query_frame(
        conn,
        "SELECT * FROM company_profiles WHERE enriched_at > now() - make_interval(days => %s)",
        (freshness_days,),
    )


def fresh_channel_resolutions(conn: psycopg.Connection, freshness_days: int) -> pd.DataFrame:
    return query_frame(
        conn,
        "SELECT * FROM channel_resolutions WHERE resolved_at > now() - make_interval(days => %s)",
        (freshness_days,),
    )


def fresh_page_fetches(conn: psycopg.Connection, normalized_urls: Sequence[str], freshness_days: int) -> pd.DataFrame:
    """Cached fetches of these URLs that are still fresh, successes and failures (without their text)."""
    return query_frame(
        conn,
        """SELECT normalized_url, url, status, failure_reason, http_status, title, meta_description,
                  site_name, word_count, content_type, content_hash, fetched_at,
                  final_url, og_type, schema_types, published_at, author
           FROM page_cache
           WHERE normalized_url = ANY(%s) AND fetched_at > now() - make_interval(days => %s)""",
        (list(normalized_urls), freshness_days),
    )


def page_texts(conn: psycopg.Connection, normalized_urls: Sequence[str]) -> pd.DataFrame:
    return query_frame(
        conn,
        """SELECT normalized_url, title, text, content_type, final_url, og_type, schema_types, published_at, author
           FROM page_cache
           WHERE normalized_url = ANY(%s) AND status = 'scraped'""",
        (list(normalized_urls),),
    )


def cached_analyses(conn: psycopg.Connection, content_hashes: Sequence[str], analyzer_version: str) -> pd.DataFrame:
    return query_frame(
        conn,
        """SELECT content_hash, result FROM analysis_cache
           WHERE analyzer_version = %s AND content_hash = ANY(%s)""",
        (analyzer_version, list(content_hashes)),
    )
