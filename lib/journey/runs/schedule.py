"""Which playbooks are due: a playbook is due when a cron tick has passed since its last run.

The last run comes from the run folders on disk (``reports/<playbook>/<run-id>/run.json``),
so ``journey schedule due`` is idempotent: call it from one system cron line every few
minutes (``journey schedule crontab`` prints it) and each playbook runs once per tick, even
after the machine was down (a missed tick runs once, not once per missed tick).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from journey import config
from journey.runs.index import collect_runs
from journey.runs.playbooks import Playbook


@dataclass(frozen=True, slots=True)
class Due:
    """A playbook's schedule state at ``now``."""

    playbook: Playbook
    path: Path
    last_run: dt.datetime | None
    last_tick: dt.datetime
    next_tick: dt.datetime

    @property
    def is_due(self) -> bool:
        return self.last_run is None or self.last_run < self.last_tick


def last_own_runs(reports_dir: Path) -> dict[str, dict]:
    """Each playbook's newest own run record (``run.json``), failed or not; ad-hoc runs left out.

    The newest, not the index's "latest" (the newest good run): a run that failed after its retry
    has had its turn, and counting only good runs would start a failing playbook again at every
    check of ``schedule due`` and after every run of ``schedule run``."""
    if not reports_dir.is_dir():
        return {}
    return {
        entry["name"]: (entry["failing"] or [entry["latest"]])[0]
        for entry in collect_runs(reports_dir)  # ad-hoc runs (--only, --param) are not the schedule's
        if entry["latest"]
    }


def last_runs(reports_dir: Path) -> dict[str, dt.datetime]:
    """Start time of each playbook's newest own run on disk (not an analyst's ad-hoc run)."""
    return {
        name: dt.datetime.fromisoformat(run["started_at"])
        for name, run in last_own_runs(reports_dir).items()
        if run.get("started_at")
    }


def due(books: list[tuple[Path, Playbook]], now: dt.datetime | None = None) -> list[Due]:
    """Schedule state of every playbook at ``now`` (UTC)."""
    now = now or dt.datetime.now(dt.UTC)
    runs = last_runs(config.reports_dir())
    states = []
    for path, book in books:  # ticks in the playbook's time zone (a 07:00 Berlin report stays at 07:00 in summer)
        states.append(Due(book, path, runs.get(book.name), book.last_tick(now), book.next_runs(1, now)[0]))
    return states


def crontab_line(journey_bin: str, project: Path, every_minutes: int = 5) -> str:
    """One system crontab line that checks every few minutes which playbooks are due."""
    command = f"cd {project} && mkdir -p reports && {journey_bin} schedule due >> reports/schedule.log 2>&1"
    return f"*/{every_minutes} * * * * {command}"
