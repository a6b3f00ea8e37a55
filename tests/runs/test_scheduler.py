"""journey schedule run: APScheduler jobs that fire when cron says, take the playbook lock, stop cleanly."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from rich.console import Console

from journey.runs.index import collect_runs
from journey.runs.lock import playbook_lock
from journey.runs.playbooks import load_playbook
from journey.runs.scheduler import Options, PlaybookScheduler, cron_trigger
from tests.conftest import JOURNEY
from tests.helpers import make_project, write_notebook


def _project(root: Path, schedule: str = "* * * * *", pause: float = 0.0, extra: str = "") -> Path:
    """A playbook with one tiny notebook that notes when it started and sleeps ``pause`` seconds."""
    make_project(root)
    write_notebook(
        root / "notebooks" / "tick.ipynb",
        "pause: float = 0.0  # seconds to sleep",
        "import os, pathlib, time\npathlib.Path(os.environ['JOURNEY_ROOT'], 'started').write_text('1')\n"
        "time.sleep(pause)",
    )
    (root / "playbooks" / "tick.yml").write_text(
        f"name: tick\ndescription: a tiny playbook\naudience: tests\nschedule: '{schedule}'\n{extra}"
        f"reports: [{{name: tick, notebook: tick.ipynb, parameters: {{pause: {pause}}}}}]\n"
    )
    return root / "playbooks" / "tick.yml"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_ROOT", str(tmp_path))
    monkeypatch.delenv("JOURNEY_REPORTS_DIR", raising=False)
    return tmp_path


def _log() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=200, log_path=False), buffer


SCHEDULES = [
    ("0 7 * * 1", "Europe/Berlin"),  # weekday numbers from Sunday = 0 (APScheduler 3.x counts from Monday)
    ("0 7 1 * MON", "UTC"),  # day of month OR day of week, as cron does
    ("*/15 9-17 * * 1-5", "America/New_York"),
    ("0 6 * * 0,7", "Europe/Berlin"),  # Sunday twice
    ("@daily", "Asia/Kolkata"),
    ("0 0 L * *", "UTC"),
]


@pytest.mark.parametrize(("schedule", "zone"), SCHEDULES)
def test_triggers_fire_when_croniter_says_in_the_playbook_time_zone(schedule, zone):
    trigger = cron_trigger(schedule, zone)
    start = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)  # spans the spring DST change in Europe and the US
    # reference: croniter, which schedule due, schedule list and the index use
    reference = croniter(schedule, start.astimezone(ZoneInfo(zone)))
    fired = trigger.get_next_fire_time(None, start)
    for _ in range(40):
        expected = reference.get_next(dt.datetime)
        assert fired == expected, (schedule, zone, fired, expected)  # aware datetimes compare as instants
        fired = trigger.get_next_fire_time(fired, fired + dt.timedelta(microseconds=1))


def test_a_tick_in_the_skipped_dst_hour_fires_once_that_day_and_finds_the_playbook_due():
    # 02:30 does not exist in Berlin on 2026-03-29 (02:00 CET jumps to 03:00 CEST). croniter (cron's
    # way) ticks at 03:00 CEST; APScheduler fires at 02:30 read with the old offset, 03:30 CEST. The
    # fire is half an hour after the tick, so the playbook is due then and runs once that day.
    berlin = ZoneInfo("Europe/Berlin")
    trigger = cron_trigger("30 2 * * *", "Europe/Berlin")
    start = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC)
    fires = [trigger.get_next_fire_time(None, start)]
    fires.append(trigger.get_next_fire_time(fires[0], fires[0] + dt.timedelta(microseconds=1)))
    assert [f.astimezone(dt.UTC) for f in fires] == [
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 30, 0, 30, tzinfo=dt.UTC),  # 02:30 CEST the next day
    ]
    tick = croniter("30 2 * * *", start.astimezone(berlin)).get_next(dt.datetime)
    assert dt.timedelta(0) < fires[0].astimezone(dt.UTC) - tick.astimezone(dt.UTC) <= dt.timedelta(hours=1)


def test_jobs_coalesce_run_one_at_a_time_and_take_the_misfire_grace_from_the_playbook(project):
    path = _project(project, "0 7 * * MON", extra="timezone: Europe/Berlin\nmisfire_grace_s: 900\n")
    book = load_playbook(path)
    console, _ = _log()
    (job,) = PlaybookScheduler([(path, book)], Options(catch_up=False), console).scheduler.get_jobs()
    assert (job.id, job.coalesce, job.max_instances, job.misfire_grace_time) == ("tick", True, 1, 900)
    after = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert job.trigger.get_next_fire_time(None, after) == dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)  # 07:00 CET
    override = PlaybookScheduler([(path, book)], Options(misfire_grace_s=30, catch_up=False), console)
    assert override.scheduler.get_jobs()[0].misfire_grace_time == 30
    default = load_playbook(_project(project / "other"))
    assert PlaybookScheduler([(path, default)], Options(catch_up=False), console).misfire_grace(default) == 3600


def test_a_playbook_that_missed_a_tick_fires_at_start_unless_catch_up_is_off(project):
    path = _project(project, "0 7 * * MON")
    book = load_playbook(path)
    console, _ = _log()
    now = dt.datetime.now(dt.UTC)
    (job,) = PlaybookScheduler([(path, book)], Options(), console).scheduler.get_jobs()
    assert abs((job.next_run_time - now).total_seconds()) < 5  # never ran: due since last Monday 07:00
    (job,) = PlaybookScheduler([(path, book)], Options(catch_up=False), console).scheduler.get_jobs()
    assert not hasattr(job, "next_run_time")  # pending: its first fire comes from the trigger at start


def test_a_fire_runs_the_playbook_through_the_runner_as_its_own_run(project):
    path = _project(project)
    console, log = _log()
    sched = PlaybookScheduler([(path, load_playbook(path))], Options(catch_up=False), console)
    sched.fire(path, load_playbook(path))
    (entry,) = collect_runs(project / "reports")
    assert entry["latest"]["status"] == "ok" and not entry["latest"]["adhoc"]
    assert [r["name"] for r in entry["latest"]["reports"]] == ["tick"]
    assert "tick: run ok" in log.getvalue()
    sched.fire(path, load_playbook(path))  # the same minute: it ran since the last tick
    assert len(list((project / "reports" / "tick").iterdir())) == 1
    assert "tick: not due (it ran since the last tick)" in log.getvalue()


def test_a_held_lock_makes_the_fire_skip_with_a_log_line_and_look_again(project):
    path = _project(project)
    console, log = _log()
    sched = PlaybookScheduler([(path, load_playbook(path))], Options(catch_up=False, recheck_s=45), console)
    with playbook_lock("tick"):  # an analyst's journey run, or cron's schedule due
        sched.fire(path, load_playbook(path))
    text = " ".join(log.getvalue().split())
    assert "playbook 'tick' is already running" in text and "tick: run skipped" in text
    assert not (project / "reports" / "tick").exists() or not any((project / "reports" / "tick").iterdir())
    recheck = next(job for job in sched.scheduler.get_jobs() if job.id == "tick:recheck")
    assert 40 <= (recheck.trigger.run_date - dt.datetime.now(dt.UTC)).total_seconds() <= 46


def _start(root: Path) -> subprocess.Popen:
    env = {**os.environ, "JOURNEY_ROOT": str(root), "COLUMNS": "200"}
    env.pop("JOURNEY_REPORTS_DIR", None)
    return subprocess.Popen(
        [JOURNEY, "schedule", "run", "--playbooks", str(root / "playbooks")],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_sigterm_waits_for_the_running_notebook_then_exits_0_with_its_run_as_latest(project):
    _project(project, "0 7 * * MON", pause=4)
    proc = _start(project)  # never ran, so it runs at start (catch-up)
    _wait_for(project / "started", proc)  # the notebook is executing
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=90)
    assert proc.returncode == 0, output
    assert "SIGTERM: stopping after the running notebooks end (tick)" in output and "tick: run ok" in output
    (entry,) = collect_runs(project / "reports")
    assert entry["latest"]["status"] == "ok" and entry["latest"]["seconds"] >= 4
    assert [p.name for p in (project / "reports" / "tick").iterdir()] == [entry["latest"]["run_id"]]


def test_a_second_signal_terminates_the_run_which_never_becomes_latest(project):
    _project(project, "0 7 * * MON", pause=60)
    proc = _start(project)
    _wait_for(project / "started", proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, output
    assert "SIGINT again: terminating the run of tick" in output
    assert collect_runs(project / "reports") == []  # only the hidden half-built folder, which no index shows
    (partial,) = (project / "reports" / "tick").iterdir()
    assert partial.name.startswith(".") and not (partial / "run.json").exists()
    # the next run removes it (no process holds the lock: the killed run released it)
    path = project / "playbooks" / "tick.yml"
    path.write_text(path.read_text().replace("pause: 60", "pause: 0"))
    result = subprocess.run(
        [JOURNEY, "run", str(path)], cwd=project, env={**os.environ, "JOURNEY_ROOT": str(project)}, timeout=120
    )
    assert result.returncode == 0
    runs = list((project / "reports" / "tick").iterdir())
    assert len(runs) == 1 and json.loads((runs[0] / "run.json").read_text())["status"] == "ok"


def _scripted(project, monkeypatch, due: list[bool], codes: list[int], extra: str = ""):
    """A scheduler whose due checks and runs follow a script (no child processes)."""
    path = _project(project, extra=extra)
    console, log = _log()
    sched = PlaybookScheduler([(path, load_playbook(path))], Options(catch_up=False), console)
    ran = []
    monkeypatch.setattr(sched, "_is_due", lambda path, book: due.pop(0))
    monkeypatch.setattr(sched, "run_once", lambda path, book: ran.append(time.monotonic()) or codes.pop(0))
    return sched, path, log, ran


def test_ticks_that_pass_during_a_run_coalesce_into_one_more_run(project, monkeypatch):
    # due after the first run (ticks passed while it ran), not after the second
    sched, path, log, ran = _scripted(project, monkeypatch, due=[True, True, False], codes=[0, 0])
    sched.fire(path, load_playbook(path))
    assert len(ran) == 2 and "ticks passed while it ran; running once more for them" in log.getvalue()
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent

    tick = dt.datetime(2026, 12, 7, 7, 1, tzinfo=dt.UTC)
    sched._on_event(JobSubmissionEvent(EVENT_JOB_MAX_INSTANCES, "tick", "default", [tick]))
    assert "tick: tick at 07:01 UTC while its run goes on: one more run follows it (coalesced)" in log.getvalue()


def test_a_failed_run_is_retried_once_after_the_playbook_delay(project, monkeypatch):
    sched, path, log, ran = _scripted(project, monkeypatch, due=[True, False], codes=[1, 1], extra="retry_after_s: 1\n")
    sched.fire(path, load_playbook(path))
    assert len(ran) == 2 and ran[1] - ran[0] >= 1  # once more after the delay, then not again: it had its turn
    assert "tick: retrying once in 1 s" in log.getvalue()
