"""Each customer's expected value, and the value-by-activity quadrants leadership reads.

:func:`customer_value` joins the fitted purchase and spend models into one row per customer:
``p_alive``, the purchases expected over the horizon and the discounted ``clv``.
:func:`value_quadrants` splits customers by value (above or below the median CLV) and by
whether they are likely still active (``p_alive >= 0.5``): the "high value, at risk" quadrant is
where retention work pays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.clv.bgnbd import BetaGeo
from journey.clv.gamma_gamma import MONTH, GammaGamma
from journey.display.results import TableResult
from journey.validation import require_columns

QUADRANTS = ("high value, likely active", "high value, at risk", "low value, likely active", "low value, lapsed")


def customer_value(
    summary: pd.DataFrame, purchases: BetaGeo, spend: GammaGamma, horizon: int = 12, discount_rate: float = 0.01
) -> pd.DataFrame:
    """Per customer (the summary's index): ``p_alive``, ``expected_purchases`` over ``horizon``
    months and ``clv`` (discounted expected spend over the same months)."""
    unit = summary.attrs.get("time_unit", "W")
    out = pd.DataFrame(index=summary.index)
    out["p_alive"] = purchases.p_alive(summary)
    out["expected_purchases"] = purchases.conditional_expected_purchases(horizon * MONTH[unit], summary)
    out["clv"] = spend.clv(summary, horizon, discount_rate, transactions=purchases)
    return out


@dataclass(frozen=True, slots=True)
class ValueQuadrants(TableResult):
    """Customers, their total ``clv`` and its share per quadrant; the splits used."""

    value_split: float
    alive_split: float
    table: pd.DataFrame

    def report_caption(self) -> str:
        return (
            f"Customers by value (CLV above or below {self.value_split:,.0f}) and activity "
            f"(P(alive) above or below {self.alive_split:.0%})"
        )


def quadrant_of(values: pd.DataFrame, value_split: float, alive_split: float) -> np.ndarray:
    high = values["clv"].to_numpy(float) >= value_split
    alive = values["p_alive"].to_numpy(float) >= alive_split
    return np.select([high & alive, high & ~alive, ~high & alive], list(QUADRANTS[:3]), default=QUADRANTS[3])


def value_quadrants(values: pd.DataFrame, alive_split: float = 0.5) -> ValueQuadrants:
    """Count customers and value per quadrant; the value split is the median CLV."""
    require_columns(values.columns, ("clv", "p_alive"), "customer values")
    known = values.dropna(subset=["clv", "p_alive"])
    split = float(known["clv"].median()) if len(known) else float("nan")
    labels = quadrant_of(known, split, alive_split) if len(known) else np.array([], dtype=object)
    frame = (
        pd.DataFrame({"quadrant": labels, "clv": known["clv"].to_numpy(float)})
        .groupby("quadrant")
        .agg(customers=("clv", "size"), clv=("clv", "sum"))
        .reindex(list(QUADRANTS), fill_value=0)
        .rename_axis("quadrant")
        .reset_index()
    )
    total = frame["clv"].sum()
    frame["clv_share"] = frame["clv"] / total if total else np.nan
    return ValueQuadrants(split, alive_split, frame)
