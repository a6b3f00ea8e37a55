"""One run of a playbook at a time: an advisory file lock per playbook under ``reports/.locks/``.

``journey run``, ``journey schedule due`` and anything else that calls
:func:`journey.runs.runner.run_playbook` take the playbook's lock for the whole run. The lock is
``flock`` on an open file (POSIX), which the kernel releases when the holding process exits for
any reason, SIGKILL included: a killed run never leaves a lock that blocks the next one. The lock
file records who holds it (pid, start time), so the message a second caller gets says which run
is in the way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from journey import config


class PlaybookBusy(RuntimeError):
    """Another process is running this playbook (the CLI exits with code 3)."""

    def __init__(self, playbook: str, holder: dict) -> None:
        since = holder.get("started_at", "an unknown time")
        pid = holder.get("pid", "?")
        super().__init__(
            f"playbook {playbook!r} is already running (pid {pid}, since {since}); "
            "this run did not start, so nothing overlaps: try again when it has finished"
        )
        self.playbook = playbook
        self.holder = holder


def lock_path(playbook: str) -> Path:
    return config.reports_dir() / ".locks" / f"{playbook}.lock"


@contextlib.contextmanager
def playbook_lock(playbook: str, wait: bool = False) -> Iterator[Path]:
    """Hold ``playbook``'s lock for the block; raise :class:`PlaybookBusy` when another process
    holds it, or wait for it with ``wait=True``."""
    path = lock_path(playbook)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held open for the lock's lifetime)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            try:
                holder = json.loads(handle.read() or "{}")
            except json.JSONDecodeError:
                holder = {}
            raise PlaybookBusy(playbook, holder) from None
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(json.dumps({"pid": os.getpid(), "started_at": started}))
        handle.flush()
        yield path
    finally:
        handle.close()  # closing the descriptor releases the flock
