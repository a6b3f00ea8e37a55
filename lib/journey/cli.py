"""The ``journey`` command: every action of the project, each with ``--help``.

Input errors (bad files, columns, parameters, playbooks) print one message and exit with
code 2; a playbook run in which a report failed exits with code 1 after all reports ran.

Start-up stays light (``journey --help`` in about a fifth of a second): every command imports
what it needs inside its function, and ``journey experiment`` is loaded from
:mod:`journey.experiments.cli` only when it is invoked, because importing that package brings
in the experiments engine (scipy.stats, pandas, ibis: about a second). A test checks that
``--help`` imports none of the heavy libraries.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from journey import config
from journey.validation import JourneyInputError

app = typer.Typer(help="Journey Lab: customer-journey reports, experiments and feedback.", no_args_is_help=True)
data_app = typer.Typer(help="Sample data and data contracts.", no_args_is_help=True)
playbook_app = typer.Typer(help="Inspect playbooks.", no_args_is_help=True)
schedule_app = typer.Typer(help="Run playbooks on their cron schedules.", no_args_is_help=True)
export_app = typer.Typer(help="Hand playbooks to other tools (Airflow).", no_args_is_help=True)
propensity_app = typer.Typer(help="Conversion likelihood: score users to target a play.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(playbook_app, name="playbook")
app.add_typer(schedule_app, name="schedule")
app.add_typer(export_app, name="export")
app.add_typer(propensity_app, name="propensity")

err = Console(stderr=True)
out = Console()


def input_errors_exit_2(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn :class:`JourneyInputError` into one red line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except JourneyInputError as exc:
            err.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _parse_params(pairs: list[str]) -> dict[str, str]:
    from journey.validation import input_error

    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise input_error(f"--param {pair!r}", "is not KEY=VALUE", "e.g. --param window_days=14")
        parsed[key.strip()] = value
    return parsed


@app.command()
@input_errors_exit_2
def run(
    playbook: Annotated[Path, typer.Argument(help="playbook YAML, e.g. playbooks/weekly-journey-review.yml")],
    only: Annotated[list[str] | None, typer.Option("--only", help="run only these reports (repeatable)")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="parallel notebooks (default: cores)")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="override a parameter: KEY=VALUE")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="wait for a run of the same playbook to finish")] = False,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="join the run of this external id (an Airflow run_id)")
    ] = None,
    finish: Annotated[bool, typer.Option("--finish", help="with --run-id: mark that run complete")] = False,
    expect_sha256: Annotated[
        str | None, typer.Option("--expect-sha256", help="refuse to run unless the playbook file has this SHA-256")
    ] = None,
) -> None:
    """Execute a playbook's notebooks and render their HTML reports and the index.

    A playbook runs once at a time: when another process is running it, this exits with code 3
    (or waits, with --wait). With --run-id, the reports join one run shared by several calls (one
    per report, as the Airflow export's tasks do) and --finish marks it complete."""
    from journey.runs.lock import PlaybookBusy
    from journey.runs.playbooks import load_playbook
    from journey.validation import input_error

    book = load_playbook(playbook)
    if expect_sha256:  # an exported Airflow DAG: its schedule and parameters are the playbook's as exported
        from journey.runs.airflow import check_sha256

        check_sha256(playbook, expect_sha256)
    if finish and (run_id is None or only or param):
        raise input_error("--finish", "needs --run-id and takes no --only or --param", "--run-id ID --finish")
    try:
        if finish:
            _finish(book, playbook, run_id or "", wait)
        else:
            _run_with_progress(book, playbook, only, jobs, param, wait, run_id)
    except PlaybookBusy as busy:
        err.print(f"[yellow]{busy}[/]")
        raise typer.Exit(3) from None


def _finish(book, playbook: Path, run_id: str, wait: bool) -> None:
    from journey.runs.joined import finish_run

    result = finish_run(book, run_id, where=str(playbook), wait=wait)
    out.print(f"run {run_id} complete: {result.status} → {result.run_dir}", soft_wrap=True, highlight=False)
    if result.status != "ok":
        raise typer.Exit(1)


def _run_with_progress(book, playbook: Path, only, jobs, param, wait: bool, run_id: str | None = None) -> None:
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from journey.runs.runner import run_playbook

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task(f"{book.name}: starting", total=None)

        def on_progress(outcome, done: int, total: int) -> None:
            mark = "[green]ok[/]" if outcome.status == "ok" else "[red]failed[/]"
            progress.console.print(
                f"  {escape(outcome.name)}: {mark} in {outcome.seconds:.1f} s {escape(outcome.error)}", highlight=False
            )
            progress.update(task, completed=done, total=total, description=f"{book.name}")

        progress.update(task, total=len(only or book.reports), completed=0, description=f"{book.name}: running")
        result = run_playbook(
            book,
            where=str(playbook),
            only=only,
            jobs=jobs,
            overrides=_parse_params(param or []),
            on_progress=on_progress,
            wait=wait,
            run_id=run_id,
        )
    index = config.reports_dir() / "index.html"
    out.print(f"{len(result.reports)} reports in {result.seconds:.1f} s → {result.run_dir}")
    out.print(str(index))
    if result.failed:
        err.print(f"[red]{len(result.failed)} report(s) failed:[/] " + ", ".join(r.name for r in result.failed))
        raise typer.Exit(1)


@app.command()
def serve(port: Annotated[int, typer.Option("--port", help="port on 127.0.0.1")] = 8000) -> None:
    """Serve reports/ on localhost (read-only, no directory listings) until Ctrl-C."""
    from journey.runs.index import write_index
    from journey.runs.serve import make_server

    reports = config.reports_dir()
    write_index(reports)
    server = make_server(reports, port)
    out.print(f"Serving {reports} at http://127.0.0.1:{server.server_address[1]}/index.html (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def index() -> None:
    """Rebuild reports/index.html from the run folders on disk."""
    from journey.runs.index import write_index

    out.print(str(write_index(config.reports_dir())))


@data_app.command("sample")
@input_errors_exit_2
def data_sample(
    users: Annotated[int, typer.Option(min=1, help="number of users to simulate")] = 20_000,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same bytes")] = 7,
    out_dir: Annotated[Path | None, typer.Option("--out", help="folder (default data/sample)")] = None,
) -> None:
    """Generate the deterministic sample data set (parquet files + journey.duckdb)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from journey.datasets import build_sample

    target = out_dir or config.sample_dir()
    with Progress(TextColumn("sample data"), BarColumn(), MofNCompleteColumn(), console=err) as progress:
        task = progress.add_task("chunks", total=None)
        path = build_sample(target, users, seed, progress=lambda d, t: progress.update(task, completed=d, total=t))
    out.print(str(path))


@data_app.command("validate")
@input_errors_exit_2
def data_validate(
    path: Annotated[Path, typer.Argument(help="CSV/TSV (.gz too) or parquet file, or a folder of parquet files")],
    table: Annotated[str, typer.Option(help="contract to check against")] = "events",
) -> None:
    """Check a CSV/parquet file (or parquet folder) against a table's data contract; every failing
    column is reported in one line."""
    from journey.data.contracts import load_table

    frame = load_table(path, table)  # type: ignore[arg-type]
    out.print(f"{path}: {len(frame):,} rows match the {table} contract", soft_wrap=True, highlight=False)


@data_app.command("contracts")
def data_contracts(
    write: Annotated[bool, typer.Option(help="write data/contracts/README.md instead of printing")] = False,
) -> None:
    """Print (or write) the documentation of every data contract."""
    from journey.data.contracts import describe

    text = describe()
    if write:
        target = config.data_dir() / "contracts" / "README.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
        out.print(str(target))
    else:
        sys.stdout.write(text + "\n")


@playbook_app.command("list")
def playbook_list() -> None:
    """List playbooks with audience, schedule and next run."""
    from rich.table import Table

    from journey.runs.playbooks import discover, load_playbook

    table = Table("playbook", "audience", "schedule", "next run", "reports")
    for path in discover():
        try:
            book = load_playbook(path)
        except JourneyInputError as exc:
            table.add_row(path.name, "-", "-", f"[red]invalid: {exc}[/]", "-")
            continue
        table.add_row(
            book.name, book.audience, book.schedule, f"{book.next_runs(1)[0]:%Y-%m-%d %H:%M %Z}", str(len(book.reports))
        )
    out.print(table)


@playbook_app.command("check")
@input_errors_exit_2
def playbook_check(playbook: Annotated[Path, typer.Argument(help="playbook YAML")]) -> None:
    """Validate a playbook and every report's parameters without running anything."""
    from journey.runs.playbooks import load_playbook
    from journey.runs.runner import plan

    book = load_playbook(playbook)
    planned = plan(book, None, {}, str(playbook))
    out.print(f"{playbook}: valid, {len(planned)} reports")


@schedule_app.command("due")
@input_errors_exit_2
def schedule_due(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only list what is due")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="parallel notebooks")] = None,
) -> None:
    """Run every playbook whose cron tick has passed since its last run (idempotent; call it from cron).
    A playbook still running from an earlier check is skipped, never started twice; a failed run is
    retried once after the playbook's retry_after_s."""
    import time

    from journey.runs.lock import PlaybookBusy
    from journey.runs.playbooks import discover, load_playbook
    from journey.runs.runner import run_playbook
    from journey.runs.schedule import due

    failed = 0
    for state in due([(path, load_playbook(path)) for path in discover()]):
        name = state.playbook.name
        if not state.is_due:
            out.print(f"{name}: not due (next {state.next_tick:%Y-%m-%d %H:%M} UTC)")
            continue
        out.print(f"{name}: due since {state.last_tick:%Y-%m-%d %H:%M} UTC" + (" (dry run)" if dry_run else ""))
        if not dry_run:
            try:
                result = run_playbook(state.playbook, where=str(state.path), jobs=jobs)
                out.print(f"{name}: {result.status} → {result.run_dir}")
                if result.status != "ok" and state.playbook.retry_after_s:
                    # a failure may be transient (a warehouse restart): one more try after the delay
                    out.print(f"{name}: retrying once in {state.playbook.retry_after_s} s")
                    time.sleep(state.playbook.retry_after_s)
                    result = run_playbook(state.playbook, where=str(state.path), jobs=jobs)
                    out.print(f"{name}: retry {result.status} → {result.run_dir}")
            except PlaybookBusy as busy:  # its run is still going: the next check picks it up if due
                out.print(f"{name}: skipped, {busy}")
                continue
            failed += result.status != "ok"
    if failed:
        raise typer.Exit(1)


@schedule_app.command("list")
def schedule_list() -> None:
    """Each playbook's schedule and time zone, its last own run and status, and its next three runs."""
    from rich.table import Table

    from journey.runs.playbooks import discover, load_playbook
    from journey.runs.schedule import last_own_runs

    runs = last_own_runs(config.reports_dir())
    table = Table("playbook", "schedule", "time zone", "last run (UTC)", "status", "next runs")
    for path in discover():
        try:
            book = load_playbook(path)
        except JourneyInputError as exc:
            table.add_row(path.name, "-", "-", "-", f"[red]invalid: {exc}[/]", "-")
            continue
        last = runs.get(book.name)
        when = str(last.get("started_at", ""))[:16].replace("T", " ") if last else "never"
        status = last.get("status", "?") if last else "-"
        upcoming = ", ".join(f"{t:%Y-%m-%d %H:%M}" for t in book.next_runs(3))
        table.add_row(book.name, book.schedule, book.timezone, when, status, upcoming)
    out.print(table)


@schedule_app.command("run")
@input_errors_exit_2
def schedule_run(
    playbooks: Annotated[
        Path | None, typer.Option("--playbooks", help="folder of playbook YAML files (default playbooks/)")
    ] = None,
    misfire_grace: Annotated[
        int | None,
        typer.Option(
            "--misfire-grace",
            min=1,
            help="seconds a fire may be late and still run (default: each playbook's misfire_grace_s, 3600)",
        ),
    ] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="parallel notebooks per run")] = None,
    catch_up: Annotated[
        bool, typer.Option("--catch-up/--no-catch-up", help="at start, run once each playbook that missed a tick")
    ] = True,
) -> None:
    """Keep every playbook's cron schedule in this process, for machines without cron (a laptop, a
    container). Runs never overlap (the playbook lock; a busy playbook is skipped and looked at again),
    ticks that pass during a run coalesce into one more run, a failed run is retried once. SIGTERM or
    Ctrl-C stops after the running notebooks end (exit 0); a second signal terminates them (exit 1)."""
    from journey.runs.scheduler import Options, PlaybookScheduler, load_books

    books = load_books(playbooks)  # read once, now: edits need a restart
    options = Options(misfire_grace_s=misfire_grace, jobs=jobs, catch_up=catch_up)
    raise typer.Exit(PlaybookScheduler(books, options).run())


@schedule_app.command("crontab")
def schedule_crontab(
    every: Annotated[int, typer.Option(min=1, max=59, help="minutes between checks")] = 5,
) -> None:
    """Print the system crontab line that runs `journey schedule due` every few minutes."""
    from journey.runs.schedule import crontab_line

    sys.stdout.write(crontab_line(str(Path(sys.argv[0]).resolve()), config.project_root(), every) + "\n")


@export_app.command("airflow")
@input_errors_exit_2
def export_airflow(
    playbook: Annotated[Path, typer.Argument(help="playbook YAML, e.g. playbooks/weekly-journey-review.yml")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder to write the DAG file into (Airflow's dags/)")],
    journey_bin: Annotated[
        str | None, typer.Option("--journey-bin", help="the journey command on the Airflow workers (default: this one)")
    ] = None,
) -> None:
    """Write an Airflow DAG that runs the playbook's notebooks with its parameters on its schedule:
    one task per report, all joining one run folder, and a last task that marks the run complete."""
    from journey.runs.airflow import export_dag

    out.print(str(export_dag(playbook, out_dir, journey_bin)), soft_wrap=True, highlight=False)


@propensity_app.command("export")
@input_errors_exit_2
def propensity_export(
    target: Annotated[Path, typer.Argument(help="CSV to write: user_id, score, decile (1 = most likely)")],
    source: Annotated[str | None, typer.Option(help="data source URI or path (default: the sample database)")] = None,
    window: Annotated[str, typer.Option(help="conversion window after the first visit, e.g. 28d")] = "28d",
    outcome: Annotated[str, typer.Option(help="the event that counts as converting")] = "purchase",
    seed: Annotated[int, typer.Option(help="seed of the 70/30 train/held-out split")] = 0,
) -> None:
    """Fit the conversion-likelihood model and write every user's score and decile, so a play or
    an experiment can target a decile. Prints the held-out AUC to judge whether to trust it."""
    from journey.data import sources
    from journey.stages import propensity
    from journey.validation import input_error

    events = sources.as_table(sources.connect(source), "events")  # no source: the sample database
    with err.status("fitting the conversion model"):
        model = propensity.fit(events, window=window, outcome_event=outcome, seed=seed)
    if model.status != "ok":
        raise input_error(
            source or "the sample database", f"model not fitted: {model.status}", "enough users with and without it"
        )
    path = model.export_deciles(target)
    out.print(f"{path}: {len(model.scores):,} users in deciles 1-10; held-out AUC {model.auc:.3f}")


personalize_app = typer.Typer(
    help="Personalization rules: one action per customer, with holdouts.", no_args_is_help=True
)
app.add_typer(personalize_app, name="personalize")


@personalize_app.command("export")
@input_errors_exit_2
def personalize_export(
    rules: Annotated[
        Path, typer.Argument(metavar="RULES", help="rules YAML, e.g. playbooks/personalization/rules.yml")
    ],
    target: Annotated[
        Path, typer.Argument(metavar="OUT.csv", help="CSV to write: customer, rule, play, group, content, offer, ...")
    ],
    source: Annotated[str | None, typer.Option(help="data source URI or path (default: the sample database)")] = None,
    period_end: Annotated[str | None, typer.Option(help="score customers as of this day (default: last order)")] = None,
    risk: Annotated[
        Path | None, typer.Option(help="CSV of customer_id, risk_band (e.g. health bands) instead of timing bands")
    ] = None,
) -> None:
    """Assign every customer the action of the first matching rule (by priority) and their play's
    holdout group, and write the CSV for activation (atomically: never half a file)."""
    from journey.data import sources
    from journey.data.files import read_table_file
    from journey.personalize import assign, load_rules, write_csv
    from journey.personalize.review import customers_of

    ruleset = load_rules(rules)  # a bad rules file fails before any data is read
    backend = sources.connect(source)  # no source: the sample database
    with err.status("segmenting customers"):
        bands = None if risk is None else read_table_file(risk, expected="a CSV with customer_id and risk_band")
        customers = customers_of(backend, period_end, bands)  # the same customers notebook 80 shows
        assignment = assign(customers, ruleset, customer="customer_id")
    path = write_csv(assignment, target)
    reach = assignment.table
    fired = int(reach.loc[reach["rule"] != "(no rule)", "customers"].sum())
    held = int(reach["holdout"].sum())
    out.print(
        f"{path}: {len(assignment.actions):,} customers, {fired:,} with a rule, {held:,} held out",
        soft_wrap=True,
        highlight=False,
    )


class _LazySubApp(TyperGroup):
    """A sub-app whose Typer lives in another module, imported when one of its commands (or its
    ``--help``) is looked up, not when ``journey`` starts. Subclasses name the module."""

    module = ""

    def _load(self) -> None:
        if not self.commands:
            import importlib

            real = typer.main.get_group(importlib.import_module(self.module).app)
            self.commands.update(real.commands)

    def list_commands(self, ctx: Any) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        self._load()
        return super().get_command(ctx, cmd_name)


class _ExperimentApp(_LazySubApp):
    module = "journey.experiments.cli"


app.add_typer(
    typer.Typer(),
    name="experiment",
    cls=_ExperimentApp,
    help="Describe and scaffold experiments.",
    no_args_is_help=True,
)


if __name__ == "__main__":  # pragma: no cover
    app()
