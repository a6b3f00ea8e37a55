"""A run built by several processes, one report each: the tasks of the Airflow export.

``journey run PLAYBOOK --only NAME --run-id ID`` runs its report into the run of the external id
``ID`` (Airflow's ``run_id``): the first report to join creates the run (named, like every run,
by its start time), later ones merge into it, and ``journey run PLAYBOOK --run-id ID --finish``
marks it complete. Until then the run lives in a hidden folder (``.join-<hash>.partial``) that the
index and the schedule ignore, so a DAG run half-way through is never anyone's "latest". Every
step holds the playbook's lock, so reports of one run and other runs of the playbook never overlap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

from journey import config
from journey.data.atomic import write_text
from journey.runs.playbooks import Playbook
from journey.runs.runner import (
    RunResult,
    _as_entry,
    _discard_stale,
    _execute_all,
    _new_run_id,
    _record,
    prune_runs,
)
from journey.validation import input_error


def _joined_folder(base: Path, external_id: str) -> Path:
    """Where the run of ``external_id`` is: its finished folder if it was finished, else its hidden one."""
    for run_json in base.glob("[!.]*/run.json"):
        try:
            if json.loads(run_json.read_text(encoding="utf-8")).get("external_run_id") == external_id:
                return run_json.parent
        except (OSError, json.JSONDecodeError):
            continue
    return base / f".join-{hashlib.sha256(external_id.encode()).hexdigest()[:16]}.partial"


def join_locked(playbook: Playbook, planned: list, jobs, on_progress, adhoc: str, external_id: str) -> RunResult:
    """Run reports into the run ``external_id`` (created by the first report that joins it).

    The reports execute in a private folder and then move in file by file (``os.replace``), and
    ``run.json`` is rewritten atomically, all under the playbook's lock: a report killed mid-way
    leaves the joined run as it was."""
    base = config.reports_dir() / playbook.name
    base.mkdir(parents=True, exist_ok=True)
    _discard_stale(base)
    folder = _joined_folder(base, external_id)
    if (folder / "run.json").exists():
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        started = dt.datetime.fromisoformat(record["started_at"])
    else:
        started, run_id = _new_run_id(base)
        record = _record(playbook, run_id, started, planned, [], adhoc) | {"status": "running"}
        record["external_run_id"] = external_id
    work = base / f".{record['run_id']}.work-{os.getpid()}"
    work.mkdir()
    try:
        outcomes = _execute_all(playbook, planned, work, jobs, on_progress)
        folder.mkdir(exist_ok=True)
        for file in work.iterdir():
            os.replace(file, folder / file.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    done = {o.name for o in outcomes}
    order = [r.name for r in playbook.reports]
    entries = [e for e in record["reports"] if e["name"] not in done] + [_as_entry(o) for o in outcomes]
    entries.sort(key=lambda e: order.index(e["name"]) if e["name"] in order else len(order))
    reason = "; ".join(part for part in (record.get("adhoc_reason", ""), adhoc) if part)
    finished = not folder.name.startswith(".")  # a report re-run after finish_run (an Airflow task cleared)
    record = _record(playbook, record["run_id"], started, planned, entries, reason) | {
        "external_run_id": external_id,
        "status": _joined_status(playbook, entries) if finished else "running",
    }
    write_text(folder / "run.json", json.dumps(record, indent=2, default=str))
    if finished:
        from journey.runs.index import write_index

        write_index(config.reports_dir())
    return RunResult(playbook.name, record["run_id"], folder, record["status"], record["seconds"], outcomes)


def _joined_status(playbook: Playbook, entries: list[dict]) -> str:
    names = {e["name"] for e in entries}
    complete = all(r.name in names for r in playbook.reports)
    return "ok" if complete and all(e["status"] == "ok" for e in entries) else "failed"


def finish_run(playbook: Playbook, external_id: str, *, where: str, wait: bool = True) -> RunResult:
    """Mark the run ``external_id`` complete: its status from every report (a report that never
    joined counts as failed, named in the error), then the folder moves into place and the index
    is rewritten. Finishing a finished run only rewrites the index."""
    from journey.runs.index import write_index
    from journey.runs.lock import playbook_lock

    base = config.reports_dir() / playbook.name
    with playbook_lock(playbook.name, wait=wait):
        folder = _joined_folder(base, external_id)
        if not (folder / "run.json").exists():
            raise input_error(
                where, f"no report has joined run {external_id!r}", "journey run --only NAME --run-id ID first"
            )
        record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        entries = record["reports"]
        missing = [r.name for r in playbook.reports if r.name not in {e["name"] for e in entries}]
        record["status"] = _joined_status(playbook, entries)
        record["error"] = "; ".join(
            [f"{e['name']}: {e['error']}" for e in entries if e.get("error")] + [f"{n}: did not run" for n in missing]
        )
        started = dt.datetime.fromisoformat(record["started_at"])
        record["seconds"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 3)
        if folder.name.startswith("."):
            if (base / record["run_id"]).exists():  # another run started in the same second
                record["run_id"] = _new_run_id(base)[1]
            write_text(folder / "run.json", json.dumps(record, indent=2, default=str))
            target = base / record["run_id"]
            folder.rename(target)
            folder = target
            prune_runs(base, playbook.keep_runs)
        write_index(config.reports_dir())
    return RunResult(playbook.name, record["run_id"], folder, record["status"], record["seconds"], [])
