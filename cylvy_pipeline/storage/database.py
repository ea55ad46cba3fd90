"""Where the databases are: an embedded PostgreSQL by default, or external ones from the environment.

Two databases live on the server: ``cylvy`` for the product's tables and ``dagster`` for Dagster's
instance storage. Environment variables (all optional):

- ``CYLVY_DATABASE_URL``: the product database (any PostgreSQL >= 14). Setting it disables the
  embedded server.
- ``CYLVY_DAGSTER_DATABASE_URL``: Dagster's storage database; defaults to the ``dagster`` database
  on the same server as the product database.
- ``CYLVY_STATE_DIR``: the state folder, which holds the embedded server's data and ``DAGSTER_HOME``.
  Default: ``.cylvy`` in the repository when running from a checkout (an editable install), else the
  user's state folder, ``$XDG_STATE_HOME/cylvy-pipeline`` (``~/.local/state/cylvy-pipeline``).
"""

from __future__ import annotations

import fcntl
import functools
import os
import signal
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from cylvy_pipeline.settings import configured_dagster_database_url, configured_database_url, configured_state_dir

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
PRODUCT_DATABASE = "cylvy"
DAGSTER_DATABASE = "dagster"


@dataclass(frozen=True)
class DatabaseUrls:
    product: str  # libpq URL for psycopg 3 and psql
    dagster: str  # SQLAlchemy URL with the psycopg2 driver, as Dagster's storage needs


def state_dir() -> Path:
    return Path(configured_state_dir(os.environ) or default_state_dir()).resolve()


def default_state_dir() -> Path:
    """The checkout's ``.cylvy`` when the package runs from a checkout; else the user's state folder.

    An installed package's REPOSITORY_ROOT is site-packages, no place for a database: a user folder (not
    the current one) keeps one embedded server and one Dagster instance per user wherever a command runs.
    """
    if (REPOSITORY_ROOT / "pyproject.toml").is_file():
        return REPOSITORY_ROOT / ".cylvy"
    xdg_state_home = os.environ.get("XDG_STATE_HOME", "")
    base = Path(xdg_state_home) if os.path.isabs(xdg_state_home) else Path.home() / ".local" / "state"  # XDG: absolute only
    return base / "cylvy-pipeline"


def _embedded_data_dir() -> Path:
    return state_dir() / "pgdata"


def _embedded_server():
    # Imported lazily: only the embedded mode needs pgserver, and its import touches the filesystem.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pgserver

        _embedded_data_dir().parent.mkdir(parents=True, exist_ok=True)
        # pgserver's first start (initdb) is not safe against another process starting it at the same
        # moment (both create the data folder): first commands started together take turns here.
        with open(_embedded_data_dir().parent / "pgserver.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return pgserver.get_server(_embedded_data_dir(), cleanup_mode=None)


def _with_database(url: str, database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = database
    return psycopg.conninfo.make_conninfo(**info)


# Serialises "does the database exist? create it" across processes starting at once: CREATE DATABASE
# has no IF NOT EXISTS, and two racing creators fail with a unique violation. Any fixed 64-bit number.
_CREATE_DATABASE_LOCK = 0x6379_6C76_7930_0003


def _ensure_database_exists(server_url: str, database: str) -> None:
    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            return
        conn.execute("SELECT pg_advisory_lock(%s)", (_CREATE_DATABASE_LOCK,))
        try:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_CREATE_DATABASE_LOCK,))


def sqlalchemy_psycopg2_url(libpq_url: str) -> str:
    """The same database as a SQLAlchemy URL pinned to psycopg2 (see dagster.yaml for why)."""
    for prefix in ("postgresql+psycopg2://", "postgresql+psycopg://", "postgresql://", "postgres://"):
        if libpq_url.startswith(prefix):
            return "postgresql+psycopg2://" + libpq_url[len(prefix) :]
    # A key=value conninfo string: rebuild it as a URL.
    info = psycopg.conninfo.conninfo_to_dict(libpq_url)
    user = info.get("user", "")
    password = f":{info['password']}" if info.get("password") else ""
    host, port = info.get("host", ""), f":{info['port']}" if info.get("port") else ""
    if host.startswith("/"):
        return f"postgresql+psycopg2://{user}{password}@/{info.get('dbname', '')}?host={host}"
    return f"postgresql+psycopg2://{user}{password}@{host}{port}/{info.get('dbname', '')}"


def database_urls() -> DatabaseUrls:
    """The product and Dagster database URLs, starting the embedded server if it is the one in use."""
    product = configured_database_url(os.environ)
    dagster = configured_dagster_database_url(os.environ)
    if not product:
        server = _embedded_server()
        product = server.get_uri(PRODUCT_DATABASE)
        _ensure_database_exists(product, PRODUCT_DATABASE)
    if not dagster:
        dagster = _with_database(product, DAGSTER_DATABASE)
        _ensure_database_exists(product, DAGSTER_DATABASE)
    return DatabaseUrls(product=product, dagster=sqlalchemy_psycopg2_url(dagster))


@functools.cache
def product_database_url() -> str:
    """The product database URL, resolved once per process."""
    return database_urls().product


def uses_embedded_server() -> bool:
    return not configured_database_url(os.environ)


def stop_embedded_server(timeout_s: float = 30.0) -> bool:
    """Stop the embedded server if it runs (fast shutdown). Returns whether there was one to stop."""
    pid_file = _embedded_data_dir() / "postmaster.pid"
    try:
        postmaster_pid = int(pid_file.read_text().split()[0])
        os.kill(postmaster_pid, signal.SIGINT)  # SIGINT = "fast" shutdown: roll back, then exit
    except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
        return False
    deadline = time.monotonic() + timeout_s
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def database_outage(error: BaseException) -> BaseException | None:
    """The connection failure behind ``error`` when the database could not be reached (server down,
    restarting or unreachable), else None. Looks through the chain of causes: Dagster's storage and
    SQLAlchemy wrap the driver's error in errors of their own."""
    import psycopg2
    import sqlalchemy.exc

    outage_types = (psycopg.OperationalError, psycopg2.OperationalError, psycopg2.InterfaceError,
                    sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, outage_types):
            return error
        error = error.__cause__ or error.__context__
    return None


def describe_database(url: str) -> str:
    """Where a database is, for a message: host or socket folder and database name, never the password."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    where = info.get("host") or "localhost"
    port = f":{info['port']}" if info.get("port") and not where.startswith("/") else ""
    return f"PostgreSQL database {info.get('dbname', '?')!r} at {where}{port}"
