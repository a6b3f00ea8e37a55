"""Churn figures from fitted results: what is drawn and what the alt text says."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from journey.churn import ChurnValidation, Cox, KaplanMeier, cox, kaplan_meier
from journey.churn.figures import hazard_ratios, reliability_diagram, survival_curves
from journey.stats.classification import reliability_curve


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_survival_curves_draw_a_band_per_group_and_state_the_numbers(rossi):
    km = kaplan_meier(rossi, duration="week", event="arrest", by="fin")
    chart = survival_curves(km, time_label="weeks")
    ax = chart.fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["fin 0 (n=216)", "fin 1 (n=216)"]
    # each curve starts at (0, 1) and ends at the last survival value, held to the longest duration
    x, y = ax.lines[0].get_data()
    assert (x[0], y[0], x[-1]) == (0.0, 1.0, 52.0)
    assert y[-1] == pytest.approx(km.table[km.table["fin"] == 0]["survival"].iloc[-1])
    assert "fin 0: 216 customers, 66 churned, 69.4% still customers at 52 weeks, median not reached" in chart.alt
    assert "fin 1: 216 customers, 48 churned, 77.8% still customers at 52 weeks" in chart.alt
    assert chart.alt.endswith(f"Log-rank test p = {km.logrank.pvalue:.3g}")  # 0.0501


def test_survival_curve_without_groups_states_the_median():
    km = kaplan_meier(pd.DataFrame({"days": [2, 3, 3, 5, 8], "churned": [1, 1, 0, 1, 0]}), "days", "churned")
    chart = survival_curves(km)
    assert chart.alt == (
        "Kaplan-Meier survival curves with 95% bands: all customers: 5 customers, 3 churned, "
        "30.0% still customers at 8 days, median 5 days"
    )


def test_hazard_ratio_forest_plot_lists_each_ratio_and_interval(rossi):
    fit = cox(rossi, duration="week", event="arrest", covariates=["fin", "prio"])
    chart = hazard_ratios(fit)
    row = fit.table.set_index("covariate").loc["prio"]
    assert (
        f"prio {row.hazard_ratio:.3g} [{row.hazard_ratio_ci_lower:.3g}, {row.hazard_ratio_ci_upper:.3g}]" in chart.alt
    )
    assert [t.get_text() for t in chart.fig.axes[0].get_yticklabels()] == ["fin", "prio"]


def test_reliability_diagram_states_each_bin_and_the_scores():
    y = np.array([0, 0, 1, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.15, 0.2, 0.45, 0.55, 0.8, 0.85, 0.9])
    curve = reliability_curve(y, p, bins=2)  # by hand: mean 0.225, rate 1/4 below 0.5; 0.775, 3/4 above
    v = ChurnValidation(pd.Timestamp("2026-03-01"), 8, 4, 0.5, 0.75, 0.4, 1.0, 0.2, 0.25, 0.2, 0.05, "ok", curve)
    chart = reliability_diagram(v)
    assert chart.alt == (
        "Reliability diagram of the churn model on customers active at 2026-03-01 (AUC 0.75, Brier 0.2 vs 0.25 "
        "for the base rate): predicted 22.5%: observed 25.0% of 4; predicted 77.5%: observed 75.0% of 4"
    )


def test_empty_or_unfitted_results_give_the_placeholder():
    empty_km = KaplanMeier("t", "e", None, 0.05, "log-log", pd.DataFrame(), pd.DataFrame(), None)
    assert survival_curves(empty_km).alt == "No data for survival curves in this window."
    frame = pd.DataFrame({"t": [1, 2, 3], "e": [0, 0, 0], "x": [1.0, 2.0, 3.0]})
    unfitted: Cox = cox(frame, "t", "e")
    assert hazard_ratios(unfitted).alt == "No data for hazard ratios (no churn events: nothing to fit) in this window."
    v = ChurnValidation(pd.Timestamp("2026-03-01"), 0, 0, np.nan, *[np.nan] * 6, 0.05, "not scored", pd.DataFrame())
    assert reliability_diagram(v).alt == "No data for the reliability diagram (not scored) in this window."
