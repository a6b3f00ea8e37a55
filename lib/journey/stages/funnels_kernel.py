"""The funnel as one compiled pass over each user's step events (numba): the fast array path.

Same rules and same results as the ASOF chain (:mod:`journey.stages.funnels_sql` has the
reasoning) and as the numpy chain (:mod:`journey.stages.funnels_arrays`, kept as the fallback
when numba cannot be imported). Instead of one binary search per step over keys sorted by
(step, user, second), each user's events are sorted by (second, step code) and walked once,
as ClickHouse's ``windowFunnel`` does: ``start[k]`` holds the chain start of the latest valid
step-(k+1) event; within a second the steps are taken in step order, so a step-k event may
follow a step-(k-1) event of the same second (and one event may serve a step listed twice).

Why a kernel, against the house rule of staying in the engine: on 20M events the numpy path
spent ~1 s sorting 8-byte keys and ~0.3 s in the per-step binary searches, more than the
engine's scan. Here the keys put the user in the high bits, so the kernel groups the events by
user with a counting sort (linear, no comparison sort of 20M keys) and sorts each user's few
events in place; then one pass per user. DuckDB still scans, filters and encodes the log; only
8 bytes per step event leave it, in this process. Users are independent, so user ranges run in
parallel threads (the kernel releases the GIL).

Packing: ``key = (user - umin) << (time_bits + code_bits) | (second - tmin) << code_bits | code``.
Compiled functions are cached on disk (``cache=True``: ``__pycache__`` next to this file, or
numba's per-user cache when that is read-only); without any writable place they compile in each
process (about a second), silently. ``JOURNEY_FUNNEL_KERNEL=0`` switches the kernel off.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from journey.stages.funnels_sql import Mode

MAX_CODE = 62  # the codes present in one second are a bitmask in an int64
SORTED_SEGMENT = 32  # longer user segments are sorted by numpy's sort, shorter by insertion
DENSE = 8  # counting sort when the user range is at most this many times the rows (else a full sort)


@dataclass(frozen=True, slots=True)
class KernelLayout:
    """How (user, second, code) share one int64 key; offsets make every part non-negative."""

    umin: int
    tmin: int
    user_span: int  # max user - min user
    time_bits: int
    code_bits: int

    @property
    def low_bits(self) -> int:
        return self.time_bits + self.code_bits


def layout_for(umin: int, umax: int, tmin: int, tmax: int, max_code: int) -> KernelLayout | None:
    """The packing for these ranges, or ``None`` when it needs more than 63 bits or more step
    codes than a bitmask holds (the caller then takes the numpy chain)."""
    if max_code > MAX_CODE:
        return None
    layout = KernelLayout(
        int(umin), int(tmin), int(umax - umin), max(int(tmax - tmin).bit_length(), 1), int(max_code).bit_length()
    )
    return layout if max(layout.user_span.bit_length(), 1) + layout.low_bits <= 63 else None


def key_sql(base: str, layout: KernelLayout, users: tuple[int, int] | None = None) -> str:
    """SQL for the packed keys ``k`` of the temp table ``base`` (``u, t, e``), optionally only
    for the user offsets ``users = (first, last)``."""
    offset = f"(u - ({layout.umin}))"
    where = f" WHERE {offset} BETWEEN {int(users[0])} AND {int(users[1])}" if users is not None else ""
    key = (
        f"(CAST({offset} AS BIGINT) << {layout.low_bits}) | ((t - ({layout.tmin})) << {layout.code_bits}) "
        f"| CAST(e AS BIGINT)"
    )
    return f"SELECT {key} AS k FROM {base}{where}"


@dataclass(frozen=True, slots=True)
class KernelChain:
    """The kernel's answers, per user range: ``hist`` (users per level, index 0 = level 0 among
    users with a step event) and, with ``detail`` >= 1, per user with a step event: ``users``
    (offsets), ``first_t`` / ``first_s`` (``[user, k]``: the first second step k + 1 was reached
    and that event's chain start), with ``detail`` 2 also ``chain_t`` (the first step-(k + 1)
    event continuing the counted chain); -1 where none. Times are offsets from ``layout.tmin``.
    Only what was asked for is allocated: the per-user arrays take 8 bytes per user and step each."""

    layout: KernelLayout
    hist: np.ndarray
    users: np.ndarray
    first_t: np.ndarray
    first_s: np.ndarray
    chain_t: np.ndarray

    def users_per_step(self) -> dict[int, int]:
        """``{k: users whose level is at least k}``."""
        at_least = self.hist[::-1].cumsum()[::-1]
        return {k: int(at_least[k]) for k in range(1, self.hist.size)}

    def first_reach(self) -> pa.Table:
        """``u, k, t, s`` per user and step reached (what ``funnels_engine.Prepared.reach`` holds)."""
        user, k = np.nonzero(self.first_t >= 0)  # row-major: by user, then step
        return pa.table(
            {
                "u": self.users[user] + self.layout.umin,
                "k": (k + 1).astype(np.int32),
                "t": self.first_t[user, k] + self.layout.tmin,
                "s": self.first_s[user, k] + self.layout.tmin,
            }
        )

    def chain_step(self, k: int) -> pa.Table:
        """``u, t``: per user at level >= k, the second of the counted chain's first step-k event
        (run with ``detail=2``)."""
        column = self.chain_t[:, k - 1]
        keep = column >= 0
        return pa.table({"u": self.users[keep] + self.layout.umin, "t": column[keep] + self.layout.tmin})


def run_parts(
    fetch: Callable[[int], np.ndarray],
    ranges: Sequence[tuple[int, int]],
    layout: KernelLayout,
    step_code: Sequence[int],
    window_s: int,
    mode: Mode,
    detail: int,
) -> KernelChain:
    """Fetch each user range's keys (one engine thread, in order) and walk each in its own thread.
    ``detail``: 0 the counts per level only, 1 also the first reach per user and step, 2 also the
    counted chain's step events (for ``attribution="step:k"``)."""
    kernel = compiled()
    codes = np.asarray(step_code, dtype=np.int64)

    def walk(part: int, keys: np.ndarray) -> tuple[np.ndarray, ...]:
        first, last = ranges[part]
        keys = np.asarray(keys, dtype=np.int64)
        if not keys.flags.writeable:  # the kernel sorts each user's keys in place
            keys = keys.copy()
        dense = (last - first + 1) <= DENSE * max(keys.size, 1)
        if not dense:  # ids too sparse for a counting sort: numpy's sort, unless already grouped
            users = keys >> layout.low_bits
            if np.any(users[1:] < users[:-1]):
                keys.sort()
        return kernel(
            keys, first, last - first, layout.low_bits, layout.code_bits, codes, window_s, mode == "first_entry", detail
        )

    with ThreadPoolExecutor(max_workers=1) as engine, ThreadPoolExecutor(max_workers=len(ranges)) as cpu:
        fetched = [engine.submit(fetch, part) for part in range(len(ranges))]
        done = [f.result() for f in [cpu.submit(lambda p=p: walk(p, fetched[p].result())) for p in range(len(ranges))]]
    hist = np.sum([d[0] for d in done], axis=0)
    out = np.concatenate([d[2] for d in done], axis=1)
    return KernelChain(layout, hist, np.concatenate([d[1] for d in done]), out[0], out[1], out[-1])


class WarmUp:
    """Imports numba and loads the kernel in a background thread, started before the engine's
    scan: the engine runs without the GIL, so most of numba's fixed cost (importing it and
    preparing its compiler, about 0.5-1 s on 2 shared cores, see ``benchmarks/bench_funnels.py``)
    hides behind the scan instead of adding to it. :meth:`ready` waits and says whether the
    kernel loaded (a broken numba install means the numpy chain, not an error)."""

    def __init__(self) -> None:
        self.loaded = False
        self.thread = threading.Thread(target=self._load, name="journey-funnel-kernel", daemon=True)
        self.thread.start()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            kernel = compiled()
            # the same argument types as run_parts: loads the cached machine code now
            kernel(np.zeros(1, dtype=np.int64), 0, 0, 1, 1, np.ones(1, dtype=np.int64), 1, False, 0)
            self.loaded = True
            _loaded.append(time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - any failure to load means the numpy chain
            self.loaded = False

    def ready(self) -> bool:
        self.thread.join()
        return self.loaded


_loaded: list[float] = []  # seconds each successful warm-up took (the benchmark reports them)


def loaded() -> bool:
    """Whether this process has loaded the kernel already (numba's fixed cost is paid)."""
    return bool(_loaded)


def available() -> bool:
    """Whether the kernel may run here: numba installed and ``JOURNEY_FUNNEL_KERNEL`` not ``0``
    (cheap: numba itself is imported by :class:`WarmUp`)."""
    if os.environ.get("JOURNEY_FUNNEL_KERNEL", "1") == "0":
        return False
    if _compiled:
        return True
    import importlib.util

    return importlib.util.find_spec("numba") is not None


_compiled: list[Callable] = []
# the compiled helpers, set by compiled() before the kernel that calls them is compiled (numba
# reads a global's value when it compiles the function using it)
_walk_user_jit: Callable | None = None
_sort_range_jit: Callable | None = None
_regroup_jit: Callable | None = None


def compiled() -> Callable:
    """The compiled kernel (compiled, or loaded from numba's cache, on first use)."""
    if not _compiled:
        import numba

        def jit(fn: Callable, **options: object) -> Callable:
            try:
                return numba.njit(cache=True, nogil=True, **options)(fn)
            except RuntimeError:  # no writable cache location anywhere: compile in each process
                return numba.njit(nogil=True, **options)(fn)

        # the helpers are inlined into the kernel (numba IR inlining): no call per user
        walk_user = jit(_walk_user, inline="always")
        sort_range = jit(_sort_range, inline="always")
        regroup = jit(_regroup)
        globals().update(_walk_user_jit=walk_user, _sort_range_jit=sort_range, _regroup_jit=regroup)
        _compiled.append(jit(_levels))
    return _compiled[0]


def _sort_range(keys, lo, hi):
    """Sort ``keys[lo:hi]`` (one user's keys) in place: insertion sort for the usual handful,
    with indices rather than a slice (a slice costs reference counting per user)."""
    if hi - lo > SORTED_SEGMENT:
        keys[lo:hi] = np.sort(keys[lo:hi])
        return
    for i in range(lo + 1, hi):
        v = keys[i]
        j = i - 1
        while j >= lo and keys[j] > v:
            keys[j + 1] = keys[j]
            j -= 1
        keys[j + 1] = v


def _walk_user(keys, lo, hi, low_mask, code_bits, codes, window, first_entry, target, record, state, out, row):
    """One pass over a user's sorted keys ``keys[lo:hi]``; returns the level.

    ``state[k]``: chain start of the latest valid step-(k+1) event (-1: none). ``target`` >= 0
    asks for the counted chain (start ``target``): ``out[2, row, k]`` gets the first valid
    step-(k+1) event with that start; otherwise, with ``record``, ``out[0, row, k]`` /
    ``out[1, row, k]`` get the first valid event per step and its start.
    """
    n_steps = codes.size
    code_mask = (np.int64(1) << code_bits) - 1
    for k in range(n_steps):
        state[k] = -1
    level = 0
    i = lo
    while i < hi:
        t = (keys[i] & low_mask) >> code_bits
        present = np.int64(0)
        while i < hi and ((keys[i] & low_mask) >> code_bits) == t:
            present |= np.int64(1) << (keys[i] & code_mask)
            i += 1
        for k in range(n_steps):
            if (present >> codes[k]) & 1 == 0:
                continue
            if k == 0:
                if first_entry and state[0] >= 0:
                    continue
                start = t
            else:
                start = state[k - 1]
                if start < 0 or t - start > window:
                    continue
            state[k] = start
            if k + 1 > level:
                level = k + 1
            if target >= 0:
                if start == target and out[2, row, k] < 0:
                    out[2, row, k] = t
            elif record and out[0, row, k] < 0:
                out[0, row, k] = t
                out[1, row, k] = start
    return level


def _regroup(keys, ubase, span, low_bits):
    """The keys grouped by user (counting sort on the user bits; order within a user kept)."""
    n = keys.size
    fill = np.zeros(span + 1, dtype=np.int64)
    for i in range(n):
        fill[(keys[i] >> low_bits) - ubase] += 1
    total = 0
    for u in range(span + 1):
        count = fill[u]
        fill[u] = total
        total += count
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        u = (keys[i] >> low_bits) - ubase
        out[fill[u]] = keys[i]
        fill[u] += 1
    return out


def _levels(keys, ubase, span, low_bits, code_bits, codes, window, first_entry, detail):
    """Levels of every user in ``keys`` (user offsets ``ubase``..``ubase + span``; the caller
    sorts keys whose users are too sparse for :func:`_regroup`): the histogram of levels and,
    with ``detail`` (see :func:`run_parts`), the per-user arrays of :class:`KernelChain`. Each user's keys
    are sorted in place, so ``keys`` is modified."""
    n_steps = codes.size
    n = keys.size
    low_mask = (np.int64(1) << low_bits) - 1
    # logs often arrive grouped by user (a scan keeps the file's order): no regrouping then
    for i in range(1, n):
        if (keys[i] >> low_bits) < (keys[i - 1] >> low_bits):
            keys = _regroup_jit(keys, ubase, span, low_bits)
            break
    n_users = 0
    if detail > 0:
        for i in range(n):
            if i == 0 or (keys[i] >> low_bits) != (keys[i - 1] >> low_bits):
                n_users += 1
    hist = np.zeros(n_steps + 1, dtype=np.int64)
    users = np.empty(n_users, dtype=np.int64)
    out = np.full((3 if detail > 1 else 2, n_users, n_steps), -1, dtype=np.int64)  # first_t, first_s[, chain_t]
    state = np.empty(n_steps, dtype=np.int64)
    row = 0
    lo = 0
    while lo < n:
        user = keys[lo] >> low_bits
        hi = lo + 1
        while hi < n and (keys[hi] >> low_bits) == user:
            hi += 1
        _sort_range_jit(keys, lo, hi)  # by (second, code): the user bits are equal within the range
        if detail > 0:
            users[row] = user
            level = _walk_user_jit(
                keys, lo, hi, low_mask, code_bits, codes, window, first_entry, -1, True, state, out, row
            )
            if level > 0 and detail > 1:
                target = out[1, row, level - 1]
                _walk_user_jit(
                    keys, lo, hi, low_mask, code_bits, codes, window, first_entry, target, False, state, out, row
                )
            row += 1
        else:
            level = _walk_user_jit(
                keys, lo, hi, low_mask, code_bits, codes, window, first_entry, -1, False, state, out, 0
            )
        hist[level] += 1
        lo = hi
    return hist, users, out
