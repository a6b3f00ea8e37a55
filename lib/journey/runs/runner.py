"""Run a playbook: execute its notebooks with papermill in a process pool and render HTML reports.

Why a pool of long-lived workers rather than one ``papermill`` + ``jupyter nbconvert`` CLI
call per notebook: each CLI call re-imports papermill, nbconvert and their dependencies
(seconds each time). Workers import them once (:func:`_warm_worker`) and then only pay for
the kernel. A failing notebook does not stop the others: its executed copy still renders,
with papermill's error banner, and the run's exit status reports the failure at the end.

Output layout: ``reports/<playbook>/<run-id>/<name>.ipynb|.html`` and ``run.json``. The
run folder is built under a temporary name and renamed when complete, so the index never
links to a half-written run.

A run may also be built by several processes, one report each (the Airflow export: one task
per report): ``run_playbook(..., run_id=EXTERNAL_ID)`` runs its reports into the hidden folder
of that external run (``.join-<id>.partial``), merging ``run.json`` under the playbook's lock,
and :func:`journey.runs.joined.finish_run` marks it complete and renames it into place.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any

from journey import config
from journey.data.atomic import write_text
from journey.runs import notebook_params
from journey.runs.playbooks import Playbook, ReportSpec
from journey.validation import JourneyInputError, input_error, quote_list

log = logging.getLogger(__name__)

WINDOW_PARAMETERS = ("start_date", "end_date", "window_days")


@dataclass(frozen=True, slots=True)
class ReportJob:
    """Everything a worker needs to run one report (picklable)."""

    name: str
    title: str
    notebook: str
    parameters: dict[str, Any]
    work_dir: str
    timeout_s: int
    window: str
    cwd: str
    prepare_next: bool = True  # start a spare kernel for a following report

    def outcome(
        self,
        status: str,
        error: str,
        started: dt.datetime,
        seconds: float,
        cells_seconds: float,
        ipynb: str,
        kpis: list | None = None,
    ) -> ReportOutcome:
        """This report's outcome; the job supplies its name, title, notebook, parameters and HTML name."""
        return ReportOutcome(
            name=self.name,
            title=self.title,
            notebook=str(Path(self.notebook).relative_to(config.project_root())),
            status=status,
            error=error,
            started_at=started.isoformat(timespec="seconds"),
            seconds=round(seconds, 3),
            cells_seconds=round(cells_seconds, 3),
            parameters=self.parameters,
            html=f"{self.name}.html",
            ipynb=ipynb,
            kpis=list(kpis or []),
        )


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """How one report went: status, timings and where its files are."""

    name: str
    title: str
    notebook: str
    status: str  # "ok" | "failed"
    error: str
    started_at: str
    seconds: float
    cells_seconds: float
    parameters: dict[str, Any]
    html: str
    ipynb: str
    kpis: list = field(default_factory=list)  # [{name, value, unit}] the notebook recorded (report.kpi)

    @property
    def overhead_seconds(self) -> float:
        """Time not spent in the notebook's own cells (kernel start, rendering, I/O)."""
        return self.seconds - self.cells_seconds


@dataclass(frozen=True, slots=True)
class RunResult:
    """A finished playbook run: the folder it wrote and each report's outcome."""

    playbook: str
    run_id: str
    run_dir: Path
    status: str
    seconds: float
    reports: list[ReportOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ReportOutcome]:
        return [r for r in self.reports if r.status != "ok"]


_SPARE: dict[str, Any] = {}


def _warm_worker(cwd: str) -> None:
    """Import the heavy modules once per worker process and start a spare kernel."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from journey.runs import render
    from journey.runs.kernels import SpareKernel

    os.environ.setdefault("MPLBACKEND", "Agg")
    _SPARE["kernel"] = SpareKernel(cwd)
    # multiprocessing runs Finalize callbacks when a worker exits (atexit does not run there).
    Finalize(None, _discard_spare, exitpriority=10)
    render.exporter()  # build the HTML exporter (templates, CSS) before the first report


def _discard_spare() -> None:
    spare = _SPARE.pop("kernel", None)
    if spare is not None:
        spare.discard()


def _next_kernel(cwd: str, prepare_next: bool):
    """This worker's spare kernel, and a new spare started in the background for the next report."""
    from journey.runs.kernels import SpareKernel

    spare = _SPARE.pop("kernel", None) or SpareKernel(cwd)
    km = spare.take()
    if prepare_next:
        _SPARE["kernel"] = SpareKernel(cwd)
    return km


def _error_text(text: str) -> str:
    """A report's error as the reports show it: personal data masked (an exception message may
    quote customer text, and the error reaches the report header, the index and run.json)."""
    from journey.feedback.pii import mask_pii

    return mask_pii(text)


def execute_report(job: ReportJob) -> ReportOutcome:
    """Run one notebook and render it; never raises for a failing notebook."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from journey.display.report import declared_kpis, declared_window
    from journey.runs.kernels import shutdown
    from journey.runs.render import ReportMeta, render_notebook

    work = Path(job.work_dir)
    out_ipynb = work / f"{job.name}.ipynb"
    out_html = work / f"{job.name}.html"
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    status, error = "ok", ""
    km = _next_kernel(job.cwd, job.prepare_next)
    try:
        papermill.execute_notebook(
            job.notebook,
            str(out_ipynb),
            parameters=job.parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            execution_timeout=job.timeout_s,
            cwd=job.cwd,
            km=km,
        )
    except PapermillExecutionError as exc:
        status, error = "failed", _error_text(f"{exc.ename}: {exc.evalue}")
    except Exception as exc:  # noqa: BLE001 - kernel death, timeout: report it, keep the others running
        status, error = "failed", _error_text(f"{type(exc).__name__}: {exc}")
    finally:
        shutdown(km)
    cells = 0.0
    if out_ipynb.exists():
        node = nbformat.read(str(out_ipynb), as_version=4)
        cells = sum(float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0) for c in node.cells)
    else:
        node = nbformat.read(job.notebook, as_version=4)
    seconds_so_far = time.perf_counter() - t0
    meta = ReportMeta(
        title=job.title,
        status=status,
        run_time=f"{started:%Y-%m-%d %H:%M UTC}, executed in {seconds_so_far:.1f} s",
        window=declared_window(node.cells) or job.window,
        parameters=job.parameters,
        error=error,
    )
    write_text(out_html, render_notebook(node, meta))
    kpis = declared_kpis(node.cells) if status == "ok" else []
    return job.outcome(status, error, started, time.perf_counter() - t0, cells, out_ipynb.name, kpis)


def resolve_parameters(
    playbook: Playbook,
    report: ReportSpec,
    overrides: dict[str, str],
    where: str,
) -> dict[str, Any]:
    """The notebook's own defaults of the data window and source, then the shared parameters it
    declares, then the report's own, then ``--param`` overrides. Starting from the window's
    defaults lets the runner resolve and state the window a notebook will use even when the
    playbook leaves it to the notebook (it was labelled "all data" while the report read 28 days)."""
    declared = notebook_params.declared(report.path)
    window_keys = [k for k in (*WINDOW_PARAMETERS, "source") if k in declared]
    merged = {k: v for k in window_keys for v in notebook_params.default(declared[k])}
    merged.update({k: v for k, v in playbook.parameters.items() if k in declared})
    merged.update(report.parameters)
    for key, text in overrides.items():
        if key in declared:
            merged[key] = notebook_params.coerce(text, declared[key].get("inferred_type_name", "str"), f"--param {key}")
    return notebook_params.check(merged, report.path, f"{where}: report {report.name!r}")


def fill_window(
    parameters: dict[str, Any], latest_day_of: Callable[[str | None], dt.date], where: str
) -> dict[str, Any]:
    """Fill an empty ``end_date`` with the latest day in the source, and ``start_date`` from
    ``window_days``; a bad date or window is an input error prefixed with ``where`` (the playbook
    and report)."""
    from journey.data.window import Window

    if "end_date" not in parameters and "window_days" not in parameters:
        return parameters
    end = parameters.get("end_date") or latest_day_of(parameters.get("source")).isoformat()
    try:
        window = Window.from_params(
            str(parameters.get("start_date", "")), str(end), int(parameters.get("window_days", 28))
        )
    except JourneyInputError as exc:
        raise JourneyInputError(f"{where}: {exc}") from None
    return {
        **parameters,
        "start_date": window.start.isoformat(),
        "end_date": window.end.isoformat(),
        "window_days": window.days,
    }


def _latest_day(source: str | None) -> dt.date:
    from journey.data import sources
    from journey.data.window import latest_day

    return latest_day(sources.as_table(source or None, "events"))


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=config.project_root(), capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# Files above this size are identified by name, size and modification time instead of their
# bytes: hashing a multi-GB DuckDB file would cost more than the reports themselves.
CONTENT_HASH_LIMIT = 256 * 2**20


def data_fingerprint(source: str | None) -> str:
    """What the run read, so two reports can be compared honestly: ``sha256:`` of the data
    file(s), or ``sha256+stat:`` when a file over :data:`CONTENT_HASH_LIMIT` bytes entered the
    digest by name, size and modification time only."""
    from journey import datasets

    path = Path(source) if source else config.default_database()
    if not path.is_absolute():
        path = config.project_root() / path
    if path == config.default_database() and (config.sample_dir() / "parquet").is_dir():
        return "sha256:" + datasets.fingerprint(config.sample_dir())
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.exists() else []
    if not files:
        return f"uri:{source}"
    by_stat = False
    for file in files:
        info = file.stat()
        digest.update(f"{file.relative_to(path) if path.is_dir() else file.name}\0{info.st_size}\0".encode())
        if info.st_size > CONTENT_HASH_LIMIT:
            digest.update(f"{info.st_mtime_ns}\0".encode())
            by_stat = True
            continue
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return ("sha256+stat:" if by_stat else "sha256:") + digest.hexdigest()


def plan(
    playbook: Playbook,
    only: list[str] | None,
    overrides: dict[str, str],
    where: str,
) -> list[tuple[ReportSpec, dict[str, Any]]]:
    """Select reports and check every parameter before anything runs."""
    reports = playbook.reports
    if only:
        names = {r.name for r in reports}
        unknown = [n for n in only if n not in names]
        if unknown:
            raise input_error(
                where, f"--only names unknown report {quote_list(unknown)}", f"one of {quote_list(names)}"
            )
        reports = [r for r in reports if r.name in only]
    for report in reports:
        if not report.path.exists():
            raise input_error(where, f"report {report.name!r}: notebook {report.notebook!r} not found", "notebooks/…")
    # a typo would otherwise be dropped without a word: --param against the reports that run,
    # the playbook's shared parameters against all its reports
    checks = (("--param", overrides, reports), ("shared parameter", playbook.parameters, playbook.reports))
    for what, keys, among in checks:
        declared_anywhere = set().union(*(notebook_params.declared(r.path) for r in among))
        unknown = [k for k in keys if k not in declared_anywhere]
        if unknown:
            problem = f"{what} {quote_list(unknown)} is declared by no report"
            raise input_error(where, problem, f"one of {quote_list(declared_anywhere)}")
    latest_day_of = functools.cache(_latest_day)  # one max(ts) query per source, not one per report
    planned = []
    for r in reports:
        parameters = resolve_parameters(playbook, r, overrides, where)
        planned.append((r, fill_window(parameters, latest_day_of, f"{where}: report {r.name!r}")))
    return planned


def run_playbook(
    playbook: Playbook,
    *,
    where: str,
    only: list[str] | None = None,
    jobs: int | None = None,
    overrides: dict[str, str] | None = None,
    on_progress: Callable[[ReportOutcome, int, int], None] | None = None,
    wait: bool = False,
    run_id: str | None = None,
) -> RunResult:
    """Run (a subset of) a playbook's reports and write the run folder and index.

    Holds the playbook's lock (:mod:`journey.runs.lock`) for the whole run: a second run of the same
    playbook raises :class:`~journey.runs.lock.PlaybookBusy` (or waits, with ``wait=True``).
    With ``run_id`` (an orchestrator's run id, e.g. Airflow's), the reports join that run instead
    of making their own: the run stays hidden until :func:`journey.runs.joined.finish_run` marks it complete.
    """
    from journey.runs.lock import playbook_lock

    planned = plan(playbook, only, overrides or {}, where)  # a bad playbook fails here, before anything is written
    adhoc = "; ".join(
        part for part in (
            f"only {', '.join(only)}" if only and run_id is None else "",  # a joined run is whole at finish_run
            ", ".join(f"{k}={v}" for k, v in (overrides or {}).items()),
        ) if part
    )  # fmt: skip
    with playbook_lock(playbook.name, wait=wait):
        if run_id is not None:
            from journey.runs.joined import join_locked

            return join_locked(playbook, planned, jobs, on_progress, adhoc, run_id)
        return _run_locked(playbook, planned, jobs, on_progress, adhoc)


def _new_run_id(base: Path) -> tuple[dt.datetime, str]:
    """A run folder name from the start time (UTC, to the second) that no run of ``base`` has yet."""
    started = dt.datetime.now(dt.UTC)
    run_id = started.strftime("%Y%m%dT%H%M%SZ")
    while (base / run_id).exists():
        run_id = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
        time.sleep(0.05)
    return started, run_id


def _discard_stale(base: Path) -> None:
    """Remove the hidden folders of runs that died without cleaning up (SIGKILL, power loss): called
    under the playbook's lock, so no living run owns them. Joined runs (``.join-*``) stay: their
    other reports may still come."""
    for folder in base.glob(".*.partial"):
        if not folder.name.startswith(".join-"):
            shutil.rmtree(folder, ignore_errors=True)
    for folder in base.glob(".*.work-*"):
        shutil.rmtree(folder, ignore_errors=True)


def _record(playbook: Playbook, run_id: str, started: dt.datetime, planned: list, outcomes: list, adhoc: str) -> dict:
    """A run's ``run.json``: what ran, how it went, and what it read."""
    source = next((p.get("source") for _, p in planned if p.get("source")), playbook.parameters.get("source"))
    return {
        "playbook": playbook.name,
        "title": playbook.description,
        "audience": playbook.audience,
        "schedule": playbook.schedule,
        "timezone": playbook.timezone,
        "run_id": run_id,
        "status": "ok" if outcomes and all(o["status"] == "ok" for o in outcomes) else "failed",
        "started_at": started.isoformat(timespec="seconds"),
        "seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 3),
        "git_commit": _git_commit(),
        "data_fingerprint": data_fingerprint(source),
        "parameters": playbook.parameters,
        # an analyst's run (a subset of reports or other parameters) is not the playbook's run:
        # the index lists it apart and the schedule does not count it
        "adhoc": bool(adhoc),
        "adhoc_reason": adhoc,
        "error": "; ".join(f"{o['name']}: {o['error']}" for o in outcomes if o["error"]),
        "reports": outcomes,
    }


def _as_entry(outcome: ReportOutcome) -> dict:
    return asdict(outcome) | {"overhead_seconds": round(outcome.overhead_seconds, 3)}


def _run_locked(playbook: Playbook, planned: list, jobs: int | None, on_progress, adhoc: str = "") -> RunResult:
    from journey.runs.index import write_index

    base = config.reports_dir() / playbook.name
    base.mkdir(parents=True, exist_ok=True)
    _discard_stale(base)
    started, run_id = _new_run_id(base)
    work = base / f".{run_id}.partial"
    work.mkdir()
    try:
        outcomes = _execute_all(playbook, planned, work, jobs, on_progress)
        record = _record(playbook, run_id, started, planned, [_as_entry(o) for o in outcomes], adhoc)
        write_text(work / "run.json", json.dumps(record, indent=2, default=str))
        work.rename(base / run_id)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    prune_runs(base, playbook.keep_runs)
    write_index(config.reports_dir())
    return RunResult(playbook.name, run_id, base / run_id, record["status"], record["seconds"], outcomes)


def prune_runs(base: Path, keep: int) -> list[Path]:
    """Delete the oldest run folders of a playbook beyond the newest ``keep``; the newest good own run
    always stays (the index shows it as latest). Returns what was deleted."""
    runs = sorted(
        (p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / "run.json").exists()),
        reverse=True,
    )  # hidden folders are runs in progress (a joined run's run.json exists before it is complete)
    good = None
    for folder in runs:
        try:
            record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if record.get("status") == "ok" and not record.get("adhoc"):
            good = folder
            break
    doomed = [p for p in runs[keep:] if p != good]
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return doomed


def _execute_all(
    playbook: Playbook,
    planned: list[tuple[ReportSpec, dict[str, Any]]],
    work: Path,
    jobs: int | None,
    on_progress: Callable[[ReportOutcome, int, int], None] | None,
) -> list[ReportOutcome]:
    job_list = [
        ReportJob(
            name=report.name,
            title=report.display_title,
            notebook=str(report.path),
            parameters=params,
            work_dir=str(work),
            timeout_s=playbook.timeout_s,
            window=_window_text(params),
            cwd=str(config.project_root()),
            prepare_next=index < len(planned) - (jobs or os.cpu_count() or 1),
        )
        for index, (report, params) in enumerate(planned)
    ]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(job_list)))
    outcomes: dict[str, ReportOutcome] = {}
    cwd = str(config.project_root())

    def finished(outcome: ReportOutcome) -> None:
        outcomes[outcome.name] = outcome
        if on_progress:
            try:
                on_progress(outcome, len(outcomes), len(job_list))
            except Exception:  # showing progress must never abort the run (logged)
                log.exception("progress display failed for %s", outcome.name)

    lost = _run_in_pool(job_list, workers, cwd, finished)
    # A worker that dies (the OOM killer, a segfault) breaks its pool, and every report not yet
    # done fails with it. Each of those runs once more in a pool of its own, so only the report
    # that kills its worker again ends as "worker crashed".
    for job, _ in lost:
        for again, exc in _run_in_pool([job], 1, cwd, finished):
            finished(_crashed(again, exc))
    return [outcomes[job.name] for job in job_list]


def _run_in_pool(
    job_list: list[ReportJob], workers: int, cwd: str, finished: Callable[[ReportOutcome], None]
) -> list[tuple[ReportJob, BaseException]]:
    """Run the jobs in one process pool, passing each outcome to ``finished``; returns the jobs
    lost because a worker died and broke the pool (with that error), for the caller to retry."""
    lost: list[tuple[ReportJob, BaseException]] = []
    with ProcessPoolExecutor(max_workers=workers, initializer=_warm_worker, initargs=(cwd,)) as pool:
        futures = {pool.submit(execute_report, job): job for job in job_list}
        for future in as_completed(futures):
            try:
                finished(future.result())
            except BrokenProcessPool as exc:
                lost.append((futures[future], exc))
            except Exception as exc:  # noqa: BLE001 - a job that cannot run fails its report, not the run
                finished(_crashed(futures[future], exc))
    return lost


def _crashed(job: ReportJob, exc: BaseException) -> ReportOutcome:
    """Outcome for a report whose worker died before it could render anything."""
    from journey.runs.render import ReportMeta, render_notebook

    error = _error_text(f"worker crashed: {type(exc).__name__}: {exc}")
    html = Path(job.work_dir) / f"{job.name}.html"
    try:
        meta = ReportMeta(job.title, "failed", "not run", job.window, job.parameters, error)
        write_text(html, render_notebook(Path(job.notebook), meta))
    except Exception:  # noqa: BLE001 - rendering is best effort here
        write_text(html, f"<!DOCTYPE html><title>{job.name}</title><p>failed: worker crashed</p>")
    return job.outcome("failed", error, dt.datetime.now(dt.UTC), 0.0, 0.0, ipynb="")


def _window_text(params: dict[str, Any]) -> str:
    if params.get("start_date") and params.get("end_date"):
        return f"{params['start_date']} to {params['end_date']} ({params.get('window_days', '?')} days, UTC)"
    return "not windowed (all data)"
