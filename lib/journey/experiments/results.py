"""The experiment results store: one row per readout × primary metric × treatment variant.

Every readout can record what it concluded (:func:`record_readout`, called by notebook 50)
into one parquet file, :func:`journey.config.results_store` (``data/results/experiments.parquet``,
moved by ``$JOURNEY_RESULTS_STORE``). The portfolio (:func:`journey.experiments.portfolio.portfolio`)
reads it beside the sample's history of past experiments.

The store is append-only: a row is never changed or removed, and re-recording the same readout
(same ``experiment``, ``metric``, ``variant`` and ``end_date``: the weekly run replays a finished
experiment every week) keeps the row already there instead of adding a second one. A write reads
the file, appends, writes a temporary file in the same folder and renames it over the store
(``os.replace``), under an exclusive lock on ``<store>.lock``, so two readouts recording at once
(``journey run --jobs 2``) both land and a reader never sees half a file.

Columns (:data:`STORE_COLUMNS`): ``experiment``, ``metric``, ``variant``, ``rel_effect_size``
(treatment / control − 1), ``rel_effect_se`` (its delta-method standard error), ``pvalue`` (the
readout's multiplicity-adjusted p-value), ``decision`` (``ship`` for the shipped variant, else the
readout's verdict: ``don't ship`` or ``keep running``), ``start_date``, ``end_date`` (the last day
of data the readout used: the experiment's end, or the data window's end for an interim look) and
``recorded_at`` (UTC).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journey import config
from journey.data.atomic import replacing
from journey.validation import input_error, quote_list

if TYPE_CHECKING:
    from journey.experiments.readout import Readout

STORE_COLUMNS: tuple[str, ...] = (
    "experiment",
    "metric",
    "variant",
    "rel_effect_size",
    "rel_effect_se",
    "pvalue",
    "decision",
    "start_date",
    "end_date",
    "recorded_at",
)
"""The store's columns, in order."""

KEY: tuple[str, ...] = ("experiment", "metric", "variant", "end_date")
"""One readout of one metric and variant: recording it again adds nothing."""

DECISIONS: tuple[str, ...] = ("ship", "don't ship", "keep running")
_NUMERIC = ("rel_effect_size", "rel_effect_se", "pvalue")
_DATES = ("start_date", "end_date")


def empty_results() -> pd.DataFrame:
    """A store with no rows, with the store's column types."""
    return _typed(pd.DataFrame({c: [] for c in STORE_COLUMNS}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.loc[:, list(STORE_COLUMNS)].copy()
    for c in ("experiment", "metric", "variant", "decision"):
        out[c] = out[c].astype("string")
    for c in _NUMERIC:
        out[c] = pd.to_numeric(out[c], errors="raise").astype("float64")
    for c in _DATES:
        out[c] = pd.to_datetime(out[c]).dt.tz_localize(None).dt.normalize().astype("datetime64[us]")
    out["recorded_at"] = pd.to_datetime(out["recorded_at"], utc=True).astype("datetime64[us, UTC]")
    return out.reset_index(drop=True)


def validate_results(frame: pd.DataFrame, where: str = "results") -> pd.DataFrame:
    """The frame with the store's columns and types, or an input error that names what is wrong."""
    missing = [c for c in STORE_COLUMNS if c not in frame.columns]
    if missing:
        raise input_error(
            where,
            f"missing column(s) {quote_list(missing)}",
            f"the results store's columns {quote_list(STORE_COLUMNS)}",
        )
    numbers = {c: pd.to_numeric(frame[c], errors="coerce") for c in _NUMERIC}
    for c, values in numbers.items():
        bad = values.isna() & frame[c].notna()
        if bad.any():
            raise input_error(where, f"column {c!r} has a non-number {frame[c][bad].iloc[0]!r}", "numbers")
    estimates, ses = numbers["rel_effect_size"], numbers["rel_effect_se"]
    unusable = ~(np.isfinite(estimates) & np.isfinite(ses) & (ses > 0))
    if unusable.any():  # a readout records only finite effects; a hand-made history may not
        rows = ", ".join(str(i) for i in frame.index[unusable][:5])
        raise input_error(
            where,
            f"{int(unusable.sum())} row(s) without a finite 'rel_effect_size' and a 'rel_effect_se' > 0 (rows {rows})",
            "an estimate and its standard error on every row",
        )
    unknown = sorted(set(frame["decision"].dropna().astype(str)) - set(DECISIONS))
    if unknown:
        raise input_error(where, f"column 'decision' has {quote_list(unknown)}", f"one of {quote_list(DECISIONS)}")
    try:
        return _typed(frame)
    except (ValueError, TypeError) as err:
        raise input_error(where, f"has a date or number that does not parse ({err})") from None


def read_results(path: str | Path | None = None) -> pd.DataFrame:
    """The store's rows (an empty frame when nothing has been recorded yet), validated."""
    path = Path(path) if path is not None else config.results_store()
    if not path.exists():
        return empty_results()
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - a damaged file is the user's input problem
        raise input_error(str(path), f"is not a readable parquet file ({type(err).__name__}: {err})") from None
    return validate_results(frame, str(path))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record(rows: pd.DataFrame, path: str | Path | None = None) -> int:
    """Append ``rows`` to the store (atomically, see the module doc); returns how many were new.

    Rows whose :data:`KEY` is already in the store (or repeated within ``rows``) are skipped:
    the first recording of a readout stands.
    """
    path = Path(path) if path is not None else config.results_store()
    new = validate_results(rows, "rows to record")
    with _locked(path):
        old = read_results(path)
        keys = set(map(tuple, old.loc[:, list(KEY)].astype(str).to_numpy()))
        fresh = new[[tuple(k) not in keys for k in new.loc[:, list(KEY)].astype(str).to_numpy()]]
        fresh = fresh.drop_duplicates(subset=list(KEY), keep="first")
        if fresh.empty:
            return 0
        combined = pd.concat([old, fresh], ignore_index=True) if len(old) else fresh.reset_index(drop=True)
        with replacing(path) as tmp:
            combined.to_parquet(tmp, index=False)
    return len(fresh)


def readout_rows(ro: Readout, window_end: dt.date, recorded_at: dt.datetime | None = None) -> pd.DataFrame:
    """The store rows of one readout: each primary metric × treatment variant with a finite estimate.

    ``window_end`` is the last day of data the readout used; the row's ``end_date`` is the
    experiment's end when it ended before that, else ``window_end`` (an interim look).
    """
    spec = ro.spec
    end = min(spec.end_date, window_end) if spec.end_date else window_end
    when = recorded_at or dt.datetime.now(dt.UTC)
    rows = []
    for r in ro.result.rows:
        if r.role != "primary" or not (math.isfinite(r.rel_effect_size) and math.isfinite(r.comparison.rel_se)):
            continue
        shipped = ro.decision.verdict == "ship" and ro.decision.variant == r.variant
        decision = "ship" if shipped else ("don't ship" if ro.decision.verdict == "ship" else ro.decision.verdict)
        rows.append(
            {
                "experiment": spec.name,
                "metric": r.metric,
                "variant": r.variant,
                "rel_effect_size": r.rel_effect_size,
                "rel_effect_se": r.comparison.rel_se,
                "pvalue": r.pvalue_adjusted,
                "decision": decision,
                "start_date": spec.start_date,
                "end_date": end,
                "recorded_at": when,
            }
        )
    return validate_results(pd.DataFrame(rows, columns=list(STORE_COLUMNS)), f"readout of {spec.name!r}")


def record_readout(ro: Readout, window_end: dt.date, path: str | Path | None = None) -> int:
    """Record a readout's result in the store (:func:`readout_rows`, :func:`record`); returns new rows."""
    return record(readout_rows(ro, window_end), path)
