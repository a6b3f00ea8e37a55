"""Feedback ingestion: one contract for survey answers, reviews, social posts and support tickets.

The contract (the sample database's ``feedback`` table) is::

    feedback_id BIGINT, customer_id BIGINT NULL, ts TIMESTAMPTZ, channel VARCHAR, text VARCHAR,
    rating DOUBLE NULL (stars 1-5), nps DOUBLE NULL (0-10, surveys)

Vendor exports are mapped onto it with ``mapping={"Comment": "text", ...}``. Validation fails
early with a message that names the file, the column, the value and its row. Normalisation then
makes texts comparable (HTML entities decoded, whitespace collapsed), drops what carries no
opinion (empty texts, non-answers such as "n/a", "-", "none", exact duplicate records) and masks
PII, and reports how many rows each step dropped so nothing disappears silently.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from journey.data import sources
from journey.data.contracts import FEEDBACK_CHANNELS, has_offset, value_range
from journey.data.files import read_table_file
from journey.display.results import ResultMixin
from journey.feedback.pii import mask_pii_series
from journey.validation import input_error, quote_list, require_columns

CHANNELS = FEEDBACK_CHANNELS  # the feedback contract's list, re-exported for callers
COLUMNS = ("feedback_id", "customer_id", "ts", "channel", "text", "rating", "nps")
RATING_RANGE = value_range("feedback", "rating")
NPS_RANGE = value_range("feedback", "nps")
NON_ANSWERS = frozenset(
    {"", "n/a", "na", "n.a.", "-", "--", "---", "none", "nothing", "nil", "null", "no comment", "no comments",
     ".", "..", "...", "?", "x", "nope", "nothing to add", "no feedback"}
)  # fmt: skip
"""Answers that carry no opinion (compared lower-case, surrounding whitespace removed)."""

_WS = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class FeedbackData(ResultMixin):
    """Validated, normalised and masked feedback plus an account of what was dropped.

    ``frame`` follows the contract (``COLUMNS``). ``dropped`` maps a reason (``empty``,
    ``non_answer``, ``duplicate``) to the number of rows removed; ``pii_counts`` is the number of
    masked items per PII type; ``n_input`` the row count before normalisation.
    """

    caption = "Feedback received"

    frame: pd.DataFrame
    n_input: int
    dropped: dict[str, int] = field(default_factory=dict)
    pii_counts: dict[str, int] = field(default_factory=dict)
    source: str = "data frame"

    @property
    def texts(self) -> pd.Series:
        return self.frame["text"]

    def to_frame(self) -> pd.DataFrame:
        """The ingestion log: one row per step (``step``, ``rows``)."""
        rows = [("input rows", self.n_input)]
        rows += [(f"dropped: {reason}", n) for reason, n in self.dropped.items()]
        rows += [("kept", len(self.frame))]
        rows += [(f"masked: {kind}", n) for kind, n in self.pii_counts.items() if n]
        return pd.DataFrame(rows, columns=["step", "rows"])


def normalize_text(text: str) -> str:
    """Decode HTML entities (``&amp;`` → ``&``) and collapse runs of whitespace.

    >>> normalize_text("  Late&nbsp;delivery &amp;\\n  rude   staff ")
    'Late delivery & rude staff'
    """
    return _WS.sub(" ", html.unescape(text)).strip()


def is_non_answer(text: str) -> bool:
    """True for answers such as "n/a", "-", "None." that say nothing."""
    return text.strip().lower().rstrip("!. ") in NON_ANSWERS or text.strip().lower() in NON_ANSWERS


def _validate(frame: pd.DataFrame, where: str) -> None:
    require_columns(frame.columns, ["text", "channel"], where)
    text = frame["text"]
    if len(frame) == 0:
        raise input_error(where, "has no rows", "at least one feedback text")
    if pd.api.types.is_numeric_dtype(text.dtype) or pd.api.types.is_bool_dtype(text.dtype):
        raise input_error(where, f"column 'text' holds {text.dtype} values, not text", "a column of strings")
    present = text.notna()
    bad = [(i, v) for i, v in enumerate(text.tolist()) if present.iloc[i] and not isinstance(v, str)]
    if bad:
        row, value = bad[0]
        raise input_error(
            where,
            f"column 'text' has a non-string value {value!r} ({type(value).__name__}, first at row {row + 1}, "
            f"{len(bad)} in all)",
            "strings (or empty cells)",
        )
    if not present.any() or not text[present].astype(str).str.strip().astype(bool).any():
        raise input_error(where, f"column 'text' is empty in all {len(frame)} rows", "at least one non-empty text")
    channel = frame["channel"].astype("string").str.strip().str.lower()
    unknown = channel.notna() & ~channel.isin(CHANNELS)
    if channel.isna().any():
        row = int(channel.isna().to_numpy().argmax())
        raise input_error(where, f"column 'channel' is empty at row {row + 1}", f"one of {quote_list(CHANNELS)}")
    if unknown.any():
        row = int(unknown.to_numpy().argmax())
        raise input_error(
            where,
            f"column 'channel' has unknown value {frame['channel'].iloc[row]!r} (first at row {row + 1})",
            f"one of {quote_list(CHANNELS)}",
        )
    for column, (low, high) in (("rating", RATING_RANGE), ("nps", NPS_RANGE)):
        if column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        unparsed = values.isna() & frame[column].notna()
        if unparsed.any():
            row = int(unparsed.to_numpy().argmax())
            raise input_error(
                where, f"column {column!r} has non-numeric value {frame[column].iloc[row]!r} at row {row + 1}",
                f"numbers from {low:g} to {high:g}",
            )  # fmt: skip
        outside = values.notna() & ((values < low) | (values > high))
        if outside.any():
            row = int(outside.to_numpy().argmax())
            raise input_error(
                where,
                f"column {column!r} has value {values.iloc[row]:g} out of range at row {row + 1} "
                f"({int(outside.sum())} rows in all)",
                f"values from {low:g} to {high:g}",
            )


def _parse_ts(frame: pd.DataFrame, where: str) -> pd.Series:
    """Timestamps as UTC. Vendor exports rarely carry an offset, so naive values are read as UTC
    with a warning that says so (the table contracts reject them instead: see README)."""
    if "ts" not in frame.columns:
        return pd.Series(pd.NaT, index=range(len(frame)), dtype="datetime64[ns, UTC]")
    raw = frame["ts"]
    note = ""
    if not pd.api.types.is_datetime64_any_dtype(raw):
        naive = raw.notna() & ~has_offset(raw)
        if naive.any():
            note = (
                f"{where}: column 'ts' has {int(naive.sum())} timezone-naive values "
                f"(first at row {int(naive.to_numpy().argmax()) + 1}); read as UTC"
            )
    elif getattr(raw.dtype, "tz", None) is None:
        note = f"{where}: column 'ts' is timezone-naive; read as UTC"
    try:
        ts = pd.to_datetime(frame["ts"], utc=True, format="mixed")
    except (ValueError, TypeError) as exc:
        raise input_error(where, f"column 'ts' has an unparseable timestamp ({exc})", "ISO 8601 timestamps") from None
    if note:
        warnings.warn(note, stacklevel=3)
    return ts.reset_index(drop=True)


def normalize_feedback(
    frame: pd.DataFrame,
    *,
    mapping: Mapping[str, str] | None = None,
    channel: str | None = None,
    mask: bool = True,
    where: str = "feedback",
) -> FeedbackData:
    """Validate and normalise a feedback frame (see the module docstring for each step).

    ``mapping`` renames vendor columns to the contract; ``channel`` fills the channel when the
    export comes from one channel and has no such column. ``where`` names the source in errors.
    """
    frame = frame.rename(columns=dict(mapping or {})).copy()
    if channel is not None:
        if channel not in CHANNELS:
            raise input_error("parameter 'channel'", f"unknown value {channel!r}", f"one of {quote_list(CHANNELS)}")
        if "channel" not in frame.columns:
            frame["channel"] = channel
    _validate(frame, where)
    n_input = len(frame)
    out = pd.DataFrame(index=range(n_input))
    out["feedback_id"] = (
        pd.to_numeric(frame["feedback_id"], errors="raise").astype("Int64").to_numpy()
        if "feedback_id" in frame.columns
        else pd.array(range(1, n_input + 1), dtype="Int64")
    )
    out["customer_id"] = (
        pd.to_numeric(frame["customer_id"], errors="coerce").astype("Int64").to_numpy()
        if "customer_id" in frame.columns
        else pd.array([pd.NA] * n_input, dtype="Int64")
    )
    out["ts"] = _parse_ts(frame, where)
    out["channel"] = frame["channel"].astype(str).str.strip().str.lower().to_numpy()
    texts = frame["text"].tolist()
    out["text"] = [normalize_text(t) if isinstance(t, str) else "" for t in texts]
    for column in ("rating", "nps"):
        values = frame[column] if column in frame.columns else pd.Series([None] * n_input)
        out[column] = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()

    dropped: dict[str, int] = {}
    empty = out["text"].eq("")
    dropped["empty"] = int(empty.sum())
    out = out[~empty]
    non_answer = out["text"].map(is_non_answer)
    dropped["non_answer"] = int(non_answer.sum())
    out = out[~non_answer]
    # Exact re-sent records (same customer, channel, time and text) or a repeated id.
    duplicate = out.duplicated(["customer_id", "channel", "ts", "text"]) | out.duplicated(["feedback_id"])
    dropped["duplicate"] = int(duplicate.sum())
    out = out[~duplicate].reset_index(drop=True)

    pii_counts: dict[str, int] = {}
    if mask:
        masked = mask_pii_series(out["text"])
        out["text"] = masked.texts.astype(str)
        pii_counts = masked.counts
    return FeedbackData(frame=out, n_input=n_input, dropped=dropped, pii_counts=pii_counts, source=where)


def load_feedback(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    channel: str | None = None,
    mask: bool = True,
) -> FeedbackData:
    """Load a CSV or parquet export, map vendor columns, validate, normalise and mask it.

    ``mapping`` is ``{vendor column: contract column}``, e.g. ``{"Comment": "text",
    "Stars": "rating", "Submitted": "ts"}``. Errors name the file.
    """
    path = Path(path)
    frame = read_table_file(path, expected="an existing CSV or parquet file", dtype={"text": object})
    if mapping:
        missing = [c for c in mapping if c not in frame.columns]
        if missing:
            raise input_error(
                str(path), f"mapped column{'s' if len(missing) > 1 else ''} {quote_list(missing)} not in file",
                f"columns present: {quote_list(frame.columns)}",
            )  # fmt: skip
    return normalize_feedback(frame, mapping=mapping, channel=channel, mask=mask, where=path.name)


def read_feedback(
    source: Any,
    *,
    window: Any = None,
    channels: Iterable[str] | None = None,
    table: str = "feedback",
    mask: bool = True,
) -> FeedbackData:
    """The feedback table of a data source (DuckDB file, parquet folder, ibis URI or frame).

    Filtering by ``window`` (a :class:`journey.data.window.Window`) and ``channels`` runs in the engine;
    only the selected rows are fetched, because texts must reach the models row by row.
    """
    expr = sources.as_table(source, table=table)
    if window is not None:
        expr = window.filter(expr)
    if channels:
        channels = list(channels)
        for name in channels:
            if name not in CHANNELS:
                raise input_error("parameter 'channels'", f"unknown channel {name!r}", f"any of {quote_list(CHANNELS)}")
        expr = expr.filter(expr.channel.isin(channels))
    frame = expr.to_pandas()
    if frame.empty:
        return FeedbackData(frame=pd.DataFrame(columns=list(COLUMNS)), n_input=0, source=table)
    return normalize_feedback(frame, mask=mask, where=f"table {table!r}")
