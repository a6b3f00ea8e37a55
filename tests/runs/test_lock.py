"""One run of a playbook at a time, across processes; a killed run leaves no lock behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from journey.runs.lock import PlaybookBusy, playbook_lock
from tests.conftest import build_e2e_project, run_journey

HOLD = (
    "import sys, time\n"
    "from journey.runs.lock import playbook_lock\n"
    "with playbook_lock(sys.argv[1]):\n"
    "    print('held', flush=True)\n"
    "    time.sleep(120)\n"
)


def _holder(name: str, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, name], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture
def reports(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_REPORTS_DIR", str(tmp_path / "reports"))
    return {**os.environ, "JOURNEY_REPORTS_DIR": str(tmp_path / "reports")}


def test_a_second_process_cannot_take_a_held_lock_and_is_told_who_holds_it(reports) -> None:
    holder = _holder("weekly", reports)
    try:
        busy = rf"playbook 'weekly' is already running \(pid {holder.pid}, since "
        with pytest.raises(PlaybookBusy, match=busy), playbook_lock("weekly"):
            pass
        with playbook_lock("other"):  # other playbooks are not blocked
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_run_leaves_no_lock_behind(reports) -> None:
    holder = _holder("weekly", reports)
    os.kill(holder.pid, signal.SIGKILL)  # no cleanup code runs: the kernel drops the flock
    holder.wait()
    with playbook_lock("weekly") as path:
        assert path.exists()


def test_wait_takes_the_lock_once_the_other_run_ends(reports) -> None:
    holder = _holder("weekly", reports)
    started = time.perf_counter()
    subprocess.Popen(["sh", "-c", f"sleep 1; kill {holder.pid}"])
    with playbook_lock("weekly", wait=True):
        assert time.perf_counter() - started >= 0.9
    holder.wait()


def test_journey_run_exits_3_while_the_same_playbook_runs(tmp_path) -> None:
    root = build_e2e_project(tmp_path / "project")
    env = {**os.environ, "JOURNEY_ROOT": str(root), "JOURNEY_REPORTS_DIR": str(root / "reports")}
    holder = _holder("e2e", env)
    try:
        result = run_journey(root, "run", "playbooks/e2e.yml", "--only", "ok")
        assert result.returncode == 3, result.stderr
        assert f"playbook 'e2e' is already running (pid {holder.pid}" in result.stderr
        assert not (root / "reports" / "e2e").exists() or not any((root / "reports" / "e2e").iterdir())
    finally:
        holder.kill()
        holder.wait()
    result = run_journey(root, "run", "playbooks/e2e.yml", "--only", "ok")
    assert result.returncode == 0, result.stderr
