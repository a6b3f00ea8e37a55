"""Funnel steps and stage transitions in revenue per period: hand-derived sums, and the delta-method
interval against a bootstrap over users."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from journey.data.window import Window
from journey.impact.transitions import delta_value, funnel_stats, size_transitions, stage_stats
from journey.validation import JourneyInputError

STEPS = ["add_to_cart", "checkout_start", "purchase"]
WINDOW = Window(dt.date(2026, 11, 2), dt.date(2026, 11, 15))  # 14 days: 2 weeks
START = pd.Timestamp("2026-11-03 10:00", tz="UTC")


def _user(uid: int, device: str, reached: int, revenue: float = 0.0, start: pd.Timestamp = START) -> list[dict]:
    rows = []
    for k, name in enumerate(STEPS[:reached]):
        rows.append({"user_id": uid, "ts": start + pd.Timedelta(minutes=k + uid % 7), "event": name,
                     "device": device, "revenue": revenue if name == "purchase" else np.nan})  # fmt: skip
    return rows


def hand_events(start: pd.Timestamp = START, offset: int = 0, mobile_checkouts: int = 4) -> pd.DataFrame:
    """Desktop: 10 add to cart, 8 start checkout, 6 buy at 50. Mobile: 10 add, 4 start checkout, 1 buys at 40."""
    rows: list[dict] = []
    for i in range(10):
        reached = 3 if i < 6 else 2 if i < 8 else 1
        rows += _user(offset + i, "desktop", reached, 50.0, start)
    for i in range(10):
        reached = 3 if i < 1 else 2 if i < mobile_checkouts else 1
        rows += _user(offset + 100 + i, "mobile", reached, 40.0, start)
    return pd.DataFrame(rows)


def test_funnel_sums_match_the_hand_counts_per_segment() -> None:
    stats, status = funnel_stats(hand_events(), WINDOW, STEPS, "7d", by="device")
    assert status == "ok"
    got = stats.set_index(["segment", "item"])
    mobile = got.loc[("mobile", "add_to_cart → checkout_start")]
    assert (mobile["users"], mobile["entrants"], mobile["passed"]) == (10, 10, 4)
    assert mobile["revenue"] == 40.0 and mobile["revenue_sq"] == 1600.0
    desktop = got.loc[("desktop", "checkout_start → purchase")]
    assert (desktop["entrants"], desktop["passed"], desktop["revenue"]) == (8, 6, 300.0)


def test_best_segment_value_is_entrants_per_period_times_rate_gap_times_revenue_per_user_passing() -> None:
    stats, _ = funnel_stats(hand_events(), WINDOW, STEPS, "7d", by="device")
    rows = size_transitions(stats, None, periods=2, target="best_segment", min_entrants=5, by="device")
    rows = rows.set_index("item")
    # mobile add_to_cart → checkout_start: 10 entrants / 2 weeks × (0.8 − 0.4) × (40 revenue / 4 passing) = 20
    # mobile checkout_start → purchase: 4 / 2 × (6/8 − 1/4) × (40 / 1) = 40
    assert rows.loc["add_to_cart → checkout_start", "revenue_per_period"] == pytest.approx(20.0, rel=1e-12)
    assert rows.loc["checkout_start → purchase", "revenue_per_period"] == pytest.approx(40.0, rel=1e-12)
    assert set(rows["segment"]) == {"mobile"}  # desktop is the target: no row of its own
    assert "the rate of the best device, desktop" in rows.loc["checkout_start → purchase", "assumption"]
    assert (rows["revenue_per_period_ci_lower"] < rows["revenue_per_period"]).all()


def test_relative_lift_is_the_lift_times_the_revenue_of_users_past_the_step() -> None:
    stats, _ = funnel_stats(hand_events(), WINDOW, STEPS, "7d", by="device")
    rows = size_transitions(stats, None, periods=2, target="relative_lift", lift=0.1)
    got = rows.set_index(["segment", "item"])["revenue_per_period"]
    # +10% at any step of desktop: 0.1 × 300 revenue of its buyers / 2 weeks = 15; mobile: 0.1 × 40 / 2 = 2
    assert got[("desktop", "add_to_cart → checkout_start")] == pytest.approx(15.0)
    assert got[("mobile", "checkout_start → purchase")] == pytest.approx(2.0)


def test_previous_period_target_takes_the_same_segments_rate_a_window_earlier() -> None:
    # a window earlier 8 of mobile's 10 carts reached checkout, as desktop's do now
    before = hand_events(START - pd.Timedelta(days=14), offset=1000, mobile_checkouts=8)
    events = pd.concat([hand_events(), before], ignore_index=True)
    now, _ = funnel_stats(events, WINDOW, STEPS, "7d", by="device")
    prev, _ = funnel_stats(events, WINDOW.previous(), STEPS, "7d", by="device")
    rows = size_transitions(now, prev, periods=2, target="previous_period").set_index(["segment", "item"])
    # mobile add_to_cart → checkout_start back to 0.8: 10 / 2 × (0.8 − 0.4) × 40 / 4 = 20; desktop unchanged: 0
    assert rows.loc[("mobile", "add_to_cart → checkout_start"), "revenue_per_period"] == pytest.approx(20.0)
    assert rows.loc[("desktop", "add_to_cart → checkout_start"), "revenue_per_period"] == pytest.approx(0.0, abs=1e-12)
    assert "previous period" in rows.loc[("mobile", "add_to_cart → checkout_start"), "assumption"]


def test_a_window_without_events_gives_no_rows_and_says_why() -> None:
    empty_window = Window(dt.date(2025, 1, 1), dt.date(2025, 1, 14))
    stats, status = funnel_stats(hand_events(), empty_window, STEPS, "7d", by="device")
    assert stats.empty and status == "no events between 2025-01-01 and 2025-01-14"
    stages, status = stage_stats(hand_events(), empty_window, by="device")
    assert stages.empty and status.startswith("no events")
    assert size_transitions(stats, None, 2).empty


def test_stage_transitions_count_users_reaching_both_stages() -> None:
    events = hand_events()
    extra = pd.DataFrame({"user_id": [0, 1, 100], "ts": [START - pd.Timedelta(hours=1)] * 3,
                          "event": ["product_view"] * 3, "device": ["desktop", "desktop", "mobile"],
                          "revenue": [np.nan] * 3})  # fmt: skip
    stats, status = stage_stats(pd.concat([events, extra], ignore_index=True), WINDOW, by="device")
    row = stats.set_index(["segment", "item"]).loc[("desktop", "consideration → decision")]
    # desktop users 0 and 1 viewed a product and both bought at 50: 2 entrants, 2 passed, revenue 100
    assert (row["entrants"], row["passed"], row["revenue"], row["revenue_sq"]) == (2, 2, 100.0, 5000.0)
    assert row["users"] == 10 and status == "ok"


def _users(rng: np.random.Generator, n: int, p_enter: float, p_pass: float) -> np.ndarray:
    a = rng.random(n) < p_enter
    b = a & (rng.random(n) < p_pass)
    y = np.where(b, rng.gamma(2.0, 40.0, n), 0.0)
    return np.column_stack([a, b, y]).astype(float)


def _value(rows: np.ndarray, periods: float, target: float) -> float:
    a, b, y = rows.sum(axis=0)
    return (target * a - b) * (y / b) / periods  # (entrants × target − passed) × revenue per user passing


def test_delta_method_standard_error_matches_a_bootstrap_over_users() -> None:
    rng = np.random.default_rng(11)
    users = _users(rng, 4000, 0.6, 0.3)
    a, b, y = users.sum(axis=0)
    value, se = delta_value(len(users), a, b, y, float((users[:, 2] ** 2).sum()), 4, target=0.4)
    assert value == pytest.approx(_value(users, 4, 0.4), rel=1e-12)
    boot = [_value(users[rng.integers(0, len(users), len(users))], 4, 0.4) for _ in range(2000)]
    # 2,000 resamples: the bootstrap SD has a Monte Carlo error of about 1/sqrt(2 × 2000) = 1.6%; 6% allows 3.5 of it
    assert se == pytest.approx(np.std(boot, ddof=1), rel=0.06)


def test_delta_method_includes_the_error_of_an_estimated_target_rate() -> None:
    rng = np.random.default_rng(12)
    users, best = _users(rng, 3000, 0.5, 0.25), _users(rng, 800, 0.5, 0.4)
    t = best[:, 1].sum() / best[:, 0].sum()
    n_a = best[:, 0].sum()
    a, b, y = users.sum(axis=0)
    _, se = delta_value(len(users), a, b, y, float((users[:, 2] ** 2).sum()), 4, target=t, target_var=t * (1 - t) / n_a)
    _, se_fixed = delta_value(len(users), a, b, y, float((users[:, 2] ** 2).sum()), 4, target=t)
    boot = []
    for _ in range(2000):  # both segments resampled, each on its own (independent users)
        u, v = users[rng.integers(0, len(users), len(users))], best[rng.integers(0, len(best), len(best))]
        boot.append(_value(u, 4, v[:, 1].sum() / v[:, 0].sum()))
    assert se == pytest.approx(np.std(boot, ddof=1), rel=0.06)  # tolerance as above
    assert se > se_fixed * 1.2  # the target's own error is a visible part of it here


def test_unknown_target_lists_the_valid_ones() -> None:
    with pytest.raises(JourneyInputError, match="'best_segment', 'previous_period', 'relative_lift'"):
        size_transitions(pd.DataFrame(), None, 2, target="best")  # type: ignore[arg-type]


def test_delta_value_without_a_target_or_a_lift_is_a_clear_error() -> None:
    with pytest.raises(JourneyInputError, match="neither target nor lift"):
        delta_value(100, 100, 10, 500.0, 30000.0, 4)
