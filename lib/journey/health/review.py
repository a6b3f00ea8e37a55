"""The customer-health review: value, survival, churn risk, health and plays, computed once.

Notebook 70 shows these parts; computing them here keeps the notebook to calls and prose and
lets the tests check every number. Each part degrades on its own: a model that cannot be
fitted (a week with no churn, a new source without subscriptions) leaves its part ``None``
with the reason in ``notes``, and the rest of the review still renders.

Time line: ``cutoff`` is the end of the data the review uses. The churn model is fitted on the
customers active at ``cutoff - 2 horizon`` (labels known at ``cutoff - horizon``), validated on
those active at ``cutoff - horizon`` (labels known at the cutoff), and scores today's customers.
The health score is validated the same way: scores at ``cutoff - horizon`` against subscription
ends in the horizon after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from journey import churn, clv, plays
from journey.data.days import utc_instant
from journey.data.sources import DataLike, as_table
from journey.data.window import latest_day
from journey.display.results import TableResult
from journey.display.text import percent
from journey.health.config import HealthConfig
from journey.health.features import customer_features, subscription_churn_after
from journey.health.score import HealthScores, health_scores
from journey.health.trend import BandTrend, band_trend
from journey.health.validation import HealthValidation, validate
from journey.validation import JourneyInputError

MODEL_FEATURES = ("logins_4w", "feature_adoption", "spend_365d", "unresolved_tickets", "negative_feedback")


@dataclass(frozen=True, slots=True)
class AtRisk(TableResult):
    """The customers with the most value at stake: ``expected_loss`` = churn probability × CLV.
    Customers appear by id only; no name, email or other personal data reaches the report."""

    table: pd.DataFrame

    def report_caption(self) -> str:
        return "Customers with the most value at stake (churn probability × 12-month value), by id"

    def display_units(self) -> dict[str, str]:
        return {"churn_probability": "percent"}

    def _shown(self) -> pd.DataFrame:
        from journey.display.results import display_frame

        return display_frame(self.table.astype({"customer_id": str}), self.display_units())


@dataclass(frozen=True, slots=True)
class CustomerHealthReview:
    """Every part of the review (see the module docstring); ``notes`` says which parts are missing and why."""

    cutoff: pd.Timestamp
    horizon_days: int
    values: pd.DataFrame | None
    quadrants: clv.ValueQuadrants | None
    purchase_model: clv.BetaGeo | None
    survival: churn.KaplanMeier | None
    model: churn.ChurnModel | None
    scores: HealthScores
    trend: BandTrend
    validation: HealthValidation
    uplift: plays.PlayUplift | None
    at_risk: AtRisk | None
    plan: plays.PlayPlan | None
    notes: list[str] = field(default_factory=list)
    customer_risk: pd.DataFrame | None = None
    """Every scored customer today: ``customer_id``, ``churn_probability``, ``clv``, ``expected_loss``, band."""

    def kpis(self) -> list[tuple[str, float, str]]:
        """The review's headline numbers for the index's history: ``(name, value, unit)``."""
        out: list[tuple[str, float, str]] = []
        if self.values is not None:
            out.append(("12-month value", float(self.values["clv"].sum()), ""))
        bands = self.scores.band_counts().set_index("band")
        first = self.scores.recipe.bands[0].name
        if first in bands.index:
            out.append((f"share {first}", float(bands.loc[first, "share"]), "%"))
        if self.model is not None and self.model.status == "ok":
            out.append(("churn model AUC", float(self.model.validation.auc), ""))
        return out

    def summary(self) -> list[str]:
        """3-6 sentences for the executive summary, built only from the parts."""
        out = []
        if self.quadrants is not None:
            q = self.quadrants.to_frame().set_index("quadrant")
            total = q["clv"].sum()
            risk = q.loc["high value, at risk"]
            out.append(
                f"The {int(q['customers'].sum()):,} customers are expected to spend {total:,.0f} over the next "
                f"12 months; {int(risk['customers']):,} high-value customers who are probably lapsing hold "
                f"{percent(risk['clv_share'], 0)} of it."
            )
        if self.survival is not None and self.survival.logrank is not None:
            groups = self.survival.groups.sort_values("median_duration")
            by = self.survival.by
            short, long_ = groups.iloc[0], groups.iloc[-1]
            out.append(
                f"Half of {long_[by]} subscriptions last {long_['median_duration']:.0f} days or more, against "
                f"{short['median_duration']:.0f} on {short[by]} (log-rank p = {self.survival.logrank.pvalue:.2g})."
            )
        if self.model is not None and self.model.status == "ok":
            v = self.model.validation
            top = self.model.table[self.model.table["term"] != "const"].sort_values("odds_ratio").iloc[-1]
            out.append(
                f"The churn model ranks customers who churned in the following {self.horizon_days} days with AUC "
                f"{v.auc:.2f} ({v.auc_ci_lower:.2f} to {v.auc_ci_upper:.2f}); the strongest driver is "
                f"{top['term'].replace('_', ' ')} (odds ratio {top['odds_ratio']:.2f})."
            )
        bands = self.scores.band_counts().set_index("band")
        first = self.scores.recipe.bands[0].name
        if first in bands.index:
            out.append(
                f"{percent(bands.loc[first, 'share'], 0)} of active customers are in the '{first}' health band; "
                + (
                    f"the score ranked later cancellations with AUC {self.validation.auc:.2f}."
                    if self.validation.status == "ok"
                    else f"its ranking could not be checked ({self.validation.status})."
                )
            )
        if self.uplift is not None and not self.uplift.table.empty:
            row = self.uplift.table.iloc[0]
            if row["status"] == "ok":
                out.append(
                    f"The {row['play'].replace('_', ' ')} brought back {-row['effect_size'] * 100:.1f} percentage "
                    f"points more of the lapsed customers than its random holdout (p = {row['pvalue']:.2g})."
                )
        if self.plan is not None and not self.plan.table.empty:
            value = self.plan.table["expected_value"].sum()
            out.append(
                f"Running the best play for each of {len(self.plan.table):,} at-risk customers is worth an expected "
                f"{value:,.0f}."
            )
        out += [f"Not in this report: {note}" for note in self.notes]
        return out


def _model_features(features: pd.DataFrame) -> pd.DataFrame:
    """The health features as model covariates: no missing values (no feedback = not negative)."""
    frame = features.set_index("customer_id")
    frame["negative_feedback"] = (frame["feedback_sentiment"] < -0.05).astype(float)
    return frame[list(MODEL_FEATURES)].astype(float)


def review(
    source: DataLike,
    cutoff: str | dt.datetime,
    recipe: HealthConfig,
    horizon_days: int = 56,
    top: int = 20,
    trend_weeks: int = 8,
) -> CustomerHealthReview:
    """Compute every part of the customer-health review at ``cutoff`` (see the module docstring)."""
    at = utc_instant(cutoff, "cutoff")
    notes: list[str] = []
    built: dict[pd.Timestamp, pd.DataFrame] = {}

    def features_at(moment: pd.Timestamp) -> pd.DataFrame:
        """The health features at a cutoff, built once per review (several parts read the same cutoff)."""
        if moment not in built:
            built[moment] = customer_features(source, moment)
        return built[moment].copy()

    con = source
    # value: BG/NBD + Gamma-Gamma on the order history
    values = quadrants = purchases = None
    try:
        summary = clv.rfm_summary(as_table(con, "order_history"), date="ts", observation_end=at)
        purchases, spend = clv.BetaGeo().fit(summary), clv.GammaGamma().fit(summary)
        if purchases.status == "ok" and spend.status == "ok":
            values = clv.customer_value(summary, purchases, spend)
            quadrants = clv.value_quadrants(values)
        else:
            notes.append(f"Customer value not computed: {purchases.status}; {spend.status}.")
    except JourneyInputError as exc:
        notes.append(f"Customer value not computed: {exc}")
    # survival of subscriptions by plan
    survival = None
    try:
        subs = churn.churn_from_subscriptions(as_table(con, "subscriptions"), observation_end=at)
        survival = churn.kaplan_meier(subs, "duration_days", "churned", by="plan")
    except JourneyInputError as exc:
        notes.append(f"Subscription survival not computed: {exc}")
    # churn model, out of time, on weekly usage plus the health features
    model = None
    h = pd.Timedelta(days=horizon_days)
    try:
        usage = as_table(con, "usage")
        # labels need activity through the horizon: count back from the last recorded week, not the cutoff
        last_week = pd.Timestamp(latest_day(usage, "week_start"), tz="UTC")
        model_end = min(at, last_week)
        past_cut, later_cut = model_end - 2 * h, model_end - h
        past = churn.snapshot(
            usage, past_cut, horizon_days, date="week_start", features=_model_features(features_at(past_cut))
        )
        later = churn.snapshot(
            usage, later_cut, horizon_days, date="week_start", features=_model_features(features_at(later_cut))
        )
        # a feature with one value in the training snapshot (no feedback before a date) cannot be fitted
        varying = [c for c in MODEL_FEATURES if past.table[c].nunique() > 1]
        model = churn.churn_model(past, later, covariates=["days_since_last", "tenure_days", *varying])
        if model.status != "ok":
            notes.append(f"Churn model not fitted: {model.status}.")
    except JourneyInputError as exc:
        notes.append(f"Churn model not fitted: {exc}")
    # health: today, its trend, and its check against later cancellations
    scores = health_scores(features_at(at), recipe)
    trend = band_trend(con, at, recipe, weeks=trend_weeks, features=features_at)
    earlier = health_scores(features_at(at - h), recipe).to_frame()
    try:
        labels = subscription_churn_after(con, at - h, horizon_days)
    except JourneyInputError as exc:
        notes.append(f"Health score not checked against cancellations: {exc}")
        labels = pd.DataFrame({"customer_id": [], "churned": []})
    checked = earlier.merge(labels, on="customer_id")
    health_check = validate(checked["score"].to_numpy(float), checked["churned"].to_numpy(int))
    # plays and who is most at risk
    uplift = None
    try:
        uplift = plays.play_uplift(plays.play_outcomes(con))
    except JourneyInputError as exc:
        notes.append(f"Past plays not read: {exc}")
    at_risk = plan = customer_risk = None
    if model is not None and model.status == "ok" and values is not None:
        current = churn.current_features(
            as_table(con, "usage"), at, horizon_days, date="week_start", features=_model_features(features_at(at))
        ).fillna(0.0)
        risk = model.predict(current).rename("churn_probability").to_frame()
        risk.index.name = "customer_id"
        joined = risk.join(values[["clv"]], how="inner").join(
            scores.to_frame().set_index("customer_id")[["band", "drivers"]], how="left"
        )
        joined["expected_loss"] = joined["churn_probability"] * joined["clv"]
        customer_risk = joined.reset_index()
        ranked = joined.sort_values("expected_loss", ascending=False, kind="stable").head(top).reset_index()
        at_risk = AtRisk(ranked[["customer_id", "churn_probability", "clv", "expected_loss", "band", "drivers"]])
        if uplift is not None:
            plan = plays.assign_plays(joined.reset_index(), uplift)
    return CustomerHealthReview(
        at, horizon_days, values, quadrants, purchases, survival, model, scores, trend, health_check, uplift,
        at_risk, plan, notes, customer_risk,
    )  # fmt: skip


__all__ = ["MODEL_FEATURES", "AtRisk", "CustomerHealthReview", "review"]
