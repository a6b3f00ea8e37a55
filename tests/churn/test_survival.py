"""Kaplan-Meier and the log-rank test against statsmodels SurvfuncRight / survdiff on the Rossi data."""

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from journey.churn import kaplan_meier, logrank
from journey.stats.intervals import z_quantile
from journey.validation import JourneyInputError


def test_kaplan_meier_equals_statsmodels_survfuncright_on_rossi(rossi):
    km = kaplan_meier(rossi, duration="week", event="arrest")
    # reference: statsmodels SurvfuncRight(week, arrest): surv_times, surv_prob, surv_prob_se, n_risk, n_events
    sf = SurvfuncRight(rossi["week"], rossi["arrest"])
    np.testing.assert_array_equal(km.table["time"], sf.surv_times)
    np.testing.assert_array_equal(km.table["at_risk"], sf.n_risk)
    np.testing.assert_array_equal(km.table["events"], sf.n_events)
    np.testing.assert_allclose(km.table["survival"], sf.surv_prob, rtol=1e-12)
    np.testing.assert_allclose(km.table["se"], sf.surv_prob_se, rtol=1e-10)


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_log_log_interval_is_kalbfleisch_prentice_from_greenwood_variance(rossi, alpha):
    km = kaplan_meier(rossi, duration="week", event="arrest", by="fin", alpha=alpha)
    for group in (0, 1):
        part = rossi[rossi["fin"] == group]
        sf = SurvfuncRight(part["week"], part["arrest"])
        rows = km.table[km.table["fin"] == group]
        # reference: R survfit(conf.type="log-log") from statsmodels' S and Greenwood se:
        # sigma = se / (S |log S|), interval S^exp(±z sigma)
        s, se = sf.surv_prob, sf.surv_prob_se
        sigma = se / (s * np.abs(np.log(s)))
        z = z_quantile(alpha)
        np.testing.assert_allclose(rows["survival_ci_lower"], s ** np.exp(z * sigma), rtol=1e-10)
        np.testing.assert_allclose(rows["survival_ci_upper"], s ** np.exp(-z * sigma), rtol=1e-10)


def test_linear_interval_is_greenwood_se_around_the_estimate_clipped_to_0_1():
    frame = pd.DataFrame({"t": [1, 1, 2, 3, 4], "e": [1, 1, 1, 0, 1]})
    km = kaplan_meier(frame, "t", "e", ci_method="linear")
    # reference: S ± 1.96 se, evaluated by hand from statsmodels' se, clipped to [0, 1]
    sf = SurvfuncRight(frame["t"], frame["e"])
    low = np.clip(sf.surv_prob - 1.959963984540054 * sf.surv_prob_se, 0, 1)
    np.testing.assert_allclose(km.table["survival_ci_lower"].iloc[:2], low[:2], rtol=1e-12)
    # the curve reaches 0 at t = 4 (everyone left churns): se and interval NaN, as statsmodels
    assert km.table["survival"].iloc[-1] == 0 and math.isnan(km.table["se"].iloc[-1])


def test_logrank_equals_statsmodels_survdiff_for_two_and_four_groups(rossi):
    km = kaplan_meier(rossi, duration="week", event="arrest", by="fin")
    # reference: statsmodels survdiff(week, arrest, fin) -> (chisq, pvalue)
    chisq, p = survdiff(rossi["week"], rossi["arrest"], rossi["fin"])
    assert (km.logrank.statistic, km.logrank.pvalue) == pytest.approx((chisq, p), rel=1e-10)
    assert km.logrank.df == 1
    groups = np.minimum(rossi["prio"], 3)
    chisq4, p4 = survdiff(rossi["week"], rossi["arrest"], groups)
    r = logrank(rossi["week"], rossi["arrest"], groups)
    assert (r.statistic, r.pvalue, r.df) == pytest.approx((chisq4, p4, 3), rel=1e-10)
    # observed and expected churn agree in total (the expected count redistributes the observed)
    assert r.table["observed"].sum() == pytest.approx(r.table["expected"].sum(), rel=1e-12)


def test_groups_summary_counts_customers_events_and_the_median(rossi):
    km = kaplan_meier(rossi, duration="week", event="arrest", by="fin")
    counts = rossi.groupby("fin")["arrest"].agg(["size", "sum"])
    assert km.groups["customers"].tolist() == counts["size"].tolist()
    assert km.groups["events"].tolist() == counts["sum"].tolist()
    assert km.groups["median_duration"].isna().all()  # ~70% are never arrested: no median
    frame = pd.DataFrame({"days": [2, 3, 3, 5, 8], "churned": [1, 1, 0, 1, 0]})
    # reference: by hand, S = 0.8, 0.6, 0.3 at 2, 3, 5: first time at or below 0.5 is 5
    assert kaplan_meier(frame, "days", "churned").groups["median_duration"].iloc[0] == 5.0


def test_logrank_with_one_group_is_nan_with_a_status():
    frame = pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1], "plan": ["a", "a", "a"]})
    test = kaplan_meier(frame, "t", "e", by="plan").logrank
    assert math.isnan(test.statistic) and math.isnan(test.pvalue)
    assert test.status == "one group: nothing to compare"
    assert str(test).startswith("Log-rank test: one group: nothing to compare")


def test_kaplan_meier_accepts_an_ibis_table(rossi):
    import ibis

    km = kaplan_meier(ibis.memtable(rossi), duration="week", event="arrest", by="fin")
    assert km.logrank.statistic == pytest.approx(kaplan_meier(rossi, "week", "arrest", by="fin").logrank.statistic)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"t": [1.0, -2.0], "e": [1, 0]}),
            r"^kaplan_meier data: column 't' has a negative or missing duration -2 \(first at row 1\); expected durations >= 0$",
        ),
        (
            pd.DataFrame({"t": [1.0, 2.0], "e": [1, 2]}),
            r"^kaplan_meier data: column 'e' has value 2 \(first at row 1\); expected events 0/1 \(1 = churned, 0 = censored\)$",
        ),
        (
            pd.DataFrame({"t": [1.0, np.nan], "e": [1, 0]}),
            r"^kaplan_meier data: column 't' has a negative or missing duration nan \(first at row 1\)",
        ),
        (pd.DataFrame({"t": [], "e": []}), r"^kaplan_meier data: has no rows; expected one row per customer"),
        (
            pd.DataFrame({"t": [1.0], "x": [1]}),
            r"^kaplan_meier data: missing column 'e'; expected columns present: 't', 'x'$",
        ),
    ],
)
def test_kaplan_meier_rejects_bad_input_with_one_line(frame, message):
    with pytest.raises(JourneyInputError, match=message):
        kaplan_meier(frame, "t", "e")


def test_kaplan_meier_rejects_missing_groups_and_unknown_ci_method():
    frame = pd.DataFrame({"t": [1, 2], "e": [1, 0], "plan": ["a", None]})
    with pytest.raises(JourneyInputError, match=r"^kaplan_meier data: column 'plan' is missing on 1 rows"):
        kaplan_meier(frame, "t", "e", by="plan")
    with pytest.raises(
        JourneyInputError, match=r"^ci_method: unknown value 'plain'; expected one of 'linear', 'log-log'$"
    ):
        kaplan_meier(frame, "t", "e", ci_method="plain")


def test_rendered_curve_merges_the_interval_and_names_the_method():
    km = kaplan_meier(pd.DataFrame({"t": [2, 3, 3, 5, 8], "e": [1, 1, 0, 1, 0]}), "t", "e")
    text = str(km).splitlines()
    assert text[0] == "Kaplan-Meier survival with 95% log-log intervals"
    assert text[1].split() == ["time", "at_risk", "events", "survival", "se", "survival_ci"]
    assert text[2].split()[:4] == ["2", "5", "1", "0.8"]


def test_curves_read_at_chosen_times_follow_the_steps():
    from journey.churn import kaplan_meier

    data = pd.DataFrame(
        {"days": [2, 3, 3, 5, 8, 1, 4, 6], "churned": [1, 1, 0, 1, 0, 1, 0, 1], "plan": ["a"] * 5 + ["b"] * 3}
    )
    km = kaplan_meier(data, "days", "churned", by="plan")
    at = km.at([0, 2, 4, 9]).to_frame()
    a = at[at["plan"] == "a"].set_index("time")["survival"]
    # plan a: S = 1 until 2, 4/5 from 2, 4/5 * 2/3 from 3 (one of three at risk churns, one censored)
    assert a.loc[0.0] == 1.0 and a.loc[2.0] == pytest.approx(0.8) and a.loc[4.0] == pytest.approx(0.8 * 3 / 4)
    assert math.isnan(a.loc[9.0])  # past plan a's last observation (8)
    b = at[at["plan"] == "b"].set_index("time")["survival"]
    assert b.loc[2.0] == pytest.approx(2 / 3)
