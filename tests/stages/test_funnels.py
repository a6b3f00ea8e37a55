"""Funnel semantics on hand-built event logs: every rule in the module docstring has a test.

The expected levels are worked out by hand in the comments (they are ClickHouse
``windowFunnel`` results; tests/test_engines_crosscheck.py compares with chdb directly).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from journey.stages import funnels
from journey.stages import funnels_engine as engine_module
from journey.validation import JourneyInputError
from tests.helpers import event_log

# the ibis chain presorts both sides of each ASOF join; Polars still notes it cannot verify that per group
pytestmark = pytest.mark.filterwarnings("ignore:Sortedness of columns cannot be checked:UserWarning")

STEPS = ["a", "b", "c"]
DAY = 86_400


@pytest.fixture(autouse=True, params=["duckdb_kernel", "duckdb_numpy", "duckdb_asof", "polars_ibis"])
def engine(request, monkeypatch):
    """Every rule is checked on each path a funnel can take. A DataFrame is copied into DuckDB
    (journey.data.event_input), where integer ids take the compiled kernel (``duckdb_kernel``,
    forced at any size) or the numpy sorted-array chain (``duckdb_numpy``, the kernel's fallback);
    ``duckdb_asof`` forces the SQL ASOF chain there; ``polars_ibis`` hands a Polars table to the
    ibis ASOF chain that every non-DuckDB backend runs."""
    if request.param == "duckdb_kernel":
        monkeypatch.setattr(engine_module, "CHAIN", "kernel")
    elif request.param == "duckdb_numpy":
        monkeypatch.setattr(engine_module, "CHAIN", "numpy")
    elif request.param == "duckdb_asof":
        monkeypatch.setattr(engine_module, "CHAIN", "asof")
    elif request.param == "polars_ibis":
        polars = pytest.importorskip("polars")
        original = engine_module.prepare_events

        def on_polars(data, **kwargs):
            if isinstance(data, pd.DataFrame):
                data = ibis.polars.connect().create_table("events", polars.from_pandas(data))
            return original(data, **kwargs)

        monkeypatch.setattr(engine_module, "prepare_events", on_polars)
    return request.param


def log(rows: list[tuple]) -> pd.DataFrame:
    """(user_id, seconds after 2026-09-07 00:00 UTC, event[, channel]) -> an events frame."""
    return event_log(rows, columns={"channel": "organic"})


def levels(frame: pd.DataFrame, window="1d", steps=STEPS, **kw) -> dict[int, int]:
    out = funnels.user_levels(frame, steps, window, **kw).to_frame()
    return dict(zip(out["user_id"], out["level"], strict=True))


def test_level_counts_steps_in_order_with_other_events_between():
    frame = log([(1, 0, "a"), (1, 10, "x"), (1, 20, "b"), (1, 30, "x"), (1, 40, "c")])
    assert levels(frame) == {1: 3}


def test_users_without_step_one_have_level_zero():
    frame = log([(1, 0, "b"), (1, 10, "c"), (2, 0, "x"), (3, 0, "a")])
    assert levels(frame) == {1: 0, 2: 0, 3: 1}


def test_event_logged_before_previous_step_does_not_count():
    # b at t=5 precedes a at t=10; c at t=20 needs b after a -> level 1
    frame = log([(1, 5, "b"), (1, 10, "a"), (1, 20, "c")])
    assert levels(frame) == {1: 1}


def test_ties_in_same_second_ordered_by_step_index():
    # a and b in the same second (b logged first, even with an earlier sub-second stamp): a then b.
    frame = log([(1, 100.0, "b"), (1, 100.9, "a"), (1, 101, "c")])
    assert levels(frame) == {1: 3}


def test_timestamps_truncated_to_the_second():
    # b at 99.999 s is in second 99, before a at second 100 -> does not count
    frame = log([(1, 100.2, "a"), (1, 99.999, "b")])
    assert levels(frame, steps=["a", "b"]) == {1: 1}


def test_window_edge_is_inclusive():
    frame = log([(1, 0, "a"), (1, 10, "b"), (1, DAY, "c"), (2, 0, "a"), (2, 10, "b"), (2, DAY + 1, "c")])
    assert levels(frame) == {1: 3, 2: 2}


def test_window_measured_from_step_one_to_each_step():
    # b within the window, c beyond it from a (even though within a day of b)
    frame = log([(1, 0, "a"), (1, DAY - 10, "b"), (1, DAY + 10, "c")])
    assert levels(frame) == {1: 2}


def test_funnel_counts_reentry_after_window_expires():
    # first a at 0: b after 2 days is too late; a second a at 2d-5s starts a new chain that converts
    frame = log([(1, 0, "a"), (1, 2 * DAY - 5, "a"), (1, 2 * DAY, "b"), (1, 2 * DAY + 3, "c")])
    assert levels(frame) == {1: 3}
    # the wrong, first-entry-anchored funnel would say 1
    assert levels(frame, mode="first_entry") == {1: 1}


def test_best_chain_counts_not_the_latest():
    # chain from a@0 reaches b; a later a@50 restarts but never reaches b -> still level 2
    frame = log([(1, 0, "a"), (1, 10, "b"), (1, 50, "a")])
    assert levels(frame, steps=["a", "b"]) == {1: 2}


def test_latest_start_gives_most_room_in_window():
    # a@0, a@100, b@200, c@100+DAY: chain a@100->b->c is within the window, a@0 is not
    frame = log([(1, 0, "a"), (1, 100, "a"), (1, 200, "b"), (1, 100 + DAY, "c")])
    assert levels(frame) == {1: 3}


def test_row_order_does_not_matter():
    rows = [(1, 0, "a"), (1, 10, "b"), (1, 20, "c"), (2, 5, "a"), (2, 3, "b")]
    assert levels(log(rows)) == levels(log(rows[::-1])) == {1: 3, 2: 1}


def test_repeated_step_lets_one_event_serve_both_as_in_clickhouse():
    frame = log([(1, 0, "a"), (1, 10, "b")])
    assert levels(frame, steps=["a", "a", "b"]) == {1: 3}


def test_funnel_table_columns_and_conversions():
    frame = log([(1, 0, "a"), (1, 1, "b"), (1, 2, "c"), (2, 0, "a"), (2, 1, "b"), (3, 0, "a"), (4, 0, "x")])
    result = funnels.funnel(frame, STEPS, "1d")
    table = result.to_frame()
    assert list(table.columns) == ["step", "users", "conversion_from_start", "conversion_from_previous"]
    assert table["users"].tolist() == [3, 2, 1]
    np.testing.assert_allclose(table["conversion_from_start"], [1, 2 / 3, 1 / 3], rtol=1e-12)
    np.testing.assert_allclose(table["conversion_from_previous"], [1, 2 / 3, 1 / 2], rtol=1e-12)
    assert result.status == "ok"
    assert result.biggest_dropoff() == ("b", "c", 0.5)
    assert "conversion_from_start" in str(result) and "66.7%" in str(result)


def test_breakdown_uses_value_on_chain_starting_step_one_event():
    # user 1: a@0 (email) never converts within 1d; a@2d (paid) converts -> counted under paid
    frame = log(
        [(1, 0, "a", "email"), (1, 2 * DAY, "a", "paid"), (1, 2 * DAY + 5, "b", "organic"), (2, 0, "a", "email")]
    )
    table = funnels.funnel(frame, ["a", "b"], "1d", by="channel").to_frame()
    assert list(table.columns) == ["channel", "step", "users", "conversion_from_start", "conversion_from_previous"]
    got = {(r.channel, r.step): r.users for r in table.itertuples()}
    assert got == {("email", "a"): 1, ("email", "b"): 0, ("paid", "a"): 1, ("paid", "b"): 1}


# user 1 reaches c through the chain started by a@2d; user 2's a has no value; user 3 stops at a
# (its earlier 'x' is not a step event); user 4 logs two a's in one second. Levels: 3, 2, 1, 1.
ATTRIBUTION_LOG = [
    (1, 0, "a", "email"),
    (1, 10, "b", None),
    (1, 2 * DAY, "a", "paid"),
    (1, 2 * DAY + 5, "b", "social"),
    (1, 2 * DAY + 9, "c", None),
    (2, 0, "a", None),
    (2, 5, "b", "display"),
    (3, 0, "x", "organic"),
    (3, 1, "a", "email"),
    (4, 0, "a", "paid"),
    (4, 0.5, "a", "email"),
]
ATTRIBUTION_LEVELS = {1: 3, 2: 2, 3: 1, 4: 1}
# each user's value, worked out by hand from the rules in funnels.funnel's docstring
ATTRIBUTED = {
    # the counted chain's step-1 event: a@2d for user 1; ties in a second take the smallest value
    "step:1": {1: "paid", 2: None, 3: "email", 4: "email"},
    # b@2d+5 continues the counted chain (b@10 belongs to the expired one); users 3, 4 never reach b
    "step:2": {1: "social", 2: "display", 3: None, 4: None},
    "step:3": {1: None, 2: None, 3: None, 4: None},  # user 1's c has no value; nobody else reaches c
    # first non-null among step events: user 2 skips its null a; user 3's x is not a step event
    "first_touch": {1: "email", 2: "display", 3: "email", 4: "email"},
    # last non-null: user 1's c is null, so b@2d+5
    "last_touch": {1: "social", 2: "display", 3: "email", 4: "email"},
}


@pytest.mark.parametrize("attribution", list(ATTRIBUTED))
def test_breakdown_attribution_picks_each_users_value_with_nulls_as_a_group(attribution):
    frame = log(ATTRIBUTION_LOG)
    result = funnels.funnel(frame, STEPS, "1d", by="channel", attribution=attribution)
    got = {(r.channel if isinstance(r.channel, str) else None, r.step): r.users for r in result.to_frame().itertuples()}
    values = ATTRIBUTED[attribution]
    expected = {
        (value, step): sum(1 for user, v in values.items() if v == value and ATTRIBUTION_LEVELS[user] >= k)
        for value in set(values.values())
        for k, step in enumerate(STEPS, start=1)
    }
    assert got == expected
    # the groups add up to the funnel without breakdown, whatever the attribution
    total = funnels.funnel(frame, STEPS, "1d").to_frame()["users"].tolist()
    table = result.to_frame()
    assert [int(table.loc[table["step"] == step, "users"].sum()) for step in STEPS] == total


def test_default_attribution_is_the_chain_starting_step_one_event():
    frame = log(ATTRIBUTION_LOG)
    default = funnels.funnel(frame, STEPS, "1d", by="channel").to_frame()
    explicit = funnels.funnel(frame, STEPS, "1d", by="channel", attribution="step:1").to_frame()
    pd.testing.assert_frame_equal(default, explicit)


def test_unknown_attribution_lists_valid_ones():
    with pytest.raises(
        JourneyInputError, match=r"attribution: unknown value 'step:4'.*'first_touch', 'last_touch', 'step:1'"
    ):
        funnels.funnel(log([(1, 0, "a")]), STEPS, by="channel", attribution="step:4")
    with pytest.raises(JourneyInputError, match="first_touch_channel"):
        funnels.funnel(log([(1, 0, "a")]), STEPS, by="first_touch_channel", attribution="last_touch")


def test_breakdown_first_touch_channel_uses_earliest_event_of_any_type():
    frame = log([(1, 0, "x", "display"), (1, 10, "a", "email"), (1, 20, "b", "paid"), (2, 5, "a", "email")])
    table = funnels.funnel(frame, ["a", "b"], "1d", by="first_touch_channel").to_frame()
    got = {(r.first_touch_channel, r.step): r.users for r in table.itertuples()}
    assert got == {("display", "a"): 1, ("display", "b"): 1, ("email", "a"): 1, ("email", "b"): 0}


def test_time_to_convert_median_and_p90():
    rows = []
    for user, gap in enumerate([10, 20, 30, 40, 100], start=1):
        rows += [(user, 0, "a"), (user, gap, "b")]
    result = funnels.time_to_convert(log(rows), ["a", "b"], "1d").to_frame()
    # numpy linear-interpolation quantiles of [10, 20, 30, 40, 100]
    assert result["users"].tolist() == [5]
    assert result["median_seconds"].iloc[0] == pytest.approx(np.quantile([10, 20, 30, 40, 100], 0.5))
    assert result["p90_seconds"].iloc[0] == pytest.approx(np.quantile([10, 20, 30, 40, 100], 0.9))


def test_trend_by_entry_week_monday_start():
    # 2026-09-07 is a Monday; user 2 enters on Sunday 2026-09-13 (same week), user 3 the next Monday
    frame = log([(1, 0, "a"), (1, 5, "b"), (2, 6 * DAY + 100, "a"), (3, 7 * DAY, "a"), (3, 7 * DAY + 1, "b")])
    table = funnels.trend(frame, ["a", "b"], "1d").to_frame()
    got = {(str(r.period.date()), r.step): r.users for r in table.itertuples()}
    assert got == {("2026-09-07", "a"): 2, ("2026-09-07", "b"): 1, ("2026-09-14", "a"): 1, ("2026-09-14", "b"): 1}


def test_dropoff_next_event_after_stopping():
    frame = log(
        [(1, 0, "a"), (1, 5, "x"), (2, 0, "a"), (2, 3, "y"), (2, 9, "x"), (3, 0, "a"), (4, 0, "a"), (4, 1, "b")]
    )
    table = funnels.dropoff(frame, ["a", "b"], "1d").to_frame()
    assert table["users_stopped"].unique().tolist() == [3]
    got = dict(zip(table["next_event"], table["users"], strict=True))
    assert got == {"x": 1, "y": 1, "(none)": 1}


# --- bad input -------------------------------------------------------------------------------


def test_absent_step_counts_zero_and_names_close_matches_in_status_and_warning():
    # a week without purchases: 'purchse' (a typo) never occurs; 'purchase' does, for nobody in the chain
    frame = log([(1, 0, "a"), (1, 1, "b"), (2, 0, "a"), (3, 0, "purchase")])
    with pytest.warns(funnels.StepsAbsentWarning, match=r"'purchse' \(close matches: 'purchase'\)"):
        result = funnels.funnel(frame, ["a", "b", "purchse"], "1d")
    table = result.to_frame()
    assert table["users"].tolist() == [2, 1, 0]
    np.testing.assert_allclose(table["conversion_from_start"], [1, 0.5, 0], rtol=1e-12)
    assert "'purchse' (close matches: 'purchase') absent from the data" in result.status
    assert "counted as 0 users" in result.status


def test_absent_first_step_gives_zeros_and_nan_conversions_not_an_error():
    frame = log([(1, 0, "b"), (2, 0, "x")])
    with pytest.warns(funnels.StepsAbsentWarning, match="'a'"):
        result = funnels.funnel(frame, ["a", "b"], "1d")
    table = result.to_frame()
    assert table["users"].tolist() == [0, 0]
    assert table["conversion_from_start"].isna().all()
    assert "'a' absent from the data" in result.status and "no user did the first step 'a'" in result.status


def test_absent_steps_give_zeros_with_status_in_every_funnel_function():
    frame = log([(1, 0, "a"), (1, 5, "b"), (1, 9, "x"), (2, 0, "a"), (2, 4, "y")])
    steps = ["a", "b", "refund"]
    with pytest.warns(funnels.StepsAbsentWarning):
        levels_result = funnels.user_levels(frame, steps, "1d")
        ttc = funnels.time_to_convert(frame, steps, "1d")
        trend = funnels.trend(frame, steps, "1d")
        drop = funnels.dropoff(frame, steps, "1d")
    assert dict(zip(*levels_result.to_frame().to_dict("list").values(), strict=True)) == {1: 2, 2: 1}
    ttc_table = ttc.to_frame().set_index("step")
    assert ttc_table.loc["b", "users"] == 1 and ttc_table.loc["b", "median_seconds"] == 5
    assert ttc_table.loc["refund", "users"] == 0 and np.isnan(ttc_table.loc["refund", "median_seconds"])
    assert trend.to_frame()["users"].tolist() == [2, 1, 0]
    got = {(r.step, r.next_event): r.users for r in drop.to_frame().itertuples()}
    assert got == {("a", "y"): 1, ("b", "x"): 1}
    for result in (levels_result, ttc, trend, drop):
        assert "'refund' absent from the data" in result.status, result


def test_all_steps_absent_still_gives_every_result():
    frame = log([(1, 0, "x")])
    with pytest.warns(funnels.StepsAbsentWarning, match="steps 'a', 'b'"):
        assert funnels.user_levels(frame, ["a", "b"], "1d").to_frame()["level"].tolist() == [0]
        assert funnels.trend(frame, ["a", "b"], "1d").to_frame().empty
        assert funnels.dropoff(frame, ["a", "b"], "1d").to_frame().empty
        assert funnels.time_to_convert(frame, ["a", "b"], "1d").to_frame()["users"].tolist() == [0]


def test_empty_steps_rejected():
    with pytest.raises(JourneyInputError, match="'steps': is empty"):
        funnels.funnel(log([(1, 0, "a")]), [])


@pytest.mark.parametrize("window", [0, -5, 0.5, "0d", "abc", float("nan")])
def test_nonpositive_or_bad_window_rejected(window):
    with pytest.raises(JourneyInputError, match="window"):
        funnels.funnel(log([(1, 0, "a")]), ["a"], window)


def test_missing_columns_named():
    frame = log([(1, 0, "a")]).drop(columns="event")
    with pytest.raises(JourneyInputError, match="missing column 'event'"):
        funnels.funnel(frame, ["a"])


def test_naive_timestamps_rejected():
    frame = log([(1, 0, "a")])
    frame["ts"] = frame["ts"].dt.tz_localize(None)
    with pytest.raises(JourneyInputError, match="timezone-naive"):
        funnels.funnel(frame, ["a"])


def test_no_events_gives_empty_result_with_status():
    frame = log([(1, 0, "a")]).iloc[:0]
    result = funnels.funnel(frame, ["a", "b"])
    assert result.to_frame().empty and "no events" in result.status
    assert funnels.user_levels(frame, ["a"]).to_frame().empty


def test_unknown_mode_lists_valid_ones():
    with pytest.raises(JourneyInputError, match="'any_start', 'first_entry'"):
        funnels.funnel(log([(1, 0, "a")]), ["a"], mode="strict")
