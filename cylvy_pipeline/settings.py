"""Every ``CYLVY_*`` environment variable the package reads, and the parsers of their values.

The lowest layer of the package: it imports nothing of cylvy_pipeline, so the definitions, the run
and step processes, storage and the CLI all read one name and one parser for each setting. A parser
takes the environment as a mapping (``os.environ``, or a test's own) and reads it when called, never
at import. A value the package cannot use raises :class:`ProjectConfigError`, whose message is one line
naming the variable and the fix (the CLI prints it and exits with status 2).

=============================== ===========================================================================
``CYLVY_PROJECT_DIR``           the project folder (default: the bundled sample project)
``CYLVY_SAMPLE_KEYWORDS``       the sample scale knob: a generated keyword list of that size
``CYLVY_EXECUTOR``              ``multiprocess`` (default: independent phases at once), ``in_process`` or
                                ``celery`` (each step a task for the ``cylvy-pipeline worker`` processes)
``CYLVY_MAX_CONCURRENT_STEPS``  steps of one run at once with the multiprocess executor, and steps one
                                Celery worker executes at once (default 4)
``CYLVY_CELERY_BROKER_URL``     the Redis URL of the Celery broker (required with ``celery``)
``CYLVY_DATABASE_URL``          the product database; unset: the embedded server (storage/database.py)
``CYLVY_DAGSTER_DATABASE_URL``  Dagster's storage database; unset: ``dagster`` next to the product database
``CYLVY_DAGSTER_STORAGE_URL``   set by the package, for dagster.yaml: the URL Dagster's storage opens
``CYLVY_STATE_DIR``             the state folder: the embedded server's data and ``DAGSTER_HOME``
``CYLVY_ALERT_WEBHOOK_URL``     where a failed run's alert is posted (optional)
``CYLVY_SAMPLE_FAULTS``         fault injection in the sample providers (parsed in providers/sample/faults.py)
``CYLVY_SAMPLE_LATENCY_MS``     the sample providers' simulated latency (parsed there too)
``CYLVY_CODE_LOCATION``         the code location runs started by `run` and `reexecute` belong to (default:
                                the one the package's workspace.yaml describes)
=============================== ===========================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_DIR_ENV = "CYLVY_PROJECT_DIR"
KEYWORD_COUNT_ENV = "CYLVY_SAMPLE_KEYWORDS"
EXECUTOR_ENV = "CYLVY_EXECUTOR"
MAX_CONCURRENT_STEPS_ENV = "CYLVY_MAX_CONCURRENT_STEPS"
CELERY_BROKER_URL_ENV = "CYLVY_CELERY_BROKER_URL"
DATABASE_URL_ENV = "CYLVY_DATABASE_URL"
DAGSTER_DATABASE_URL_ENV = "CYLVY_DAGSTER_DATABASE_URL"
DAGSTER_STORAGE_URL_ENV = "CYLVY_DAGSTER_STORAGE_URL"
STATE_DIR_ENV = "CYLVY_STATE_DIR"
ALERT_WEBHOOK_URL_ENV = "CYLVY_ALERT_WEBHOOK_URL"
SAMPLE_FAULTS_ENV = "CYLVY_SAMPLE_FAULTS"
SAMPLE_LATENCY_MS_ENV = "CYLVY_SAMPLE_LATENCY_MS"
SAMPLE_CALLS_PER_MINUTE_ENV = "CYLVY_SAMPLE_CALLS_PER_MINUTE"
CODE_LOCATION_ENV = "CYLVY_CODE_LOCATION"

EXECUTORS = ("multiprocess", "in_process", "celery")
DEFAULT_MAX_CONCURRENT_STEPS = 4


class ProjectConfigError(ValueError):
    """A rejected input: a project file's field or line, or an environment variable. ``str()`` is one
    line: ``<file> <location>: <problem> — <fix>`` (``<VARIABLE>: <problem> — <fix>`` for a variable).

    Attributes: ``path`` (the file or folder at fault, or ``None`` for an argument or a variable),
    ``location`` (field path such as ``personas[0].name`` or ``line 7``, may be empty), ``problem`` and
    ``fix``. Defined here, not with the project loader that raises most of them, so the parsers below
    raise the same error without depending on anything above this module.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        location: str,
        problem: str,
        fix: str,
        *,
        display: str | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.location = location
        self.problem = problem
        self.fix = fix
        if display is None:
            display = self.path.name if self.path is not None else ""
        self.display = display
        super().__init__(str(self))

    def __str__(self) -> str:
        head = " ".join(part for part in (self.display, self.location) if part)
        line = f"{head}: {self.problem} — {self.fix}"
        return " ".join(line.splitlines())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (self.path, self.location, self.problem, self.fix, self.display))


def _rebuild_error(path: Path | None, location: str, problem: str, fix: str, display: str) -> ProjectConfigError:
    return ProjectConfigError(path, location, problem, fix, display=display)


def _variable_error(variable: str, problem: str, fix: str) -> ProjectConfigError:
    return ProjectConfigError(path=None, location="", display=variable, problem=problem, fix=fix)


def _positive_whole_number(environ: Mapping[str, str], variable: str, example: str) -> int | None:
    raw = environ.get(variable, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise _variable_error(variable, f"{raw!r} is not a positive whole number", f"set it to {example}, or unset it")
    return int(raw)


def configured_project_dir(environ: Mapping[str, str]) -> str | None:
    return environ.get(PROJECT_DIR_ENV) or None


def configured_keyword_count(environ: Mapping[str, str]) -> int | None:
    return _positive_whole_number(environ, KEYWORD_COUNT_ENV, "the number of keywords to generate, e.g. 1000")


def configured_executor(environ: Mapping[str, str]) -> str:
    """One of :data:`EXECUTORS`; ``multiprocess`` when unset."""
    kind = environ.get(EXECUTOR_ENV, "").strip() or "multiprocess"
    if kind not in EXECUTORS:
        raise _variable_error(
            EXECUTOR_ENV, f"{kind!r} is not an executor", f"use one of {', '.join(EXECUTORS)}, or unset it"
        )
    return kind


def configured_max_concurrent_steps(environ: Mapping[str, str]) -> int:
    count = _positive_whole_number(environ, MAX_CONCURRENT_STEPS_ENV, "the number of steps, e.g. 4")
    return count or DEFAULT_MAX_CONCURRENT_STEPS


def configured_celery_broker_url(environ: Mapping[str, str]) -> str:
    """The broker a run submits its steps to, and workers take them from: required wherever it is read."""
    url = environ.get(CELERY_BROKER_URL_ENV, "").strip()
    if not url:
        raise _variable_error(
            CELERY_BROKER_URL_ENV, "not set, and the celery executor needs the broker its workers listen on",
            f"set it to the Redis URL, e.g. redis://127.0.0.1:6379/0, or choose another {EXECUTOR_ENV}",
        )
    return url


def configured_database_url(environ: Mapping[str, str]) -> str | None:
    """The external product database's URL; None means the embedded server."""
    return environ.get(DATABASE_URL_ENV) or None


def configured_dagster_database_url(environ: Mapping[str, str]) -> str | None:
    """Dagster's storage database's URL; None means the ``dagster`` database next to the product's."""
    return environ.get(DAGSTER_DATABASE_URL_ENV) or None


def configured_state_dir(environ: Mapping[str, str]) -> str | None:
    """The state folder named by the environment; None means the default (storage/database.py)."""
    return environ.get(STATE_DIR_ENV) or None


def configured_alert_webhook_url(environ: Mapping[str, str]) -> str | None:
    return environ.get(ALERT_WEBHOOK_URL_ENV) or None
