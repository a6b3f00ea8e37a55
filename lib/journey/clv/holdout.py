"""Calibration against a holdout: what the purchase model predicted for the holdout period beside
what customers did, grouped by their calibration-period frequency (Fader, Hardie & Lee 2005,
figure 4). A model that fits the calibration period but misses the holdout, typically for
the heaviest buyers, is not one to plan with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journey.display.results import TableResult
from journey.validation import require_columns

if TYPE_CHECKING:  # matplotlib and seaborn cost ~0.7 s to import: only the chart needs them
    from journey.display.plots import Chart


@dataclass(frozen=True, slots=True)
class HoldoutCheck(TableResult):
    """Per calibration frequency (the last bucket is ``max_frequency`` and more): ``customers``,
    ``actual`` and ``predicted`` mean repeat purchases in the holdout; ``duration`` is the
    holdout's length in the summary's unit."""

    duration: float
    max_frequency: int
    table: pd.DataFrame

    def report_caption(self) -> str:
        return (
            f"Repeat purchases in the {self.duration:g}-period holdout, actual vs predicted, by calibration frequency"
        )


def holdout_check(model, summary: pd.DataFrame, max_frequency: int = 7) -> HoldoutCheck:
    """Group customers by calibration ``frequency`` and compare mean holdout purchases with the
    model's ``conditional_expected_purchases(duration_holdout, summary)``."""
    require_columns(summary.columns, ("frequency", "recency", "T", "frequency_holdout", "duration_holdout"), "summary")
    if summary.empty:  # an empty segment or window: a report that says so, not a failed run
        columns = ["frequency", "customers", "actual", "predicted"]
        return HoldoutCheck(float("nan"), max_frequency, pd.DataFrame(columns=columns))
    predicted = model.conditional_expected_purchases(summary["duration_holdout"].to_numpy(float), summary)
    bucket = np.minimum(summary["frequency"].to_numpy(float), max_frequency).astype(int)
    frame = (
        pd.DataFrame(
            {"frequency": bucket, "actual": summary["frequency_holdout"].to_numpy(float), "predicted": predicted}
        )
        .groupby("frequency")
        .agg(customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
        .reset_index()
    )
    frame["frequency"] = frame["frequency"].map(lambda f: f"{f}+" if f == max_frequency else str(f))
    duration = float(summary["duration_holdout"].iloc[0]) if len(summary) else float("nan")
    return HoldoutCheck(duration, max_frequency, frame)


def holdout_chart(check: HoldoutCheck) -> Chart:
    """Actual and predicted holdout purchases by calibration frequency, as in the paper's figure 4."""
    import matplotlib.pyplot as plt

    from journey.display.plots import Chart, empty_chart

    frame = check.table
    if frame.empty:
        return empty_chart("the holdout check")
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(frame["frequency"], frame["actual"], marker="o", label="actual")
    ax.plot(frame["frequency"], frame["predicted"], marker="s", ls="--", label="predicted (BG/NBD)")
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel(f"mean purchases in the {check.duration:g}-period holdout")
    ax.legend(loc="upper left")
    pairs = "; ".join(
        f"{f}: actual {a:.2f}, predicted {p:.2f}"
        for f, a, p in zip(frame["frequency"], frame["actual"], frame["predicted"], strict=True)
    )
    return Chart(fig, f"Line chart of mean holdout purchases by calibration frequency, actual vs predicted: {pairs}")
