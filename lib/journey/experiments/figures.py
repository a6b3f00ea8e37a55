"""Figures for the experiment readout (notebook 50): the forest plot, sequential bands and the novelty check;
and for the portfolio (notebook 90): each past test's raw and shrunk effect (:func:`shrinkage`).

Each function takes what the readout already computes (``ab.forest_frame(result)``, one item of
``Readout.sequential``, ``Readout.novelty``) and returns a :class:`journey.display.plots.Chart`:
the figure and an alt text built from the same numbers. Empty input gives the ``no_data``
placeholder with an alt text saying so. The notebook drew these inline (about 40 lines).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from journey.display.plots import Chart, empty_chart
from journey.display.text import percent, significant
from journey.experiments.segments import NoveltyResult
from journey.experiments.sequential import SequentialResult
from journey.validation import require_columns

if TYPE_CHECKING:
    from journey.experiments.portfolio import Portfolio

ROLE_COLORS = {"primary": "C0", "secondary": "C2", "guardrail": "C3"}
FOREST_COLUMNS = (
    "label", "role", "rel_effect_size", "rel_ci_lower", "rel_ci_upper", "rel_adj_ci_lower", "rel_adj_ci_upper",
    "margin",
)  # fmt: skip


def forest(frame: pd.DataFrame) -> Chart:
    """Relative effect of each metric × variant with its 95% interval (thick) and the multiplicity-adjusted
    interval (thin); guardrails show their non-inferiority margin as a dashed tick. ``frame``: ``ab.forest_frame``.
    """
    require_columns(frame.columns, list(FOREST_COLUMNS), "forest frame")
    if frame.empty:
        return empty_chart("effects")
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(frame) + 1.2))
    y = np.arange(len(frame))[::-1]
    for yi, row in zip(y, frame.itertuples(), strict=True):
        color = ROLE_COLORS.get(row.role, "C7")
        ax.plot([row.rel_adj_ci_lower, row.rel_adj_ci_upper], [yi, yi], color=color, lw=1)
        ax.plot([row.rel_ci_lower, row.rel_ci_upper], [yi, yi], color=color, lw=4, alpha=0.7)
        ax.plot(row.rel_effect_size, yi, "o", color=color)
        if row.role == "guardrail" and np.isfinite(row.margin):
            ax.plot([row.margin, row.margin], [yi - 0.35, yi + 0.35], ls="--", color=color)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, frame["label"])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: percent(v, 0, signed=True)))
    ax.set_xlabel("relative effect vs control")
    rows = "; ".join(
        f"{r.label} {percent(r.rel_effect_size, signed=True)} "
        f"[{percent(r.rel_ci_lower, signed=True)}, {percent(r.rel_ci_upper, signed=True)}]"
        for r in frame.itertuples()
    )
    alt = f"Forest plot of relative effects vs control with 95% and multiplicity-adjusted intervals: {rows}"
    return Chart(fig, alt)


def sequential(result: SequentialResult) -> Chart:
    """The cumulative effect at every look with the confidence sequence (shaded) and the O'Brien-Fleming
    bounds (dashed); the y axis spans three times the last look's confidence sequence."""
    frame = result.to_frame()
    what = f"{result.metric}: {result.variant} - control"
    if frame.empty:
        return empty_chart(f"sequential looks at {what}")
    fig, ax = plt.subplots(figsize=(9, 3.4))
    ax.fill_between(frame["users"], frame["cs_ci_lower"], frame["cs_ci_upper"], alpha=0.2, label="confidence sequence")
    ax.plot(frame["users"], frame["obf_ci_lower"], ls="--", color="C1", label="O'Brien-Fleming bound")
    ax.plot(frame["users"], frame["obf_ci_upper"], ls="--", color="C1")
    ax.plot(frame["users"], frame["effect_size"], color="C0", label=what)
    ax.axhline(0, color="black", lw=0.8)
    lim = 3 * np.nanmax(np.abs(frame[["cs_ci_lower", "cs_ci_upper"]].iloc[-1].to_numpy(float)))
    if np.isfinite(lim) and lim > 0:
        ax.set_ylim(-lim, lim)
    ax.axvline(result.planned_users, color="grey", lw=0.8, ls=":", label="planned users")
    ax.set_xlabel("users assigned so far (both arms)")
    ax.set_ylabel("effect (absolute)")
    ax.legend(loc="upper left", fontsize="small")
    last = frame.iloc[-1]
    alt = (
        f"Cumulative {result.metric} effect of {result.variant} over users assigned, with confidence-sequence and "
        f"O'Brien-Fleming bands; {len(frame)} looks; at {int(last['users']):,} of {result.planned_users:,} planned "
        f"users the effect is {significant(last['effect_size'], signed=True)} (confidence sequence "
        f"{significant(last['cs_ci_lower'], signed=True)} to {significant(last['cs_ci_upper'], signed=True)})"
    )
    return Chart(fig, alt)


def novelty(result: NoveltyResult) -> Chart:
    """The daily effect by days since a user's first exposure, with 95% intervals (is it fading?)."""
    frame = result.to_frame()
    if frame.empty:
        return empty_chart(f"the {result.metric} effect by days since exposure")
    fig, ax = plt.subplots(figsize=(8, 3))
    err = [frame["effect_size"] - frame["effect_ci_lower"], frame["effect_ci_upper"] - frame["effect_size"]]
    ax.errorbar(frame["period"], frame["effect_size"], yerr=err, fmt="o")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("days since exposure")
    ax.set_ylabel(f"effect on daily {result.metric}")
    first, last = frame.iloc[0], frame.iloc[-1]
    slope = f"{significant(result.slope, signed=True)} per day" if math.isfinite(result.slope) else "no slope"
    alt = (
        f"Daily effect on {result.metric} by days since exposure with 95% intervals: "
        f"{significant(first['effect_size'], signed=True)} on day {int(first['period'])}, "
        f"{significant(last['effect_size'], signed=True)} on day {int(last['period'])} ({slope}). "
        f"{result.sentence()}"
    )
    return Chart(fig, alt)


def shrinkage(portfolio: Portfolio) -> Chart:
    """Each finished test's raw relative effect with its 95% interval (grey) and its estimate shrunk
    toward the prior (filled: shipped, open: not shipped), ordered by raw effect, with the prior mean
    ``mu`` dashed and ``mu ± 2 tau`` shaded. The further a raw point sits from its shrunk one, the
    less the history trusts it (a small test, a surprising result)."""
    frame = portfolio.experiments.sort_values("rel_effect_size", kind="stable", ignore_index=True)
    if frame.empty or portfolio.status != "ok":
        return empty_chart("the experiment portfolio (too few finished tests)")
    prior = portfolio.prior
    fig, ax = plt.subplots(figsize=(8, 0.16 * len(frame) + 1.6))
    y = np.arange(len(frame))
    ax.axvspan(prior.mu - 2 * prior.tau, prior.mu + 2 * prior.tau, color="C0", alpha=0.08, label="prior mu ± 2 tau")
    ax.axvline(prior.mu, color="C0", ls="--", lw=1, label="prior mean mu")
    ax.axvline(0, color="black", lw=0.8)
    ax.hlines(y, frame["rel_ci_lower"], frame["rel_ci_upper"], color="0.7", lw=1)
    ax.plot(frame["rel_effect_size"], y, "|", color="0.35", ms=7, label="raw estimate (95% CI)")
    ship = (frame["decision"] == "ship").to_numpy()
    ax.plot(frame["rel_shrunk"][ship], y[ship], "o", color="C1", ms=4, label="shrunk, shipped")
    ax.plot(frame["rel_shrunk"][~ship], y[~ship], "o", mfc="none", color="C1", ms=4, label="shrunk, not shipped")
    ax.set_yticks([])
    ax.set_ylabel(f"{len(frame)} finished tests, by raw effect")
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: percent(v, 0, signed=True)))
    ax.set_xlabel("relative effect on the primary metric")
    ax.legend(loc="lower right", fontsize="small")
    alt = (
        f"Raw and shrunk relative effects of {len(frame)} finished tests: raw effects from "
        f"{percent(frame['rel_effect_size'].min(), 1, signed=True)} to "
        f"{percent(frame['rel_effect_size'].max(), 1, signed=True)}, shrunk toward the prior mean "
        f"{percent(prior.mu, 1, signed=True)} (tau {percent(prior.tau, 1)}), shrunk range "
        f"{percent(frame['rel_shrunk'].min(), 1, signed=True)} to "
        f"{percent(frame['rel_shrunk'].max(), 1, signed=True)}. "
        f"The {portfolio.shipped} shipped tests measured {percent(portfolio.shipped_raw_mean, 1, signed=True)} "
        f"on average, {percent(portfolio.shipped_shrunk_mean, 1, signed=True)} after shrinkage."
    )
    return Chart(fig, alt)
