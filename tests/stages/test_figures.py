"""Stage figures: drawn from hand-built results, each with an alt text that states the numbers drawn.

Visual checks are done on the rendered reports; here every figure function must return a
``Chart`` whose alt text carries the plotted numbers and whose axes are labelled, and an empty
result must give the ``no_data`` placeholder with an alt text that says so.
"""

from __future__ import annotations

import datetime as dt
import types

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from journey.data.window import Window
from journey.display.plots import Chart, show
from journey.stages import figures
from journey.stages.attribution import Attribution
from journey.stages.funnels import Funnel, TimeToConvert, _cumulate
from journey.stages.kpis import StageTable
from journey.stages.overview import StageKPIs
from journey.stages.retention import Cohorts

WINDOW = Window(dt.date(2026, 11, 1), dt.date(2026, 11, 28))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def funnel(per_level: list[int], steps=("land", "view", "buy"), by: str | None = None) -> Funnel:
    counts = pd.DataFrame({"level": range(1, len(steps) + 1), "n": per_level})
    return Funnel(tuple(steps), 7 * 86_400, "any_start", by, "ok", _cumulate(counts, tuple(steps)))


def cohorts(sizes=(10, 20)) -> Cohorts:
    table = pd.DataFrame({"cohort": pd.to_datetime(["2026-11-02", "2026-11-09"][: len(sizes)]), "cohort_size": sizes})
    returned = [[10, 4, 2], [20, 5, pd.NA]]  # cohort 2 has not reached period 2 yet
    for k in range(3):
        table[k] = pd.array([row[k] for row in returned[: len(sizes)]], dtype="Int64")
    return Cohorts("purchase", ("repeat_purchase",), "week", 2, False, None, dt.date(2026, 11, 20), "ok", table)


def labels(chart: Chart) -> tuple[str, str]:
    ax = chart.fig.axes[0]
    return ax.get_xlabel(), ax.get_ylabel()


def test_stage_users_states_users_per_stage_and_the_previous_window():
    result = StageKPIs(WINDOW, ("awareness", "decision"), (1200, 300), (1000, 350))
    chart = figures.stage_users(result)
    assert "awareness: 1,200 (previous 1,000); decision: 300 (previous 350)" in chart.alt
    assert labels(chart)[0] == "users"
    assert sorted(t.get_text().strip() for t in chart.fig.axes[0].texts) == ["1,200 (100%)", "300 (25%)"]


def test_daily_trend_states_averages_and_the_busiest_day():
    frame = pd.DataFrame(
        {"day": pd.to_datetime(["2026-11-01", "2026-11-02"]), "visitors": [100, 300], "purchasers": [2, 5]}
    )
    chart = figures.daily_trend(frame, WINDOW)
    assert "200 visitors and 3.5 purchasers a day on average" in chart.alt  # (100 + 300) / 2, (2 + 5) / 2
    assert "busiest day 2026-11-02 with 300 visitors" in chart.alt and "from 2026-11-01 to 2026-11-28" in chart.alt
    assert labels(chart)[1] == "people per day"


def test_reach_bars_state_reach_and_new_users_per_channel():
    table = pd.DataFrame({"channel": ["email", "paid"], "reach": [1500, 50], "new_users": [10, 40]})
    chart = figures.reach_bars(StageTable("awareness", "reach", "ok", table))
    assert "email: 1,500 reached, 10 new; paid: 50 reached, 40 new" in chart.alt
    assert labels(chart) == ("channel", "users")


def test_funnel_bars_state_users_and_conversion_from_start():
    chart = figures.funnel_bars(funnel([50, 30, 20]))  # land 100, view 50, buy 20
    assert "land: 100 (100.0% of start); view: 50 (50.0% of start); buy: 20 (20.0% of start)" in chart.alt
    assert chart.alt.startswith("Funnel within 7 days")
    assert labels(chart)[0] == "users"


def test_funnel_by_states_each_line_s_conversion_to_the_last_step():
    table = pd.concat(
        [funnel([50, 30, 20]).table.assign(device="desktop"), funnel([90, 5, 5]).table.assign(device="mobile")]
    )
    result = Funnel(("land", "view", "buy"), 86_400, "any_start", "device", "ok", table)
    chart = figures.funnel_by(result)
    assert "one line per device; reaching 'buy': desktop: 20.0%; mobile: 5.0%" in chart.alt
    assert labels(chart) == ("step", "conversion from first step")


def test_time_to_convert_states_median_and_90th_percentile_per_step():
    table = pd.DataFrame(
        {"step": ["view", "buy"], "users": [10, 4], "median_seconds": [46.0, 0.0], "p90_seconds": [145.0, 188_642.0]}
    )
    chart = figures.time_to_convert(TimeToConvert(("land", "view", "buy"), 86_400, "ok", table))
    assert "view: median 46 s, 90th percentile 2.4 min; buy: median 0 s, 90th percentile 2.2 d" in chart.alt
    assert labels(chart)[0] == "time from the first step (log scale)"


def test_exposure_effects_state_differences_with_intervals_in_points():
    table = pd.DataFrame([{"label": "reviews", "effect_size": 0.2, "effect_size_ci_lower": -0.05,
                           "effect_size_ci_upper": 0.35}])  # fmt: skip
    chart = figures.exposure_effects(StageTable("consideration", "x", "ok", table))
    assert "reviews: +20.0 [\N{MINUS SIGN}5.0, +35.0]" in chart.alt and "association, not cause" in chart.alt
    assert labels(chart)[0].startswith("conversion difference, exposed - unexposed (percentage points")


def test_cohort_heatmap_states_cohorts_users_and_the_range_of_first_period_retention():
    chart = figures.cohort_heatmap(cohorts())
    assert "2 cohorts from 2026-11-02 to 2026-11-09, 30 users" in chart.alt
    assert "week 1 retention from 25.0% to 40.0%" in chart.alt  # 5/20 and 4/10
    assert labels(chart) == ("weeks since the cohort week", "cohort (users)")


def test_retention_curve_states_the_pooled_rate_per_period():
    chart = figures.retention_curve(cohorts().curve())
    # pooled over the cohorts that observed each period: (4 + 5) / 30 and 2 / 10
    assert "period 0: 100.0%; period 1: 30.0%; period 2: 20.0%" in chart.alt
    assert labels(chart) == ("period", "retained")


def test_attribution_comparison_states_each_channel_s_range_across_models():
    frame = pd.DataFrame({"channel": ["A", "B", "A", "B"], "model": ["last", "last", "markov", "markov"],
                          "conversions": [4.0, 1.0, 2.5, 2.5], "revenue": [0.0] * 4,
                          "share": [0.8, 0.2, 0.5, 0.5]})  # fmt: skip
    chart = figures.attribution_comparison(Attribution(("v",), "p", ("last", "markov"), 7.0, 10, 5, "ok", frame))
    assert "under the last, markov models" in chart.alt and "A: 50.0% to 80.0%; B: 20.0% to 50.0%" in chart.alt
    assert labels(chart) == ("channel", "share of conversions")


def test_rate_bars_state_each_rate():
    table = pd.DataFrame({"page_load": ["0-1 s", ">= 5 s"], "conversion": [0.05, 0.0125]})
    chart = figures.rate_bars(StageTable("decision", "l", "ok", table), "page_load", "conversion", "load time")
    assert chart.alt == "Bars of conversion by load time: 0-1 s: 5.0%; >= 5 s: 1.2%"
    assert labels(chart) == ("load time", "conversion")


def test_calibration_states_auc_and_the_largest_gap_to_the_diagonal():
    model = types.SimpleNamespace(  # the three fields the figure reads from a Propensity
        status="ok", auc=0.71,
        calibration=pd.DataFrame({"predicted_rate": [0.01, 0.05, 0.2], "observed_rate": [0.02, 0.04, 0.25]}),
    )  # fmt: skip
    chart = figures.calibration(model)
    assert "3 score groups" in chart.alt and "AUC 0.71" in chart.alt
    assert "largest gap to the diagonal 5.0 percentage points" in chart.alt  # |0.25 - 0.2|
    assert labels(chart) == ("predicted purchase rate", "observed purchase rate")


EMPTY = [
    ("the journey stages", lambda: figures.stage_users(StageKPIs(WINDOW, (), (), ()))),
    ("the daily trend", lambda: figures.daily_trend(pd.DataFrame(columns=["day", "visitors", "purchasers"]), WINDOW)),
    ("channel reach", lambda: figures.reach_bars(StageTable("awareness", "r", "empty", pd.DataFrame()))),
    ("the funnel", lambda: figures.funnel_bars(funnel([0, 0, 0]))),
    ("the funnel breakdown", lambda: figures.funnel_by(Funnel(("a",), 1, "any_start", "d", "empty", pd.DataFrame()))),
    ("time to convert", lambda: figures.time_to_convert(TimeToConvert(("a",), 1, "empty", pd.DataFrame()))),
    ("exposures", lambda: figures.exposure_effects(StageTable("c", "x", "empty", pd.DataFrame()))),
    ("cohorts", lambda: figures.cohort_heatmap(cohorts(sizes=()))),
    ("retention", lambda: figures.retention_curve(cohorts(sizes=()).curve())),
    ("attribution", lambda: figures.attribution_comparison(Attribution(("v",), "p", ("last",), 7.0, 0, 0, "empty",
        pd.DataFrame(columns=["channel", "model", "conversions", "revenue", "share"])))),
    ("load time", lambda: figures.rate_bars(StageTable("d", "l", "empty", pd.DataFrame()), "a", "b", "load time")),
    ("a calibration plot (too few users)", lambda: figures.calibration(types.SimpleNamespace(
        status="too few users", auc=float("nan"), calibration=pd.DataFrame())))
]  # fmt: skip


@pytest.mark.parametrize(("what", "draw"), EMPTY, ids=[w for w, _ in EMPTY])
def test_an_empty_result_gives_the_placeholder_with_an_alt_text_saying_so(what, draw):
    chart = draw()
    assert chart.alt == f"No data for {what} in this window."
    assert [t.get_text() for t in chart.fig.axes[0].texts] == [f"No data for {what} in this window"]


def test_show_takes_a_chart_and_keeps_its_alt_text():
    chart = figures.funnel_bars(funnel([50, 30, 20]))
    shown = show(chart)
    assert shown.alt == chart.alt and shown.png.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="alt text"):
        show(plt.figure(), alt=" ")


def test_funnel_by_draws_the_group_without_a_value_too():
    from journey.stages import funnels
    from journey.stages.figures import funnel_by
    from tests.helpers import event_log

    events = event_log(
        [(1, 0, "a", "web"), (1, 1, "b", "web"), (2, 0, "a", None), (3, 0, "a", "app")], columns={"device": "web"}
    )
    chart = funnel_by(funnels.funnel(events, ["a", "b"], "1d", by="device"))
    labels = [line.get_label() for line in chart.fig.axes[0].get_lines()]
    assert any(label.startswith("(none)") for label in labels) and len(labels) == 3
    assert "(none)" in chart.alt
