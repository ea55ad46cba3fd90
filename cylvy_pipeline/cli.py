"""cylvy-pipeline: run the pipeline, open the Dagster UI, and manage the database.

User mistakes print one line on stderr and exit with status 2; a pipeline failure exits with 1; a lost
database is one line and status 3; Ctrl-C or SIGTERM cancels the execution in progress and exits with 130.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from cylvy_pipeline.contract import PHASES
from cylvy_pipeline.project.loader import MARKET_ALIASES
from cylvy_pipeline.project.model import Project
from cylvy_pipeline.providers.sample.faults import parse_calls_per_minute, parse_fault_spec, parse_latency_ms
from cylvy_pipeline.settings import (
    CELERY_BROKER_URL_ENV,
    DAGSTER_STORAGE_URL_ENV,
    DATABASE_URL_ENV,
    DEFAULT_MAX_CONCURRENT_STEPS,
    EXECUTOR_ENV,
    MAX_CONCURRENT_STEPS_ENV,
    PROJECT_DIR_ENV,
    SAMPLE_CALLS_PER_MINUTE_ENV,
    SAMPLE_FAULTS_ENV,
    SAMPLE_LATENCY_MS_ENV,
    STATE_DIR_ENV,
    ProjectConfigError,
    configured_database_url,
)
from cylvy_pipeline.storage.database import database_outage, describe_database, state_dir


class UsageError(Exception):
    """A mistake in how the command was called: reported as one line, no traceback."""


def _phase_selection(raw: str | None, enabled: Sequence[str]) -> list[str]:
    if raw is None:
        return list(enabled)
    chosen = [p.strip() for p in raw.split(",") if p.strip()]
    if not chosen:
        raise UsageError("--select: give at least one phase name")
    if unknown := [p for p in chosen if p not in PHASES]:
        raise UsageError(f"--select: unknown phase {unknown[0]!r} — use phase names from: {', '.join(PHASES)}")
    return [p for p in PHASES if p in chosen]


def _project_markets(requested: Sequence[str], project: Project) -> list[str]:
    """The markets named by --market (GB means UK), or every market of the project when none is named."""
    markets = [MARKET_ALIASES.get(m.upper(), m.upper()) for m in requested] or list(project.markets)
    unknown = [m for m in markets if m not in project.markets]
    if unknown:
        raise UsageError(
            f"--market: {unknown[0]!r} is not a market of project {project.name!r} — use one of {', '.join(project.markets)}"
        )
    return markets


def _require_provider_secrets(project: Project) -> None:
    """A real provider without its secret fails here, before anything runs or is paid for."""
    from cylvy_pipeline.defs.providers import missing_provider_secrets

    if missing := missing_provider_secrets(project.providers):
        raise UsageError(f"{missing[0]} — export it, or set that provider to sample in project.yaml")


def command_run(args: argparse.Namespace) -> int:
    from cylvy_pipeline import execution, report

    choice = execution.ProjectChoice(args.project, args.keywords)
    project = choice.load()
    markets = _project_markets(args.market, project)
    phases = _phase_selection(args.select, project.enabled_phases)
    try:  # a typo in the sample knobs fails now, not mid-run
        parse_fault_spec(os.environ.get(SAMPLE_FAULTS_ENV, ""))
        parse_latency_ms(os.environ.get(SAMPLE_LATENCY_MS_ENV))
        parse_calls_per_minute(os.environ.get(SAMPLE_CALLS_PER_MINUTE_ENV))
    except ValueError as error:
        raise UsageError(str(error)) from None
    _require_provider_secrets(project)
    instance = execution.open_instance()
    failures = 0
    with _interrupts_cancel(), _dagster_output_to_a_log() as terminal, execution.following_statuses():
        for market in markets:
            outcome = execution.run_market(instance, market, phases, project=choice)
            with _product_connection() as conn:
                print(report.execution_report(conn, outcome.execution_id))
            if outcome.interrupted:
                not_started = markets[markets.index(market) + 1 :]
                print(f"cylvy-pipeline: interrupted — {market} canceled"
                      + (f"; not started: {', '.join(not_started)}" if not_started else ""), file=terminal)
                return INTERRUPTED
            failures += not outcome.success
    return 1 if failures else 0


#: Exit status of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report Ctrl-C).
INTERRUPTED = 130


@contextlib.contextmanager
def _interrupts_cancel():
    """SIGTERM means what Ctrl-C means: stop now. A run executing in this process is canceled by either
    (Dagster turns both into an interruption of the running step); between runs, either ends the
    command. The ``with`` block's clean-up (the final status sync) runs in both cases."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    except KeyboardInterrupt:
        print("cylvy-pipeline: interrupted", file=sys.stderr)
        raise CommandInterrupted from None
    finally:
        signal.signal(signal.SIGTERM, previous)


#: Where Dagster's own output goes while a command executes runs (under the state folder).
DAGSTER_LOG = Path("logs") / "dagster.log"
DAGSTER_LOG_MAX_BYTES = 10 * 1024 * 1024


@contextlib.contextmanager
def _dagster_output_to_a_log() -> Iterator[TextIO]:
    """Standard error goes to the state folder's ``logs/dagster.log`` while runs execute; what the
    command itself has to say goes to the stream this yields (the terminal).

    Dagster writes there when things go wrong, in this process and in the step processes it starts (which
    inherit standard error): a lost database gives dozens of connection-retry warnings and a traceback per
    step, where the terminal should show one line. The runs' events keep the story (the UI, ``status``)."""
    log_path = state_dir() / DAGSTER_LOG
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if log_path.stat().st_size > DAGSTER_LOG_MAX_BYTES:  # the one before it is kept as dagster.log.1
            log_path.replace(log_path.with_name(log_path.name + ".1"))
    sys.stderr.flush()
    terminal = open(os.dup(STDERR), "w", buffering=1, encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"--- {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M:%S %z}, process {os.getpid()}\n")
        log.flush()
        os.dup2(log.fileno(), STDERR)
    try:
        yield terminal
    finally:
        sys.stderr.flush()
        os.dup2(terminal.fileno(), STDERR)
        terminal.close()


#: The file descriptor of standard error, which child processes inherit.
STDERR = 2


class CommandInterrupted(Exception):
    """Ctrl-C or SIGTERM stopped the command; it exits with status 130."""


def _product_connection():
    import psycopg

    from cylvy_pipeline.environment import prepare_environment

    return psycopg.connect(prepare_environment().product)


def command_reexecute(args: argparse.Namespace) -> int:
    from cylvy_pipeline import execution, report

    _reconcile_in_flight_runs()  # a run whose worker died (killed, database lost) is failed first
    instance = execution.open_instance()
    with _interrupts_cancel(), _dagster_output_to_a_log(), execution.following_statuses():
        try:
            outcome = execution.reexecute_from_failure(instance, args.run_id)
        except execution.NothingToReexecute as error:
            raise UsageError(str(error)) from None
    with _product_connection() as conn:
        print(report.execution_report(conn, outcome.execution_id))
    return INTERRUPTED if outcome.interrupted else 0 if outcome.success else 1


def command_status(args: argparse.Namespace) -> int:
    from cylvy_pipeline import report
    from cylvy_pipeline.status.summary import execution_of_run, latest_execution_id

    if args.execution_id:
        try:
            uuid.UUID(args.execution_id)
        except ValueError:
            raise UsageError(f"status: {args.execution_id!r} is not an execution or run id (a UUID)") from None
    _reconcile_in_flight_runs()
    with _product_connection() as conn:
        if args.execution_id:
            # An execution's id is its first run's; a re-execution's run id (the UI shows it) names it too.
            execution_id = execution_of_run(conn, args.execution_id) or _run_that_did_not_start(args.execution_id)
        else:
            execution_id = latest_execution_id(conn)
        if execution_id is None:
            raise UsageError("status: no pipeline executions yet — start one with `cylvy-pipeline run`")
        try:
            print(report.execution_report(conn, str(execution_id), with_top_companies=False))
        except LookupError as error:
            raise UsageError(f"status: {error}") from None
    return 0


def _run_that_did_not_start(run_id: str) -> str:
    """A run id no execution holds: a run that could not start says why; anything else is looked up as an
    execution id (and reported unknown)."""
    from cylvy_pipeline import execution
    from cylvy_pipeline.status.runs import could_not_start

    with execution.open_instance() as instance:
        run = instance.get_run_by_id(run_id)
    if run is not None and (refusal := could_not_start(run)):
        raise UsageError(f"status: run {run_id} could not start: {refusal}")
    return run_id


#: What `report --format` writes per market: a self-contained HTML page, an Excel workbook with one sheet
#: per table, or a folder with one CSV file per table.
REPORT_FORMATS = ("html", "xlsx", "csv")


def _report_file_name(market: str, report_format: str = "html") -> str:
    return f"dsi-report-{market}" if report_format == "csv" else f"dsi-report-{market}.{report_format}"


def _report_paths(output: str | None, markets: Sequence[str], report_format: str = "html") -> dict[str, Path]:
    """Where each market's report goes: ``dsi-report-<MARKET>.html`` (``.xlsx``; for CSV the folder
    ``dsi-report-<MARKET>``) in the current folder by default; with --output, that file (CSV: that folder)
    for one market (an HTML or Excel file inside it, if it is a folder), and the folder holding every
    market's report for several."""
    if output is None:
        return {market: Path(_report_file_name(market, report_format)) for market in markets}
    target = Path(output)
    if len(markets) == 1:
        inside = target.is_dir() and report_format != "csv"
        return {markets[0]: target / _report_file_name(markets[0], report_format) if inside else target}
    if target.exists() and not target.is_dir():
        raise UsageError(
            f"--output: {output} is a file, and {', '.join(markets)} make one report each — give a folder, "
            "or one --market"
        )
    return {market: target / _report_file_name(market, report_format) for market in markets}


def _write_report(report, path: Path, report_format: str) -> None:
    """One market's report in the chosen format at ``path``."""
    from cylvy_pipeline.reporting import dsi_report, export

    if report_format == "csv":
        if path.exists() and not path.is_dir():
            raise UsageError(f"--output: {path} is a file; CSV reports are folders of one file per table")
        export.write_csv_files(report.export_tables(), path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if report_format == "xlsx":
        path.write_bytes(export.xlsx_bytes(report.export_tables()))
    else:
        path.write_text(dsi_report.report_html(report), encoding="utf-8")


def command_report(args: argparse.Namespace) -> int:
    from cylvy_pipeline.execution import ProjectChoice
    from cylvy_pipeline.reporting.dsi_report import latest_report

    project = ProjectChoice(args.project).load()
    markets = list(dict.fromkeys(_project_markets(args.market, project)))
    paths = _report_paths(args.output, markets, args.format)
    _reconcile_in_flight_runs()  # an execution that just ended counts as completed
    with _product_connection() as conn:
        reports = {market: latest_report(conn, project, market) for market in markets}
    missing = [market for market, report in reports.items() if report is None]
    if missing and (args.market or len(missing) == len(markets)):
        which = f"market {missing[0]}" if args.market else f"any market of project {project.name!r}"
        command = f"cylvy-pipeline run --market {missing[0]}" if args.market else "cylvy-pipeline run"
        raise UsageError(f"report: no completed DSI calculation for {which} yet — run `{command}` first")
    for market, report in reports.items():
        if report is None:
            print(f"cylvy-pipeline: report: no completed DSI calculation for {market} yet; no report for it",
                  file=sys.stderr)
            continue
        path = paths[market]
        try:
            _write_report(report, path, args.format)
        except OSError as error:
            raise UsageError(f"--output: cannot write {path}: {error.strerror or error}") from None
        print(f"{market}: {path}")
    return 0


def command_estimate(args: argparse.Namespace) -> int:
    from cylvy_pipeline import report
    from cylvy_pipeline.execution import ProjectChoice

    project = ProjectChoice(args.project, args.keywords).load()
    markets = list(dict.fromkeys(_project_markets(args.market, project)))
    with _product_connection() as conn:
        print(report.estimate_report(conn, project, markets), end="")
    return 0


def _reconcile_in_flight_runs() -> None:
    """Bring the status tables up to date: fail runs whose worker died, and sync every run that changed
    since the last reconcile (runs started by Dagster's own commands while no daemon ran among them)."""
    from cylvy_pipeline import execution
    from cylvy_pipeline.status.sync import reconcile

    with execution.open_instance() as instance, _product_connection() as conn:
        reconcile(instance, conn)


def command_sync(args: argparse.Namespace) -> int:
    from cylvy_pipeline import execution
    from cylvy_pipeline.status.live import follow
    from cylvy_pipeline.status.sync import sync

    instance = execution.open_instance()
    if args.follow:
        print("following Dagster runs; pipeline_phase_status is kept current (Ctrl-C stops)", file=sys.stderr)
        try:
            follow(execution.prepare_environment().product)
        except KeyboardInterrupt:
            pass
        return 0
    with _product_connection() as conn:
        outcome = sync(instance, conn, None)
    print(f"synced {len(outcome.executions)} executions; {outcome.changed_rows} rows changed")
    return 0


def command_worker(args: argparse.Namespace) -> int:
    from cylvy_pipeline.defs.location import LocationSettings, pipeline_definitions
    from cylvy_pipeline.runtime.celery_worker import run_worker

    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("worker: --concurrency must be at least 1")
    # The definitions this environment describes (as the code location's own function builds them; the
    # worker prepares DAGSTER_HOME itself, after checking that they load).
    run_worker(name=args.name, concurrency=args.concurrency, loglevel=args.loglevel,
               load_location=lambda: pipeline_definitions(LocationSettings(os.environ)))
    return 0


#: How long `dev` waits, on Ctrl-C or SIGTERM, for launched runs to cancel, and for them and Dagster's
#: processes to stop, before it kills what is left: with the kill and the final status sync, under the
#: 10 s the README promises.
DEV_CANCEL_TIMEOUT_S = 4.0
DEV_STOP_BUDGET_S = 6.0


def command_dev(args: argparse.Namespace) -> int:
    from cylvy_pipeline import execution
    from cylvy_pipeline.environment import WORKSPACE_YAML, dagster_home

    if args.project:
        execution.ProjectChoice(args.project).load()  # a broken project fails here, in one line
    execution.open_instance().dispose()  # Dagster's storage exists before its processes start
    # The Dagster processes serve the project named here: it is their environment's, not this process's.
    # The Dagster processes start in another folder (below): paths they are given are absolute.
    project_dir = args.project or os.environ.get(PROJECT_DIR_ENV)
    environment = {
        **os.environ,
        STATE_DIR_ENV: str(state_dir()),
        **({PROJECT_DIR_ENV: os.path.abspath(project_dir)} if project_dir else {}),
    }
    command = [
        # `dagster dev` is what `dg dev` runs too; its notice that `dg` supersedes it is not for our users.
        sys.executable, "-W", "ignore:Function `dev_command` is superseded", "-m", "dagster", "dev",
        "-w", str(WORKSPACE_YAML), "-h", args.host, "-p", str(args.port),
    ]
    print(f"Dagster UI on http://{args.host}:{args.port} (Ctrl-C stops it)", file=sys.stderr)
    # The status-sync sensor runs in the daemon, which evaluates sensors at most every 5 s; the follower
    # keeps pipeline_phase_status within a fraction of a second of the runs.
    helpers = [] if args.no_follow else [subprocess.Popen([sys.executable, "-m", "cylvy_pipeline.cli", "sync", "--follow"])]
    # Started in DAGSTER_HOME: from a checkout's root, Dagster would warn that the dagster.yaml there is
    # not the one it uses (it is the source of DAGSTER_HOME's copy).
    dagster_dev = subprocess.Popen(command, env=environment, cwd=dagster_home())
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops it like Ctrl-C
    stopping = [(helper, signal.SIGTERM) for helper in helpers]
    stop_by = None  # with Ctrl-C or SIGTERM: when everything must have stopped
    try:
        return dagster_dev.wait()
    except KeyboardInterrupt:
        stop_by = time.monotonic() + DEV_STOP_BUDGET_S
        # Runs launched from the UI end canceled (their rows final) before their code server goes away.
        with execution.open_instance() as instance:
            execution.cancel_launched_runs(instance, timeout_s=DEV_CANCEL_TIMEOUT_S)
        stopping.append((dagster_dev, signal.SIGINT))
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        left = DEV_STOP_BUDGET_S if stop_by is None else stop_by - time.monotonic()
        _stop_process_trees(stopping, timeout_s=max(1.0, left))
        _reconcile_in_flight_runs()


def _stop_process_trees(processes: Sequence[tuple[subprocess.Popen, int]], *, timeout_s: float) -> None:
    """Ask each process to stop with its signal, all at once (so their stops overlap rather than add up);
    after ``timeout_s``, kill whatever is left of them and of every process they started."""
    import psutil

    trees = []
    for process, _ in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            trees += [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    for process, stop_signal in processes:
        if process.poll() is None:
            process.send_signal(stop_signal)
    deadline = time.monotonic() + timeout_s
    for process, _ in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    _, alive = psutil.wait_procs(trees, timeout=0.5)
    for leftover in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            leftover.kill()
    psutil.wait_procs(alive, timeout=1.0)


def command_db(args: argparse.Namespace) -> int:
    from cylvy_pipeline.storage import database
    from cylvy_pipeline.storage.migrations import apply_migrations

    if args.db_command == "stop":
        if not database.uses_embedded_server():
            raise UsageError(f"db stop: {DATABASE_URL_ENV} points at an external database; there is nothing to stop")
        print("embedded PostgreSQL stopped" if database.stop_embedded_server() else "embedded PostgreSQL was not running")
        return 0
    if args.db_command == "env":
        return _print_dagster_environment()
    urls = database.database_urls()
    if args.db_command == "url":
        print(urls.product)
        return 0
    applied = apply_migrations(urls.product)
    print(f"applied migrations: {', '.join(applied)}" if applied else "database schema is up to date")
    return 0


def _print_dagster_environment() -> int:
    """Prepare the instance and print, as shell exports, what Dagster's own commands (dagster-webserver,
    dagster-daemon, dagster code-server) need to use it: DAGSTER_HOME (holding the package's dagster.yaml)
    and the storage URL that file reads. Dagster's tables are created here, once, because two services
    starting at the same moment would both try to create them and collide."""
    import shlex

    from cylvy_pipeline import execution
    from cylvy_pipeline.environment import dagster_home, prepare_environment

    execution.open_instance().dispose()
    print(f"export DAGSTER_HOME={shlex.quote(str(dagster_home()))}")
    print(f"export {DAGSTER_STORAGE_URL_ENV}={shlex.quote(prepare_environment().dagster)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cylvy-pipeline", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="materialize the pipeline now, one execution per market")
    run.add_argument("--market", action="append", default=[], metavar="M", help="market code (repeatable; default: all)")
    run.add_argument("--select", metavar="PHASE,…", help="only these phases (default: the project's enabled phases)")
    run.add_argument("--project", metavar="DIR", help="project folder (default: the bundled sample project)")
    run.add_argument("--keywords", type=int, metavar="N", help="sample scale: generate N keywords instead of the list")
    run.set_defaults(handler=command_run)

    dev = commands.add_parser("dev", help="open the Dagster UI and daemon on the same database")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=3000)
    dev.add_argument("--project", metavar="DIR", help="project folder (default: the bundled sample project)")
    dev.add_argument("--no-follow", action="store_true", help="leave status syncing to the sensor alone")
    dev.set_defaults(handler=command_dev)

    reexecute = commands.add_parser("reexecute", help="re-execute a failed run from failure (same execution)")
    reexecute.add_argument("run_id", metavar="RUN_ID")
    reexecute.set_defaults(handler=command_reexecute)

    status = commands.add_parser("status", help="phase table and summary of an execution (default: latest)")
    status.add_argument("execution_id", nargs="?", metavar="EXECUTION_ID",
                        help="an execution id, or the id of any of its runs (default: the latest execution)")
    status.set_defaults(handler=command_status)

    worker = commands.add_parser(
        "worker",
        help=f"a Celery worker executing the steps of runs made with {EXECUTOR_ENV}=celery",
        description=f"Start a Celery worker on the broker {CELERY_BROKER_URL_ENV}. It loads the code location "
        "from this environment (project, databases, secrets) and executes steps of any run that uses the "
        "celery executor, up to --concurrency at once. Ctrl-C or SIGTERM stops it once its steps finish.",
    )
    worker.add_argument("--name", metavar="NAME@HOST",
                        help="the worker's node name, unique among the workers (default: cylvy-<pid>@<host name>)")
    worker.add_argument("--concurrency", type=int, metavar="N",
                        help=f"steps executed at once (default: {MAX_CONCURRENT_STEPS_ENV}, "
                        f"else {DEFAULT_MAX_CONCURRENT_STEPS})")
    worker.add_argument("--loglevel", default="INFO", help="Celery's log level (default INFO)")
    worker.set_defaults(handler=command_worker)

    sync = commands.add_parser("sync", help="reconcile pipeline_phase_status from Dagster's records")
    sync.add_argument("--follow", action="store_true", help="keep syncing in-flight runs until interrupted")
    sync.set_defaults(handler=command_sync)

    report = commands.add_parser(
        "report",
        help="write the DSI report of each market's latest completed calculation (HTML, Excel or CSV)",
        description="Write one report per market from the market's latest completed DSI calculation: the "
        "client's rank among all companies, the top companies and their sources, gaps against the named "
        "competitors, the client's best keywords and pages, content fit per persona, page type and buying "
        "stage, changes since the previous calculation, a per-keyword drill-down and the charts. HTML (the "
        "default) is one self-contained file (charts and an Excel download embedded, nothing loaded from the "
        "network); xlsx is a workbook with one sheet per table; csv a folder with one file per table.",
    )
    report.add_argument("--market", action="append", default=[], metavar="M",
                        help="market code (repeatable; default: every market of the project that has a DSI)")
    report.add_argument("--output", metavar="FILE",
                        help="the report file (csv: folder) when one market is chosen; with several, a folder "
                        "that gets dsi-report-<MARKET>.html (.xlsx; csv: folder dsi-report-<MARKET>) for each "
                        "(default: those in the current folder)")
    report.add_argument("--format", choices=REPORT_FORMATS, default="html",
                        help="html (default): one self-contained page; xlsx: one sheet per table; csv: one "
                        "file per table")
    report.add_argument("--project", metavar="DIR", help="project folder (default: the bundled sample project)")
    report.set_defaults(handler=command_report)

    estimate = commands.add_parser(
        "estimate",
        help="the provider calls and cost a run would make now, given the caches (calls nothing)",
        description="Per market, phase and provider: the calls a run would make now and their cost at the list "
        "prices in project.yaml, from the keyword list, the market's latest SERPs and what the caches hold fresh. "
        "No provider is called.",
    )
    estimate.add_argument("--market", action="append", default=[], metavar="M",
                          help="market code (repeatable; default: every market of the project)")
    estimate.add_argument("--project", metavar="DIR", help="project folder (default: the bundled sample project)")
    estimate.add_argument("--keywords", type=int, metavar="N", help="sample scale knob, as for run")
    estimate.set_defaults(handler=command_estimate)

    db = commands.add_parser(
        "db", help="the product database",
        description="migrate: apply the product schema's migrations. url: print the product database URL. "
        "stop: stop the embedded server. env: prepare Dagster's instance and print the shell exports "
        f"(DAGSTER_HOME, {DAGSTER_STORAGE_URL_ENV}) that dagster-webserver, dagster-daemon and dagster "
        "code-server need: eval \"$(cylvy-pipeline db env)\".",
    )
    db.add_argument("db_command", choices=["migrate", "url", "stop", "env"])
    db.set_defaults(handler=command_db)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The terminal shows the status table and one-line errors; Dagster's own log lines (its retries of a
    # lost database connection, say) are in the run's event log, not repeated here.
    logging.getLogger().setLevel(logging.CRITICAL)
    try:
        return args.handler(args)
    except (UsageError, ProjectConfigError) as error:  # a mistake in how it was called; anything else is a bug
        print(f"cylvy-pipeline: {error}", file=sys.stderr)
        return 2
    except CommandInterrupted:
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`status | head`): nothing more to say, and nothing to say it to. Python
        # would report the failed flush at exit too, so the rest of the output goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except Exception as error:
        if (outage := database_outage(error)) is None:
            raise
        print(f"cylvy-pipeline: lost the {_database_in_use()} ({_first_line(outage)}) — start it again "
              "(`cylvy-pipeline db url` starts the embedded one), then `cylvy-pipeline status` shows the execution "
              "and `cylvy-pipeline reexecute RUN_ID` completes it", file=sys.stderr)
        return DATABASE_UNREACHABLE


#: Exit status when the database went away (or never answered).
DATABASE_UNREACHABLE = 3
#: Exit status when the reader of the output closed it (128 + SIGPIPE, as a shell reports it).
BROKEN_PIPE = 141


def _database_in_use() -> str:
    url = configured_database_url(os.environ)
    if url:
        return describe_database(url)
    return f"embedded PostgreSQL server in {state_dir()}"


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
