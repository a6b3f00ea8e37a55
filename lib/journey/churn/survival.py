"""Kaplan-Meier survival curves with pointwise intervals, and the log-rank test between groups.

* The survival estimate is the product-limit ``S(t) = Π_{t_i <= t} (1 − d_i / n_i)`` over the
  distinct churn times ``t_i`` (``d_i`` churned at ``t_i``, ``n_i`` still customers just before;
  a customer censored at ``t_i`` is still at risk at ``t_i``), as statsmodels' ``SurvfuncRight``.
* Its standard error is Greenwood's, ``S(t) · sqrt(Σ d_i / (n_i (n_i − d_i)))``, NaN from the
  time the curve reaches 0 (statsmodels does the same).
* The pointwise interval is, by default, the log-log one (Kalbfleisch & Prentice 2002;
  R's ``survfit(conf.type="log-log")`` and lifelines' default): ``S^{exp(±z σ)}`` with
  ``σ = sqrt(Σ d/(n(n−d))) / |log S|``; it stays inside (0, 1), where the ``"linear"`` one,
  ``S ± z·se`` clipped to [0, 1], does not near the ends of the curve.
* The log-rank test (Mantel 1966) compares ``k`` groups with ``k − 1`` degrees of freedom:
  observed minus expected churn per group and its hypergeometric covariance, summed over the
  churn times with more than one customer at risk; the same numbers as statsmodels'
  ``survdiff``.

Checked against statsmodels on the Rossi recidivism data in ``tests/churn/test_survival.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from journey.churn.checks import durations_and_events, group_labels, survival_frame
from journey.display.results import TableResult
from journey.stats import dist
from journey.stats.intervals import z_quantile
from journey.validation import check_option

NAN = math.nan
CiMethod = Literal["log-log", "linear"]
CI_METHODS = ("log-log", "linear")


@dataclass(frozen=True, slots=True)
class LogRank(TableResult):
    """The log-rank test: chi-square ``statistic`` with ``df = groups − 1``, its ``pvalue``, and
    per group (``table``) the customers, observed and expected churn under equal hazards;
    ``status`` is ``"ok"`` or why the test is NaN."""

    statistic: float
    df: int
    pvalue: float
    status: str
    table: pd.DataFrame

    def report_caption(self) -> str:
        if self.status != "ok":
            return f"Log-rank test: {self.status}"
        return f"Log-rank test: chi-square {self.statistic:.3g} on {self.df} df, p = {self.pvalue:.3g}"


@dataclass(frozen=True, slots=True)
class KaplanMeier(TableResult):
    """Kaplan-Meier curves: ``table`` has a row per group (``by`` column, when given) and churn
    time: ``time``, ``at_risk``, ``events``, ``survival``, Greenwood's ``se`` and the
    ``1 − alpha`` interval ``survival_ci_lower/_upper`` (``ci_method``). ``groups`` has per
    group ``customers``, ``events``, ``median_duration`` (the first time the curve is at or
    below 0.5; NaN when it never gets there) and ``max_duration`` (the longest observed);
    ``logrank`` compares the groups (None without ``by``)."""

    duration: str
    event: str
    by: str | None
    alpha: float
    ci_method: str
    table: pd.DataFrame
    groups: pd.DataFrame
    logrank: LogRank | None

    def report_caption(self) -> str:
        split = f" by {self.by}" if self.by else ""
        level = f"{1 - self.alpha:.0%}"
        return f"Kaplan-Meier survival{split} with {level} {self.ci_method} intervals"

    def survival_at(self, times, group=None) -> np.ndarray:
        """The step function ``S(t)`` at ``times`` (1 before the first churn) for one group."""
        rows = self.table if self.by is None else self.table[self.table[self.by] == group]
        if self.by is not None and rows.empty and group not in set(self.groups[self.by]):
            raise ValueError(f"group {group!r} not in the curves; groups: {list(self.groups[self.by])}")
        t = rows["time"].to_numpy(float)
        s = np.concatenate([[1.0], rows["survival"].to_numpy(float)])
        return s[np.searchsorted(t, np.asarray(times, dtype=float), side="right")]

    def at(self, times) -> SurvivalAt:
        """The curves read at a few ``times`` (e.g. 90, 180, 365 days), with their intervals: the
        table a report shows instead of every step. A time past a group's last observation is NaN."""
        groups = [None] if self.by is None else list(self.groups[self.by])
        rows = []
        for group in groups:
            part = self.table if self.by is None else self.table[self.table[self.by] == group]
            last = float(self.groups["max_duration"].iloc[0] if self.by is None else
                         self.groups.loc[self.groups[self.by] == group, "max_duration"].iloc[0])  # fmt: skip
            t = part["time"].to_numpy(float)
            for time in np.asarray(times, dtype=float):
                i = int(np.searchsorted(t, time, side="right"))
                values = (1.0, 1.0, 1.0) if i == 0 else tuple(
                    float(part[c].iloc[i - 1]) for c in ("survival", "survival_ci_lower", "survival_ci_upper")
                )  # fmt: skip
                if time > last:
                    values = (np.nan, np.nan, np.nan)
                row = {} if self.by is None else {self.by: group}
                rows.append(row | {"time": time, "survival": values[0], "survival_ci_lower": values[1],
                                   "survival_ci_upper": values[2]})  # fmt: skip
        return SurvivalAt(self.alpha, pd.DataFrame(rows))


@dataclass(frozen=True, slots=True)
class SurvivalAt(TableResult):
    """Survival read at chosen times (``time``) with its interval, per group when there are groups."""

    alpha: float
    table: pd.DataFrame

    def report_caption(self) -> str:
        return f"Share still a customer after each number of days ({1 - self.alpha:.0%} intervals)"

    def display_units(self) -> dict[str, str]:
        return {"survival": "percent", "survival_ci_lower": "percent", "survival_ci_upper": "percent"}


def _curve(t: np.ndarray, e: np.ndarray, z: float, ci_method: str) -> pd.DataFrame:
    """One group's product-limit estimate at its churn times (see the module docstring)."""
    times, inverse = np.unique(t, return_inverse=True)
    d = np.bincount(inverse, weights=e, minlength=len(times))
    n = np.cumsum(np.bincount(inverse, minlength=len(times))[::-1])[::-1].astype(float)
    keep = d > 0
    times, d, n = times[keep], d[keep], n[keep]
    survival = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, d / (n * (n - d)), np.nan)
        greenwood = np.cumsum(terms)  # NaN from the first time everyone left churns
        se = survival * np.sqrt(greenwood)
        if ci_method == "log-log":
            sigma = np.sqrt(greenwood) / np.abs(np.log(survival))
            lower, upper = survival ** np.exp(z * sigma), survival ** np.exp(-z * sigma)
        else:
            lower, upper = np.clip(survival - z * se, 0.0, 1.0), np.clip(survival + z * se, 0.0, 1.0)
    return pd.DataFrame(
        {
            "time": times,
            "at_risk": n.astype(int),
            "events": d.astype(int),
            "survival": survival,
            "se": se,
            "survival_ci_lower": lower,
            "survival_ci_upper": upper,
        }
    )


def logrank(durations, events, groups) -> LogRank:
    """The log-rank test of equal churn hazards across ``groups`` (arrays, one entry per customer).

    >>> r = logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], ["a", "a", "a", "b", "b", "b"])
    >>> round(r.statistic, 4), r.df
    (5.0517, 1)
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    labels, g = np.unique(np.asarray(groups), return_inverse=True)
    k = len(labels)
    times, inverse = np.unique(t, return_inverse=True)
    m = len(times)
    at_risk = np.empty((k, m))
    observed = np.empty((k, m))
    for j in range(k):
        mine = g == j
        at_risk[j] = np.cumsum(np.bincount(inverse, weights=mine, minlength=m)[::-1])[::-1]
        observed[j] = np.bincount(inverse, weights=e * mine, minlength=m)
    n = at_risk.sum(axis=0)
    d = observed.sum(axis=0)
    share = at_risk / np.clip(n, 1e-300, None)
    expected = share * d
    table = pd.DataFrame(
        {
            "group": labels,
            "customers": np.bincount(g, minlength=k),
            "observed": observed.sum(axis=1),
            "expected": expected.sum(axis=1),
        }
    )
    if k < 2:
        return LogRank(NAN, 0, NAN, "one group: nothing to compare", table)
    if d.sum() == 0:
        return LogRank(NAN, k - 1, NAN, "no churn in any group: nothing to compare", table)
    use = n > 1  # a lone customer at risk carries no information (and no variance)
    o_e = (observed - expected)[1:, use].sum(axis=1)
    w = (d * (n - d) / np.clip(n - 1, 1e-300, None))[use]
    r = share[1:, use]
    cov = np.einsum("gt,t->g", r, w) * np.eye(k - 1) - np.einsum("gt,ht,t->gh", r, r, w)
    try:
        statistic = float(o_e @ np.linalg.solve(cov, o_e))
    except np.linalg.LinAlgError:
        return LogRank(
            NAN, k - 1, NAN, "singular covariance (a group has no customer at risk at any churn time)", table
        )
    return LogRank(statistic, k - 1, dist.chi2_sf(statistic, k - 1), "ok", table)


def kaplan_meier(
    data,
    duration: str = "duration_days",
    event: str = "churned",
    by: str | None = None,
    alpha: float = 0.05,
    ci_method: CiMethod = "log-log",
) -> KaplanMeier:
    """Kaplan-Meier curves of ``data`` (one row per customer: a DataFrame or an ibis table), one
    per value of ``by`` when given, with the log-rank test between them.

    ``duration`` is the time to churn or censoring (>= 0, in any unit: the curves' times are in
    it) and ``event`` is 1 for churned, 0 for still a customer at the end of observation; the
    defaults are the columns :func:`journey.churn.churn_from_activity` and
    :func:`journey.churn.churn_from_subscriptions` return.

    >>> km = kaplan_meier(pd.DataFrame({"days": [2, 3, 3, 5, 8], "churned": [1, 1, 0, 1, 0]}), "days", "churned")
    >>> km.survival_at([1, 2, 4, 8]).round(3).tolist()
    [1.0, 0.8, 0.6, 0.3]
    """
    check_option("ci_method", ci_method, CI_METHODS)
    where = "kaplan_meier data"
    frame = survival_frame(data, [duration, event, *([by] if by else [])], where)
    t, e = durations_and_events(frame, duration, event, where)
    z = z_quantile(alpha)
    if by is None:
        table = _curve(t, e, z, ci_method)
        groups = pd.DataFrame([_group_row(t, e, table)])
        return KaplanMeier(duration, event, None, alpha, ci_method, table, groups, None)
    labels = group_labels(frame, by, where)
    parts, rows = [], []
    for label in np.unique(labels):
        mine = labels == label
        curve = _curve(t[mine], e[mine], z, ci_method)
        curve.insert(0, by, label)
        parts.append(curve)
        rows.append({by: label, **_group_row(t[mine], e[mine], curve)})
    test = logrank(t, e, labels)
    test = LogRank(test.statistic, test.df, test.pvalue, test.status, test.table.rename(columns={"group": by}))
    table = pd.concat(parts, ignore_index=True)
    return KaplanMeier(duration, event, by, alpha, ci_method, table, pd.DataFrame(rows), test)


def _group_row(t: np.ndarray, e: np.ndarray, curve: pd.DataFrame) -> dict:
    below = curve["time"].to_numpy(float)[curve["survival"].to_numpy(float) <= 0.5]
    return {
        "customers": len(t),
        "events": int(e.sum()),
        "median_duration": float(below[0]) if len(below) else NAN,
        "max_duration": float(t.max()),
    }


__all__ = ["CI_METHODS", "CiMethod", "KaplanMeier", "LogRank", "kaplan_meier", "logrank"]
