"""Play uplift against statsmodels on hand-built outcomes, and the statuses that replace numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import proportion as smp

from journey.plays import play_uplift
from journey.validation import JourneyInputError


def _outcomes(play: str, treated: tuple[int, int], holdout: tuple[int, int]) -> pd.DataFrame:
    """``treated``/``holdout`` are (customers, churners)."""
    rows = []
    for group, (n, x) in (("treatment", treated), ("holdout", holdout)):
        rows += [{"play": play, "variant": group, "churned": int(i < x)} for i in range(n)]
    return pd.DataFrame(rows)


def test_prevented_share_and_test_equal_statsmodels() -> None:
    frame = pd.concat([_outcomes("win-back", (400, 60), (100, 30)), _outcomes("call", (50, 10), (50, 12))])
    result = play_uplift(frame)
    row = result.get("win-back")
    assert (row["treated"], row["holdout"]) == (400, 100)
    assert row["treated_churn"] == 0.15 and row["holdout_churn"] == 0.30
    assert row["effect_size"] == pytest.approx(-0.15)
    assert row["prevented_share"] == pytest.approx(0.5)
    low, high = smp.confint_proportions_2indep(60, 400, 30, 100, compare="ratio", method="log-adjusted")
    assert row["prevented_share_ci_lower"] == pytest.approx(1 - high, rel=1e-12)
    assert row["prevented_share_ci_upper"] == pytest.approx(1 - low, rel=1e-12)
    # unpooled Wald z, as the experiments engine
    _, p = smp.test_proportions_2indep(60, 400, 30, 100, method="wald", return_results=False)
    assert row["pvalue"] == pytest.approx(p, rel=1e-9)
    assert result.to_frame()["play"].tolist() == ["call", "win-back"]


@pytest.mark.parametrize(
    ("treated", "holdout", "status"),
    [
        ((50, 5), (0, 0), "no holdout"),
        ((0, 0), (20, 4), "nobody treated"),
        ((50, 5), (20, 0), "no churn in the holdout"),
    ],
)
def test_plays_that_cannot_be_judged_say_why(treated, holdout, status) -> None:
    row = play_uplift(_outcomes("p", treated, holdout)).get("p")
    assert row["status"].startswith(status) and math.isnan(row["prevented_share"])


def test_an_unknown_group_is_a_one_line_error() -> None:
    frame = _outcomes("p", (10, 1), (10, 2)).assign(variant="control")
    with pytest.raises(
        JourneyInputError, match=r"column 'variant' has \['control'\]; expected 'treatment' or 'holdout'"
    ):
        play_uplift(frame)


def test_a_planted_effect_is_recovered_within_its_interval() -> None:
    rng = np.random.default_rng(4)
    n = 20_000
    group = np.where(rng.random(n) < 0.2, "holdout", "treatment")
    churned = rng.random(n) < np.where(group == "holdout", 0.30, 0.30 * (1 - 0.25))  # prevents 25%
    row = play_uplift(pd.DataFrame({"play": "x", "variant": group, "churned": churned})).get("x")
    assert row["prevented_share_ci_lower"] < 0.25 < row["prevented_share_ci_upper"]


def test_outcomes_count_an_order_in_the_window_after_assignment_as_reactivation() -> None:
    import ibis

    from journey.plays import play_outcomes

    t0 = pd.Timestamp("2026-06-01", tz="UTC")
    con = ibis.duckdb.connect()
    con.create_table(
        "plays",
        pd.DataFrame(
            {
                "customer_id": [1, 2, 3, 4],
                "play": "winback",
                "variant": ["treatment", "treatment", "holdout", "holdout"],
                "assigned_ts": [t0] * 4,
            }
        ),
    )
    days = pd.to_timedelta([5, 31, -1, 30], unit="D")
    con.create_table("order_history", pd.DataFrame({"customer_id": [1, 2, 3, 4], "ts": t0 + days, "amount": 10.0}))
    # 1 bought 5 days after (back); 2 after 31 days (too late); 3 before the play; 4 on day 30 (in the window)
    out = play_outcomes(con, window_days=30).execute().set_index("customer_id")["churned"]
    assert out.sort_index().tolist() == [0, 1, 1, 0]


def test_uplift_by_segment_compares_treatment_and_holdout_within_each_segment() -> None:
    a = _outcomes("p", (100, 20), (50, 20)).assign(segment="loyal")
    b = _outcomes("p", (80, 40), (40, 20)).assign(segment="new")
    table = play_uplift(pd.concat([a, b]), by="segment").to_frame()
    assert list(table.columns[:3]) == ["play", "segment", "treated"]
    loyal = table.set_index("segment").loc["loyal"]
    assert loyal["prevented_share"] == pytest.approx(1 - 0.2 / 0.4)
    assert table.set_index("segment").loc["new", "prevented_share"] == pytest.approx(0.0)
