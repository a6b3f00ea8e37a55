"""Schedules: a playbook is due once per passed cron tick, judged from the run folders on disk."""

from __future__ import annotations

import datetime as dt
import json

from journey.runs.playbooks import load_playbook
from journey.runs.schedule import crontab_line, due
from tests.conftest import build_e2e_project, run_journey

NOW = dt.datetime(2026, 11, 30, 7, 3, tzinfo=dt.UTC)  # a Monday, 3 minutes after a 07:00 tick


def _book(root, schedule="0 7 * * MON"):
    path = root / "playbooks" / "e2e.yml"
    path.write_text(path.read_text().replace('"*/5 * * * *"', f'"{schedule}"'))
    return path, load_playbook(path)


def _fake_run(root, started: dt.datetime, adhoc: bool = False, status: str | None = None):
    run = root / "reports" / "e2e" / started.strftime("%Y%m%dT%H%M%SZ")
    run.mkdir(parents=True)
    record = {"run_id": run.name, "started_at": started.isoformat(), "reports": [], "adhoc": adhoc}
    if status:
        record["status"] = status
    (run / "run.json").write_text(json.dumps(record))


def test_never_run_playbook_is_due(tmp_path, monkeypatch):
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    (state,) = due([_book(root)], now=NOW)
    assert state.is_due and state.last_run is None
    assert state.last_tick == dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
    assert state.next_tick == dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)


def test_run_after_the_tick_is_not_due_again(tmp_path, monkeypatch):
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    _fake_run(root, dt.datetime(2026, 11, 30, 7, 1, tzinfo=dt.UTC))
    (state,) = due([_book(root)], now=NOW)
    assert not state.is_due


def test_run_before_the_tick_is_due_once_even_after_missed_ticks(tmp_path, monkeypatch):
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    _fake_run(root, dt.datetime(2026, 11, 9, 7, 1, tzinfo=dt.UTC))  # three Mondays missed
    (state,) = due([_book(root)], now=NOW)
    assert state.is_due and state.last_tick == dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)


def test_schedule_due_dry_run_lists_without_running(tmp_path):
    root = build_e2e_project(tmp_path)
    result = run_journey(root, "schedule", "due", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "e2e: due since" in result.stdout and "(dry run)" in result.stdout
    assert not (root / "reports").exists()


def test_crontab_line_calls_schedule_due(tmp_path):
    line = crontab_line("/opt/venv/bin/journey", tmp_path, 10)
    assert line.startswith("*/10 * * * * cd ") and "/opt/venv/bin/journey schedule due" in line


def test_an_ad_hoc_run_after_the_tick_does_not_count_as_the_schedule_run(tmp_path, monkeypatch):
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    _fake_run(root, dt.datetime(2026, 11, 23, 7, 1, tzinfo=dt.UTC))  # last week's own run
    _fake_run(root, dt.datetime(2026, 11, 30, 7, 2, tzinfo=dt.UTC), adhoc=True)  # an analyst's --only run
    (state,) = due([_book(root)], now=NOW)
    assert state.is_due and state.last_run == dt.datetime(2026, 11, 23, 7, 1, tzinfo=dt.UTC)


def test_a_schedule_in_a_time_zone_ticks_at_local_time(tmp_path, monkeypatch):
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    path, _ = _book(root)
    path.write_text(path.read_text().replace("schedule:", "timezone: Europe/Berlin\nschedule:", 1))
    book = load_playbook(path)
    (state,) = due([(path, book)], now=NOW)  # 07:03 UTC is 08:03 in Berlin (winter, UTC+1)
    assert state.last_tick.astimezone(dt.UTC) == dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
    summer = book.next_runs(1, after=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))[0]
    assert summer.astimezone(dt.UTC) == dt.datetime(2026, 7, 6, 5, 0, tzinfo=dt.UTC)  # 07:00 CEST


def test_schedule_list_shows_zone_last_own_run_and_next_three(tmp_path, monkeypatch):
    root = build_e2e_project(tmp_path)
    _fake_run(root, dt.datetime(2026, 11, 23, 7, 1, tzinfo=dt.UTC))
    monkeypatch.setenv("COLUMNS", "250")  # one line per playbook
    result = run_journey(root, "schedule", "list")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if " e2e " in line)
    assert "*/5 * * * *" in row and "UTC" in row and "2026-11-23 07:01" in row
    assert row.count(",") == 2  # the next three runs


def test_a_failed_scheduled_run_is_retried_once_and_the_last_good_report_stays_latest(tmp_path):
    from journey.runs.index import collect_runs
    from tests.helpers import make_project, write_notebook

    root = tmp_path / "flaky"
    make_project(root)
    write_notebook(
        root / "notebooks" / "flaky.ipynb",
        "factor: int = 1  # unused",
        "import os, pathlib\np = pathlib.Path(os.environ['JOURNEY_ROOT']) / 'attempts'\n"
        "n = int(p.read_text()) if p.exists() else 0\np.write_text(str(n + 1))\n"
        "assert n % 2 == 1, f'planted transient failure on attempt {n + 1}'",
    )
    (root / "playbooks" / "flaky.yml").write_text(
        "name: flaky\ndescription: fails, then works\naudience: tests\nschedule: '* * * * *'\nretry_after_s: 1\n"
        "reports: [{name: flaky, notebook: flaky.ipynb}]\n"
    )
    result = run_journey(root, "schedule", "due")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "flaky: failed" in result.stdout and "retrying once in 1 s" in result.stdout and "retry ok" in result.stdout
    (entry,) = collect_runs(root / "reports")
    assert entry["latest"]["status"] == "ok" and entry["failing"] == []
    # a later run fails: the good report stays latest, the failure is shown beside it
    result = run_journey(root, "run", "playbooks/flaky.yml")  # attempt 3 fails (odd attempts fail)
    assert result.returncode == 1
    (entry,) = collect_runs(root / "reports")
    assert entry["latest"]["status"] == "ok" and [r["status"] for r in entry["failing"]] == ["failed"]
    html = (root / "reports" / "index.html").read_text()
    assert "most recent run failed" in html and "the reports below are the last good run" in html


def test_a_failed_own_run_after_the_tick_is_not_due_again(tmp_path, monkeypatch):
    # the index keeps the older good run as latest, but the schedule's turn was taken by the failed
    # one: counting good runs only would start a failing playbook again at every check
    root = build_e2e_project(tmp_path)
    monkeypatch.setenv("JOURNEY_ROOT", str(root))
    _fake_run(root, dt.datetime(2026, 11, 23, 7, 1, tzinfo=dt.UTC), status="ok")
    _fake_run(root, dt.datetime(2026, 11, 30, 7, 1, tzinfo=dt.UTC), status="failed")
    (state,) = due([_book(root)], now=NOW)
    assert not state.is_due and state.last_run == dt.datetime(2026, 11, 30, 7, 1, tzinfo=dt.UTC)
