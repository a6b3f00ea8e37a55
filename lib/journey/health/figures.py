"""Health figures: customers per band, and churn lift by score decile (each a ``Chart`` with alt text)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

from journey.display.plots import Chart, empty_chart
from journey.display.text import percent
from journey.health.score import HealthScores
from journey.health.validation import HealthValidation


def band_bars(scores: HealthScores, title: str = "Customers by health band") -> Chart:
    """Bars of customers per band, in the recipe's order, labelled with their share."""
    counts = scores.band_counts()
    if counts["customers"].sum() == 0:
        return empty_chart("health bands")
    fig, ax = plt.subplots(figsize=(7, 0.55 * len(counts) + 1.2))
    palette = sns.color_palette("RdYlGn", len(scores.recipe.bands))
    colors = [*palette, (0.6, 0.6, 0.6)][: len(counts)]
    ax.barh(counts["band"], counts["customers"], color=colors)
    for y, row in enumerate(counts.itertuples()):
        ax.text(row.customers, y, f"  {row.customers:,} ({percent(row.share, 0)})", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("customers")
    ax.set_xlim(0, counts["customers"].max() * 1.35)
    ax.set_title(title)
    listed = "; ".join(f"{b}: {c:,} ({percent(s, 0)})" for b, c, s in counts[["band", "customers", "share"]].values)
    return Chart(fig, f"{title}: {listed}")


def lift_bars(validation: HealthValidation, title: str = "Churn after the cutoff by health-score decile") -> Chart:
    """Churn rate per score decile (1 = lowest scores) against the overall rate."""
    frame = validation.table
    if frame.empty:
        return empty_chart(f"the health-score check ({validation.status})")
    overall = validation.churners / validation.n_obs
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.bar(frame["decile"].astype(str), frame["churn_rate"], color=sns.color_palette()[3])
    ax.axhline(overall, color="black", lw=0.8, ls="--", label=f"overall {percent(overall)}")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: percent(v, 0)))
    ax.set_xlabel("health-score decile (1 = lowest scores)")
    ax.set_ylabel("churned after the cutoff")
    ax.set_title(f"{title} (AUC {validation.auc:.2f})")
    ax.legend(loc="upper right")
    rows = frame[["decile", "churn_rate", "lift"]].itertuples(index=False)
    listed = "; ".join(f"decile {int(d)}: {percent(r)} (lift {lift:.1f}x)" for d, r, lift in rows)
    return Chart(fig, f"{title}, AUC {validation.auc:.2f}, overall {percent(overall)}: {listed}")
