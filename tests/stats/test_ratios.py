"""Risk ratio interval against statsmodels."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.proportion import confint_proportions_2indep

from journey.stats.ratios import risk_ratio


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0"), [(30, 200, 50, 200), (0, 40, 7, 35), (12, 12, 3, 30), (5, 1000, 9, 800)]
)
def test_interval_equals_statsmodels_log_adjusted(x1, n1, x0, n0) -> None:
    # confint_proportions_2indep(x1, n1, x0, n0, compare="ratio", method="log-adjusted")
    low, high = confint_proportions_2indep(x1, n1, x0, n0, compare="ratio", method="log-adjusted")
    estimate, lower, upper = risk_ratio(x1, n1, x0, n0)
    assert lower == pytest.approx(low, rel=1e-12) and upper == pytest.approx(high, rel=1e-12)
    assert estimate == pytest.approx((x1 / n1) / (x0 / n0), rel=1e-12)


def test_no_events_in_the_reference_group_gives_nan_estimate_but_an_interval() -> None:
    estimate, lower, upper = risk_ratio(3, 50, 0, 50)
    assert math.isnan(estimate) and 0 < lower < upper


def test_an_empty_group_is_all_nan() -> None:
    assert all(math.isnan(v) for v in risk_ratio(3, 50, 0, 0))
