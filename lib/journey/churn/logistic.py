"""A logistic churn model validated out of time, and the ranked risk list it produces.

**Out of time by construction.** A :class:`Snapshot` is the customers still active at one
``cutoff``: their features from data on or before the cutoff, and whether they churned in
the ``horizon_days`` after it (no activity in ``(cutoff, cutoff + horizon]``: churn declared
within the horizon, as :func:`journey.churn.churn_from_activity` declares it with
``inactive_days = horizon_days``). :func:`churn_model` takes two snapshots, fits on the earlier
and scores the later, and refuses a later cutoff that falls inside the earlier one's label
window: the model must be one that could have been fitted before the period it is judged
on. There is no argument that splits one snapshot, so a random split of one period, which
lets the same weeks' behaviour leak into training and test and flatters the AUC, cannot be
asked for.

**What is reported.** Coefficients with Wald intervals and odds ratios (statsmodels ``Logit``);
on the later snapshot, the AUC with DeLong's interval, the Brier score beside the base rate's,
and the reliability curve (:mod:`journey.stats.classification`). A model that cannot be
fitted (no churners or no stayers in the training snapshot, a constant or collinear
feature, a feature that separates churners perfectly) has NaN estimates and a ``status``.

**The risk list.** Customers of a snapshot in order of predicted churn probability, each with
the features that push their risk up most: feature ``j`` contributes ``β_j (x_j − x̄_j)`` to
the log-odds, relative to the average customer of the training snapshot.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

from journey.churn.checks import shown_value
from journey.data.days import day_column, day_number  # the same day arithmetic as rfm_summary
from journey.data.sources import DataLike, as_table
from journey.display.results import ResultMixin, TableResult, display_frame
from journey.stats.classification import auc, brier, reliability_curve
from journey.stats.intervals import wald_table
from journey.validation import input_error, quote_list, require_columns

NAN = math.nan
EPOCH = pd.Timestamp("1970-01-01")
ACTIVITY_FEATURES = ("days_since_last", "tenure_days", "active_days_30", "active_days_90")
SEPARATION_LIMIT = 8.0  # |β·sd(x)| beyond this (odds ×3,000 per sd) is separation, not an estimate


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The customers still active at ``cutoff`` (``table``, indexed by customer): feature columns
    from data on or before the cutoff and ``churned`` (1 when they churned within
    ``horizon_days`` after it)."""

    cutoff: pd.Timestamp
    horizon_days: int
    table: pd.DataFrame

    def __post_init__(self) -> None:
        where = f"snapshot at {self.cutoff.date()}"
        require_columns(self.table.columns, ["churned"], where)
        if self.table.empty:
            raise input_error(where, "has no customers", "customers active at the cutoff")
        values = self.table["churned"].to_numpy(dtype=object)
        bad = [i for i, v in enumerate(values) if v not in (0, 1)]  # NaN and None are not in it either
        if bad:
            raise input_error(
                where, f"column 'churned' has value {shown_value(values[bad[0]])} (first at row {bad[0]})", "0/1"
            )
        missing = self.table.isna().any(axis=0)
        if missing.any():
            name = str(missing[missing].index[0])
            rows = int(self.table[name].isna().sum())
            raise input_error(
                where,
                f"feature {name!r} is missing for {rows:,} customers",
                "a value for every customer (fill with 0 where absence means none)",
            )


def snapshot(
    activity: DataLike,
    cutoff: str | dt.date | dt.datetime,
    horizon_days: int,
    customer: str = "customer_id",
    date: str = "ts",
    features: pd.DataFrame | None = None,
) -> Snapshot:
    """The customers active at ``cutoff`` with activity features and their churn label.

    Active at the cutoff: some activity on or before it and none of ``horizon_days`` quiet
    days ending on or before it (churn not yet declared). Features, from activity on or
    before the cutoff only: ``days_since_last``, ``tenure_days`` (since the first activity),
    ``active_days_30`` and ``active_days_90`` (active days in the 30 and 90 days to the cutoff).
    ``features`` adds the caller's own per-customer columns (indexed by customer, computed as
    of the same cutoff: support tickets, adoption, ...). The label needs the activity data to
    reach ``cutoff + horizon_days``; the grouping runs in the engine.
    """
    out, frame, cut, h = _features(activity, cutoff, horizon_days, customer, date, features, labelled=True)
    out["churned"] = (frame["later"] == 0).astype(int)
    return Snapshot(EPOCH + pd.Timedelta(days=cut), h, out)


def current_features(
    activity: DataLike,
    cutoff: str | dt.date | dt.datetime,
    horizon_days: int,
    customer: str = "customer_id",
    date: str = "ts",
    features: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The features of :func:`snapshot` for the customers active at ``cutoff``, without a label:
    what a fitted :class:`ChurnModel` scores today, when the horizon after the cutoff has not
    happened yet (``ChurnModel.risk_list(current_features(...))``)."""
    out, _, _, _ = _features(activity, cutoff, horizon_days, customer, date, features, labelled=False)
    return out


def _features(activity, cutoff, horizon_days, customer, date, features, labelled: bool):
    """The activity features at ``cutoff`` (and, when ``labelled``, the activity after it)."""
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, np.integer)) or horizon_days < 1:
        raise input_error("parameter 'horizon_days'", f"{horizon_days!r}", "a whole number of days >= 1")
    where = "activity"
    table = as_table(activity, "activity")
    require_columns(table.columns, [customer, date], where)
    rows = table.select(customer=table[customer], day=day_column(table, date, where))
    cut = day_number(cutoff, "cutoff")
    h = int(horizon_days)
    last_day = rows.day.max().execute()
    if last_day is None or pd.isna(last_day):
        raise input_error(where, "has no rows", "one row per activity (purchase, login, ...)")
    if labelled and int(last_day) < cut + h:
        raise input_error(
            where,
            f"ends on {(EPOCH + pd.Timedelta(days=int(last_day))).date()}, before cutoff + horizon "
            f"{(EPOCH + pd.Timedelta(days=cut + h)).date()}",
            "activity through the whole horizon after the cutoff (a label needs it observed)",
        )
    days = rows.filter(rows.day <= cut + h).distinct()
    before = days.day <= cut
    per = days.group_by("customer").aggregate(
        first=days.day.min(where=before),
        last=days.day.max(where=before),
        active_days_30=(before & (days.day > cut - 30)).sum(),
        active_days_90=(before & (days.day > cut - 90)).sum(),
        later=(days.day > cut).sum(),
    )
    frame = per.filter(per["last"].notnull() & (per["last"] + h > cut)).execute()
    if frame.empty:
        raise input_error(where, f"no customer is active at cutoff {cutoff!r}", "activity before the cutoff")
    frame = frame.sort_values("customer", kind="stable").set_index("customer")
    out = pd.DataFrame(index=frame.index.rename(customer))
    out["days_since_last"] = (cut - frame["last"]).astype(float)
    out["tenure_days"] = (cut - frame["first"]).astype(float)
    out["active_days_30"] = frame["active_days_30"].astype(float)
    out["active_days_90"] = frame["active_days_90"].astype(float)
    if features is not None:
        clash = [c for c in features.columns if c in out.columns or c == "churned"]
        if clash:
            raise input_error("features", f"column {quote_list(clash)} is computed by snapshot", "other names")
        out = out.join(features, how="left")
    return out, frame, cut, h


@dataclass(frozen=True, slots=True)
class ChurnValidation(ResultMixin):
    """The model scored on the later snapshot: ``n_obs`` customers, ``churners`` and the
    ``churn_rate``; ``auc`` with DeLong's ``1 − alpha`` interval; ``brier`` beside
    ``brier_reference`` (the base rate's) and ``brier_skill``; ``reliability`` (observed vs
    predicted by bin); ``status`` (``"ok"`` or why a number is NaN)."""

    cutoff: pd.Timestamp
    n_obs: int
    churners: int
    churn_rate: float
    auc: float
    auc_ci_lower: float
    auc_ci_upper: float
    brier: float
    brier_reference: float
    brier_skill: float
    alpha: float
    status: str
    reliability: pd.DataFrame = field(repr=False)

    def report_caption(self) -> str:
        return f"Churn model scored out of time on customers active at {self.cutoff.date()}"

    def to_frame(self) -> pd.DataFrame:
        names = ("n_obs", "churners", "churn_rate", "auc", "auc_ci_lower", "auc_ci_upper")
        row = {name: getattr(self, name) for name in names}
        row |= {"brier": self.brier, "brier_reference": self.brier_reference, "brier_skill": self.brier_skill}
        return pd.DataFrame([row])


@dataclass(frozen=True, slots=True)
class RiskList(TableResult):
    """Customers by predicted churn probability (``rank`` 1 = most at risk), with ``reasons``:
    the features that raise each one's log-odds most above the average customer's."""

    cutoff: pd.Timestamp
    status: str
    table: pd.DataFrame

    def report_caption(self) -> str:
        if self.status != "ok":
            return f"Churn risk at {self.cutoff.date()}: no model ({self.status})"
        return f"Customers most at risk of churning after {self.cutoff.date()}"

    def display_units(self) -> dict[str, str]:
        return {"churn_probability": "percent"}

    def _shown(self) -> pd.DataFrame:  # a customer id is a label, not a number: 1453, never "1,453"
        return display_frame(self.to_frame().astype({"customer": str}), self.display_units())


@dataclass(frozen=True, slots=True)
class ChurnModel(TableResult):
    """A logistic churn model fitted on the snapshot at ``train_cutoff`` and validated on the one at
    ``test_cutoff``: ``params`` (log-odds per unit, with ``const``), ``standard_errors``,
    ``table`` (per term: ``coef``, ``se``, its interval, ``odds_ratio`` and its interval,
    ``pvalue``), ``validation`` and ``status``."""

    covariates: tuple[str, ...]
    train_cutoff: pd.Timestamp
    test_cutoff: pd.Timestamp
    horizon_days: int
    alpha: float
    params: pd.Series
    standard_errors: pd.Series
    table: pd.DataFrame
    n_train: int
    train_churn_rate: float
    means: pd.Series = field(repr=False)
    validation: ChurnValidation = field(repr=False)
    status: str = "ok"

    def report_caption(self) -> str:
        if self.status != "ok":
            return f"Churn model: not fitted ({self.status})"
        return (
            f"Churn model (logistic) fitted at {self.train_cutoff.date()} on {self.n_train:,} customers, "
            f"{self.horizon_days}-day horizon: coefficients with {1 - self.alpha:.0%} intervals"
        )

    def _design(self, data: Snapshot | pd.DataFrame) -> pd.DataFrame:
        frame = data.table if isinstance(data, Snapshot) else data
        require_columns(frame.columns, self.covariates, "churn model scoring data")
        return frame[list(self.covariates)].astype(float)

    def predict(self, data: Snapshot | pd.DataFrame) -> pd.Series:
        """Churn probability within the horizon per customer (NaN when the model was not fitted)."""
        x = self._design(data)
        beta = self.params[list(self.covariates)].to_numpy(float)
        return pd.Series(expit(self.params["const"] + x.to_numpy() @ beta), index=x.index, name="churn_probability")

    def risk_list(self, data: Snapshot | pd.DataFrame, top: int | None = 50, reasons: int = 3) -> RiskList:
        """The ``top`` customers of ``data`` by churn probability, each with up to ``reasons``
        features that raise their risk (``name +0.84``: log-odds above the average customer)."""
        cutoff = data.cutoff if isinstance(data, Snapshot) else self.test_cutoff
        columns = ["rank", "customer", "churn_probability", "reasons"]
        if self.status != "ok":
            return RiskList(cutoff, self.status, pd.DataFrame(columns=columns))
        x = self._design(data)
        probability = self.predict(data)
        beta = self.params[list(self.covariates)].to_numpy(float)
        contributions = (x.to_numpy() - self.means[list(self.covariates)].to_numpy(float)) * beta
        order = np.argsort(-probability.to_numpy(), kind="stable")[: top if top is not None else len(x)]
        texts = []
        for i in order:
            c = contributions[i]
            best = [j for j in np.argsort(-c, kind="stable")[:reasons] if c[j] > 0]
            texts.append(", ".join(f"{self.covariates[j]} {c[j]:+.2f}" for j in best))
        table = pd.DataFrame(
            {
                "rank": np.arange(1, len(order) + 1),
                "customer": x.index.to_numpy()[order],
                "churn_probability": probability.to_numpy()[order],
                "reasons": texts,
            }
        )
        return RiskList(cutoff, "ok", table)


def churn_model(
    past: Snapshot, later: Snapshot, covariates: list[str] | None = None, alpha: float = 0.05, bins: int = 10
) -> ChurnModel:
    """Fit a logistic churn model on ``past`` and validate it on ``later`` (see the module docstring).

    ``later.cutoff`` must be on or after ``past.cutoff + horizon_days``: the past labels were
    known by then. ``covariates`` default to every feature of ``past``.
    """
    if not (isinstance(past, Snapshot) and isinstance(later, Snapshot)):
        raise input_error("churn_model", "expected two Snapshot objects (journey.churn.snapshot)", "past, later")
    if past.horizon_days != later.horizon_days:
        raise input_error(
            "churn_model",
            f"horizons differ ({past.horizon_days} and {later.horizon_days} days)",
            "one churn definition for fitting and validation",
        )
    ready = past.cutoff + pd.Timedelta(days=past.horizon_days)
    if later.cutoff < ready:
        raise input_error(
            "churn_model",
            f"the validation cutoff {later.cutoff.date()} is before the training labels are known "
            f"({past.cutoff.date()} + {past.horizon_days} days)",
            f"a later snapshot with a cutoff on or after {ready.date()} (fit on the past, score the next period)",
        )
    names = [c for c in past.table.columns if c != "churned"] if covariates is None else list(covariates)
    if not names:
        raise input_error("churn_model", "no covariates", "feature columns besides 'churned'")
    require_columns(past.table.columns, names, f"snapshot at {past.cutoff.date()}")
    require_columns(later.table.columns, names, f"snapshot at {later.cutoff.date()}")
    for name in names:
        if not pd.api.types.is_numeric_dtype(past.table[name]):
            raise input_error(
                f"snapshot at {past.cutoff.date()}",
                f"feature {name!r} has type {past.table[name].dtype}",
                "numeric features (encode categories as 0/1 columns)",
            )
    x = past.table[names].astype(float)
    y = past.table["churned"].to_numpy(float)
    terms = ["const", *names]
    fitted, status = _fit(x, y, names)
    if fitted is None:
        params = pd.Series(NAN, index=terms, dtype=float)
        ses = params.copy()
    else:
        params = pd.Series(np.asarray(fitted.params, float), index=terms)
        ses = pd.Series(np.asarray(fitted.bse, float), index=terms)
    model = ChurnModel(
        tuple(names), past.cutoff, later.cutoff, past.horizon_days, alpha, params, ses,
        _coefficients(params, ses, alpha), len(y), float(y.mean()), x.mean(axis=0),
        _empty_validation(later.cutoff, alpha), status,
    )  # fmt: skip
    validation = _validate(model, later, alpha, bins)
    return ChurnModel(
        model.covariates, model.train_cutoff, model.test_cutoff, model.horizon_days, alpha, params, ses,
        model.table, model.n_train, model.train_churn_rate, model.means, validation, status,
    )  # fmt: skip


def _fit(x: pd.DataFrame, y: np.ndarray, names: list[str]):
    """statsmodels Logit, or ``(None, why)`` when the data cannot identify the model."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    if y.sum() == 0 or y.sum() == len(y):
        return None, f"every customer in the training snapshot {'stayed' if y.sum() == 0 else 'churned'}"
    spread = x.std(axis=0, ddof=0).to_numpy()
    if (spread == 0).any():
        return None, f"feature {quote_list(n for n, s in zip(names, spread, strict=True) if s == 0)} is constant"
    centred = x.to_numpy() - x.to_numpy().mean(axis=0)
    if np.linalg.matrix_rank(centred) < len(names):
        return None, "features are collinear (one is a combination of the others)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = sm.Logit(y, sm.add_constant(x.to_numpy(), has_constant="add")).fit(disp=0, maxiter=200)
    beta = np.asarray(fitted.params, float)[1:]
    far = [n for n, b, s in zip(names, beta, spread, strict=True) if abs(b * s) > SEPARATION_LIMIT]
    trouble = any(issubclass(w.category, (ConvergenceWarning, PerfectSeparationWarning)) for w in caught)
    if trouble or far:
        which = f" ({quote_list(far)} separates churners from the rest)" if far else ""
        return None, f"the fit did not converge{which}"
    if not np.isfinite(np.asarray(fitted.bse, float)).all():
        return None, "the information matrix is singular at the estimate"
    return fitted, "ok"


def _coefficients(params: pd.Series, se: pd.Series, alpha: float) -> pd.DataFrame:
    wald = wald_table(params, se, alpha, ratio="odds_ratio").drop(columns="z")
    return wald.rename_axis("term").reset_index()


def _empty_validation(cutoff: pd.Timestamp, alpha: float, status: str = "not scored") -> ChurnValidation:
    return ChurnValidation(cutoff, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, alpha, status, pd.DataFrame())


def _validate(model: ChurnModel, later: Snapshot, alpha: float, bins: int) -> ChurnValidation:
    y = later.table["churned"].to_numpy(float)
    n, churners = len(y), int(y.sum())
    if model.status != "ok":
        return ChurnValidation(
            later.cutoff, n, churners, float(y.mean()), NAN, NAN, NAN, NAN, NAN, NAN, alpha,
            f"model not fitted: {model.status}", pd.DataFrame(),
        )  # fmt: skip
    p = model.predict(later).to_numpy()
    area = auc(y, p, alpha)
    score = brier(y, p)
    curve = reliability_curve(y, p, bins=bins, alpha=alpha)
    return ChurnValidation(
        later.cutoff, n, churners, float(y.mean()), area.auc, area.auc_ci_lower, area.auc_ci_upper,
        score.brier, score.reference, score.skill, alpha, area.status, curve,
    )  # fmt: skip


__all__ = ["ACTIVITY_FEATURES", "ChurnModel", "ChurnValidation", "RiskList", "Snapshot", "churn_model", "snapshot"]
