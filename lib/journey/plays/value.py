"""Who gets which play: the expected value of each play for each at-risk customer.

For customer ``i`` and play ``k`` the value of running the play is the churn it is expected to
prevent times what the customer is worth::

    EV_ik = P(churn_i) × CLV_i × prevented_share_k − cost_k

with ``prevented_share_k`` measured on the play's past random holdout
(:func:`journey.plays.uplift.play_uplift`) and its interval carried through (the other factors
are treated as known, so the interval is the uncertainty of the play's effect alone). Each
customer is offered the play with the highest expected value, and only when that value is
positive; the list is ranked by it, so the budget goes to the top rows first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.display.results import TableResult, display_frame
from journey.plays.uplift import PlayUplift
from journey.validation import input_error, require_columns


@dataclass(frozen=True, slots=True)
class PlayPlan(TableResult):
    """One row per customer who gets a play: ``customer``, ``play``, ``churn_probability``,
    ``clv``, ``expected_value`` with ``expected_value_ci_lower``/``_upper``, ranked by value.
    ``skipped`` counts customers for whom no play has a positive expected value."""

    customer: str
    skipped: int
    table: pd.DataFrame

    shown_rows: int | None = None

    def report_caption(self) -> str:
        total = f"{len(self.table):,} customers, expected value {self.table['expected_value'].sum():,.0f} in all"
        first = f"; the first {self.shown_rows}" if self.shown_rows and self.shown_rows < len(self.table) else ""
        return f"Who gets which play by the expected value of the churn it prevents ({total}{first})"

    def _shown(self) -> pd.DataFrame:  # ids are labels (1453, not "1,453"); a report shows the top rows
        rows = self.table.head(self.shown_rows) if self.shown_rows else self.table
        return display_frame(rows.astype({self.customer: str}), self.display_units())

    def display_units(self) -> dict[str, str]:
        return {"churn_probability": "percent"}

    def top(self, n: int) -> PlayPlan:
        """The same plan, shown as its first ``n`` rows (``to_frame`` keeps every row)."""
        return PlayPlan(self.customer, self.skipped, self.table, n)


def play_values(
    customers: pd.DataFrame,
    uplift: PlayUplift,
    customer: str = "customer_id",
    churn_probability: str = "churn_probability",
    clv: str = "clv",
    costs: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Expected value (with interval) of every usable play for every customer: one row per pair."""
    require_columns(customers.columns, (customer, churn_probability, clv), "customers")
    p = pd.to_numeric(customers[churn_probability], errors="coerce").to_numpy(float)
    if np.any((p < 0) | (p > 1)):
        raise input_error("customers", f"column {churn_probability!r} has values outside [0, 1]", "probabilities")
    worth = pd.to_numeric(customers[clv], errors="coerce").to_numpy(float)
    usable = uplift.table[uplift.table["status"] == "ok"]
    costs = costs or {}
    frames = []
    for row in usable.itertuples(index=False):
        cost = float(costs.get(row.play, 0.0))
        base = p * worth
        frames.append(
            pd.DataFrame(
                {
                    customer: customers[customer].to_numpy(),
                    "play": row.play,
                    "churn_probability": p,
                    "clv": worth,
                    "expected_value": base * row.prevented_share - cost,
                    "expected_value_ci_lower": base * row.prevented_share_ci_lower - cost,
                    "expected_value_ci_upper": base * row.prevented_share_ci_upper - cost,
                }
            )
        )
    columns = [customer, "play", "churn_probability", "clv", "expected_value"]
    columns += ["expected_value_ci_lower", "expected_value_ci_upper"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def assign_plays(
    customers: pd.DataFrame,
    uplift: PlayUplift,
    customer: str = "customer_id",
    churn_probability: str = "churn_probability",
    clv: str = "clv",
    costs: dict[str, float] | None = None,
) -> PlayPlan:
    """Each customer's best play by expected value, kept when positive, ranked highest first."""
    values = play_values(customers, uplift, customer, churn_probability, clv, costs)
    if values.empty:
        return PlayPlan(customer, len(customers), values)
    best = values.sort_values([customer, "expected_value"], ascending=[True, False], kind="stable")
    best = best.drop_duplicates(customer, keep="first")
    chosen = best[best["expected_value"] > 0].sort_values("expected_value", ascending=False, kind="stable")
    return PlayPlan(customer, len(customers) - len(chosen), chosen.reset_index(drop=True))
