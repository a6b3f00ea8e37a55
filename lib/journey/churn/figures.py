"""Figures for churn: survival curves by group, hazard ratios, and the churn model's reliability diagram.

Like every figure function, each returns a :class:`journey.display.plots.Chart` (figure and alt
text built from the same numbers), and an empty input gives the house placeholder.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from journey.churn.cox import Cox
from journey.churn.logistic import ChurnValidation
from journey.churn.survival import KaplanMeier
from journey.display.plots import Chart, empty_chart
from journey.display.text import percent, significant


def _number(value: float) -> str:
    """Durations read as written: ``730``, ``12.5`` (never ``7.3e+02``)."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _steps(curve: pd.DataFrame, end: float) -> tuple[np.ndarray, ...]:
    """Step coordinates from time 0 (survival 1) to ``end`` (the last observed duration)."""
    t = np.concatenate([[0.0], curve["time"].to_numpy(float), [end]])
    s = np.concatenate([[1.0], curve["survival"].to_numpy(float)])
    s = np.append(s, s[-1])
    lo = np.concatenate([[1.0], curve["survival_ci_lower"].to_numpy(float)])
    hi = np.concatenate([[1.0], curve["survival_ci_upper"].to_numpy(float)])
    return t, s, np.append(lo, lo[-1]), np.append(hi, hi[-1])


def survival_curves(km: KaplanMeier, time_label: str = "days") -> Chart:
    """Kaplan-Meier step curves with their interval bands, one per group, and the log-rank p-value."""
    if km.groups.empty:
        return empty_chart("survival curves")
    fig, ax = plt.subplots(figsize=(7, 4))
    parts = []
    labels = [None] if km.by is None else list(km.groups[km.by])
    for label, row in zip(labels, km.groups.itertuples(index=False), strict=True):
        curve = km.table if km.by is None else km.table[km.table[km.by] == label]
        t, s, lo, hi = _steps(curve, float(row.max_duration))
        name = "all customers" if label is None else f"{km.by} {label}"
        (line,) = ax.step(t, s, where="post", label=f"{name} (n={row.customers:,})")
        ax.fill_between(t, lo, hi, step="post", alpha=0.2, color=line.get_color(), linewidth=0)
        end = s[-1]
        median = (
            f"median {_number(row.median_duration)} {time_label}"
            if math.isfinite(row.median_duration)
            else "median not reached"
        )
        parts.append(
            f"{name}: {row.customers:,} customers, {row.events:,} churned, {percent(end)} still customers "
            f"at {_number(row.max_duration)} {time_label}, {median}"
        )
    ax.set_xlabel(f"{time_label} since the start")
    ax.set_ylabel("share still a customer")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower left")
    level = f"{1 - km.alpha:.0%}"
    alt = f"Kaplan-Meier survival curves with {level} bands: " + "; ".join(parts)
    if km.logrank is not None:
        test = km.logrank
        alt += (
            f". Log-rank test p = {test.pvalue:.3g}"
            if test.status == "ok"
            else f". Log-rank test not computed ({test.status})"
        )
    return Chart(fig, alt)


def hazard_ratios(fit: Cox) -> Chart:
    """A forest plot of the hazard ratios (log scale) with their intervals; 1 means no effect."""
    table = fit.table.dropna(subset=["hazard_ratio"])
    if table.empty:
        return empty_chart(f"hazard ratios ({fit.status})")
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    hr = table["hazard_ratio"].to_numpy(float)
    low, high = table["hazard_ratio_ci_lower"].to_numpy(float), table["hazard_ratio_ci_upper"].to_numpy(float)
    ax.errorbar(hr, y, xerr=[hr - low, high - hr], fmt="o", capsize=3)
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")  # 0.5, 1, 2: not 5×10⁻¹
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plain)
    ax.set_yticks(y, table["covariate"])
    ax.set_xlabel("hazard ratio (churn hazard per unit of the covariate)")
    pairs = "; ".join(
        f"{c} {significant(h)} [{significant(lo)}, {significant(hi)}]"
        for c, h, lo, hi in zip(table["covariate"], hr, low, high, strict=True)
    )
    level = f"{1 - fit.alpha:.0%}"
    return Chart(fig, f"Forest plot of Cox hazard ratios with {level} intervals (1 = no effect): {pairs}")


def reliability_diagram(validation: ChurnValidation) -> Chart:
    """Observed churn rate against predicted probability per bin, with Wilson bars and the diagonal."""
    curve = validation.reliability
    if curve.empty:
        return empty_chart(f"the reliability diagram ({validation.status})")
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect calibration")
    observed = curve["observed"].to_numpy(float)
    err = [observed - curve["observed_ci_lower"].to_numpy(float), curve["observed_ci_upper"].to_numpy(float) - observed]
    ax.errorbar(curve["predicted"], observed, yerr=err, fmt="o-", capsize=3, label="churn model")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("predicted churn probability")
    ax.set_ylabel("observed churn rate")
    ax.legend(loc="upper left")
    pairs = "; ".join(
        f"predicted {percent(p)}: observed {percent(o)} of {n:,}"
        for p, o, n in zip(curve["predicted"], observed, curve["customers"], strict=True)
    )
    return Chart(
        fig,
        f"Reliability diagram of the churn model on customers active at {validation.cutoff.date()} "
        f"(AUC {significant(validation.auc)}, Brier {significant(validation.brier)} vs "
        f"{significant(validation.brier_reference)} for the base rate): {pairs}",
    )


__all__ = ["hazard_ratios", "reliability_diagram", "survival_curves"]
