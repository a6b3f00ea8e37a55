"""Soak test of ``journey schedule run``: a one-minute schedule for N minutes, then SIGTERM and SIGKILL.

A throwaway project holds one playbook on ``* * * * *`` with two reports: ``flaky`` fails at
random (``--fail-rate``, 30 %) and ``slow`` sleeps longer than the interval (``--slow-seconds``,
75 s), so ticks pass while a run is going. The scheduler runs as its own process
(``journey schedule run --playbooks DIR``), and the script reads only what it leaves on disk
(``run.json`` files, the index, the lock) and its log. It prints:

* runs done, with their statuses;
* overlaps: runs whose time spans intersect (from run.json start and duration; must be 0);
* ticks: each minute while the scheduler ran is served on time (a run starts at the tick),
  coalesced (served by the one run that follows a run in progress at the tick), or missed
  (must be 0);
* reports lost: a report of a finished run with no entry in run.json or no HTML page (must be 0);

then the stops: SIGTERM while a run is going (the scheduler must wait for it and exit 0, the run
complete and the index's latest), SIGKILL of the scheduler and its run together (a container
killed: no half-written run may become latest, the lock must be free at once) and a restart after
it (the next run starts and completes; the dead run's hidden folder is gone).

    .venv/bin/python benchmarks/soak_schedule.py [--minutes 15] [--slow-seconds 75] [--fail-rate 0.3]

Exits 1 when an invariant fails. The default is the issue's 15 minutes; ``--minutes 3`` checks
the script itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

JOURNEY = str(Path(sys.executable).parent / "journey")
TOLERANCE_S = 20  # a tick counts as served when a run starts this soon after it (or after the run in its way)


def notebook(path: Path, parameters: str, code: str) -> None:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, new_code_cell(code)]
    nbformat.write(nb, str(path))


def make_project(root: Path, slow_s: float, fail_rate: float) -> Path:
    for sub in ("lib", "notebooks", "playbooks", "data"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'soak'\n")
    notebook(
        root / "notebooks" / "flaky.ipynb",
        f"fail_rate: float = {fail_rate}  # chance of a planted failure",
        "import random\nassert random.random() >= fail_rate, 'planted random failure'",
    )
    notebook(
        root / "notebooks" / "slow.ipynb",
        f"seconds: float = {slow_s}  # longer than the interval",
        "import time\ntime.sleep(seconds)",
    )
    (root / "playbooks" / "soak.yml").write_text(
        "name: soak\ndescription: soak test\naudience: tests\nschedule: '* * * * *'\nretry_after_s: 5\n"
        "reports: [{name: flaky, notebook: flaky.ipynb}, {name: slow, notebook: slow.ipynb}]\n"
    )
    return root


class Scheduler:
    """``journey schedule run`` as a child in its own process group, its log in a file."""

    def __init__(self, root: Path, log: Path) -> None:
        self.log = log
        env = {**os.environ, "JOURNEY_ROOT": str(root), "COLUMNS": "200"}
        env.pop("JOURNEY_REPORTS_DIR", None)
        with log.open("a") as handle:
            self.proc = subprocess.Popen(
                [JOURNEY, "schedule", "run", "--playbooks", str(root / "playbooks"), "--jobs", "2"],
                cwd=root,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started = dt.datetime.now(dt.UTC)


def runs(reports: Path) -> list[dict]:
    """Every finished run's record, oldest first, with its start and end."""
    out = []
    for run_json in sorted((reports / "soak").glob("[!.]*/run.json")):
        record = json.loads(run_json.read_text())
        record["start"] = dt.datetime.fromisoformat(record["started_at"])
        record["end"] = record["start"] + dt.timedelta(seconds=record["seconds"])
        record["folder"] = run_json.parent
        out.append(record)
    return out


def hidden(reports: Path) -> list[str]:
    return sorted(p.name for p in (reports / "soak").glob(".*")) if (reports / "soak").is_dir() else []


def wait_for_a_running_run(reports: Path, sched: Scheduler, timeout: float = 150) -> None:
    """Until a run's hidden folder exists (a run is executing its notebooks)."""
    deadline = time.monotonic() + timeout
    while not any(name.endswith(".partial") for name in hidden(reports)):
        if sched.proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"no run started (scheduler exit {sched.proc.poll()}); see {sched.log}")
        time.sleep(0.2)
    time.sleep(3)  # into the notebooks


def overlaps(records: list[dict]) -> int:
    # started_at is kept to the second: allow one second of rounding
    return sum(b["start"] < a["end"] - dt.timedelta(seconds=1) for a, b in itertools.pairwise(records))


def ticks(records: list[dict], since: dt.datetime, until: dt.datetime) -> tuple[int, int, int, int]:
    """(ticks, on time, coalesced, missed) for the minute ticks in ``[since, until)`` whose serving
    deadline falls before ``until`` (a tick just before a stop has not had its chance)."""
    tick = since.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    counted = on_time = coalesced = missed = 0
    served_by: set[str] = set()
    while tick < until:
        running = next((r for r in records if r["start"] <= tick < r["end"]), None)
        deadline = (running["end"] if running else tick) + dt.timedelta(seconds=TOLERANCE_S)
        if deadline < until:
            counted += 1
            after = next((r for r in records if r["start"] >= tick - dt.timedelta(seconds=1)), None)
            if after is None or after["start"] > deadline:
                missed += 1
            elif running is None and after["run_id"] not in served_by:
                on_time += 1
            else:
                coalesced += 1
            if after is not None:
                served_by.add(after["run_id"])
        tick += dt.timedelta(minutes=1)
    return counted, on_time, coalesced, missed


def lost_reports(records: list[dict]) -> int:
    lost = 0
    for record in records:
        names = {r["name"]: r for r in record["reports"]}
        for name in ("flaky", "slow"):
            entry = names.get(name)
            lost += entry is None or not (record["folder"] / entry["html"]).exists()
    return lost


def latest(reports: Path) -> dict | None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))
    from journey.runs.index import collect_runs

    entries = collect_runs(reports) if reports.is_dir() else []
    return entries[0]["latest"] if entries else None


def complete(reports: Path, run: dict | None) -> bool:
    """The run's folder is in place with its run.json and every report's page."""
    if run is None:
        return False
    folder = reports / "soak" / run["run_id"]
    return (folder / "run.json").exists() and all((folder / r["html"]).exists() for r in run["reports"])


def lock_is_free(reports: Path) -> bool:
    with open(reports / ".locks" / "soak.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=15, help="how long the schedule runs before the stops")
    parser.add_argument("--slow-seconds", type=float, default=75, help="the slow report's sleep (> 60 s interval)")
    parser.add_argument("--fail-rate", type=float, default=0.3, help="chance that the flaky report fails")
    parser.add_argument("--keep", type=Path, help="build the project here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="soak-"))
    make_project(root, args.slow_seconds, args.fail_rate)
    reports, log = root / "reports", root / "scheduler.log"
    print(f"soak: {args.minutes:g} min of '* * * * *', slow report {args.slow_seconds:g} s, flaky report fails "
          f"{args.fail_rate:.0%}; project {root}")  # fmt: skip
    failures = []

    # 1. the schedule for N minutes, then SIGTERM while a run is going
    sched = Scheduler(root, log)
    time.sleep(args.minutes * 60)
    wait_for_a_running_run(reports, sched)
    before = {r["run_id"] for r in runs(reports)}
    sigterm_at = time.monotonic()
    sched.proc.send_signal(signal.SIGTERM)
    code = sched.proc.wait(timeout=args.slow_seconds + 120)
    stop_seconds = time.monotonic() - sigterm_at
    records = runs(reports)
    statuses = [r["status"] for r in records]
    retries = log.read_text().count("retrying once")
    n_ticks, on_time, coalesced, missed = ticks(
        records, sched.started, records[-1]["end"] if records else sched.started
    )
    print(
        f"runs done: {len(records)} (ok {statuses.count('ok')}, failed {statuses.count('failed')}; {retries} retried)"
    )
    print(f"overlaps: {overlaps(records)}")
    print(f"ticks: {n_ticks}: {on_time} on time, {coalesced} coalesced into the run after a run in progress, "
          f"{missed} missed")  # fmt: skip
    print(f"reports lost: {lost_reports(records)}")
    new = [r for r in records if r["run_id"] not in before]
    last = latest(reports)
    print(f"SIGTERM mid-run: exit {code} after {stop_seconds:.1f} s; the running run finished: {len(new) == 1}; "
          f"latest complete: {complete(reports, last)}; hidden folders left: {len(hidden(reports))}")  # fmt: skip
    failures += [name for name, bad in [
        ("overlaps", overlaps(records)), ("missed ticks", missed), ("reports lost", lost_reports(records)),
        ("SIGTERM exit code", code != 0), ("SIGTERM run not finished", len(new) != 1),
        ("latest incomplete after SIGTERM", not complete(reports, last)), ("hidden after SIGTERM", hidden(reports)),
    ] if bad]  # fmt: skip

    # 2. SIGKILL of the scheduler and its run together (a container killed), mid-run
    latest_before = (last or {}).get("run_id")
    sched = Scheduler(root, log)
    wait_for_a_running_run(reports, sched)
    holder = json.loads((reports / ".locks" / "soak.lock").read_text() or "{}").get("pid")
    os.killpg(sched.proc.pid, signal.SIGKILL)
    if holder:
        os.killpg(holder, signal.SIGKILL)  # the run is in its own session (Ctrl-C does not reach it)
    sched.proc.wait()
    time.sleep(1.5)  # the kernels see their parent gone within a second and exit
    last = latest(reports)
    unchanged = (last or {}).get("run_id") == latest_before
    free = lock_is_free(reports)
    left = hidden(reports)
    print(f"SIGKILL mid-run: latest still a complete run: {unchanged and complete(reports, last)}; "
          f"lock free at once: {free}; the dead run's hidden folder: {', '.join(left) or 'none'}")  # fmt: skip
    failures += [name for name, bad in [
        ("latest changed by SIGKILL", not (unchanged and complete(reports, last))),
        ("lock held after SIGKILL", not free),
    ] if bad]  # fmt: skip

    # 3. restart: the next run starts and completes, the dead run's folder is removed
    count = len(runs(reports))
    restart = time.monotonic()
    sched = Scheduler(root, log)
    deadline = time.monotonic() + 60 + args.slow_seconds + 120
    while len(runs(reports)) == count and time.monotonic() < deadline and sched.proc.poll() is None:
        time.sleep(0.5)
    done = runs(reports)[count:]
    sched.proc.send_signal(signal.SIGTERM)
    code = sched.proc.wait(timeout=args.slow_seconds + 120)
    resumed = bool(done) and complete(reports, {"run_id": done[0]["run_id"], "reports": done[0]["reports"]})
    print(f"restart after SIGKILL: a run completed {time.monotonic() - restart:.0f} s after the start: {resumed} "
          f"({done[0]['status'] if done else 'none'}); SIGTERM exit {code}; hidden folders left: "
          f"{', '.join(hidden(reports)) or 'none'}; overlaps overall: {overlaps(runs(reports))}")  # fmt: skip
    failures += [name for name, bad in [
        ("no run after restart", not resumed), ("hidden after restart", hidden(reports)),
        ("overlaps overall", overlaps(runs(reports))), ("restart SIGTERM exit", code != 0),
    ] if bad]  # fmt: skip
    print("FAILED: " + ", ".join(failures) if failures else "all invariants held")
    print(f"scheduler log: {log}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
