"""Data contracts for the tables the library reads, and a loader that enforces them.

One declaration per table (:data:`CONTRACTS`) drives both the pandera schema and the
CSV parser, so the rules cannot drift apart. Timestamps must carry a UTC offset (``Z`` or
``+00:00``): timezone-naive values are **rejected**, not guessed, because a silent guess
shifts every daily and weekly number by the machine's offset. Validation is lazy (as
pandera's ``lazy=True``): every failing column is reported in one
:class:`~journey.validation.JourneyInputError` naming the file, and for each column the
problem, its first row and value, and how many more, so a user fixes an export in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
import pandera.pandas as pa

from journey.data.files import read_table_file
from journey.validation import check_option, input_error, quote_list

Kind = Literal["int", "float", "str", "bool", "timestamp"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a contract: its kind, whether it may be null, and allowed values or range."""

    name: str
    kind: Kind
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    doc: str = ""


FEEDBACK_CHANNELS = ("survey", "review", "social", "support")
PLAY_VARIANTS = ("treatment", "holdout")

CONTRACTS: dict[str, tuple[Column, ...]] = {
    "events": (
        Column("user_id", "int", doc="who did it (randomization unit)"),
        Column("ts", "timestamp", doc="when, UTC"),
        Column("event", "str", doc="event name, e.g. landing_view, purchase"),
        Column("channel", "str", doc="marketing channel of the session"),
        Column("device", "str", doc="desktop, mobile, tablet"),
        Column("country", "str", doc="ISO country code"),
        Column("session_id", "str", doc="visit identifier: any text, e.g. a UUID (integers read as text)"),
        Column("page_load_ms", "float", nullable=True, minimum=0, doc="page load time of the event's page"),
        Column("revenue", "float", nullable=True, minimum=0, doc="order value on purchase events, else null"),
    ),
    "orders": (
        Column("order_id", "int"),
        Column("user_id", "int"),
        Column("ts", "timestamp"),
        Column("revenue", "float", minimum=0),
        Column("items", "int", minimum=1),
        Column("is_repeat", "bool"),
    ),
    "customers": (
        Column("customer_id", "int", doc="equals events.user_id"),
        Column("signup_ts", "timestamp"),
        Column("plan", "str"),
        Column("country", "str"),
        Column("device", "str"),
        Column("first_touch_channel", "str"),
    ),
    "feedback": (
        Column("feedback_id", "int"),
        Column("customer_id", "int", nullable=True),
        Column("ts", "timestamp"),
        Column("channel", "str", allowed=FEEDBACK_CHANNELS),
        Column("text", "str"),
        Column("rating", "float", nullable=True, minimum=1, maximum=5, doc="stars or CSAT 1-5"),
        Column("nps", "float", nullable=True, minimum=0, maximum=10, doc="likelihood to recommend 0-10"),
    ),
    "assignments": (
        Column("user_id", "int"),
        Column("experiment", "str"),
        Column("variant", "str"),
        Column("assigned_at", "timestamp"),
    ),
    "order_history": (
        Column("order_id", "int", doc="the order history's own key (not orders.order_id)"),
        Column("customer_id", "int"),
        Column("ts", "timestamp", doc="when the order was placed, UTC"),
        Column("amount", "float", minimum=0, doc="order value"),
    ),
    "subscriptions": (
        Column("subscription_id", "int"),
        Column("customer_id", "int"),
        Column("plan", "str", doc="paid plan, e.g. basic, plus, premium"),
        Column("start_ts", "timestamp", doc="first day of the contract; it renews monthly from here"),
        Column("end_ts", "timestamp", nullable=True, doc="when it was cancelled; null while active"),
        Column("monthly_price", "float", minimum=0),
    ),
    "support_tickets": (
        Column("ticket_id", "int"),
        Column("customer_id", "int"),
        Column("opened_ts", "timestamp"),
        Column("resolved_ts", "timestamp", nullable=True, doc="null: not resolved"),
        Column("topic", "str", doc="e.g. billing, bug, how_to, account, delivery"),
        Column("satisfaction", "int", nullable=True, minimum=1, maximum=5, doc="CSAT 1-5; null: not answered"),
    ),
    "usage": (
        Column("customer_id", "int"),
        Column("week_start", "timestamp", doc="Monday 00:00 UTC of the week"),
        Column("logins", "int", minimum=1, doc="logins that week (weeks without one have no row)"),
        Column("features_used", "int", minimum=0, doc="distinct product features used that week"),
    ),
    "plays": (
        Column("customer_id", "int"),
        Column("play", "str", doc="retention play, e.g. winback_offer"),
        Column("variant", "str", allowed=PLAY_VARIANTS, doc="treatment, or the random holdout"),
        Column("assigned_ts", "timestamp"),
    ),
}
TableName = Literal[
    "events",
    "orders",
    "customers",
    "feedback",
    "assignments",
    "order_history",
    "subscriptions",
    "support_tickets",
    "usage",
    "plays",
]


def value_range(table: str, column: str) -> tuple[float, float]:
    """``(minimum, maximum)`` a contract allows for a numeric column (one source for every validator)."""
    col = next(c for c in CONTRACTS[table] if c.name == column)
    return (col.minimum, col.maximum)  # type: ignore[return-value]


def has_offset(values: pd.Series) -> pd.Series:
    """True where a timestamp string carries a UTC offset (``Z`` or ``+hh:mm``)."""
    return values.astype("str").str.strip().str.contains(_OFFSET)


_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def schema(table: TableName) -> pa.DataFrameSchema:
    """The pandera schema of ``table`` (for already-typed frames)."""
    check_option("table", table, CONTRACTS)
    columns = {}
    for col in CONTRACTS[table]:
        checks = []
        if col.allowed:
            checks.append(pa.Check.isin(col.allowed))
        if col.minimum is not None:
            checks.append(pa.Check.ge(col.minimum))
        if col.maximum is not None:
            checks.append(pa.Check.le(col.maximum))
        dtype = {
            "int": "Int64",
            "float": "float64",
            "str": "str",
            "bool": "bool",
            "timestamp": pd.DatetimeTZDtype("us", "UTC"),
        }[col.kind]
        columns[col.name] = pa.Column(dtype, checks=checks, nullable=col.nullable, coerce=col.kind != "timestamp")
    return pa.DataFrameSchema(columns, strict=False)


def load_table(path: str | Path, table: TableName) -> pd.DataFrame:
    """Read a CSV or parquet file and return it typed and validated against ``table``'s contract."""
    check_option("table", table, CONTRACTS)
    path = Path(path)
    frame = read_table_file(path, expected=f"a CSV or parquet file with the {table} table", dtype="str")
    return validate_frame(frame, table, path.name)


def validate_frame(frame: pd.DataFrame, table: TableName, where: str = "data") -> pd.DataFrame:
    """Check columns, types, nulls and values of ``frame``; return a typed copy.

    Every column is checked before anything is raised, and one error lists each failing column.
    """
    contract = CONTRACTS[table]
    missing = [c.name for c in contract if c.name not in frame.columns]
    if missing:
        raise input_error(
            where,
            f"missing column{'s' if len(missing) > 1 else ''} {quote_list(missing)} for the {table} table",
            f"columns {quote_list(c.name for c in contract)} (present: {quote_list(frame.columns)})",
        )
    if frame.empty:
        raise input_error(where, f"the {table} table has no rows", "at least one row")
    typed = frame.copy()
    failures: list[_Failure] = []
    for col in contract:
        try:
            typed[col.name] = _convert(typed[col.name], col)
        except _Failure as failure:
            failures.append(failure)
    checks = schema(table).remove_columns([f.column for f in failures])
    try:
        typed = checks.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures += _check_failures(exc)
    if failures:
        raise _report(failures, where, table)
    return typed


class _Failure(Exception):
    """One column's failure, collected so that all of them are reported together."""

    def __init__(self, column: str, problem: str, expected: str) -> None:
        super().__init__(column, problem, expected)
        self.column, self.problem, self.expected = column, problem, expected


def _report(failures: list[_Failure], where: str, table: str):
    """One error for every failing column (a column is named once, at its first failure)."""
    first = {}
    for failure in failures:
        first.setdefault(failure.column, failure)
    if len(first) == 1:
        (only,) = first.values()
        return input_error(where, f"column {only.column!r} {only.problem}", only.expected)
    listed = "; ".join(f"column {f.column!r} {f.problem}, expected {f.expected}" for f in first.values())
    return input_error(where, f"{len(first)} columns fail the {table} contract: {listed}")


def _convert(series: pd.Series, col: Column) -> pd.Series:
    """Parse one column to its contract kind, naming the first bad value and its row."""
    present = series.notna() & (series.astype("str").str.strip() != "")
    if not col.nullable and not present.all():
        raise _at(col.name, series, ~present, "has null values", f"no nulls in {col.name!r}")
    if col.kind == "timestamp":
        return _timestamps(series, present, col)
    if col.kind in ("int", "float"):
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            numbers = series.astype("float64")
        else:
            numbers = pd.to_numeric(series.where(present), errors="coerce")
        bad = present & numbers.isna()
        if bad.any():
            raise _at(col.name, series, bad, "has non-numeric values", f"{col.kind} values")
        if col.kind == "int":
            fractional = present & (numbers.fillna(0) % 1 != 0)
            if fractional.any():
                raise _at(col.name, series, fractional, "has non-integer values", "integers")
            return numbers.astype("Int64")
        return numbers.astype("float64")
    if col.kind == "bool":
        if pd.api.types.is_bool_dtype(series):
            return series
        mapped = series.astype("str").str.strip().str.lower().map({"true": True, "false": False, "1": True, "0": False})
        bad = mapped.isna()
        if bad.any():
            raise _at(col.name, series, bad, "has non-boolean values", "true/false")
        return mapped.astype("bool")
    values = series.astype("str")
    if col.allowed:
        bad = present & ~values.isin(col.allowed)
        if bad.any():
            raise _at(col.name, series, bad, "has unknown values", f"one of {quote_list(col.allowed)}")
    return values.where(present, None) if col.nullable else values


def _timestamps(series: pd.Series, present: pd.Series, col: Column) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    if pd.api.types.is_datetime64_dtype(series):
        raise _at(col.name, series, present, "has timezone-naive values", "UTC timestamps")
    text = series.astype("str").str.strip()
    naive = present & ~has_offset(text)
    if naive.any():
        raise _at(col.name, series, naive, "has timezone-naive values", "UTC timestamps with an offset (Z)")
    parsed = pd.to_datetime(text.where(present), utc=True, format="ISO8601", errors="coerce")
    bad = present & parsed.isna()
    if bad.any():
        raise _at(col.name, series, bad, "has unparseable dates", "ISO 8601 timestamps")
    return parsed.astype("datetime64[us, UTC]")


def _at(column: str, series: pd.Series, bad: pd.Series, problem: str, expected: str) -> _Failure:
    position = int(bad.to_numpy().argmax())
    count = int(bad.sum())
    value = series.iloc[position]
    more = f", {count - 1} more" if count > 1 else ""
    return _Failure(column, f"{problem} (first at row {position + 1}: {value!r}{more})", expected)


def _check_failures(exc: pa.errors.SchemaErrors) -> list[_Failure]:
    """pandera's failure cases, one :class:`_Failure` per column (its first failing row)."""
    failures = []
    cases = exc.failure_cases
    for column, group in cases.groupby(cases["column"].fillna("(table)"), sort=False):
        first = group.iloc[0]
        index = first.get("index")
        row = f"row {int(index) + 1}" if index is not None and pd.notna(index) else "table"
        count = len(group)
        failures.append(
            _Failure(
                str(column),
                f"fails {first['check']} (first at {row}: {_plain(first['failure_case'])}, "
                f"{count} failure{'s' if count > 1 else ''})",
                "values that satisfy the data contract",
            )
        )
    return failures


def _plain(value: object) -> str:
    """A failure value as a person would write it (no numpy reprs)."""
    return repr(value) if isinstance(value, str) else str(value)


def describe() -> str:
    """Markdown documentation of every contract (what ``data/contracts/README.md`` holds)."""
    lines = [
        "# Data contracts",
        "",
        "Generated by `journey data contracts` from `lib/journey/data/contracts.py`; do not edit by hand.",
        "Timestamps are UTC and must carry an offset (`Z` or `+00:00`); naive timestamps are rejected.",
        "",
    ]
    for table, columns in CONTRACTS.items():
        lines += [f"## {table}", "", "| column | type | nullable | rule | meaning |", "|---|---|---|---|---|"]
        for c in columns:
            rule = []
            if c.allowed:
                rule.append("one of " + ", ".join(c.allowed))
            if c.minimum is not None:
                rule.append(f">= {c.minimum:g}")
            if c.maximum is not None:
                rule.append(f"<= {c.maximum:g}")
            lines.append(f"| {c.name} | {c.kind} | {'yes' if c.nullable else 'no'} | {'; '.join(rule)} | {c.doc} |")
        lines.append("")
    return "\n".join(lines)
