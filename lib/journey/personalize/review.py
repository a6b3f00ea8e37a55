"""The personalization review: segments and how they move, how each segment answered the last
play, the rule set's reach, and what the plays are expected to be worth.

Notebook 80 shows these parts; the numbers are computed here so the tests can check them.
The segments read the two-year ``order_history``; behaviour flags and preferences read the
``events``; the value of a play is the churn it prevents (measured on its past random holdout)
times what the treated customers are worth, using the churn probabilities and CLV of the
customer-health review. A play without a past holdout has no measured effect yet: its row
says so, and the holdout the rules reserve is how it will be measured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journey import plays, segments
from journey.data.sources import DataLike, as_table
from journey.display.results import TableResult
from journey.display.text import percent
from journey.health.review import CustomerHealthReview
from journey.personalize.assign import TREATMENT, Assignment, assign
from journey.personalize.profile import customer_table
from journey.personalize.rules import RuleSet
from journey.validation import JourneyInputError


@dataclass(frozen=True, slots=True)
class PlayValue(TableResult):
    """Per play of the rules: ``customers`` treated and ``holdout``, the ``prevented_share`` of churn
    measured on the play's past holdout (with its interval) and the ``expected_value`` of running it
    on the treated customers (with the interval of the effect), or ``status`` saying why not."""

    table: pd.DataFrame

    def report_caption(self) -> str:
        return "What each play of the rules is expected to be worth (churn prevented × customer value)"


@dataclass(frozen=True, slots=True)
class PersonalizationReview:
    """Every part of the review (see the module docstring); ``notes`` lists what is missing and why."""

    period_end: dt.date
    segments_now: segments.RFMSegments
    transitions: segments.Transitions
    timing: segments.PurchaseTiming
    assignment: Assignment
    response: plays.PlayUplift | None
    value: PlayValue
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """3-5 sentences for the executive summary, built from the parts."""
        table = self.segments_now.table.set_index("segment")
        largest = table["customers"].idxmax()
        out = [
            f"{int(table['customers'].sum()):,} customers bought by {self.period_end}; the largest segment is "
            f"{largest.replace('_', ' ')} ({percent(table.loc[largest, 'share'], 0)}).",
            f"{percent(self.transitions.stayed(), 0)} of customers kept their segment over the period.",
        ]
        reach = self.assignment.table
        matched = reach.loc[reach["rule"] != "(no rule)", "customers"].sum()
        out.append(
            f"The {len(self.assignment.rules.rules)} rules give an action to {int(matched):,} customers "
            f"({percent(matched / max(reach['customers'].sum(), 1), 0)}); "
            f"{int(reach['holdout'].sum()):,} are held out to measure the plays."
        )
        measured = self.value.table[self.value.table["status"] == "ok"]
        if not measured.empty:
            best = measured.sort_values("expected_value", ascending=False).iloc[0]
            name = best["play"].replace("_", " ")
            out.append(
                f"{name[:1].upper()}{name[1:]} is worth an expected {best['expected_value']:,.0f} on its "
                f"{int(best['customers']):,} treated customers ({best['expected_value_ci_lower']:,.0f} to "
                f"{best['expected_value_ci_upper']:,.0f})."
            )
        out += [f"Not in this report: {note}" for note in self.notes]
        return out


def _as_day(value: str | dt.date | dt.datetime) -> dt.date:
    stamp = pd.Timestamp(value)
    return (stamp.tz_convert("UTC") if stamp.tzinfo is not None else stamp).date()


def customers_of(
    source: DataLike,
    period_end=None,
    risk: pd.DataFrame | None = None,
    scores: segments.RFMSegments | None = None,
    timing: segments.PurchaseTiming | None = None,
) -> pd.DataFrame:
    """The customer table the rules read, from a source with the customer tables: segments on the
    two-year ``order_history``, behaviour and preferences from the ``events`` (whose ``user_id`` is
    the customer id). The report and ``journey personalize export`` both use it, so the actions
    exported are the ones the report shows."""
    orders = as_table(source, "order_history")
    events = as_table(source, "events").rename(customer_id="user_id")
    return customer_table(
        orders, events, customer="customer_id", date="ts", amount="amount", period_end=period_end, risk=risk,
        scores=scores, timing=timing,
    )  # fmt: skip


def review(
    source: DataLike,
    rules: RuleSet,
    period_end: str | dt.date | dt.datetime,
    window_days: int = 28,
    health: CustomerHealthReview | None = None,
) -> PersonalizationReview:
    """Compute the personalization review at ``period_end`` (see the module docstring)."""
    end = _as_day(period_end)
    notes: list[str] = []
    orders = as_table(source, "order_history")
    now = segments.rfm(orders, date="ts", period_end=end)
    before = segments.rfm(orders, date="ts", period_end=end - dt.timedelta(days=window_days))
    transitions = segments.transition_matrix(before, now)
    timing = segments.purchase_timing(orders, date="ts", period_end=end)
    assignment = assign(customers_of(source, end, scores=now, timing=timing), rules)
    response = None
    try:
        outcomes = plays.play_outcomes(source).execute()
        ran = pd.Timestamp(as_table(source, "plays").assigned_ts.min().execute())
        at_play = segments.rfm(orders, date="ts", period_end=(ran - pd.Timedelta(days=1)).date()).segment_of()
        outcomes["segment"] = outcomes["customer_id"].map(at_play).fillna("not_a_customer")
        response = plays.play_uplift(outcomes, by="segment")
        measured = plays.play_uplift(outcomes)
    except JourneyInputError as exc:
        notes.append(f"Past plays not read: {exc}")
        measured = None
    value = _play_value(assignment, measured, health, notes)
    return PersonalizationReview(end, now, transitions, timing, assignment, response, value, notes)


def _play_value(
    assignment: Assignment, measured: plays.PlayUplift | None, health: CustomerHealthReview | None, notes: list[str]
) -> PlayValue:
    risk = None if health is None else health.customer_risk
    if risk is None:
        notes.append("Play values need the churn probabilities and CLV of the customer-health review.")
    actions = assignment.actions
    rows = []
    for name in assignment.rules.plays:
        mine = actions[actions["play"] == name]
        treated = mine[mine["group"] == TREATMENT]
        row = {"play": name, "customers": len(treated), "holdout": len(mine) - len(treated)}
        effect = None
        if measured is not None and name in set(measured.table["play"]):
            effect = measured.get(name)
        if effect is None or effect["status"] != "ok":
            reason = "no past holdout of this play" if effect is None else effect["status"]
            rows.append(row | {"status": f"not measured yet: {reason}"})
            continue
        worth = np.nan
        low = high = np.nan
        if risk is not None:
            at_stake = treated[[assignment.customer]].merge(risk, left_on=assignment.customer, right_on="customer_id")
            base = float((at_stake["churn_probability"] * at_stake["clv"]).sum())
            worth = base * effect["prevented_share"]
            low, high = base * effect["prevented_share_ci_lower"], base * effect["prevented_share_ci_upper"]
        rows.append(
            row
            | {
                "prevented_share": effect["prevented_share"],
                "prevented_share_ci_lower": effect["prevented_share_ci_lower"],
                "prevented_share_ci_upper": effect["prevented_share_ci_upper"],
                "expected_value": worth,
                "expected_value_ci_lower": low,
                "expected_value_ci_upper": high,
                "status": "ok" if risk is not None else "no churn probabilities",
            }
        )
    columns = ["play", "customers", "holdout", "prevented_share", "prevented_share_ci_lower",
               "prevented_share_ci_upper", "expected_value", "expected_value_ci_lower", "expected_value_ci_upper",
               "status"]  # fmt: skip
    frame = pd.DataFrame(rows).reindex(columns=columns)
    numbers = columns[3:-1]  # not measured is missing (blank in a report), not NaN
    frame[numbers] = frame[numbers].astype("Float64")
    return PlayValue(frame)
