"""Attribution models on hand-built logs; Markov removal effect checked by brute-force path walking."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from journey.stages import attribution
from journey.validation import JourneyInputError
from tests.helpers import event_log

DAY = pd.Timedelta(days=1)


def log(rows: list[tuple]) -> pd.DataFrame:
    """(user, day offset, event, channel, revenue)."""
    return event_log(rows, unit=DAY, columns={"channel": None, "revenue": None})


FRAME = log(
    [
        # user 1: A, B, C then buys 100; a touch after the purchase is ignored
        (1, 0, "visit", "A"),
        (1, 1, "visit", "B"),
        (1, 2, "visit", "C"),
        (1, 3, "buy", "C", 100.0),
        (1, 4, "visit", "D"),
        # user 2: A, A then buys 50
        (2, 0, "visit", "A"),
        (2, 7, "visit", "A"),
        (2, 7, "buy", "A", 50.0),
        # user 3: one touch B, buys (no revenue)
        (3, 0, "visit", "B"),
        (3, 0.5, "buy", "B"),
        # user 4: never converts; user 5: buys with no touch (left out)
        (4, 0, "visit", "C"),
        (5, 0, "buy", "A", 10.0),
    ]
)


def credited(model: str, value: str = "conversions") -> dict[str, float]:
    table = attribution.attribute(FRAME, ["visit"], "buy", models=[model]).to_frame()
    return {r.channel: getattr(r, value) for r in table.itertuples()}


def test_first_and_last_touch():
    assert credited("first") == pytest.approx({"A": 2.0, "B": 1.0, "C": 0.0})
    assert credited("last") == pytest.approx({"A": 1.0, "B": 1.0, "C": 1.0})
    assert credited("last", "revenue") == pytest.approx({"A": 50.0, "B": 0.0, "C": 100.0})


def test_linear_and_linear_unique():
    assert credited("linear") == pytest.approx({"A": 1 / 3 + 1, "B": 1 / 3 + 1, "C": 1 / 3})
    assert credited("linear_unique") == pytest.approx({"A": 1 / 3 + 1, "B": 1 / 3 + 1, "C": 1 / 3})


def test_position_based_40_20_40_and_50_50():
    # user 1: A .4, B .2, C .4; user 2 (two touches): A .5 + .5; user 3 (one): B 1
    assert credited("position") == pytest.approx({"A": 0.4 + 1.0, "B": 0.2 + 1.0, "C": 0.4})


def test_time_decay_half_life_weights():
    # user 1 ages 3, 2, 1 days; user 2 ages 7 and 0 days; half-life 7 days
    w1 = np.array([2 ** (-3 / 7), 2 ** (-2 / 7), 2 ** (-1 / 7)])
    w1 = w1 / w1.sum()
    w2 = np.array([2 ** (-7 / 7), 1.0])
    w2 = w2 / w2.sum()
    assert credited("time_decay") == pytest.approx({"A": w1[0] + 1.0, "B": w1[1] + 1.0, "C": w1[2]}, rel=1e-9)
    assert w2.sum() == pytest.approx(1.0)


def test_users_without_touch_left_out_and_counts_recorded():
    result = attribution.attribute(FRAME, ["visit"], "buy", models=["first"])
    assert (result.users, result.converters) == (4, 3)
    assert result.to_frame()["conversions"].sum() == pytest.approx(3.0)


def brute_force_conversion(paths: list[tuple[tuple[str, ...], bool, int]], removed: str | None) -> float:
    """Independent reference: build the transition probabilities by hand and sum the probability
    of every walk start -> ... -> conversion up to 200 steps (the tail is below 1e-12 here)."""
    counts: dict[str, dict[str, int]] = {}
    for path, converted, users in paths:
        states = ["S", *path, "CONV" if converted else "NULL"]
        for a, b in itertools.pairwise(states):
            counts.setdefault(a, {}).setdefault(b, 0)
            counts[a][b] += users
    probs = {a: {b: n / sum(nxt.values()) for b, n in nxt.items()} for a, nxt in counts.items()}
    mass = {"S": 1.0}
    converted = 0.0
    for _ in range(200):
        step: dict[str, float] = {}
        for state, p in mass.items():
            for nxt, q in probs.get(state, {}).items():
                if nxt == removed or nxt == "NULL":
                    continue
                if nxt == "CONV":
                    converted += p * q
                else:
                    step[nxt] = step.get(nxt, 0.0) + p * q
        mass = step
    return converted


def test_markov_removal_effect_matches_brute_force_walks():
    paths = [
        (("A", "B"), True, 30),
        (("A",), False, 50),
        (("B", "C", "B"), True, 10),
        (("C",), False, 40),
        (("A", "C"), True, 20),
        (("B", "A", "A"), False, 15),
    ]
    frame = pd.DataFrame(paths, columns=["path", "converted", "users"])
    effects = attribution.markov_removal(frame).set_index("channel")["removal_effect"]
    base = brute_force_conversion(paths, None)
    assert attribution.markov_removal(frame).attrs["conversion_probability"] == pytest.approx(base, rel=1e-10)
    for channel in ("A", "B", "C"):
        expected = 1 - brute_force_conversion(paths, channel) / base
        assert effects[channel] == pytest.approx(expected, rel=1e-9)


def test_markov_model_shares_conversions_by_removal_effect():
    result = attribution.attribute(FRAME, ["visit"], "buy", models=["markov", "last"]).to_frame()
    markov = result[result["model"] == "markov"]
    assert markov["conversions"].sum() == pytest.approx(3.0)
    assert markov["revenue"].sum() == pytest.approx(150.0)
    # paths: (A,B,C) conv, (A,A) conv, (B) conv, (C) null -> every channel matters
    assert (markov["conversions"] > 0).all()
    assert result["model"].drop_duplicates().tolist() == ["last", "markov"]


def test_bad_inputs():
    with pytest.raises(JourneyInputError, match="'first', 'last'"):
        attribution.attribute(FRAME, ["visit"], "buy", models=["shapley"])
    with pytest.raises(JourneyInputError, match=r"unknown event 'nope'"):
        attribution.attribute(FRAME, ["nope"], "buy")
    with pytest.raises(JourneyInputError, match="half_life_days"):
        attribution.attribute(FRAME, ["visit"], "buy", half_life_days=0)


def test_no_events_gives_status():
    result = attribution.attribute(FRAME.iloc[:0], ["visit"], "buy")
    assert result.to_frame().empty and "no events" in result.status


def test_rendering_shows_one_row_per_channel_with_each_models_share():
    result = attribution.attribute(FRAME, ["visit"], "buy", models=["first", "last"])
    lines = str(result).splitlines()
    assert lines[0] == "Share of conversions credited to each channel, by model"
    assert lines[1].split() == ["channel", "first", "last"]
    shown = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    share = result.pivot("share")
    assert set(shown) == set(share.index)
    for channel, (first, last) in shown.items():
        assert (
            first == f"{share.loc[channel, 'first'] * 100:.3g}%" and last == f"{share.loc[channel, 'last'] * 100:.3g}%"
        )
    assert result.to_frame().columns.tolist()[:4] == ["channel", "model", "conversions", "revenue"]  # data unchanged


def test_time_decay_credits_touches_older_than_a_thousand_half_lives():
    # 2^(-age/half-life) underflows to 0 past ~1075 half-lives; normalised, a lone touch still
    # takes the whole conversion, and two old touches a day apart split it 1/3 : 2/3 (half-life 1 day)
    lone = pd.DataFrame(
        {
            "user_id": [1, 1],
            "ts": pd.to_datetime(["2023-08-01", "2026-09-02"], utc=True),
            "event": ["visit", "buy"],
            "channel": ["A", "A"],
            "revenue": [None, 5.0],
        }
    )
    out = attribution.attribute(lone, ["visit"], "buy", models=["time_decay"], half_life_days=1).to_frame()
    row = out.set_index("channel").loc["A"]
    assert (row["conversions"], row["revenue"], row["share"]) == pytest.approx((1.0, 5.0, 1.0))
    two = pd.DataFrame(
        {
            "user_id": [1, 1, 1],
            "ts": pd.to_datetime(["2023-08-01", "2023-08-02", "2026-09-02"], utc=True),
            "event": ["visit", "visit", "buy"],
            "channel": ["A", "B", "A"],
            "revenue": [None, None, 3.0],
        }
    )
    credit = attribution.attribute(two, ["visit"], "buy", models=["time_decay"], half_life_days=1).to_frame()
    assert credit.set_index("channel")["conversions"].to_dict() == pytest.approx({"A": 1 / 3, "B": 2 / 3})
