"""Health figures draw the numbers their alt text states."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from journey.health import HealthConfig, health_scores, validate
from journey.health.figures import band_bars, lift_bars

RECIPE = HealthConfig.model_validate(
    {
        "components": {"engagement": {"column": "logins", "weight": 1, "worst": 0, "best": 10}},
        "bands": [{"name": "at risk", "min_score": 0}, {"name": "healthy", "min_score": 60}],
    }
)


def test_band_bars_say_customers_and_shares_per_band() -> None:
    scores = health_scores(pd.DataFrame({"customer_id": [1, 2, 3, 4], "logins": [1.0, 2.0, 9.0, None]}), RECIPE)
    chart = band_bars(scores)
    assert chart.alt == "Customers by health band: at risk: 2 (50%); healthy: 1 (25%); no data: 1 (25%)"
    assert [p.get_width() for p in chart.fig.axes[0].patches] == [2, 1, 1]
    plt.close(chart.fig)


def test_lift_bars_say_each_decile_and_the_auc() -> None:
    rng = np.random.default_rng(1)
    score = rng.uniform(0, 100, 1000)
    churned = rng.random(1000) < (score < 30)
    result = validate(score, churned)
    chart = lift_bars(result)
    assert (
        f"AUC {result.auc:.2f}" in chart.alt
        and "decile 1: " in chart.alt
        and "decile 10: 0.0% (lift 0.0x)" in chart.alt
    )
    heights = [p.get_height() for p in chart.fig.axes[0].patches]
    np.testing.assert_allclose(heights, result.table["churn_rate"])
    plt.close(chart.fig)


def test_empty_inputs_give_the_no_data_chart() -> None:
    chart = lift_bars(validate(np.array([1.0, 2.0]), np.array([0, 0])))
    assert chart.alt.startswith("No data for the health-score check (nobody churned")
    plt.close(chart.fig)
    empty = health_scores(pd.DataFrame({"customer_id": [], "logins": []}), RECIPE)
    chart = band_bars(empty)
    assert chart.alt == "No data for health bands in this window."
    plt.close(chart.fig)
