"""Health scores from per-customer features, with the components that pull each score down.

Each component is scaled linearly between its declared ``worst`` (0) and ``best`` (100) and
clipped, so a reader can recompute any score by hand from the recipe. The score is the
weighted mean of the components a customer has data for (a customer who never left feedback
is scored on the other components, weights renormalized), and a customer with no data at all
gets NaN and the band ``"no data"`` rather than a score that looks real.

Drivers: a component's *pull* is ``w · (c − median c) / Σw`` in score points, the difference it
makes against a typical customer; the components with the most negative pull are what a
customer-success manager should look at first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.display.results import TableResult, display_frame
from journey.health.config import HealthConfig
from journey.validation import input_error, require_columns

NO_DATA = "no data"


@dataclass(frozen=True, slots=True)
class HealthScores(TableResult):
    """One row per customer: ``score`` (0-100), ``band``, each component's 0-100 score
    (``<name>_score``), its pull (``<name>_pull``, score points against the median customer) and
    ``drivers`` (the components pulling the score down, worst first). ``recipe`` is the config used."""

    customer: str
    recipe: HealthConfig
    table: pd.DataFrame

    def report_caption(self) -> str:
        return "Customer health scores (0 = worst, 100 = best) and what pulls each down"

    def band_counts(self) -> pd.DataFrame:
        """Customers per band, in the recipe's order (plus ``no data`` when some have none)."""
        order = [b.name for b in self.recipe.bands] + [NO_DATA]
        counts = self.table["band"].value_counts().reindex(order, fill_value=0)
        counts = counts[(counts > 0) | (counts.index != NO_DATA)]
        frame = counts.rename_axis("band").reset_index(name="customers")
        total = frame["customers"].sum()
        frame["share"] = frame["customers"] / total if total else np.nan
        return frame

    def _shown(self) -> pd.DataFrame:
        return display_frame(self.table[[self.customer, "score", "band", "drivers"]])


def component_scores(values: pd.Series, worst: float, best: float) -> pd.Series:
    """``100 · (v − worst) / (best − worst)`` clipped to [0, 100]; NaN stays NaN.

    >>> component_scores(pd.Series([0.0, 1.5, 9.0, None]), worst=3, best=0).tolist()
    [100.0, 50.0, 0.0, nan]
    """
    scaled = (pd.to_numeric(values, errors="coerce") - worst) / (best - worst)
    return (scaled.clip(0, 1) * 100).astype(float)


def _band(score: float, recipe: HealthConfig) -> str:
    if not np.isfinite(score):
        return NO_DATA
    name = recipe.bands[0].name
    for band in recipe.bands:
        if score >= band.min_score:
            name = band.name
    return name


def health_scores(features: pd.DataFrame, recipe: HealthConfig, customer: str = "customer_id") -> HealthScores:
    """Score every customer in ``features`` (one row per customer, the recipe's columns)."""
    columns = [c.column for c in recipe.components.values()]
    require_columns(features.columns, [customer, *columns], "health features")
    if features[customer].duplicated().any():
        dup = features.loc[features[customer].duplicated(), customer].iloc[0]
        raise input_error("health features", f"customer {dup} appears more than once", "one row per customer")
    out = pd.DataFrame({customer: features[customer].to_numpy()})
    weights = pd.Series({name: c.weight for name, c in recipe.components.items()})
    scores = pd.DataFrame(
        {
            name: component_scores(features[c.column], c.worst, c.best).to_numpy()
            for name, c in recipe.components.items()
        }
    )
    present = scores.notna()
    weight_sum = present.mul(weights, axis=1).sum(axis=1).replace(0, np.nan)
    total = scores.fillna(0).mul(weights, axis=1).sum(axis=1) / weight_sum
    medians = scores.median()
    pulls = scores.sub(medians, axis=1).mul(weights, axis=1).div(weight_sum, axis=0)
    out["score"] = total.to_numpy()
    out["band"] = [_band(s, recipe) for s in out["score"]]
    for name in recipe.components:
        out[f"{name}_score"] = scores[name].to_numpy()
        out[f"{name}_pull"] = pulls[name].to_numpy()
    out["drivers"] = [_drivers(row, recipe) for row in pulls.itertuples(index=False)]
    return HealthScores(customer, recipe, out)


def _drivers(pulls: tuple, recipe: HealthConfig, limit: int = 2, threshold: float = -2.0) -> str:
    """``"support load (−12), adoption (−6)"``: the components pulling the score down by more than two points."""
    named = [(name, p) for name, p in zip(recipe.components, pulls, strict=True) if np.isfinite(p) and p < threshold]
    named.sort(key=lambda item: item[1])
    return ", ".join(f"{recipe.label(n)} ({p:+.0f})".replace("-", "\N{MINUS SIGN}") for n, p in named[:limit])
