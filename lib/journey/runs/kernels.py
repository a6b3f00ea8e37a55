"""Warm kernels for the runner: start the next notebook's kernel while the current one runs.

Starting an IPython kernel takes one to two seconds on a small machine, and a papermill run
pays it for every notebook. Each runner worker keeps one spare kernel, launched in a
background thread while the previous notebook executes, so a notebook starts on a ready
kernel. (Also importing pandas/ibis into the spare was measured: 10% less wall time on the
weekly playbook, but on 2 cores the preloading competes with the running notebook and the
per-notebook overhead doubled, so spares start bare.) Every kernel runs exactly one
notebook and is then shut down, so no state leaks from one report into the next. No library
offers this for papermill/nbclient (``nbclient`` accepts a ready ``KernelManager`` but does not
manage spares), hence this module.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import uuid

from jupyter_client.manager import AsyncKernelManager as KernelManager
from jupyter_core.utils import run_sync

# Async on purpose: papermill enforces a cell's execution timeout and notices a dead kernel only
# with an async manager; given a blocking KernelManager it waited forever on a cell that looped
# or whose kernel exited (tests/runs/test_runner.py). run_sync drives it from this synchronous code.


def _launch(cwd: str) -> KernelManager:
    # IPC sockets in a private temporary folder: no TCP ports, no "without encryption" warning.
    ip = os.path.join(tempfile.gettempdir(), f"journey-kernel-{uuid.uuid4().hex}")
    km = KernelManager(kernel_name="python3", transport="ipc", ip=ip)
    run_sync(km.start_kernel)(cwd=cwd)
    client = km.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=120)
    finally:
        client.stop_channels()
    return km


class SpareKernel:
    """One kernel being prepared in the background; :meth:`take` returns it when ready."""

    def __init__(self, cwd: str) -> None:
        self._cwd = cwd
        self._km: KernelManager | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._km = _launch(self._cwd)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller in take()
            self._error = exc

    def discard(self) -> None:
        """Shut the spare down unused (the worker is exiting)."""
        self._thread.join()
        if self._km is not None:
            shutdown(self._km)

    def take(self) -> KernelManager:
        """The ready kernel manager (falls back to a fresh kernel if the spare failed to start)."""
        self._thread.join()
        if self._km is None or not run_sync(self._km.is_alive)():
            return _launch(self._cwd)
        return self._km


def shutdown(km: KernelManager) -> None:
    """Stop a kernel that has run its notebook."""
    with contextlib.suppress(Exception):  # a dead kernel is already what we want
        run_sync(km.shutdown_kernel)(now=True)
