"""Input checks for the CLV models: one place, the house's one error shape."""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.validation import input_error, require_columns


def summary_columns(summary: pd.DataFrame, model: str, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The summary's columns as float arrays, after checking what every model assumes.

    ``frequency`` counts repeat purchase days (whole, >= 0); ``recency`` and ``T`` are
    durations (>= 0) with ``recency <= T``; a customer without repeat purchases has
    ``recency == 0``. A summary that breaks one of these was not built by
    :func:`journey.clv.rfm_summary` (or mixes units) and would give a silently wrong fit.
    """
    if not isinstance(summary, pd.DataFrame):
        raise input_error(model, f"expected a DataFrame from rfm_summary, got {type(summary).__name__}")
    require_columns(summary.columns, columns, f"{model} summary")
    if summary.empty:
        raise input_error(f"{model} summary", "has no customers", "at least one row")
    out = {c: pd.to_numeric(summary[c], errors="coerce").to_numpy(float) for c in columns}
    for name, values in out.items():
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise input_error(
                f"{model} summary",
                f"column {name!r} has a negative, missing or non-numeric value {summary[name].iloc[row]} "
                f"(first at row {row})",
                "finite values >= 0",
            )
    if "frequency" in out:
        whole = out["frequency"] != np.floor(out["frequency"])
        if whole.any():
            row = int(np.flatnonzero(whole)[0])
            raise input_error(
                f"{model} summary",
                f"column 'frequency' has a fractional value {out['frequency'][row]:g} (first at row {row})",
                "whole numbers of repeat purchase days",
            )
    if "recency" in out and "T" in out:
        late = out["recency"] > out["T"] + 1e-9
        if late.any():
            row = int(np.flatnonzero(late)[0])
            raise input_error(
                f"{model} summary",
                f"recency {out['recency'][row]:g} exceeds T {out['T'][row]:g} (first at row {row})",
                "recency <= T (the last purchase lies inside the observation period)",
            )
    return out
