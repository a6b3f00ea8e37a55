"""Cox proportional-hazards regression of churn on customer covariates, with Efron's ties.

The fit is statsmodels' ``PHReg(..., ties="efron")`` (lifelines 0.30 still pins pandas < 3);
Efron's approximation matters here because churn measured in whole days or weeks has many
customers churning on the same day, where Breslow's approximation biases the coefficients
towards 0. The result adds what a reader of "churn drivers" needs: hazard ratios with their
Wald intervals (``exp(β ± z·se)``), and Harrell's concordance.

**Covariates.** Numeric and boolean columns enter as they are; a text or categorical column
enters as 0/1 indicators named ``column=level`` against its first level in sorted order
(the reference level, as R's ``factor`` and patsy's treatment coding).

**When the model cannot be fitted** (no churn at all, a constant covariate, covariates that
are collinear, or one that separates churners so that its hazard ratio runs to infinity and
the optimizer does not converge) the result carries NaN estimates and a ``status`` that
says why, never numbers that look real: a scheduled report renders the reason instead of
failing. Bad input (negative durations, events not 0/1, missing covariates) is an error.

**Concordance** (Harrell 1982): of the pairs where one customer is seen to churn before the
other leaves observation, the share where the model gave the earlier churner the higher
risk (ties in risk count one half). Pairs are comparable when the earlier time is a churn,
including a churn and a censoring at the same time (the churner is taken to leave first);
two churns at the same time are not comparable. Computed in O(n log n) with a Fenwick tree.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.churn.checks import durations_and_events, survival_frame
from journey.data.sources import as_table
from journey.display.results import TableResult
from journey.stats.intervals import wald_table
from journey.validation import input_error, quote_list

NAN = math.nan
SEPARATION_LIMIT = 8.0  # |β·sd(x)| beyond this: a hazard ratio of e^8 ≈ 3,000 per sd is separation, not an estimate


@dataclass(frozen=True, slots=True)
class Cox(TableResult):
    """A Cox model: per covariate (``table``) the log hazard ratio ``coef``, its ``se``, the
    ``hazard_ratio`` with its ``1 − alpha`` interval, ``z`` and the two-sided ``pvalue``;
    ``params`` and ``standard_errors`` as Series by covariate; the partial ``log_likelihood``,
    Harrell's ``concordance``, ``n_obs`` customers, ``events`` churned, ``ties`` and ``status``
    (``"ok"`` or why the estimates are NaN)."""

    duration: str
    event: str
    covariates: tuple[str, ...]
    ties: str
    alpha: float
    params: pd.Series
    standard_errors: pd.Series
    table: pd.DataFrame
    log_likelihood: float
    concordance: float
    n_obs: int
    events: int
    status: str

    def report_caption(self) -> str:
        if self.status != "ok":
            return f"Cox model of churn: not fitted ({self.status})"
        return (
            f"Cox model of churn ({self.ties} ties): hazard ratios with {1 - self.alpha:.0%} intervals, "
            f"{self.n_obs:,} customers, {self.events:,} churned, concordance {self.concordance:.3f}"
        )

    @property
    def hazard_ratios(self) -> pd.Series:
        """``exp(params)``: the factor on the churn hazard per unit of each covariate."""
        return np.exp(self.params)


def design_matrix(frame: pd.DataFrame, covariates: list[str], where: str) -> pd.DataFrame:
    """Covariates as float columns (categories as ``column=level`` indicators; see the module docstring)."""
    parts = []
    for name in covariates:
        column = frame[name]
        if column.isna().any():
            row = int(np.flatnonzero(column.isna().to_numpy())[0])
            raise input_error(
                where,
                f"covariate {name!r} is missing on {int(column.isna().sum()):,} rows (first at row {row})",
                "complete covariates",
            )
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            values = column.to_numpy(dtype=float)
            if not np.isfinite(values).all():
                raise input_error(where, f"covariate {name!r} has infinite values", "finite covariates")
            parts.append(pd.Series(values, name=name, index=frame.index))
            continue
        levels = sorted(pd.unique(column.astype(str)))
        for level in levels[1:]:
            parts.append(
                pd.Series((column.astype(str) == level).to_numpy(float), name=f"{name}={level}", index=frame.index)
            )
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def concordance_index(durations, events, risk) -> float:
    """Harrell's C of ``risk`` (higher: expected to churn sooner); NaN without a comparable pair.

    >>> concordance_index([1, 2, 3, 4], [1, 1, 0, 1], [4.0, 3.0, 2.0, 1.0])
    1.0
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float) == 1
    _, rank = np.unique(np.asarray(risk, dtype=float), return_inverse=True)
    size = int(rank.max()) + 2 if len(rank) else 1
    tree = np.zeros(size + 1, dtype=np.int64)  # Fenwick tree of counts by risk rank (1-based)

    def add(i: int) -> None:
        i += 1
        while i <= size:
            tree[i] += 1
            i += i & -i

    def below(i: int) -> int:  # how many added have rank < i
        total = 0
        while i > 0:
            total += tree[i]
            i -= i & -i
        return int(total)

    order = np.lexsort((e, -t))  # by time descending; at one time the censored come first
    concordant = tied = pairs = 0.0
    added = 0
    k = 0
    n = len(t)
    while k < n:
        j = k
        while j < n and t[order[j]] == t[order[k]]:
            j += 1
        block = order[k:j]
        for i in block[~e[block]]:  # censored at this time: comparable with churners at this time
            add(int(rank[i]))
            added += 1
        for i in block[e[block]]:
            r = int(rank[i])
            less = below(r)
            equal = below(r + 1) - less
            concordant += less
            tied += equal
            pairs += added
        for i in block[e[block]]:
            add(int(rank[i]))
            added += 1
        k = j
    return (concordant + 0.5 * tied) / pairs if pairs else NAN


def cox(
    data,
    duration: str = "duration_days",
    event: str = "churned",
    covariates: list[str] | None = None,
    alpha: float = 0.05,
) -> Cox:
    """Fit a Cox model of churn on ``covariates`` (default: every other column) with Efron's ties.

    ``data`` has one row per customer (a DataFrame or an ibis table): ``duration`` >= 0 and
    ``event`` 1 for churned, 0 for censored, as :func:`journey.churn.churn_from_activity` builds.

    >>> toy = pd.DataFrame({"weeks": [5, 8, 8, 12, 20, 20, 30, 52, 52, 52],
    ...     "arrest": [1, 1, 0, 1, 1, 0, 1, 0, 0, 0], "prio": [6, 3, 2, 5, 1, 4, 2, 0, 3, 1]})
    >>> fit = cox(toy, "weeks", "arrest")
    >>> fit.status, round(float(fit.params["prio"]), 3)
    ('ok', 0.586)
    """
    where = "cox data"
    if covariates is None:  # every column: read the table once
        data = data if isinstance(data, pd.DataFrame) else as_table(data, where).execute()
        covariates = [c for c in data.columns if c not in (duration, event)]
    frame = survival_frame(data, [duration, event, *covariates], where)
    if not covariates:
        raise input_error(where, "has no covariate columns", f"covariates besides {duration!r} and {event!r}")
    t, e = durations_and_events(frame, duration, event, where)
    x = design_matrix(frame, list(covariates), where)
    names = list(x.columns)
    n_events = int(e.sum())

    def unfitted(status: str) -> Cox:
        nan = pd.Series(NAN, index=names, dtype=float)
        return Cox(
            duration, event, tuple(covariates), "efron", alpha, nan, nan.copy(), _table(nan, nan, alpha),
            NAN, NAN, len(t), n_events, status,
        )  # fmt: skip

    if n_events == 0:
        return unfitted("no churn events: nothing to fit")
    spread = x.std(axis=0, ddof=0).to_numpy()
    if (spread == 0).any():
        constant = [n for n, s in zip(names, spread, strict=True) if s == 0]
        return unfitted(f"covariate {quote_list(constant)} is constant")
    if np.linalg.matrix_rank(x.to_numpy() - x.to_numpy().mean(axis=0)) < len(names):
        return unfitted("covariates are collinear (one is a combination of the others)")

    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    model = PHReg(t, x.to_numpy(), status=e, ties="efron")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = model.fit()
    beta = np.asarray(fitted.params, dtype=float)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(np.asarray(fitted.cov_params(), dtype=float)))
    far = [n for n, b, s in zip(names, beta, spread, strict=True) if abs(b * s) > SEPARATION_LIMIT]
    if any(issubclass(w.category, ConvergenceWarning) for w in caught) or far:
        which = f" ({quote_list(far)} separates churners from the rest)" if far else ""
        return unfitted(f"the fit did not converge{which}")
    if not np.isfinite(se).all():
        return unfitted("the information matrix is singular at the estimate")
    params = pd.Series(beta, index=names, dtype=float)
    ses = pd.Series(se, index=names, dtype=float)
    risk = x.to_numpy() @ beta
    return Cox(
        duration, event, tuple(covariates), "efron", alpha, params, ses, _table(params, ses, alpha),
        float(fitted.llf), concordance_index(t, e, risk), len(t), n_events, "ok",
    )  # fmt: skip


def _table(params: pd.Series, se: pd.Series, alpha: float) -> pd.DataFrame:
    wald = wald_table(params, se, alpha, ratio="hazard_ratio")
    columns = ["coef", "se", "hazard_ratio", "hazard_ratio_ci_lower", "hazard_ratio_ci_upper", "z", "pvalue"]
    return wald[columns].rename_axis("covariate").reset_index()


__all__ = ["Cox", "concordance_index", "cox", "design_matrix"]
