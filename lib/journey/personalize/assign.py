"""One action per customer: the first rule (by priority) whose conditions hold, and a holdout per play.

Each play reserves a random holdout: customer ``c`` targeted by play ``p`` is held out when
``u = sha256(f"{salt}:{p}:{c}")`` read as a fraction in [0, 1) is below the play's holdout
share. The draw is stable (the same customer stays in the same group across runs and days, so
the holdout is not contaminated by last week's treatment), independent across plays (the play
is hashed in), and needs no stored assignment table. The ``group`` column is the ``variant``
of :mod:`journey.experiments`: ``ab.srm_from_counts`` checks the split and ``ab.analyze``
reads the effect, with ``holdout`` as the control.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from journey.data.atomic import write_text
from journey.display.results import TableResult
from journey.personalize.rules import RuleSet
from journey.validation import input_error, require_columns

ACTION_COLUMNS = ("rule", "priority", "play", "group", "content", "offer", "message", "channel")
TREATMENT, HOLDOUT = "treatment", "holdout"


def holdout_draw(customers: Iterable[object], play: str, salt: str) -> np.ndarray:
    """Uniform draws in [0, 1): the first 8 bytes of ``sha256(f"{salt}:{play}:{customer}")`` / 2**64.

    >>> holdout_draw([1, 2], "win-back", "s1").round(4).tolist()
    [0.8105, 0.2802]
    """
    prefix = f"{salt}:{play}:"
    return np.fromiter(
        (int.from_bytes(hashlib.sha256(f"{prefix}{c}".encode()).digest()[:8], "big") / 2.0**64 for c in customers),
        dtype=float,
    )


@dataclass(frozen=True, slots=True)
class Assignment(TableResult):
    """``actions``: one row per customer (the customer column first), with ``rule`` (the rule that
    fired; missing when none did), ``priority``, ``play``, ``group`` (``treatment`` or
    ``holdout``), ``content``, ``offer``, ``message`` and ``channel`` (missing for a holdout
    customer: they get nothing). ``table`` (what renders): the reach of each rule, in priority
    order: ``customers``, ``share`` of all customers, ``holdout`` count and ``holdout_share``."""

    rules: RuleSet
    customer: str
    actions: pd.DataFrame
    table: pd.DataFrame
    caption: ClassVar[str] = "Reach of each personalization rule (first matching rule by priority)"

    def split(self, play: str) -> dict[str, int]:
        """Treatment and holdout counts of a play, for ``ab.srm_from_counts(split, expected)``."""
        rows = self.actions[self.actions["play"] == play]
        return {TREATMENT: int((rows["group"] == TREATMENT).sum()), HOLDOUT: int((rows["group"] == HOLDOUT).sum())}

    def expected(self, play: str) -> dict[str, float]:
        """The play's planned split (treatment, holdout shares)."""
        share = self.rules.plays[play].holdout
        return {TREATMENT: 1 - share, HOLDOUT: share}


def assign(customers: pd.DataFrame, rules: RuleSet, customer: str = "customer_id") -> Assignment:
    """Give every customer the action of the first rule that holds, and their play's group.

    ``customers``: one row per customer with the columns the rules read: ``segment``,
    ``risk_band``, a boolean column per behaviour segment, ``preferred_<dimension>`` (as
    :mod:`journey.segments` builds them; see :func:`journey.personalize.customer_table`).

    >>> import pandas as pd
    >>> from journey.personalize.rules import parse_rules
    >>> rules = parse_rules({"name": "demo", "salt": "s", "plays": {"hi": {"holdout": 0.5}},
    ...     "rules": [{"name": "new", "priority": 1, "when": {"segment": ["new"]},
    ...                "action": {"play": "hi", "content": "welcome", "message": "Hi", "channel": "email"}}]})
    >>> out = assign(pd.DataFrame({"customer_id": [1, 2, 3], "segment": ["new", "new", "loyal"]}), rules)
    >>> out.actions[["customer_id", "rule", "group", "content"]].values.tolist()
    [[1, 'new', 'treatment', 'welcome'], [2, 'new', 'holdout', None], [3, None, None, None]]
    """
    if not isinstance(customers, pd.DataFrame):
        raise input_error("customers", f"got {type(customers).__name__}", "a DataFrame, one row per customer")
    if customer not in customers.columns and customers.index.name == customer:
        customers = customers.reset_index()
    ordered = rules.ordered()
    needed = [customer, *dict.fromkeys(c for rule in ordered for c in rule.when.columns())]
    require_columns(customers.columns, needed, "customers")
    ids = customers[customer]
    if ids.isna().any():
        raise input_error("customers", f"column {customer!r} is missing on {int(ids.isna().sum()):,} rows", "an id")
    if ids.duplicated().any():
        raise input_error("customers", f"customer {ids[ids.duplicated()].iloc[0]!r} appears twice", "one row each")
    n = len(customers)
    fired = np.full(n, -1)
    for i, rule in enumerate(ordered):
        open_ = fired < 0
        if not open_.any():
            break
        fired[open_ & _holds(customers, rule.when)] = i
    out = pd.DataFrame({customer: ids.to_numpy()})
    for column in ACTION_COLUMNS:
        out[column] = pd.Series([None] * n, dtype=object)
    for i, rule in enumerate(ordered):
        rows = np.flatnonzero(fired == i)
        if not rows.size:
            continue
        play = rule.action.play
        held = holdout_draw(ids.to_numpy()[rows], play, rules.salt) < rules.plays[play].holdout
        out.loc[rows, ["rule", "priority", "play"]] = [rule.name, rule.priority, play]
        out.loc[rows, "group"] = np.where(held, HOLDOUT, TREATMENT)
        treated = rows[~held]
        for field in ("content", "offer", "message", "channel"):
            out.loc[treated, field] = getattr(rule.action, field)
    out["priority"] = out["priority"].astype("Int64")
    return Assignment(rules, customer, out, _reach(out, ordered, n))


def _holds(customers: pd.DataFrame, when) -> np.ndarray:
    mask = np.ones(len(customers), bool)
    if when.segment:
        mask &= customers["segment"].isin(when.segment).to_numpy()
    if when.risk_band:
        mask &= customers["risk_band"].isin(when.risk_band).to_numpy()
    if when.behaviour:
        flags = customers[list(when.behaviour)].fillna(False).astype(bool).to_numpy()
        mask &= flags.any(axis=1)
    for dimension, values in when.preferences.items():
        mask &= customers[f"preferred_{dimension}"].astype(object).isin(values).to_numpy()
    return mask


def _reach(actions: pd.DataFrame, ordered, n: int) -> pd.DataFrame:
    rows = []
    for rule in [*ordered, None]:
        hit = actions["rule"].isna() if rule is None else actions["rule"] == rule.name
        held = int((actions.loc[hit, "group"] == HOLDOUT).sum())
        count = int(hit.sum())
        rows.append(
            {
                "rule": "(no rule)" if rule is None else rule.name,
                "priority": None if rule is None else rule.priority,
                "play": None if rule is None else rule.action.play,
                "customers": count,
                "share": count / n if n else np.nan,
                "holdout": held,
                "holdout_share": held / count if count else np.nan,
            }
        )
    frame = pd.DataFrame(rows)
    frame["priority"] = frame["priority"].astype("Int64")
    frame["play"] = frame["play"].astype(object).where(frame["play"].notna(), None)  # blank, not "NaN"
    return frame


def write_csv(assignment: Assignment, path: str | Path) -> Path:
    """Write the actions atomically (a temporary file in the same folder, then a rename), so an
    activation job never reads half a file."""
    return write_text(path, assignment.actions.to_csv(index=False), newline="")


__all__ = ["ACTION_COLUMNS", "HOLDOUT", "TREATMENT", "Assignment", "assign", "holdout_draw", "write_csv"]
