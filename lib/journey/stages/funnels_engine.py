"""Validated funnel input and the chain it runs on, shared by the public functions in
:mod:`journey.stages.funnels`.

:func:`prepare` checks the arguments, reports steps absent from the data, and picks the path the
chain takes for this input — all giving the same results (the tests run each on the same rules):

* DuckDB in this process with integer user ids, from ``KERNEL_MIN_ROWS`` events: one scan that
  filters, encodes and packs the step events into keys for the compiled kernel
  (:mod:`journey.stages.funnels_kernel`);
* otherwise with integer ids: the engine scans and encodes the step events into a temp table
  once, then the numpy chain (:mod:`journey.stages.funnels_arrays`); ids too far apart to pack
  into 63 bits take the ASOF chain on the same table;
* DuckDB otherwise: one ASOF join per step as session temp tables
  (:class:`journey.stages.funnels_sql.DuckDBChain`);
* any other backend: the portable ibis chain (:func:`journey.stages.funnels_sql.valid_steps`).

:class:`Prepared` builds what a function asks for lazily: counts per step, the first reach per
user and step, the valid events of a step, the counted chain's step-k events.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
import warnings
from collections.abc import Iterator, Sequence

import ibis
import numpy as np
import pandas as pd

from journey.data.event_input import absent_steps, check_steps, parse_window, prepare_events, row_count
from journey.data.sources import DataLike, backend_of, store_arrow
from journey.stages import funnels_arrays as farr
from journey.stages import funnels_kernel as fker
from journey.stages import funnels_sql as fsql
from journey.validation import check_option

MODES = ("any_start", "first_entry")
# "auto": the compiled kernel where it applies (DuckDB in process, integer user ids, numba
# importable, at least KERNEL_MIN_ROWS events), else the numpy sorted-array chain, else the ASOF
# chain; "kernel": the kernel at any size; "numpy": never the kernel; "asof": always the ASOF
# chain. Tests and the benchmark set it to run each path on the same input.
CHAIN = "auto"
NO_EVENTS = "no events in the data (check the date window)"
# The kernel is cheap to load once built ahead of time (an extension module, ~1 ms, no numba
# import): then it runs from KERNEL_LOADED_MIN_ROWS events. Without that build, the first use
# builds it (10-20 s, once per kernel source, numba and Python) or, failing that, loads numba's
# JIT (~1 s per process): only worth it on logs of KERNEL_MIN_ROWS events
# (benchmarks/bench_funnels.py measures both paths; ``python -m journey.stages.funnels_kernel``
# builds the module ahead of a run). On 19.6M events, 2 shared cores at load 1.5, whole
# process, median of 7: built kernel 1.86 s, numpy chain 2.31 s, chdb's windowFunnel 3.72 s.
KERNEL_MIN_ROWS = 40_000_000
KERNEL_LOADED_MIN_ROWS = 1_000_000


class StepsAbsentWarning(UserWarning):
    """A funnel step never occurs in the data: it is counted as 0 users (the result's
    ``status`` names it, with close matches among the events present in case of a typo)."""


def absent_text(absent: dict[str, tuple[str, ...]]) -> str:
    """``"step 'purchse' absent from the data (close matches: 'purchase'); counted as 0 users"``."""
    names = ", ".join(
        f"{name!r} (close matches: {', '.join(repr(m) for m in close)})" if close else repr(name)
        for name, close in absent.items()
    )
    return f"step{'s' if len(absent) > 1 else ''} {names} absent from the data; counted as 0 users"


class Prepared:
    """Validated input plus lazily built engine results shared by the public functions."""

    __slots__ = (
        "_reach", "_temps", "absent", "arrays", "chain", "con", "detail", "ibis_counts", "ibis_reach", "ibis_valid",
        "status", "steps", "table", "window_s",
    )  # fmt: skip

    def __init__(self, table: ibis.Table, steps: tuple[str, ...], window_s: int, status: str) -> None:
        self.table, self.steps, self.window_s, self.status = table, steps, window_s, status
        self.chain: fsql.DuckDBChain | None = None  # DuckDB: the chain as session temp tables
        self.arrays: farr.ValidSteps | fker.KernelChain | None = None  # DuckDB fast paths
        self.detail = 1  # 0: only the counts per step are needed; 2: also the chains' step events
        self.con = None
        self.ibis_counts: ibis.Table | None = None
        self.ibis_reach: ibis.Table | None = None
        self.ibis_valid: list[ibis.Table] | None = None  # the portable chain: valid events per step
        self.absent: dict[str, tuple[str, ...]] = {}  # steps never seen -> close matches
        self._reach: ibis.Table | None = None
        self._temps: list[str] = []

    def with_absent(self, status: str) -> str:
        """``status`` with the absent steps named first (a result is still computed: zeros)."""
        if not self.absent:
            return status
        text = absent_text(self.absent)
        return text if status == "ok" else f"{text}; {status}"

    @property
    def empty(self) -> bool:
        return self.status != "ok"

    def run(self, sql: str) -> list[tuple]:
        """Raw SQL on the DuckDB connection (sqlglot, under ``con.sql``, would rewrite it)."""
        return self.con.raw_sql(sql).fetchall()

    def counts(self) -> pd.Series:
        """Users with a valid step-k event, indexed by k."""
        if self.arrays is not None:
            return pd.Series(self.arrays.users_per_step(), name="users")
        if self.chain is not None:
            rows = self.run(self.chain.counts_sql())
            return pd.Series({int(k): int(n) for k, n in rows}, name="users")
        frame = self.ibis_counts.execute()
        return frame.set_index("k")["users"]

    @property
    def reach(self) -> ibis.Table:
        """Per user and step reached: ``u, k, t, s`` (first reach and its chain start)."""
        if self._reach is None:
            if self.chain is None:
                self._reach = self.ibis_reach
            else:
                name = self._temp_name("reach")
                if self.arrays is not None:
                    self._reach = store_arrow(self.con, name, self.arrays.first_reach(), temp=True)
                else:
                    query = f"SELECT u, k, min(t) AS t, min(s) AS s FROM ({self.chain.union_sql()}) GROUP BY u, k"
                    self.run(f"CREATE TEMP TABLE {name} AS {query}")
                    self._reach = self.con.table(name)
        return self._reach

    def _temp_name(self, what: str) -> str:
        name = f"{self.chain.prefix}_{what}"
        self._temps.append(name)
        return name

    def valid_table(self, k: int) -> ibis.Table:
        """``u, t, s``: the valid step-k events and their chain starts."""
        if self.chain is None:
            return self.ibis_valid[k - 1]
        if isinstance(self.arrays, farr.ValidSteps):
            return store_arrow(self.con, self._temp_name(f"valid{k}"), self.arrays.valid_events(k), temp=True)
        return self.con.table(self.chain.table(k))

    def chain_step(self, k: int) -> ibis.Table:
        """``u, t``: per user at level >= k, the second of the counted chain's first step-k event."""
        if isinstance(self.arrays, fker.KernelChain):
            return store_arrow(self.con, self._temp_name(f"chain{k}"), self.arrays.chain_step(k), temp=True)
        return fsql.chain_step(self.valid_table(k), fsql.levels(self.reach), k)

    def kernel_scan(self, mode: str, warming: fker.WarmUp) -> set[int] | None:
        """The kernel path in one pass over the log: the ranges from the source's statistics, then
        one scan that filters, encodes and packs the step events (no temp table). Sets
        ``arrays`` and returns the step codes present; ``None`` (and nothing set) when the
        ranges do not pack into 63 bits, no step event has a user and a time, or the kernel
        did not load: the caller then takes the scan into a temp table."""
        chain = self.chain
        if len(self.steps) > fker.MAX_STEPS:
            return None
        bounds = self.run(chain.bounds_sql())[0]
        layout = None if None in bounds else fker.layout_for(*bounds, max(chain.codes.values()))
        if layout is None:
            return None
        key = fker.key_expression(layout, **chain.step_columns())
        keys = self.con.con.execute(chain.step_rows(f"{key} AS k")).fetchnumpy()["k"]
        if keys.size == 0 or not warming.ready():
            return None
        present = fker.present_codes(keys, layout)
        step_code = [chain.codes[step] for step in self.steps]
        self.arrays = fker.run_keys(keys, layout, step_code, self.window_s, mode, self.detail)  # type: ignore[arg-type]
        return present

    def array_chain(self, stats: tuple, mode: str) -> farr.ValidSteps | None:
        """The chain from the scanned step table (``stats``: its rows and ranges) as sorted numpy
        arrays; ``None`` when the ids do not pack into 63 bits (the caller then runs the ASOF
        chain on the same table)."""
        chain = self.chain
        rows, *bounds = stats
        step_code = [chain.codes[step] for step in self.steps]
        layout = farr.layout_for(*bounds, max(chain.codes.values()))
        if layout is None:
            return None
        raw = self.con.con
        ranges = farr.user_ranges(layout, rows)

        def fetch(part: int) -> np.ndarray:
            users = ranges[part] if len(ranges) > 1 else None
            return raw.execute(farr.key_sql(chain.base, layout, users)).fetchnumpy()["k"]

        parts = farr.sorted_keys(fetch, len(ranges))
        chain.drop_base(self.run)
        return farr.chain_parts(parts, layout, step_code, self.window_s, mode)  # type: ignore[arg-type]

    def close(self) -> None:
        if self.con is None:
            return
        for name in self._temps:
            self.run(f"DROP TABLE IF EXISTS {name}")
        self._temps = []
        if self.chain is not None:
            for sql in self.chain.drop_statements():
                self.run(sql)
            self.chain = None


@contextlib.contextmanager
def prepare(
    events: DataLike,
    steps: Sequence[str],
    window: str | int | dt.timedelta,
    *,
    user_id: str,
    ts: str,
    event: str,
    mode: str,
    extra: Sequence[str] = (),
    detail: int = 1,
) -> Iterator[Prepared]:
    steps = check_steps(steps)
    window_s = parse_window(window)
    check_option("mode", mode, MODES)
    table = prepare_events(events, user_id=user_id, ts=ts, event=event, extra=extra)
    rows = row_count(table)
    if rows == 0:
        yield Prepared(table, steps, window_s, NO_EVENTS)
        return
    prep = Prepared(table, steps, window_s, "ok")
    prep.detail = detail
    names = dict(user_id=user_id, ts=ts, event=event, mode=mode)
    warming: fker.WarmUp | None = None
    try:
        if fsql.can_use_duckdb_sql(table):
            prep.con = backend_of(table)
            arrays = CHAIN != "asof" and table[user_id].type().is_integer()  # ids that pack into keys
            pays = rows >= KERNEL_MIN_ROWS or (fker.loaded() and rows >= KERNEL_LOADED_MIN_ROWS)
            use_kernel = arrays and (CHAIN == "kernel" or (CHAIN == "auto" and pays)) and fker.available()
            warming = fker.WarmUp() if use_kernel else None
            prefix = f"_journey_funnel_{uuid.uuid4().hex}"
            prep.chain = fsql.DuckDBChain(table, steps, window_s, **names, prefix=prefix)  # type: ignore[arg-type]
            present = prep.kernel_scan(mode, warming) if warming is not None else None
            if present is None:
                present, stats = prep.chain.scan(prep.run)
                if arrays and stats[0] > 0:
                    prep.arrays = prep.array_chain(stats, mode)
                if prep.arrays is None:
                    prep.chain.build_chain(prep.run)
            # the step scan doubles as the presence check: the distinct-event query (for close
            # matches) runs only when a step is absent
            if set(prep.chain.codes.values()) - present:
                prep.absent = absent_steps(table, steps, event)
        else:
            prep.absent = absent_steps(table, steps, event)
            valid = fsql.valid_steps(
                table, steps, window_s, **names, presort=fsql.needs_presort(table), asof=fsql.has_asof_join(table)
            )  # type: ignore[arg-type]
            prep.ibis_valid = valid
            prep.ibis_reach = fsql.first_reach(fsql.union_valid(valid))
            prep.ibis_counts = fsql.users_per_step(valid)
        if prep.absent:
            warnings.warn(absent_text(prep.absent), StepsAbsentWarning, stacklevel=4)
        yield prep
    finally:
        if warming is not None:
            warming.ready()  # never leave the loading thread behind (the scan may have failed)
        prep.close()
