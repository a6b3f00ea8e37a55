"""Customer success sample tables: their bytes, their shape, and the truths planted in them.

Each planted truth is checked against an independent estimate: the CLV models of
``journey.clv`` (whose own tests check them against published results), scipy and statsmodels
tests on tables built here with pandas.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from journey import clv
from journey.datasets import TABLES, build_sample, customer_truth, make_customer_tables, make_sample
from journey.datasets import customers as cs

NEW = ("order_history", "subscriptions", "support_tickets", "usage", "plays")
MONTH = pd.Timedelta(days=30.4375)

# sha256 of the event-side parquet files of build_sample(users=3000, seed=11), computed on the
# code before the customer success tables existed (commit 67c2fd3, pyarrow 26.0.1: a pyarrow
# upgrade that changes its parquet writer changes these, and only these need updating then).
OLD_BYTES = {
    "assignments.parquet": "e09cbc8eed43b87aa82c64f2430d7e57f80824e0fcb3bf73bfb269938714bc5b",
    "customers.parquet": "79653cb5a5753d3b4aec70bef7d2907ddc9552ca14e66e07a6da90968cd6203d",
    "events.parquet": "d553b1f6c6720ae42ccd4e62415d46042ef041867e44dc0fb39956cc2858d2a3",
    "feedback.parquet": "0e62c3c759ac5aaebe5ad05c148bfcd6afdc9a07be16dab473730fcae90d9b81",
    "feedback_labels.parquet": "c5d4d327668d7cccc66e54e4679b6ea1bee9063c069168324596da62adfe82bd",
    "orders.parquet": "5e71626e6a9117f0824cfec7db193fc231f589a91bb1164e879383d0f482f94f",
}


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((folder / "parquet").glob("*"))}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("built")
    return {name: build_sample(root / name, users=3000, seed=seed).parent for name, seed in [("a", 11), ("b", 11)]}


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return make_sample(users=20_000, seed=7)


@pytest.fixture(scope="module")
def large() -> dict[str, pd.DataFrame]:
    """40,000 customers without events: enough for the model parameters to be recovered."""
    return make_customer_tables(cs.make_customers(40_000, seed=1), seed=1)


def test_event_tables_keep_their_bytes(built):
    digest = _digest(built["a"])
    assert {name: digest[name] for name in OLD_BYTES} == OLD_BYTES


def test_same_seed_gives_the_same_bytes_in_every_new_table(built, tmp_path):
    first, second = _digest(built["a"]), _digest(built["b"])
    assert {f"{t}.parquet" for t in NEW} <= set(first)
    assert first == second
    other = _digest(build_sample(tmp_path / "c", users=3000, seed=12).parent)
    assert all(other[f"{t}.parquet"] != first[f"{t}.parquet"] for t in NEW)


def test_new_tables_are_in_the_database(built):
    import duckdb

    assert set(NEW) <= set(TABLES)
    with duckdb.connect(str(built["a"] / "journey.duckdb"), read_only=True) as con:
        for table in NEW:
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert rows == pd.read_parquet(built["a"] / "parquet" / f"{table}.parquet").shape[0] > 0


def test_order_history_spans_two_years_for_every_customer(sample):
    orders, customers = sample["order_history"], sample["customers"]
    assert orders["ts"].min() >= pd.Timestamp(cs.HISTORY_START)
    assert orders["ts"].max() < pd.Timestamp(cs.END)
    assert orders["ts"].max() - orders["ts"].min() >= pd.Timedelta(days=2 * 365)
    assert set(orders["customer_id"]) == set(customers["customer_id"])
    assert orders["order_id"].is_unique and (orders["amount"] > 0).all()
    first = orders.groupby("customer_id")["ts"].min()
    signup = customers.set_index("customer_id")["signup_ts"]
    assert (first <= signup.loc[first.index]).all()  # acquired before the web account


def _relative_errors(fitted: pd.Series, truth: dict[str, float]) -> dict[str, float]:
    return {name: abs(fitted[name] - value) / value for name, value in truth.items()}


def test_bgnbd_and_gamma_gamma_parameters_are_recovered_from_order_history(large):
    # Fit before the win-back play, whose offer orders are the only ones outside the process.
    summary = clv.rfm_summary(large["order_history"], date="ts", amount="amount", calibration_end="2026-05-31")
    bgnbd = clv.BetaGeo().fit(summary)
    assert bgnbd.status == "ok"
    # Standard errors at 40,000 customers: about 1.2% (r), 1.6% (alpha), 4% (a), 5% (b). Merging
    # purchases on one day (rfm_summary's definition) drops ~2% of repeat purchases, which moves
    # r and alpha up by 3-7% (a fit on continuous times recovers them within one standard error).
    tolerance = {"r": 0.08, "alpha": 0.12, "a": 0.12, "b": 0.15}
    errors = _relative_errors(bgnbd.params, cs.BGNBD)
    assert all(errors[k] < tolerance[k] for k in tolerance), errors
    spend = clv.GammaGamma().fit(summary)
    # Standard errors: about 4% (p), 2% (q), 6% (gamma); three of them each.
    tolerance = {"p": 0.12, "q": 0.06, "gamma": 0.18}
    errors = _relative_errors(spend.params, cs.GAMMA_GAMMA)
    assert all(errors[k] < tolerance[k] for k in tolerance), errors


def _survivors(subscriptions: pd.DataFrame, plan: str, periods: int) -> list[int]:
    """Cohort survivors at renewals 0..periods, pooled over the cohorts whose first ``periods``
    renewals all fall before the drivers start (the pure shifted-beta-geometric part)."""
    cohort = subscriptions[
        (subscriptions["plan"] == plan)
        & (subscriptions["start_ts"] + pd.Timedelta(days=31 * periods) <= pd.Timestamp(cs.TELEMETRY_START))
    ]
    months = ((cohort["end_ts"] - cohort["start_ts"]) / MONTH).round().fillna(np.inf)
    return [int((months > t).sum()) for t in range(periods + 1)]


@pytest.mark.parametrize("plan", ["basic", "plus", "premium"])
def test_sbg_parameters_are_recovered_per_plan(large, plan):
    survivors = _survivors(large["subscriptions"], plan, periods=9)
    assert survivors[0] > 3000
    model = clv.ShiftedBetaGeometric().fit(survivors)
    assert model.status == "ok"
    # About 3,700 subscribers per plan: standard errors of 6-11% (alpha) and 8-12% (beta); the
    # two are strongly correlated, so both sit within three of them of the truth.
    for name, value in zip(("alpha", "beta"), cs.SBG[plan], strict=True):
        assert abs(model.params[name] - value) < 3 * model.standard_errors[name], (name, model.params.to_dict())


def test_subscriptions_follow_the_customers_paid_plans(sample):
    subs, customers = sample["subscriptions"], sample["customers"]
    paid = customers[customers["plan"].isin(cs.PLANS)].set_index("customer_id")["plan"]
    assert sorted(subs["customer_id"]) == sorted(paid.index)
    assert (subs.set_index("customer_id")["plan"] == paid.loc[subs["customer_id"]].to_numpy()).all()
    assert (subs["monthly_price"] == subs["plan"].map(cs.PLAN_PRICE)).all()
    ended = subs.dropna(subset=["end_ts"])
    assert (ended["end_ts"] > ended["start_ts"]).all() and (ended["end_ts"] < pd.Timestamp(cs.END)).all()
    months = (ended["end_ts"] - ended["start_ts"]) / MONTH
    assert (months - months.round()).abs().max() < 0.2  # ends fall on a monthly renewal
    assert 0.2 < subs["end_ts"].isna().mean() < 0.8


def _renewals(sample: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per subscription and renewal from four weeks after TELEMETRY_START: whether it was
    cancelled there, and the three drivers as an analyst measures them from the tables."""
    subs, tickets, usage = sample["subscriptions"], sample["support_tickets"], sample["usage"]
    length = ((subs["end_ts"] - subs["start_ts"]) / MONTH).round()
    rows = []
    for k in range(1, 30):
        when = subs["start_ts"] + k * MONTH
        due = (when >= pd.Timestamp(cs.TELEMETRY_START) + pd.Timedelta(days=28)) & (when < pd.Timestamp(cs.END))
        due &= length.isna() | (length >= k)
        rows.append(pd.DataFrame({"customer_id": subs["customer_id"][due], "at": when[due], "churn": length[due] == k}))
    renewals = pd.concat(rows, ignore_index=True).reset_index(names="renewal")
    open_tickets = renewals.merge(tickets[tickets["resolved_ts"].isna()], on="customer_id")
    recent = (open_tickets["opened_ts"] < open_tickets["at"]) & (
        open_tickets["opened_ts"] >= open_tickets["at"] - pd.Timedelta(days=cs.DRIVER_WINDOW_DAYS)
    )
    renewals["unresolved_ticket"] = renewals["renewal"].isin(open_tickets.loc[recent, "renewal"])
    weeks = renewals.merge(usage, on="customer_id")
    weeks = weeks[(weeks["week_start"] < weeks["at"]) & (weeks["week_start"] >= weeks["at"] - pd.Timedelta(days=28))]
    adoption = weeks.groupby("renewal")["features_used"].mean() / cs.FEATURES  # per week with a login
    renewals["low_adoption"] = renewals["renewal"].map(adoption).fillna(0.0) < 0.25  # no login: low too
    themes = sample["feedback"].merge(sample["feedback_labels"], on="feedback_id")
    crash = themes[themes["theme"] == "app_crash"].dropna(subset=["customer_id"]).groupby("customer_id")["ts"].min()
    renewals["app_crash"] = renewals["customer_id"].map(crash).lt(renewals["at"]).fillna(False).astype(bool)
    return renewals


def test_unresolved_tickets_low_adoption_and_app_crashes_drive_cancellations(sample):
    renewals = _renewals(sample)
    drivers = ["unresolved_ticket", "low_adoption", "app_crash"]
    assert renewals[drivers].sum().min() > 80
    for driver in drivers:
        rate = renewals.groupby(driver)["churn"].mean()
        assert rate[True] > 1.25 * rate[False], (driver, rate.to_dict())
        # scipy.stats.chi2_contingency on the renewal x cancellation table
        assert stats.chi2_contingency(pd.crosstab(renewals[driver], renewals["churn"]).to_numpy())[1] < 0.01
    # statsmodels GLM, binomial with complementary log-log link: the planted model's own form
    # (1 - (1 - theta) ** HR). The unobserved theta attenuates the ratios (survivor selection),
    # so each lies between 1 and its planted value plus the sampling error.
    X = sm.add_constant(renewals[drivers].astype(float))
    fit = sm.GLM(renewals["churn"].astype(float), X, family=sm.families.Binomial(sm.families.links.CLogLog())).fit()
    ratios = np.exp(fit.params[drivers])
    upper = np.exp(fit.params[drivers] + 2 * fit.bse[drivers])
    assert (fit.pvalues[drivers] < 0.01).all() and (ratios > 1.2).all()
    assert all(upper[d] > 1.0 and ratios[d] < cs.HAZARD_RATIO[d] * 1.5 for d in drivers), ratios.to_dict()


def test_winback_holdout_is_random_and_lapsed(sample):
    plays, orders = sample["plays"], sample["order_history"]
    assert set(plays["play"]) == {cs.PLAY} and plays["customer_id"].is_unique
    assert (plays["assigned_ts"] == pd.Timestamp(cs.PLAY_TS)).all()
    holdout = int((plays["variant"] == "holdout").sum())
    # scipy.stats.binomtest: the holdout share is the stated one
    assert stats.binomtest(holdout, len(plays), cs.HOLDOUT_SHARE).pvalue > 0.001
    before = orders.merge(plays, on="customer_id")
    before = before[before["ts"] < before["assigned_ts"]]
    last = before.groupby("customer_id")["ts"].max()
    assert len(last) == len(plays)
    assert (last <= pd.Timestamp(cs.PLAY_TS) - pd.Timedelta(days=cs.LAPSED_DAYS)).all()


def test_winback_offer_has_a_real_effect_on_reactivation(sample):
    plays, orders = sample["plays"], sample["order_history"]
    window = plays.merge(orders[["customer_id", "ts"]], on="customer_id", how="left")
    window["back"] = (window["ts"] > window["assigned_ts"]) & (
        window["ts"] <= window["assigned_ts"] + pd.Timedelta(days=cs.WINBACK_WINDOW_DAYS)
    )
    per_customer = window.groupby(["customer_id", "variant"])["back"].any().reset_index()
    counts = per_customer.groupby("variant")["back"].agg(["sum", "size"]).loc[["treatment", "holdout"]]
    rate = counts["sum"] / counts["size"]
    # statsmodels proportions_ztest(count, nobs, alternative="larger"): treatment > holdout
    assert proportions_ztest(counts["sum"], counts["size"], alternative="larger")[1] < 0.01
    expected = cs.WINBACK_UPLIFT * (1 - rate["holdout"])
    se = np.sqrt((rate * (1 - rate) / counts["size"]).sum())
    assert abs(rate["treatment"] - rate["holdout"] - expected) < 3 * se


def test_tickets_and_usage_measure_support_and_adoption(sample):
    tickets, usage = sample["support_tickets"], sample["usage"]
    assert tickets["opened_ts"].min() >= pd.Timestamp(cs.TELEMETRY_START)
    resolved = tickets.dropna(subset=["resolved_ts"])
    assert (resolved["resolved_ts"] > resolved["opened_ts"]).all()
    assert set(tickets["topic"]) == set(cs.TICKET_TOPICS)
    assert tickets["satisfaction"].dropna().between(1, 5).all() and tickets["satisfaction"].isna().any()
    # scipy.stats.mannwhitneyu: never-resolved tickets are rated lower
    score = tickets.dropna(subset=["satisfaction"])
    open_ = score["resolved_ts"].isna()
    assert stats.mannwhitneyu(score.loc[open_, "satisfaction"], score.loc[~open_, "satisfaction"]).pvalue < 1e-6
    assert (usage["week_start"].dt.dayofweek == 0).all() and (usage["week_start"] >= cs.TELEMETRY_START).all()
    assert (usage["logins"] >= 1).all() and usage["features_used"].between(0, cs.FEATURES).all()


def test_truth_matches_the_tables_and_stays_out_of_them(sample):
    truth = customer_truth(sample["customers"], sample["feedback"], sample["feedback_labels"], seed=7)
    assert not any("dropout" in c or "churn_prob" in c for name in NEW for c in sample[name].columns)
    # No purchase after a customer's true dropout, except the win-back offer's.
    orders = sample["order_history"].merge(truth[["customer_id", "dropout_ts", "offer_purchase"]], on="customer_id")
    late = orders[orders["ts"] > orders["dropout_ts"]]
    assert late["offer_purchase"].all() and late.groupby("customer_id").size().max() == 1
    # Low adopters (the planted trait) use far fewer features per active week.
    adoption = sample["usage"].groupby("customer_id")["features_used"].mean() / cs.FEATURES
    low = truth.set_index("customer_id")["low_adopter"].loc[adoption.index]
    assert adoption[low].mean() < 0.2 < 0.4 < adoption[~low].mean()


def test_customers_without_the_needed_columns_or_window_are_refused():
    from journey.validation import JourneyInputError

    customers = cs.make_customers(10, seed=0)
    with pytest.raises(JourneyInputError, match=r"^customers: missing column 'plan'; expected columns present"):
        make_customer_tables(customers.drop(columns=["plan"]))
    naive = customers.assign(signup_ts=customers["signup_ts"].dt.tz_localize(None))
    with pytest.raises(JourneyInputError, match=r"^customers: column 'signup_ts' has type datetime64\[us\]"):
        make_customer_tables(naive)
    early = customers.assign(signup_ts=customers["signup_ts"] - pd.Timedelta(days=400))
    with pytest.raises(JourneyInputError, match=r"^customers: column 'signup_ts' has values outside the events"):
        make_customer_tables(early)
