"""The calibration/holdout check: grouping by calibration frequency and its chart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from journey.clv import BetaGeo, holdout_chart, holdout_check
from journey.display.plots import Chart


def _summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "frequency": [0.0, 0.0, 1.0, 2.0, 9.0, 12.0],
            "recency": [0.0, 0.0, 3.0, 10.0, 30.0, 35.0],
            "T": [20.0, 30.0, 30.0, 35.0, 39.0, 39.0],
            "frequency_holdout": [0.0, 1.0, 1.0, 2.0, 5.0, 7.0],
            "duration_holdout": [39.0] * 6,
        }
    )


def test_groups_customers_by_calibration_frequency_with_a_top_bucket() -> None:
    model = BetaGeo(0.243, 4.414, 0.793, 2.426)
    summary = _summary()
    check = holdout_check(model, summary, max_frequency=7)
    frame = check.to_frame()
    assert frame["frequency"].tolist() == ["0", "1", "2", "7+"]
    assert frame["customers"].tolist() == [2, 1, 1, 2]
    assert frame["actual"].tolist() == [0.5, 1.0, 2.0, 6.0]
    predicted = model.conditional_expected_purchases(39.0, summary)
    assert frame["predicted"].tolist() == pytest.approx(
        [predicted[:2].mean(), predicted[2], predicted[3], predicted[4:].mean()], rel=1e-12
    )
    assert check.duration == 39.0


def test_chart_says_actual_and_predicted_per_bucket() -> None:
    check = holdout_check(BetaGeo(0.243, 4.414, 0.793, 2.426), _summary())
    chart = holdout_chart(check)
    assert isinstance(chart, Chart)
    assert "0: actual 0.50, predicted" in chart.alt and "7+: actual 6.00" in chart.alt
    ax = chart.fig.axes[0]
    assert ax.get_xlabel() == "repeat purchases in the calibration period"
    assert [line.get_label() for line in ax.get_lines()] == ["actual", "predicted (BG/NBD)"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.5, 1.0, 2.0, 6.0])
    plt.close(chart.fig)


def test_an_empty_summary_gives_the_no_data_chart() -> None:
    check = holdout_check(BetaGeo(0.2, 4.0, 0.8, 2.4), _summary().iloc[:0])
    chart = holdout_chart(check)
    assert chart.alt == "No data for the holdout check in this window."
    plt.close(chart.fig)
