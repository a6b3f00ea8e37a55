"""Input checks for survival data: one place, the house's one error shape.

Survival data here are one row per customer (or per subscription) with a ``duration`` (time
from the start of the lifetime to churn or to the end of observation) and an ``event``
(1: churned at ``duration``; 0: still a customer when observation ended, i.e. censored).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.data.sources import DataLike, as_table
from journey.validation import input_error, require_columns


def survival_frame(data: DataLike, columns: list[str], where: str) -> pd.DataFrame:
    """``data`` as a pandas frame holding ``columns`` (an ibis table or file is read in the
    engine, only those columns come back: survival data are per-customer rows)."""
    if isinstance(data, pd.DataFrame):
        require_columns(data.columns, columns, where)
        return data
    table = as_table(data, where)
    require_columns(table.columns, columns, where)
    return table.select(*columns).execute()


def durations_and_events(frame: pd.DataFrame, duration: str, event: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Float durations (finite, >= 0) and 0/1 events, or a one-line error naming the first bad row."""
    if frame.empty:
        raise input_error(where, "has no rows", "one row per customer with a duration and an event")
    raw = frame[duration]
    if not (pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)):
        raise input_error(where, f"column {duration!r} has type {raw.dtype}", "numeric durations")
    t = raw.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise input_error(
            where,
            f"column {duration!r} has a negative or missing duration {t[row]:g} (first at row {row})",
            "durations >= 0",
        )
    ev = frame[event]
    values = ev.to_numpy(dtype=object)
    ok = np.array([v is not None and v is not pd.NA and v == v and v in (0, 1) for v in values], dtype=bool)
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0])
        raise input_error(
            where,
            f"column {event!r} has value {shown_value(values[row])} (first at row {row})",
            "events 0/1 (1 = churned, 0 = censored)",
        )
    return t, ev.to_numpy(dtype=float)


def shown_value(value) -> str:
    """A cell as a reader would write it: ``2``, ``'yes'``, ``nan`` (no ``np.int64(2)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def group_labels(frame: pd.DataFrame, by: str, where: str) -> np.ndarray:
    """The ``by`` column as an array, refusing missing labels (a customer in no group would
    silently leave the comparison)."""
    labels = frame[by]
    missing = labels.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise input_error(
            where,
            f"column {by!r} is missing on {int(missing.sum()):,} rows (first at row {row})",
            "a group on every row",
        )
    return labels.to_numpy()


__all__ = ["durations_and_events", "group_labels", "shown_value", "survival_frame"]
