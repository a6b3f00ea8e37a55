"""Customer value from the fitted models, the quadrants, and their charts."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from journey.clv import QUADRANTS, BetaGeo, GammaGamma, customer_value, value_quadrants
from journey.clv.figures import clv_distribution, value_map


def test_customer_value_joins_the_models_predictions(cdnow) -> None:
    bg, gg = BetaGeo().fit(cdnow), GammaGamma().fit(cdnow)
    values = customer_value(cdnow, bg, gg, horizon=6, discount_rate=0.02)
    np.testing.assert_allclose(values["p_alive"], bg.p_alive(cdnow))
    np.testing.assert_allclose(values["expected_purchases"], bg.conditional_expected_purchases(6 * 4.345, cdnow))
    np.testing.assert_allclose(values["clv"], gg.clv(cdnow, 6, 0.02, transactions=bg))
    assert list(values.index) == list(cdnow.index)


def test_quadrants_split_at_the_median_value_and_half_alive() -> None:
    values = pd.DataFrame({"clv": [10.0, 20.0, 30.0, 40.0, np.nan], "p_alive": [0.9, 0.2, 0.6, 0.1, 0.5]})
    q = value_quadrants(values)
    assert q.value_split == 25.0  # median of the four known values
    table = q.to_frame().set_index("quadrant")
    assert list(table.index) == list(QUADRANTS)
    assert table["customers"].tolist() == [1, 1, 1, 1]  # 30 alive, 40 at risk, 10 alive, 20 lapsed
    assert table.loc["high value, at risk", "clv"] == 40.0
    assert table["clv_share"].sum() == pytest.approx(1.0)


def test_charts_state_their_numbers() -> None:
    values = pd.DataFrame({"clv": [10.0, 20.0, 30.0, 40.0] * 5, "p_alive": [0.9, 0.2, 0.6, 0.1] * 5})
    chart = clv_distribution(values)
    assert chart.alt.startswith("Histogram of 20 customers' 12-month value on a log axis: median 25")
    plt.close(chart.fig)
    chart = value_map(values, value_quadrants(values))
    assert "high value, at risk: 5 customers, 40% of value" in chart.alt
    plt.close(chart.fig)
    empty = pd.DataFrame({"clv": [], "p_alive": []})
    assert clv_distribution(empty).alt == "No data for customer lifetime value in this window."
