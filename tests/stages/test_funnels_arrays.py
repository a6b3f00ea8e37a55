"""The array funnel paths (DuckDB in process) against ClickHouse and the SQL ASOF chain: the
compiled kernel (journey.stages.funnels_kernel) and the numpy chain it falls back to
(journey.stages.funnels_arrays).

A DataFrame is copied into an in-process DuckDB by journey.data.event_input, so passing the log as a
frame exercises the array paths; ``funnels_engine.CHAIN`` picks one and the ``spy`` fixture confirms
which ran.

Both are optimisations of the ASOF chain, so the checks are equalities: per-user levels
identical to ClickHouse's ``windowFunnel`` on the adversarial log, and every funnel function
identical to the ASOF chain on the same DuckDB table. The packing limits and the fallbacks (ids
too far apart, text ids, numba missing or without a writable cache) give the same answers too.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from journey.datasets.funnels import STEPS, make_funnel_events
from journey.stages import funnels
from journey.stages import funnels_arrays as farr
from journey.stages import funnels_engine as engine_module
from journey.stages import funnels_kernel as fker

chdb = pytest.importorskip("chdb")


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_funnel_events(users=3000, seed=23)


@pytest.fixture
def spy(monkeypatch) -> dict[str, list[int]]:
    """Counts calls of the numpy chain and of the kernel, so each test can say which path ran."""
    calls: dict[str, list[int]] = {"numpy": [], "kernel": []}

    def counting(module, name, key):
        original = getattr(module, name)

        def counted(*args, **kwargs):
            calls[key].append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    counting(farr, "chain", "numpy")
    counting(fker, "run_keys", "kernel")
    return calls


@pytest.fixture(params=["kernel", "numpy"])
def chain(request, monkeypatch) -> str:
    """Each test below runs on the compiled kernel and on the numpy chain."""
    monkeypatch.setattr(engine_module, "CHAIN", request.param)
    return request.param


def clickhouse_levels(frame: pd.DataFrame, steps, window_s: int) -> pd.DataFrame:
    conds = ", ".join(f"event = '{s}'" for s in steps)
    query = (
        f"SELECT user_id, windowFunnel({window_s})(toDateTime(ts), {conds}) AS level "
        "FROM Python(frame) GROUP BY user_id ORDER BY user_id"
    )
    return chdb.query(query, "DataFrame").astype({"user_id": "int64", "level": "int64"})


@pytest.mark.parametrize("window_s", [86_400, 3_600, 1])
@pytest.mark.parametrize("steps", [STEPS, STEPS[:2], ("product_view", "landing_view", "product_view")])
def test_array_chain_levels_identical_to_clickhouse(log, steps, window_s, chain, spy):
    ours = funnels.user_levels(log, list(steps), window_s).to_frame()
    theirs = clickhouse_levels(log, steps, window_s)
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, check_dtype=False)
    assert ours["level"].max() >= 2 and spy[chain]  # not vacuous, and the path ran


def _all_results(table: pd.DataFrame, mode: str = "any_start") -> dict[str, pd.DataFrame]:
    steps = list(STEPS)
    # every seventh channel value null, so each attribution also meets nulls
    nulled = table.assign(channel=table["channel"].where(table.index % 7 != 0))
    by_channel = {
        f"by_channel_{attribution}": funnels.funnel(
            nulled, steps, "1d", by="channel", mode=mode, attribution=attribution
        ).to_frame()
        for attribution in ("step:1", "step:3", "step:5", "first_touch", "last_touch")
    }
    return {
        **by_channel,
        "funnel": funnels.funnel(table, steps, "1d", mode=mode).to_frame(),
        "by_device": funnels.funnel(table, steps, "1d", by="device", mode=mode).to_frame(),
        "by_first_touch": funnels.funnel(table, steps, "1d", by="first_touch_channel", mode=mode).to_frame(),
        "levels": funnels.user_levels(table, steps, "2h", mode=mode).to_frame(),
        "time_to_convert": funnels.time_to_convert(table, steps, "1d").to_frame(),
        "trend": funnels.trend(table, steps, "1d").to_frame(),
        "dropoff": funnels.dropoff(table, steps, "1d").to_frame(),
    }


@pytest.mark.parametrize("parts", [1, 3])
@pytest.mark.parametrize("mode", ["any_start", "first_entry"])
def test_every_funnel_function_identical_to_the_asof_chain(log, mode, parts, chain, spy, monkeypatch):
    # parts: the users cut into ranges chained in parallel threads (forced on this small log)
    monkeypatch.setattr(farr, "MIN_ROWS_PER_PART", 1 if parts > 1 else 10**12)
    monkeypatch.setattr(farr.os, "cpu_count", lambda: parts)
    fast = _all_results(log, mode)
    assert spy[chain]
    monkeypatch.setattr(engine_module, "CHAIN", "asof")
    calls = len(spy["numpy"]) + len(spy["kernel"])
    slow = _all_results(log, mode)
    assert len(spy["numpy"]) + len(spy["kernel"]) == calls  # the second run did take the ASOF chain
    for name, frame in fast.items():
        pd.testing.assert_frame_equal(frame, slow[name], check_dtype=False, obj=name)
    assert fast["funnel"]["users"].iloc[-1] > 0


def test_ids_too_far_apart_to_pack_fall_back_to_the_asof_chain(log, chain, spy):
    spread = log.assign(user_id=log["user_id"] * (2**40))  # user bits + time bits > 63
    ours = funnels.user_levels(spread, list(STEPS), "1d").to_frame()
    theirs = clickhouse_levels(spread, STEPS, 86_400)
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, check_dtype=False)
    assert not spy["numpy"] and not spy["kernel"]


def test_kernel_reads_the_log_once_into_keys_without_a_temp_table(log, spy, monkeypatch):
    # the ranges come from the source's statistics, so one scan packs the keys: the scan into a
    # temp table (the numpy and ASOF chains' first step) never runs
    monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    scans = []
    original = engine_module.fsql.DuckDBChain.scan
    monkeypatch.setattr(
        engine_module.fsql.DuckDBChain, "scan", lambda self, run: scans.append(1) or original(self, run)
    )
    ours = funnels.user_levels(log, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(ours, clickhouse_levels(log, STEPS, 86_400), check_dtype=False)
    assert spy["kernel"] and not scans


def test_other_events_too_far_apart_to_pack_leave_the_kernel_for_the_numpy_chain(log, spy, monkeypatch):
    # the kernel packs with the ranges of all events; one non-step event with a far-away user id
    # makes them too wide, while the step events alone still pack for the numpy chain
    monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    far = log.iloc[:1].assign(user_id=2**61, event="newsletter_open")
    frame = pd.concat([log, far], ignore_index=True)
    ours = funnels.user_levels(frame, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(ours, clickhouse_levels(frame, STEPS, 86_400), check_dtype=False)
    assert spy["numpy"] and not spy["kernel"]


def test_text_user_ids_take_the_asof_chain(log, chain, spy):
    text = log.assign(user_id="u" + log["user_id"].astype(str).str.zfill(6))
    ours = funnels.funnel(text, list(STEPS), "1d").to_frame()
    expected = funnels.funnel(log, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(ours, expected)
    assert len(spy[chain]) == 1  # only the integer-id run


@pytest.mark.parametrize("order", ["as_generated", "by_user", "by_user_and_time"])
def test_kernel_levels_identical_to_clickhouse_whatever_the_row_order(log, order, spy, monkeypatch):
    # rows out of order are regrouped by user (counting sort); rows grouped by user are walked as they come
    monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    frame = {
        "as_generated": log,
        "by_user": log.sort_values("user_id", kind="stable"),
        "by_user_and_time": log.sort_values(["user_id", "ts"]),
    }[order]
    ours = funnels.user_levels(frame, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(ours, clickhouse_levels(log, STEPS, 86_400), check_dtype=False)
    assert spy["kernel"] and ours["level"].max() >= 3


@pytest.mark.parametrize(("span", "max_width"), [(50, 63), (5_000, 12), (5_000, 4), (70_000, 5)])
def test_regroup_is_a_stable_sort_on_the_user_bits(span, max_width):
    # one counting pass (max_width 63) or radix passes of at most max_width user bits (2-4 passes
    # here); run as plain Python, the code numba compiles
    rng = np.random.default_rng(span)
    users = rng.integers(0, span + 1, 3_000)
    keys = (users << 10) | rng.integers(0, 1 << 10, users.size)
    expected = keys[np.argsort(users, kind="stable")]
    got = fker._regroup(keys.copy(), span, 10, max_width)
    np.testing.assert_array_equal(got, expected)


def test_kernel_levels_identical_to_clickhouse_on_a_log_in_time_order(spy, monkeypatch):
    # keys in time order, over more users than one radix pass covers: the kernel's radix passes
    monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    frame = make_funnel_events(users=6_000, seed=31).sort_values("ts", kind="stable")
    assert frame["user_id"].max() >= 1 << fker.RADIX_BITS
    ours = funnels.user_levels(frame, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(ours, clickhouse_levels(frame, STEPS, 86_400), check_dtype=False)
    assert spy["kernel"] and ours["level"].max() >= 3


def test_kernel_sorts_users_with_many_events_like_those_with_few(spy, monkeypatch):
    # more than SORTED_SEGMENT step events per user: numpy's sort instead of the insertion sort
    monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    heavy = make_funnel_events(users=60, seed=3, events_per_user=80)
    assert heavy.groupby("user_id").size().min() > fker.SORTED_SEGMENT
    for steps in (STEPS, ("product_view", "landing_view", "product_view")):
        ours = funnels.user_levels(heavy, list(steps), "1h").to_frame()
        pd.testing.assert_frame_equal(ours, clickhouse_levels(heavy, steps, 3_600), check_dtype=False)
    assert spy["kernel"]


def test_kernel_sorts_ids_too_sparse_for_a_counting_sort(log, spy, monkeypatch):
    monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    sparse = log.assign(user_id=log["user_id"] * 10_007)  # range ~ 30M ids for ~10k step events
    ours = funnels.user_levels(sparse, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(ours, clickhouse_levels(sparse, STEPS, 86_400), check_dtype=False)
    assert spy["kernel"]


def test_auto_takes_the_kernel_from_the_size_where_it_pays(log, spy, monkeypatch):
    monkeypatch.setattr(engine_module, "KERNEL_MIN_ROWS", len(log) + 1)
    monkeypatch.setattr(fker, "_loaded", [])  # a fresh process: numba's fixed cost not yet paid
    funnels.funnel(log, list(STEPS), "1d")
    assert spy["numpy"] and not spy["kernel"]
    monkeypatch.setattr(engine_module, "KERNEL_MIN_ROWS", len(log))
    funnels.funnel(log, list(STEPS), "1d")
    assert spy["kernel"]


@pytest.mark.parametrize("why", ["numba_import_fails", "switched_off"])
def test_without_the_kernel_the_numpy_chain_gives_the_same_levels(log, why, spy, monkeypatch):
    monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    if why == "numba_import_fails":

        def no_numba():
            raise ImportError("No module named 'numba'")

        monkeypatch.setattr(fker, "compiled", no_numba)
        monkeypatch.setattr(fker, "_compiled", [])
    else:
        monkeypatch.setenv("JOURNEY_FUNNEL_KERNEL", "0")
    ours = funnels.user_levels(log, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(ours, clickhouse_levels(log, STEPS, 86_400), check_dtype=False)
    assert spy["numpy"] and not spy["kernel"]


# user 0: codes 1 then 2 one second apart -> level 2; user 1: code 2 only -> level 0
TINY = dict(keys=[(0 << 4) | (0 << 2) | 1, (0 << 4) | (1 << 2) | 2, (1 << 4) | (0 << 2) | 2], span=1, low_bits=4)


def _tiny_levels(kernel) -> list[int]:
    keys = np.array(TINY["keys"], dtype=np.int64)
    hist, *_ = kernel(keys, TINY["span"], TINY["low_bits"], 2, np.array([1, 2]), 5, False, 0)
    return hist.tolist()


def test_kernel_compiles_without_a_writable_cache(monkeypatch):
    # numba raises RuntimeError at decoration when no cache location is writable (a read-only
    # install without a home); the JIT kernel then compiles in the process instead of failing
    numba = pytest.importorskip("numba")
    original = numba.njit

    def no_cache(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function '_levels': no locator available for file")
        return original(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)
    kernel = fker._jit()
    assert isinstance(kernel._cache, numba.core.caching.NullCache)  # compiled here, not cached
    assert _tiny_levels(kernel) == [1, 0, 1]


def test_kernel_built_ahead_of_time_runs_without_numba(tmp_path, monkeypatch):
    # the built module is a plain extension: a process that cannot import numba still runs it
    monkeypatch.setattr(fker, "_aot_dirs", lambda: [tmp_path])
    kernel = fker._build_aot()
    assert kernel is not None and _tiny_levels(kernel) == [1, 0, 1]
    (built,) = tmp_path.glob("_funnels_kernel_*")
    script = (
        "import sys, importlib.util, numpy as np\n"
        "sys.modules['numba'] = None  # any import of numba now fails\n"
        f"spec = importlib.util.spec_from_file_location({built.name.split('.')[0]!r}, {str(built)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        f"keys = np.array({TINY['keys']}, dtype=np.int64)\n"
        "print(module.levels(keys, 1, 4, 2, np.array([1, 2]), 5, False, 0)[0].tolist())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1, 0, 1]"


def test_without_an_ahead_of_time_build_the_jit_kernel_gives_the_same_levels(log, spy, monkeypatch):
    # no compiler (or pycc gone from numba): the build returns None and numba's JIT runs instead
    monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    monkeypatch.setattr(fker, "_load_aot", lambda: None)
    monkeypatch.setattr(fker, "_build_aot", lambda: None)
    monkeypatch.setattr(fker, "_compiled", [])
    ours = funnels.user_levels(log, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(ours, clickhouse_levels(log, STEPS, 86_400), check_dtype=False)
    assert spy["kernel"] and type(fker.compiled()).__name__ == "CPUDispatcher"


def test_negative_ids_and_times_before_1970_pack_with_offsets(chain, spy, monkeypatch):
    # offsets make every packed part non-negative; ClickHouse's DateTime cannot go before 1970,
    # so the reference here is the ASOF chain on the same table
    frame = make_funnel_events(users=400, seed=5)
    frame = frame.assign(user_id=frame["user_id"] - 10**12, ts=frame["ts"] - pd.Timedelta(days=365 * 60))
    fast = funnels.user_levels(frame, list(STEPS), "1d").to_frame()
    monkeypatch.setattr(engine_module, "CHAIN", "asof")
    slow = funnels.user_levels(frame, list(STEPS), "1d").to_frame()
    pd.testing.assert_frame_equal(fast, slow)
    assert spy[chain] and fast["level"].max() >= 3


def test_user_ranges_cover_every_user_once():
    layout = farr.layout_for(100, 1099, 0, 10, max_code=5)
    ranges = farr.user_ranges(layout, rows=10**9, cores=3)
    assert ranges == [(0, 332), (333, 665), (666, 999)]
    assert farr.user_ranges(layout, rows=10, cores=3) == [(0, 999)]  # small input: one range


@pytest.mark.parametrize(
    ("umax", "tmax", "max_code", "fits"),
    [
        (2**29 - 1, 2**32 - 1, 1, True),  # 29 + 32 bits, codes 1..2 in 2 bits: 63
        (2**29, 2**32 - 1, 1, False),
        (1, 2**58 - 1, 14, True),  # 1 + 58 bits, slice bounds up to 15 in 4 bits
        (1, 2**58 - 1, 15, False),  # the bound 16 needs a fifth bit
    ],
)
def test_layout_needs_at_most_63_bits(umax, tmax, max_code, fits):
    layout = farr.layout_for(0, umax, 0, tmax, max_code)
    assert (layout is not None) == fits
    if layout is not None:
        # the largest key and the bound of the last code's slice stay below 2**63
        assert (max_code << layout.code_shift | umax << layout.time_bits | tmax) < 2**63
        assert (max_code + 1) << layout.code_shift < 2**63
