"""``journey schedule run``: a long-lived foreground scheduler for machines without cron.

A laptop or a container has no system cron to call ``journey schedule due``; this process keeps
the schedules itself with APScheduler 3.x: one cron-triggered job per playbook, in the
playbook's time zone. What it promises, and how:

* **No overlap.** Each fire runs ``journey run PLAYBOOK`` as a child process, which takes the
  playbook's lock (:mod:`journey.runs.lock`) like every other run: when cron's ``schedule due``
  or an analyst is running the playbook, the child exits with code 3 and the job logs a skip
  (and looks again a minute later, so an analyst's ad-hoc run does not cost the week's report).
  ``max_instances=1`` keeps a second fire of the same job from starting beside the first.
* **No lost ticks, none doubled.** A fire runs the playbook only when it is due (a tick has
  passed since its newest own run, :mod:`journey.runs.schedule`), and a job that ends with the
  playbook due again (ticks passed while it ran, e.g. a report slower than the interval) runs it
  once more: all ticks during a run coalesce into one follow-up run. ``coalesce=True`` does the
  same for fires APScheduler itself missed, and at start a playbook that missed ticks while the
  scheduler was down runs once (``--no-catch-up`` turns that off).
* **A clean stop.** SIGTERM or SIGINT stops scheduling and waits for the running notebooks to end
  (their run completes and becomes the index's latest), then exits 0. A second signal stops
  harder: the running ``journey run`` is terminated, its half-built run folder stays hidden and
  is removed by the next run (the last good report stays latest), and the exit code is 1.

Each run is a child process in its own session so that Ctrl-C in the terminal reaches only the
scheduler, never a running notebook's kernel or worker; the scheduler relays the child's report
lines into its log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from journey import config
from journey.runs.playbooks import Playbook
from journey.validation import input_error

EXIT_BUSY = 3  # journey run: another process holds the playbook's lock
RECHECK_S = 60  # after a skip for a busy lock, look again this much later
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbers them from Sunday = 0 (7 too)


@dataclass(frozen=True, slots=True)
class Options:
    """How the scheduler runs its jobs.

    ``misfire_grace_s`` overrides every playbook's ``misfire_grace_s`` when set; ``jobs`` is passed
    to ``journey run --jobs``; ``catch_up`` runs at start each playbook that missed a tick."""

    misfire_grace_s: int | None = None
    jobs: int | None = None
    catch_up: bool = True
    recheck_s: int = RECHECK_S


def cron_trigger(schedule: str, timezone: str, where: str = "schedule") -> Any:
    """An APScheduler trigger that fires when croniter (the rest of the project) says ``schedule`` ticks.

    Not ``CronTrigger.from_crontab``: APScheduler 3.x numbers weekdays from Monday = 0 where cron
    counts from Sunday = 0 (its own docstring warns; fixed only in 4.x), so ``0 7 * * 1`` would fire
    on Tuesdays; and cron fires when *either* a restricted day of month or day of week matches,
    where one CronTrigger needs both. So the fields come from croniter's expansion, weekdays as
    names, and a schedule restricting both days becomes the OR of two triggers.
    """
    from apscheduler.triggers.combining import OrTrigger
    from apscheduler.triggers.cron import CronTrigger
    from croniter import croniter

    fields, nth = croniter.expand(schedule)
    if len(fields) != 5 or nth:
        raise input_error(where, f"schedule {schedule!r} has seconds, years or '#' weekdays", "5 cron fields")

    def text(values: list, days: bool = False) -> str:
        if values == ["*"]:
            return "*"
        return ",".join("last" if v == "l" else _DAYS[int(v) % 7] if days else str(v) for v in values)

    minute, hour, day, month = (text(f) for f in fields[:4])
    weekday = text(fields[4], days=True)
    common = {"minute": minute, "hour": hour, "month": month, "timezone": timezone}
    if day != "*" and weekday != "*":
        return OrTrigger([CronTrigger(day=day, **common), CronTrigger(day_of_week=weekday, **common)])
    return CronTrigger(day=day, day_of_week=weekday, **common)


class PlaybookScheduler:
    """One APScheduler job per playbook; :meth:`run` blocks until a signal stops it."""

    def __init__(
        self, books: list[tuple[Path, Playbook]], options: Options | None = None, console: Console | None = None
    ) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        self.books = books
        self.options = options or Options()
        self.console = console or Console(stderr=True, log_path=False)
        self.stopping = threading.Event()
        self.hard_stop = False
        self._children: dict[str, subprocess.Popen] = {}
        self._active = 0  # jobs inside fire()
        # re-entrant: the signal handler runs on the main thread, which may hold it while it waits
        self._guard = threading.RLock()
        self._idle = threading.Condition(self._guard)
        # a thread per playbook, as cron would start them: one slow playbook does not delay another
        self.scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(1, len(books)))}, timezone=dt.UTC
        )
        self._due = self._catch_up_names() if self.options.catch_up else set()
        for path, book in books:
            self.add_job(path, book)

    def misfire_grace(self, book: Playbook) -> int:
        """Seconds a fire may be late and still run. APScheduler's default is 1 s: a fire that waits
        longer for a thread, or comes after the machine slept, would be dropped without a word."""
        return self.options.misfire_grace_s if self.options.misfire_grace_s is not None else book.misfire_grace_s

    def add_job(self, path: Path, book: Playbook) -> None:
        extra = {"next_run_time": dt.datetime.now(dt.UTC)} if book.name in self._due else {}
        self.scheduler.add_job(
            self.fire,
            cron_trigger(book.schedule, book.timezone, str(path)),
            args=(path, book),
            id=book.name,
            name=f"{book.name} ({book.schedule} {book.timezone})",
            coalesce=True,  # fires missed together (machine asleep) run once, not once each
            max_instances=1,  # a fire while this playbook's job still runs is not a second run
            misfire_grace_time=self.misfire_grace(book),
            replace_existing=True,
            **extra,
        )

    def _catch_up_names(self) -> set[str]:
        from journey.runs.schedule import due

        return {state.playbook.name for state in due(self.books) if state.is_due}

    def log(self, message: str) -> None:
        self.console.log(message, highlight=False)

    # --- a job -------------------------------------------------------------------------------

    def fire(self, path: Path, book: Playbook) -> None:
        """Run ``book`` while it is due: once for this tick, once more for the ticks that passed
        while it ran (coalesced), a failed run retried once after the playbook's retry_after_s."""
        with self._idle:
            self._active += 1
        try:
            first = True
            while not self.stopping.is_set():
                if not self._is_due(path, book):
                    if first:
                        self.log(f"{book.name}: not due (it ran since the last tick)")
                    return
                if not first:
                    self.log(f"{book.name}: ticks passed while it ran; running once more for them")
                first = False
                code = self.run_once(path, book)
                if code == 1 and book.retry_after_s:
                    self.log(f"{book.name}: retrying once in {book.retry_after_s} s")
                    if self.stopping.wait(book.retry_after_s):
                        return
                    code = self.run_once(path, book)
                if code == EXIT_BUSY:
                    self._recheck_later(path, book)
                if code not in (0, 1):
                    return  # busy, a broken playbook (exit 2) or a hard stop: the log says which
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def _is_due(self, path: Path, book: Playbook) -> bool:
        from journey.runs.schedule import due

        return due([(path, book)])[0].is_due

    def _recheck_later(self, path: Path, book: Playbook) -> None:
        when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.options.recheck_s)
        if not self.stopping.is_set():
            self.scheduler.add_job(
                self.fire,
                "date",
                run_date=when,
                args=(path, book),
                id=f"{book.name}:recheck",
                replace_existing=True,
                misfire_grace_time=self.misfire_grace(book),
            )
            self.log(f"{book.name}: looking again at {when:%H:%M:%S} UTC")

    def run_once(self, path: Path, book: Playbook) -> int:
        """``journey run PLAYBOOK`` in its own session (Ctrl-C in the terminal does not reach it);
        returns its exit code and relays its lines into the log."""
        command = [sys.executable, "-m", "journey.cli", "run", str(path)]
        if self.options.jobs:
            command += ["--jobs", str(self.options.jobs)]
        with self._guard:  # a signal between the check and the start would otherwise miss this run
            if self.stopping.is_set():
                return -signal.SIGTERM
            self.log(f"{book.name}: starting run")
            child = subprocess.Popen(
                command,
                cwd=config.project_root(),
                env={**os.environ, "COLUMNS": "200"},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            self._children[book.name] = child
        try:
            output, _ = child.communicate()
        finally:
            with self._guard:
                self._children.pop(book.name, None)
        lines = [line.strip() for line in output.splitlines() if line.strip() and "━" not in line]
        for line in lines:
            self.log(f"{book.name}: {line}")
        verdict = {0: "[green]ok[/]", 1: "[red]failed[/]", 2: "[red]invalid[/]", EXIT_BUSY: "[yellow]skipped[/]"}
        self.log(f"{book.name}: run {verdict.get(child.returncode, f'stopped (exit {child.returncode})')}")
        return child.returncode

    # --- the process -------------------------------------------------------------------------

    def _on_signal(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if not self.stopping.is_set():
            self.stopping.set()
            running = ", ".join(sorted(self._children)) or "nothing"
            self.log(f"{name}: stopping after the running notebooks end ({running}); signal again to stop now")
            # shutdown from another thread: the handler runs on the main thread, inside the loop it stops
            threading.Thread(target=self.scheduler.shutdown, kwargs={"wait": False}, daemon=True).start()
            return
        self.hard_stop = True
        with self._guard:
            children = list(self._children.items())
        for book, child in children:
            self.log(f"{name} again: terminating the run of {book} (pid {child.pid})")
            with contextlib.suppress(ProcessLookupError):  # its session: the runner and its pool workers
                os.killpg(child.pid, signal.SIGTERM)

    def _on_event(self, event: Any) -> None:
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES

        name = event.job_id.split(":")[0]
        times = getattr(event, "scheduled_run_times", None) or [getattr(event, "scheduled_run_time", None)]
        when = f"{times[-1]:%H:%M %Z}" if times[-1] else "?"
        if event.code == EVENT_JOB_MAX_INSTANCES:
            self.log(f"{name}: tick at {when} while its run goes on: one more run follows it (coalesced)")
        else:
            self.log(f"[red]{name}: the fire at {when} came later than the misfire grace and was dropped[/]")

    def _quiet_apscheduler(self) -> None:
        """APScheduler's own warnings (max instances, misfires) become the log lines of :meth:`_on_event`;
        its errors (a job that raised) still show, through rich."""
        import logging

        from rich.logging import RichHandler

        logger = logging.getLogger("apscheduler")
        logger.setLevel(logging.ERROR)
        logger.propagate = False
        if not logger.handlers:
            logger.addHandler(RichHandler(console=self.console, show_path=False))

    def run(self) -> int:
        """Schedule until SIGTERM/SIGINT; 0 after a clean stop, 1 after a hard one."""
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

        self._quiet_apscheduler()
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for job in self.scheduler.get_jobs():
                self.log(f"{job.name}: scheduled, misfire grace {job.misfire_grace_time} s")
            for name in sorted(self._due):
                self.log(f"{name}: missed a tick while no scheduler ran; running it now")
            self.scheduler.start()  # blocks until shutdown
            with self._idle:  # then wait for the jobs still running their notebooks
                while self._active:
                    self._idle.wait(0.5)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.log("scheduler stopped" + (" (runs terminated)" if self.hard_stop else ""))
        return 1 if self.hard_stop else 0


def load_books(folder: Path | None = None) -> list[tuple[Path, Playbook]]:
    """Every playbook in ``folder`` (default ``playbooks/``), read now: the scheduler runs what it read
    at start, and a bad playbook stops it before anything is scheduled."""
    from journey.runs.playbooks import discover, load_playbook

    paths = discover(folder)
    if not paths:
        raise input_error(str(folder or config.playbooks_dir()), "holds no playbook", "*.yml playbook files")
    return [(path, load_playbook(path)) for path in paths]
