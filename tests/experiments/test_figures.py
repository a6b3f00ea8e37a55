"""Experiment figures: forest plot, sequential bands and novelty, drawn from hand-built readout parts.

Each must return a ``Chart`` whose alt text states the numbers drawn and whose axes are labelled;
empty input gives the ``no_data`` placeholder with an alt text that says so.
"""

from __future__ import annotations

import dataclasses
import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from journey.experiments import figures
from journey.experiments.estimators import Comparison
from journey.experiments.segments import NoveltyResult
from journey.experiments.sequential import SequentialResult
from journey.validation import JourneyInputError


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def forest_frame(n: int = 2) -> pd.DataFrame:
    rows = [
        {"label": "conversion · B", "role": "primary", "rel_effect_size": 0.052, "rel_ci_lower": 0.011,
         "rel_ci_upper": 0.093, "rel_adj_ci_lower": -0.004, "rel_adj_ci_upper": 0.11, "margin": math.nan},
        {"label": "refund_rate · B", "role": "guardrail", "rel_effect_size": -0.02, "rel_ci_lower": -0.06,
         "rel_ci_upper": 0.02, "rel_adj_ci_lower": -0.08, "rel_adj_ci_upper": 0.04, "margin": 0.05},
    ]  # fmt: skip
    return pd.DataFrame(rows[:n], columns=list(figures.FOREST_COLUMNS))


def sequential_result(looks: int = 3) -> SequentialResult:
    return SequentialResult(
        metric="conversion", variant="B", users=(1000, 2000, 3000)[:looks], effect_size=(0.02, 0.012, 0.01)[:looks],
        se=(0.01, 0.007, 0.005)[:looks], information=(0.25, 0.5, 0.75)[:looks], obf_bound=(4.0, 2.8, 2.3)[:looks],
        cs_half=(0.04, 0.025, 0.018)[:looks], msprt_pvalue=(0.5, 0.3, 0.1)[:looks], alpha=0.05, planned_users=4000,
        tau=0.01,
    )  # fmt: skip


def comparison(effect: float, half: float) -> Comparison:
    values = {f.name: math.nan for f in dataclasses.fields(Comparison)}
    values.update(kind="mean", status="ok", method="welch", n_control=100, n_treatment=100, effect_size=effect,
                  effect_ci_lower=effect - half, effect_ci_upper=effect + half)  # fmt: skip
    return Comparison(**values)


def novelty_result(days: int = 3) -> NoveltyResult:
    effects = tuple(comparison(e, 0.02) for e in (0.05, 0.03, 0.01)[:days])
    return NoveltyResult("revenue", "B", tuple(range(days)), effects, -0.02, 0.005, 0.0004, 0.05)


def test_forest_states_each_relative_effect_with_its_interval():
    chart = figures.forest(forest_frame())
    assert "conversion · B +5.2% [+1.1%, +9.3%]" in chart.alt
    assert "refund_rate · B \N{MINUS SIGN}2.0% [\N{MINUS SIGN}6.0%, +2.0%]" in chart.alt
    ax = chart.fig.axes[0]
    assert ax.get_xlabel() == "relative effect vs control"
    at = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)}
    assert at["conversion · B"] > at["refund_rate · B"]  # the frame's first row on top
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_xdata()) == [0.05, 0.05]  # the guardrail's margin only


def test_forest_checks_its_columns():
    with pytest.raises(JourneyInputError, match="margin"):
        figures.forest(forest_frame().drop(columns="margin"))


def test_sequential_states_the_last_look_against_the_plan():
    chart = figures.sequential(sequential_result())
    assert "3 looks; at 3,000 of 4,000 planned users the effect is +0.01" in chart.alt
    assert "(confidence sequence \N{MINUS SIGN}0.008 to +0.028)" in chart.alt  # 0.01 -/+ 0.018
    ax = chart.fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("users assigned so far (both arms)", "effect (absolute)")
    assert ax.get_ylim() == pytest.approx((-3 * 0.028, 3 * 0.028))  # three times the last look's widest bound


def test_novelty_states_first_and_last_day_and_the_trend_sentence():
    result = novelty_result()
    chart = figures.novelty(result)
    assert "+0.05 on day 0, +0.01 on day 2 (\N{MINUS SIGN}0.02 per day)" in chart.alt
    assert result.sentence() in chart.alt
    ax = chart.fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("days since exposure", "effect on daily revenue")


@pytest.mark.parametrize(
    ("what", "draw"),
    [
        ("effects", lambda: figures.forest(forest_frame(0))),
        ("sequential looks at conversion: B - control", lambda: figures.sequential(sequential_result(0))),
        ("the revenue effect by days since exposure", lambda: figures.novelty(novelty_result(0))),
    ],
)
def test_empty_input_gives_the_placeholder_with_an_alt_text_saying_so(what, draw):
    chart = draw()
    assert chart.alt == f"No data for {what} in this window."
    assert [t.get_text() for t in chart.fig.axes[0].texts] == [f"No data for {what} in this window"]
