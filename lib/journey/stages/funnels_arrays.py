"""The funnel chain on sorted integer arrays: the fast path for DuckDB running in this process.

Same algorithm, same results as the ASOF chain in :mod:`journey.stages.funnels_sql` (its docstring
has the reasoning): a step-k event is valid when the latest valid step-(k-1) event of the
same user at or before its second started its chain within the window, and it inherits
that start. Here each ASOF join is one binary search (``numpy.searchsorted``) of sorted
keys that pack (user, second) into one int64.

Why this leaves the engine, against the house rule: on 20M events DuckDB's ASOF join sorts
both sides again for every step, and the distinct count of step-1 users is another hash
aggregate; together about 3 s of a 4 s funnel (``benchmarks/bench_funnels.py``). numpy's
vectorised sort orders all step events once in about 0.2 s and the binary searches take
about 0.1 s per step. The engine still scans, filters and encodes the log (one statement
into a temp table); only 8 bytes per *step* event come out, from an engine in this same
process, so nothing crosses a network. Warehouse and Spark backends keep the ASOF chain.

Packing: ``key = code << (user_bits + time_bits) | (user - umin) << time_bits | (second - tmin)``
(``code``: the step event's code, :func:`journey.stages.funnels_sql.step_codes`), the bit widths those
of the observed ranges, so sorting the keys orders by code, then user, then second: each step
event is one contiguous, sorted slice. Users are independent, so the keys are fetched as user
ranges (one per core), one query each; numpy sorts one range while the engine fetches the
next, and the ranges are chained in parallel threads (numpy's sort and binary search release
the GIL). Needs integer user ids and at most 63 bits in all; otherwise :func:`layout_for`
returns ``None`` and the caller runs the ASOF chain on the same temp table.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from journey.stages.funnels_sql import Mode

# below this many step events per user range, a thread costs more than it saves
MIN_ROWS_PER_PART = 500_000


@dataclass(frozen=True, slots=True)
class Layout:
    """How (code, user, second) share one int64 key; offsets make every part non-negative."""

    umin: int
    tmin: int
    user_span: int  # max user - min user
    time_bits: int

    @property
    def user_bits(self) -> int:
        return max(self.user_span.bit_length(), 1)

    @property
    def code_shift(self) -> int:
        return self.user_bits + self.time_bits

    @property
    def time_mask(self) -> int:
        return (1 << self.time_bits) - 1


def layout_for(umin: int, umax: int, tmin: int, tmax: int, max_code: int) -> Layout | None:
    """The packing for these ranges, or ``None`` when a key would need more than 63 bits
    (``max_code + 1`` bounds the last code's slice, so it must fit too)."""
    layout = Layout(int(umin), int(tmin), int(umax - umin), max(int(tmax - tmin).bit_length(), 1))
    return layout if layout.code_shift + int(max_code + 1).bit_length() <= 63 else None


def user_ranges(layout: Layout, rows: int, cores: int | None = None) -> list[tuple[int, int]]:
    """``[(first, last)]`` user offsets of about equal width, one range per core (a single
    range for small inputs): each range is sorted and chained on its own."""
    cores = cores or os.cpu_count() or 1
    parts = max(1, min(cores, 4, rows // MIN_ROWS_PER_PART, layout.user_span + 1))
    cuts = [(layout.user_span + 1) * p // parts for p in range(parts + 1)]
    return [(cuts[p], cuts[p + 1] - 1) for p in range(parts)]


def key_sql(base: str, layout: Layout, users: tuple[int, int] | None = None) -> str:
    """SQL for the packed keys ``k`` of the temp table ``base`` (``u, t, e``), optionally only
    for the user offsets ``users = (first, last)``."""
    offset = f"(u - ({layout.umin}))"
    where = f" WHERE {offset} BETWEEN {int(users[0])} AND {int(users[1])}" if users is not None else ""
    key = (
        f"(CAST(e AS BIGINT) << {layout.code_shift}) | (CAST({offset} AS BIGINT) << {layout.time_bits}) "
        f"| (t - ({layout.tmin}))"
    )
    return f"SELECT {key} AS k FROM {base}{where}"


def sorted_keys(fetch: Callable[[int], np.ndarray], parts: int = 1) -> list[np.ndarray]:
    """The sorted keys of each user range (``fetch(part)`` gets them from the engine). One
    thread runs the fetches in order while those already fetched are sorted in others (both
    release the GIL), so most of the sorting hides behind the fetching."""
    with ThreadPoolExecutor(max_workers=1) as engine, ThreadPoolExecutor(max_workers=parts) as cpu:
        fetched = [engine.submit(fetch, part) for part in range(parts)]
        return [future.result() for future in [cpu.submit(_sorted_in_place, f) for f in fetched]]


def _sorted_in_place(fetched) -> np.ndarray:
    keys = np.asarray(fetched.result(), dtype=np.int64)
    keys.sort()  # in place: np.sort would copy
    return keys


@dataclass(frozen=True, slots=True)
class ValidSteps:
    """The valid step events, per step (index 0 = step 1) and per user range (part, in key
    order): ``keys`` (``user << time_bits | second``, offsets from the layout, sorted) and
    ``starts``, the second (offset) each one's chain started; ``None`` where every event
    started its own chain (step 1 with any start), so no copy of the keys is made."""

    layout: Layout
    keys: tuple[tuple[np.ndarray, ...], ...]
    starts: tuple[tuple[np.ndarray | None, ...], ...]

    def users_per_step(self) -> dict[int, int]:
        """``{k: users with a valid step-k event}`` (= users whose level is at least k)."""
        return {k + 1: sum(_count_users(part, self.layout) for part in parts) for k, parts in enumerate(self.keys)}

    def valid_events(self, k: int) -> pa.Table:
        """``u, t, s``: the valid step-k events (1-based) and the second their chain started."""
        layout = self.layout
        keys = [part for part in self.keys[k - 1]]
        starts = [key if start is None else start for key, start in zip(keys, self.starts[k - 1], strict=True)]
        key = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
        start = np.concatenate(starts) if starts else np.empty(0, dtype=np.int64)
        return pa.table(
            {
                "u": (key >> layout.time_bits) + layout.umin,
                "t": (key & layout.time_mask) + layout.tmin,
                "s": (start & layout.time_mask) + layout.tmin,
            }
        )

    def first_reach(self) -> pa.Table:
        """``u, k, t, s`` per user and step reached: the first second it was reached and the
        earliest chain start among its valid events (what ``funnels_engine.Prepared.reach`` holds)."""
        layout = self.layout
        users, ks, times, starts = [], [], [], []
        for k in range(len(self.keys)):
            for keys, start in zip(self.keys[k], self.starts[k], strict=True):
                first = _first_of_each_user(keys, layout)
                if first.size == 0:
                    continue
                reached = (keys[first] & layout.time_mask) + layout.tmin
                users.append((keys[first] >> layout.time_bits) + layout.umin)
                ks.append(np.full(first.size, k + 1, dtype=np.int32))
                times.append(reached)
                starts.append(reached if start is None else np.minimum.reduceat(start, first) + layout.tmin)

        def column(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

        return pa.table(
            {
                "u": column(users, np.int64),
                "k": column(ks, np.int32),
                "t": column(times, np.int64),
                "s": column(starts, np.int64),
            }
        )


def chain_parts(
    parts: Sequence[np.ndarray], layout: Layout, step_code: Sequence[int], window_s: int, mode: Mode
) -> ValidSteps:
    """:func:`chain` on each user range, each in its own thread when there are several."""

    def one(keys: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        return chain(keys, layout, step_code, window_s, mode)

    if len(parts) == 1:
        done = [one(parts[0])]
    else:
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            done = list(pool.map(one, parts))
    steps = range(len(step_code))
    return ValidSteps(
        layout, tuple(tuple(d[0][k] for d in done) for k in steps), tuple(tuple(d[1][k] for d in done) for k in steps)
    )


def chain(
    keys: np.ndarray, layout: Layout, step_code: Sequence[int], window_s: int, mode: Mode = "any_start"
) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """The valid events of every step (keys without the code, chain starts) from the sorted
    packed keys of one user range.

    ``step_code[k]`` is the code of step k + 1 (a step listed twice repeats its code, so one
    event may serve both, as in ClickHouse).
    """
    keys_out: list[np.ndarray] = []
    starts_out: list[np.ndarray | None] = []
    for k, code in enumerate(step_code):
        lo, hi = np.searchsorted(keys, [code << layout.code_shift, (code + 1) << layout.code_shift])
        rows = keys[lo:hi] - (code << layout.code_shift)  # (user, second) keys, still sorted
        starts: np.ndarray | None
        if k == 0:
            if mode == "first_entry":
                rows = rows[_first_of_each_user(rows, layout)]
            starts = None  # each step-1 event starts its own chain
        else:
            rows, starts = _extend(keys_out[-1], starts_out[-1], rows, layout, window_s)
        keys_out.append(rows)
        starts_out.append(starts)
    return keys_out, starts_out


def _extend(
    prev_keys: np.ndarray, prev_starts: np.ndarray | None, rows: np.ndarray, layout: Layout, window_s: int
) -> tuple[np.ndarray, np.ndarray]:
    """One ASOF join: each row's latest previous-step event of the same user at or before its
    second (same second allowed), kept when the chain it extends started within the window.
    ``prev_starts`` ``None``: each previous event started its own chain (step 1)."""
    if rows.size == 0 or prev_keys.size == 0:
        return rows[:0], rows[:0]
    match = np.searchsorted(prev_keys, rows, side="right")
    match -= 1
    found = match >= 0
    np.maximum(match, 0, out=match)
    matched = prev_keys[match]
    starts = matched & layout.time_mask if prev_starts is None else prev_starts[match]
    # same user <=> the keys differ only in the time bits (both are non-negative)
    np.bitwise_xor(matched, rows, out=matched)
    found &= matched <= layout.time_mask
    latest = rows & layout.time_mask
    latest -= window_s
    found &= latest <= starts
    return rows[found], starts[found]


def _count_users(keys: np.ndarray, layout: Layout) -> int:
    """Distinct users in sorted ``keys``."""
    if keys.size == 0:
        return 0
    users = keys >> layout.time_bits
    return int(np.count_nonzero(users[1:] != users[:-1])) + 1


def _first_of_each_user(keys: np.ndarray, layout: Layout) -> np.ndarray:
    """Index of the first key of each user in sorted ``keys``."""
    if keys.size == 0:
        return np.empty(0, dtype=np.intp)
    users = keys >> layout.time_bits
    change = np.empty(keys.size, dtype=bool)
    change[0] = True
    np.not_equal(users[1:], users[:-1], out=change[1:])
    return np.flatnonzero(change)
