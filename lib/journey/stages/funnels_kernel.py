"""The funnel as one compiled pass over each user's step events (numba): the fast array path.

Same rules and same results as the ASOF chain (:mod:`journey.stages.funnels_sql` has the
reasoning) and as the numpy chain (:mod:`journey.stages.funnels_arrays`, kept as the fallback
when numba cannot be imported). Instead of one binary search per step over keys sorted by
(step, user, second), each user's events are sorted by (second, step code) and walked once,
as ClickHouse's ``windowFunnel`` does: ``start[k]`` holds the chain start of the latest valid
step-(k+1) event; within a second the steps are taken in step order, so a step-k event may
follow a step-(k-1) event of the same second (and one event may serve a step listed twice).

Why a kernel, against the house rule of staying in the engine: the issue's decision for the
sorted-array path. DuckDB still scans, filters and encodes the log; only 8 bytes per step event
leave it, in this process. The keys put the user in the high bits, so the kernel needs no
comparison sort of all keys: a scan usually delivers each user's events together (the file's
order), else a counting sort on the user bits regroups them; each user's few keys are then
insertion-sorted in place and walked once. Measured on 20M events (12M step events): the
kernel's pass takes ~0.15-0.25 s where the numpy chain's sort and binary searches take
~0.35 s; whole-process the two are within the noise of 2 shared cores, the engine's scan and
the imports weighing more (``benchmarks/bench_funnels.py`` runs both).

Loading: numba itself costs ~0.3 s to import and ~0.5 s to set up its compiler in each process,
more than the pass saves. So the kernel is built once ahead of time into an extension module
(numba's ``pycc``, in ``__pycache__`` next to this file or the project cache), which loads in
about a millisecond without importing numba; the name hashes this file, numba's and Python's
versions, so an edit rebuilds it. Where that cannot be built (no C compiler, read-only folders,
a numba without ``pycc``), numba's JIT runs with ``cache=True`` (compiling in each process when
no cache folder is writable), and without numba the numpy chain. ``python -m
journey.stages.funnels_kernel`` builds the module; ``JOURNEY_FUNNEL_KERNEL=0`` switches the
kernel off, ``JOURNEY_FUNNEL_AOT=0`` the ahead-of-time build.

Packing: ``key = (user - umin) << (time_bits + code_bits) | (second - tmin) << code_bits | code``,
computed by DuckDB in the same scan that filters and encodes the step events: the ranges come
first from the source's statistics (:meth:`journey.stages.funnels_sql.DuckDBChain.bounds_sql`),
so the log is read once and no table of step events is materialised. On 20M events (12M step
events) that one pass took 0.43 s where the scan into a temp table, its statistics and the key
fetch took 0.6 + 0.05 + 0.17 s.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from journey.stages.funnels_sql import Mode

MAX_CODE = 62  # a per-code table, and
MAX_STEPS = 63  # the steps present in one second are a bitmask in an int64
SORTED_SEGMENT = 32  # longer user segments are sorted by numpy's sort, shorter by insertion
RADIX_BITS = 12  # user bits per pass of the regrouping radix sort (2^12 counters stay in cache)
FEW_RUNS = 64  # fewer than one descent in this many keys: regroup in a single counting pass
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


def key_expression(layout: KernelLayout, u: str, t: str, e: str) -> str:
    """SQL of the packed key from the SQL of the user, second and step code (DuckDB packs the keys
    in its scan, so only 8 bytes per step event leave it)."""
    return (
        f"(CAST(({u}) - ({layout.umin}) AS BIGINT) << {layout.low_bits}) "
        f"| ((({t}) - ({layout.tmin})) << {layout.code_bits}) | CAST({e} AS BIGINT)"
    )


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


def run_keys(
    keys: np.ndarray, layout: KernelLayout, step_code: Sequence[int], window_s: int, mode: Mode, detail: int
) -> KernelChain:
    """Walk the packed keys of every step event (in any order; modified in place). ``detail``: 0
    the counts per level only, 1 also the first reach per user and step, 2 also the counted
    chain's step events (for ``attribution="step:k"``)."""
    kernel = compiled()
    codes = np.asarray(step_code, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    if not keys.flags.writeable:  # the kernel sorts each user's keys in place
        keys = keys.copy()
    if layout.user_span + 1 > DENSE * max(keys.size, 1):  # ids too sparse for a counting sort
        users = keys >> layout.low_bits
        if np.any(users[1:] < users[:-1]):  # numpy's sort, unless already grouped
            keys.sort()
    hist, users, out = kernel(
        keys, layout.user_span, layout.low_bits, layout.code_bits, codes, window_s, mode == "first_entry", detail
    )
    return KernelChain(layout, hist, users, out[0], out[1], out[-1])


def present_codes(keys: np.ndarray, layout: KernelLayout) -> set[int]:
    """The step codes among the keys (a step absent from the data is reported by name)."""
    counts = np.bincount(keys & ((1 << layout.code_bits) - 1), minlength=1)
    return {int(code) for code in np.flatnonzero(counts)}


class WarmUp:
    """Loads the kernel in a background thread, started before the engine's scan (the engine
    runs without the GIL, so the loading hides behind the scan). Loading the ahead-of-time
    module takes ~0.05 s; building it, or loading numba's JIT instead, takes seconds.
    :meth:`ready` waits and says whether the kernel loaded (a broken numba install means the
    numpy chain, not an error)."""

    def __init__(self) -> None:
        self.loaded = False
        self.thread = threading.Thread(target=self._load, name="journey-funnel-kernel", daemon=True)
        self.thread.start()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            kernel = compiled()
            # the same argument types as run_keys: a JIT kernel loads its cached machine code now
            kernel(np.zeros(1, dtype=np.int64), 0, 1, 1, np.ones(1, dtype=np.int64), 1, False, 0)
            self.loaded = True
            _loaded.append(time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - any failure to load means the numpy chain
            self.loaded = False

    def ready(self) -> bool:
        self.thread.join()
        return self.loaded


_loaded: list[float] = []  # seconds each successful warm-up took (the benchmark reports them)


def loaded() -> bool:
    """Whether the kernel is cheap to use in this process: loaded already, or built ahead of
    time for this source, numba and Python (importing the built module takes ~0.05 s)."""
    return bool(_loaded) or (available() and _aot_file() is not None)


def available() -> bool:
    """Whether the kernel may run here: numba installed and ``JOURNEY_FUNNEL_KERNEL`` not ``0``
    (cheap: numba itself is imported, if at all, by :class:`WarmUp`)."""
    if os.environ.get("JOURNEY_FUNNEL_KERNEL", "1") == "0":
        return False
    if _compiled:
        return True
    import importlib.util

    return importlib.util.find_spec("numba") is not None


_compiled: list[Callable] = []
# the compiled helpers, set before the kernel that calls them is compiled (numba reads a
# global's value when it compiles the function using it)
_regroup_jit: Callable | None = None
_walk_all_jit: Callable | None = None
# the kernel's types, for the ahead-of-time build: keys, span, low_bits, code_bits,
# codes, window, first_entry, detail -> (hist, users, out)
SIGNATURE = "Tuple((i8[:], i8[:], i8[:, :, :]))(i8[::1], i8, i8, i8, i8[::1], i8, b1, i8)"


def compiled() -> Callable:
    """The kernel: the ahead-of-time module if built (no numba import at all), else built now
    (once per kernel source, numba and Python version; a C compiler is needed), else numba's
    JIT (``cache=True``). Raises ImportError without numba."""
    if not _compiled:
        kernel = _load_aot()
        if kernel is None and os.environ.get("JOURNEY_FUNNEL_AOT", "1") != "0":
            kernel = _build_aot()
        _compiled.append(kernel if kernel is not None else _jit())
    return _compiled[0]


def _helpers(jit: Callable) -> None:
    globals().update(_regroup_jit=jit(_regroup), _walk_all_jit=jit(_walk_all))


def _jit() -> Callable:
    import numba

    def jit(fn: Callable) -> Callable:
        try:
            return numba.njit(cache=True, nogil=True)(fn)
        except RuntimeError:  # no writable cache location anywhere: compile in each process
            return numba.njit(nogil=True)(fn)

    _helpers(jit)
    return jit(_levels)


def _aot_name() -> str:
    """Module name of the ahead-of-time build: changes with this file, numba and Python."""
    import hashlib
    import importlib.metadata
    import sys

    digest = hashlib.sha1(Path(__file__).read_bytes())
    digest.update(f"{importlib.metadata.version('numba')} {sys.version}".encode())
    return f"_funnels_kernel_{digest.hexdigest()[:16]}"


def _aot_dirs() -> list[Path]:
    """Where the build may live: ``__pycache__`` next to this file, else the project cache."""
    from journey import config

    return [Path(__file__).parent / "__pycache__", config.cache_dir() / "numba"]


def _aot_file() -> Path | None:
    import importlib.machinery

    try:
        name = _aot_name()
    except Exception:  # noqa: BLE001 - numba not installed: no build to find
        return None
    for folder in _aot_dirs():
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            if (folder / f"{name}{suffix}").is_file():
                return folder / f"{name}{suffix}"
    return None


def _load_aot() -> Callable | None:
    import importlib.util

    path = _aot_file()
    if path is None:
        return None
    try:
        spec = importlib.util.spec_from_file_location(path.name.split(".")[0], path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module.levels
    except Exception:  # noqa: BLE001 - a broken build: rebuild or take the JIT
        return None


def _build_aot() -> Callable | None:
    """Compile the kernel into an extension module (numba's ``pycc``) in the first writable
    folder of :func:`_aot_dirs`; ``None`` when that fails (no compiler, no pycc, read-only)."""
    import tempfile
    import warnings

    name = _aot_name()
    for folder in _aot_dirs():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder) as tmp, warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pycc is pending deprecation in numba
                import numba
                from numba.pycc import CC

                _helpers(numba.njit)
                cc = CC(name)
                cc.output_dir = tmp
                cc.verbose = False
                cc.export("levels", SIGNATURE)(_levels)
                cc.compile()
                built = next(Path(tmp).glob(f"{name}*"))
                os.replace(built, folder / built.name)  # atomic: a reader sees all or nothing
        except Exception:  # noqa: BLE001 - try the next folder, then the JIT
            continue
        for old in folder.glob("_funnels_kernel_*"):  # builds of earlier sources or versions
            if not old.name.startswith(name):
                old.unlink(missing_ok=True)
        return _load_aot()
    return None


def _regroup(keys, span, low_bits, max_width):
    """The keys grouped by user, order within a user kept: a stable LSD radix sort on the user
    bits, at most ``max_width`` per pass. One counting sort over all users (a single pass)
    scatters its writes across the whole array: on 4.4M users with keys in time order (as
    trackers write logs) it took 0.25 s more than the walk itself; with at most 4096 buckets per
    pass the counters and write positions stay in cache. May reuse ``keys`` as scratch space."""
    n = keys.size
    bits = 1
    while (span >> bits) > 0:
        bits += 1
    passes = (bits + max_width - 1) // max_width
    width = (bits + passes - 1) // passes
    mask = (np.int64(1) << width) - 1
    src = keys
    dst = np.empty(n, dtype=np.int64)
    fill = np.empty(mask + 1, dtype=np.int64)
    for p in range(passes):
        shift = p * width
        fill[:] = 0
        for i in range(n):
            fill[(src[i] >> (low_bits + shift)) & mask] += 1
        total = 0
        for d in range(mask + 1):
            count = fill[d]
            fill[d] = total
            total += count
        for i in range(n):
            d = (src[i] >> (low_bits + shift)) & mask
            dst[fill[d]] = src[i]
            fill[d] += 1
        src, dst = dst, src
    return src


def _levels(keys, span, low_bits, code_bits, codes, window, first_entry, detail):
    """Levels of every user in ``keys`` (user offsets 0..``span``; the caller
    sorts keys whose users are too sparse for :func:`_regroup`): the histogram of levels and,
    with ``detail`` (see :func:`run_keys`), the per-user arrays of :class:`KernelChain`. Each user's keys
    are sorted in place, so ``keys`` is modified."""
    # logs often arrive grouped by user (a scan keeps the file's order): no regrouping then; a
    # few runs grouped by user (a file written in parts) regroup in one counting pass, whose
    # writes then go to few places at a time; keys in time order take the radix passes
    descents = 0
    for i in range(1, keys.size):
        if (keys[i] >> low_bits) < (keys[i - 1] >> low_bits):
            descents += 1
    if descents == 0:
        return _walk_all_jit(keys, low_bits, code_bits, codes, window, first_entry, detail)
    width = 63 if descents * FEW_RUNS < keys.size else RADIX_BITS
    regrouped = _regroup_jit(keys, span, low_bits, width)
    return _walk_all_jit(regrouped, low_bits, code_bits, codes, window, first_entry, detail)


def _walk_all(keys, low_bits, code_bits, codes, window, first_entry, detail):
    """:func:`_levels` on keys grouped by user. One function with every loop written out: as
    separate functions (even inlined by numba) or with the ``keys`` argument rebound to the
    regrouped array, the same loops ran 2.5-4x slower.

    Per user: sort its keys by (second, code) (insertion sort; numpy's for long ones), then walk
    them once. ``state[k]`` is the chain start of the latest valid step-(k+1) event (-1: none);
    the steps present in a second are taken in step order, so a step-k event may follow a
    step-(k-1) event of the same second and one event may serve a step listed twice. With
    ``detail`` the first pass records the first valid event per step and its start; with
    ``detail`` 2 a second pass records the first valid step events of the counted chain (the
    one whose start is that of the first event reaching the level).
    """
    n_steps = codes.size
    n = keys.size
    low_mask = (np.int64(1) << low_bits) - 1
    code_mask = (np.int64(1) << code_bits) - 1
    code_steps = np.zeros(code_mask + 1, dtype=np.int64)  # per code, the bits of the steps it serves
    for k in range(n_steps):
        code_steps[codes[k]] |= np.int64(1) << k
    n_users = 0
    if detail > 0:
        for i in range(n):
            if i == 0 or (keys[i] >> low_bits) != (keys[i - 1] >> low_bits):
                n_users += 1
    hist = np.zeros(n_steps + 1, dtype=np.int64)
    users = np.empty(n_users, dtype=np.int64)
    out = np.full((3 if detail > 1 else 2, n_users, n_steps), -1, dtype=np.int64)  # first_t, first_s[, chain_t]
    state = np.empty(n_steps, dtype=np.int64)
    passes = 2 if detail > 1 else 1
    row = 0
    lo = 0
    while lo < n:
        user = keys[lo] >> low_bits
        hi = lo + 1
        while hi < n and (keys[hi] >> low_bits) == user:
            hi += 1
        if hi - lo > SORTED_SEGMENT:
            keys[lo:hi] = np.sort(keys[lo:hi])
        else:
            for i in range(lo + 1, hi):
                v = keys[i]
                j = i - 1
                while j >= lo and keys[j] > v:
                    keys[j + 1] = keys[j]
                    j -= 1
                keys[j + 1] = v
        level = 0
        target = np.int64(-1)
        for p in range(passes):
            if p == 1:
                if level == 0:
                    break
                target = out[1, row, level - 1]
            for k in range(n_steps):
                state[k] = -1
            level = 0
            i = lo
            while i < hi:
                t = (keys[i] & low_mask) >> code_bits
                steps = np.int64(0)
                while i < hi and ((keys[i] & low_mask) >> code_bits) == t:
                    steps |= code_steps[keys[i] & code_mask]
                    i += 1
                for k in range(n_steps):
                    if (steps >> k) & 1 == 0:
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
                    if detail > 0:
                        if p == 0:
                            if out[0, row, k] < 0:
                                out[0, row, k] = t
                                out[1, row, k] = start
                        elif start == target and out[2, row, k] < 0:
                            out[2, row, k] = t
        if detail > 0:
            users[row] = user
            row += 1
        hist[level] += 1
        lo = hi
    return hist, users, out


if __name__ == "__main__":  # python -m journey.stages.funnels_kernel: build the module ahead of a run
    kernel = compiled()
    where = _aot_file()
    print(f"funnel kernel: {'built at ' + str(where) if where else 'JIT (no ahead-of-time build possible here)'}")
