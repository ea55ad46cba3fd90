"""Versioned SQL migrations, applied in order, each once, recorded in ``schema_migrations``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

import psycopg

# Any fixed 64-bit number: serialises concurrent migrators (several processes may start at once).
_MIGRATION_LOCK_KEY = 0x6379_6C76_7930_0001


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> list[Migration]:
    folder = resources.files("cylvy_pipeline.storage") / "sql_migrations"
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            version, _, rest = entry.name.partition("_")
            found.append(Migration(version=version, name=rest.removesuffix(".sql"), sql=entry.read_text()))
    return found


def apply_migrations(url: str) -> list[str]:
    """Apply every migration not yet recorded. Returns the versions applied by this call.

    Each migration runs in its own transaction together with its record, so a failing migration leaves
    nothing half-applied. A recorded migration whose file changed is an error, not a silent skip.
    """
    applied_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        # The lock comes first: CREATE TABLE IF NOT EXISTS is not safe against a concurrent creator.
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK_KEY,))
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version text PRIMARY KEY,
                       name text NOT NULL,
                       checksum text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            recorded = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
            for migration in available_migrations():
                if migration.version in recorded:
                    if recorded[migration.version] != migration.checksum:
                        raise RuntimeError(
                            f"migration {migration.version}_{migration.name}.sql changed after it was "
                            "applied; add a new migration instead of editing an applied one"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                applied_now.append(migration.version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK_KEY,))
    return applied_now
