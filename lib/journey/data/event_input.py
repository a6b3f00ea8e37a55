"""Shared input handling for the journey modules (funnels, retention, paths, attribution, stages).

Every public entry point turns its ``events`` argument into an ibis table here, checks the
columns and the timestamp type once, and derives the integer-second time column that the
engines compare. Timestamps are truncated to the second (as ClickHouse's ``DateTime`` does),
so two events in the same second are a tie, broken by step index where order matters.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dtypes
import pandas as pd
import pyarrow as pa

from journey.data.sources import DataLike, as_table, backend_of, is_file, store_arrow
from journey.validation import input_error, quote_list, require_columns

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_WINDOW_RE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_window(window: str | int | float | dt.timedelta, name: str = "window") -> int:
    """A conversion window in whole seconds: ``"7d"``, ``"36h"``, ``"30m"``, ``"90s"``, ``"2w"``,
    a number of seconds, or a ``timedelta``. Zero or negative windows are input errors.

    >>> parse_window("7d"), parse_window(90), parse_window(dt.timedelta(hours=2))
    (604800, 90, 7200)
    """
    if isinstance(window, dt.timedelta):
        seconds = window.total_seconds()
    elif isinstance(window, (int, float)) and not isinstance(window, bool):
        seconds = float(window)
    elif isinstance(window, str):
        match = _WINDOW_RE.match(window)
        if not match:
            raise input_error(f"parameter {name!r}", f"unparseable window {window!r}", "e.g. '7d', '36h', '30m', '90s'")
        seconds = int(match.group(1)) * _UNITS[match.group(2)]
    else:
        raise input_error(f"parameter {name!r}", f"unsupported type {type(window).__name__}", "a string like '7d'")
    if not seconds >= 1:  # also rejects NaN; windows are whole seconds, as in ClickHouse
        raise input_error(
            f"parameter {name!r}", f"is {window!r}", "a positive duration of at least 1 second, e.g. '7d'"
        )
    return int(seconds)


def prepare_events(
    data: DataLike,
    *,
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
    extra: Iterable[str] = (),
    numeric: Iterable[str] = (),
    table: str = "events",
    where: str | None = None,
) -> ibis.Table:
    """Validate ``data`` and return it as an ibis table (columns untouched).

    Checks that the columns exist, that ``ts`` is a timezone-aware timestamp and that the
    ``numeric`` columns (e.g. ``revenue``) hold numbers: naive timestamps are rejected because a
    week or a day boundary would silently depend on the machine's time zone. DuckDB backends are
    set to UTC for the same reason. Messages name ``where``: by default the file's name when
    ``data`` is a file, else ``table``. Tables other than events go through :func:`prepare_table`.
    """
    return prepare_table(
        data, columns=[user_id, event, *extra], timestamps=[ts], numeric=numeric, table=table, where=where
    )


def prepare_table(
    data: DataLike,
    *,
    columns: Iterable[str] = (),
    timestamps: Iterable[str] = (),
    numeric: Iterable[str] = (),
    table: str = "events",
    where: str | None = None,
) -> ibis.Table:
    """The one input check for any table a public function reads (events, orders, assignments):
    ``data`` as an ibis table (``table`` names the table in a source), after checking that
    ``columns``, ``timestamps`` and ``numeric`` exist, that each of ``timestamps`` is a
    timezone-aware timestamp (TIMESTAMPTZ) and that each of ``numeric`` holds numbers.

    >>> import pandas as pd
    >>> orders = pd.DataFrame({"user_id": [1], "ts": pd.to_datetime(["2026-09-07 10:00Z"]), "revenue": [9.5]})
    >>> checked = prepare_table(orders, columns=["user_id"], timestamps=["ts"], numeric=["revenue"], table="orders")
    >>> checked.revenue.sum().execute()
    9.5
    """
    timestamps, numeric = list(timestamps), list(numeric)
    required = list(dict.fromkeys([*columns, *timestamps, *numeric]))
    where = where or _where(data, table)
    if isinstance(data, pd.DataFrame):
        require_columns(data.columns, required, where)
        for ts in timestamps:
            _check_frame_ts(data, ts, where)
        data = _duckdb_copy(data, table)
    events = as_table(data, table=table)
    require_columns(events.columns, required, where)
    schema = events.schema()
    for ts in timestamps:
        kind = schema[ts]
        if not isinstance(kind, dtypes.Timestamp):
            raise input_error(where, f"column {ts!r} has type {kind}", "UTC timestamps (TIMESTAMPTZ)")
        if kind.timezone is None and not stores_instants(events):
            raise input_error(where, f"column {ts!r} has timezone-naive values", "UTC timestamps")
    for name in numeric:
        if not schema[name].is_numeric():
            raise input_error(where, f"column {name!r} has type {schema[name]}", "numbers")
    _utc_session(events)
    return events


def _where(data: DataLike, table: str) -> str:
    """What an error names: the file a user passed, else the table."""
    return Path(str(data)).name if is_file(data) else table


def _duckdb_copy(frame: pd.DataFrame, name: str) -> ibis.Table:
    """A DataFrame copied into a private in-memory DuckDB (UTC session) as a native table
    (see :func:`journey.data.sources.store_arrow` for why not ``ibis.memtable``)."""
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    return store_arrow(con, name, pa.Table.from_pandas(frame, preserve_index=False))


def _check_frame_ts(frame: pd.DataFrame, ts: str, where: str) -> None:
    column = frame[ts]
    if not pd.api.types.is_datetime64_any_dtype(column):
        raise input_error(where, f"column {ts!r} has dtype {column.dtype}", "UTC timestamps")
    if getattr(column.dt, "tz", None) is None:
        first = int(column.notna().to_numpy().argmax()) if len(column) else 0
        raise input_error(where, f"column {ts!r} has timezone-naive values (first at row {first})", "UTC timestamps")


def _utc_session(events: ibis.Table) -> None:
    """Calendar periods (days, weeks, months) are UTC periods whatever the machine's time zone."""
    backend = backend_of(events)
    name = getattr(backend, "name", "")
    if name == "duckdb":
        backend.raw_sql("SET TimeZone = 'UTC'")
    elif name == "pyspark":
        backend._session.conf.set("spark.sql.session.timeZone", "UTC")


def stores_instants(events: ibis.Table) -> bool:
    """Whether the backend's timezone-less timestamp type holds instants: Spark's.

    Spark's TIMESTAMP (``TimestampType``) is an instant shown in the session time zone, and ibis
    reads it as a naive timestamp; :func:`_utc_session` sets that zone to UTC, so its days and
    weeks are UTC days and weeks. (A ``TIMESTAMP_NTZ`` column, also naive to ibis, is then read
    as UTC wall-clock time: the convention of every table Spark writes from UTC data.)
    """
    return getattr(backend_of(events), "name", "") == "pyspark"


@ibis.udf.scalar.builtin(name="epoch_us")
def _epoch_us(value: dt.datetime) -> int:  # type: ignore[empty-body]
    """DuckDB's ``epoch_us``: microseconds since 1970 straight from the stored instant."""


def is_duckdb(events: ibis.Table) -> bool:
    return getattr(backend_of(events), "name", "") == "duckdb"


def seconds(events: ibis.Table, ts: str = "ts") -> ibis.Value:
    """The event time truncated to the whole UTC second, as an integer (epoch seconds).

    On DuckDB this is ``epoch_us(ts) // 1e6``: the portable rendering (``date_trunc`` and a
    cast of TIMESTAMPTZ) goes through the ICU calendar and costs ~5x the whole funnel chain.
    Integer division floors for any time after 1970.
    """
    if is_duckdb(events):
        return (_epoch_us(events[ts]) // 1_000_000).cast("int64")
    return events[ts].truncate("s").epoch_seconds().cast("int64")


def execute(expr: ibis.Expr) -> Any:
    """Run ``expr`` on its own backend (memtables run on the default DuckDB)."""
    return expr.execute()


def present_events(events: ibis.Table, event: str = "event") -> list[str]:
    """The distinct event names in ``events`` (one small ``SELECT DISTINCT``), as strings."""
    return execute(events.select(event).distinct())[event].dropna().astype(str).tolist()


def absent_steps(
    events: ibis.Table,
    names: Sequence[str],
    event: str = "event",
    *,
    present: Sequence[str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """The names among ``names`` that never occur in ``events``, each with up to three close
    matches among the names that do (:func:`difflib.get_close_matches`, ratio >= 0.6).

    Unlike :func:`check_events_exist` this does not raise: a funnel whose last step nobody
    reached yet (a new checkout page) reports zeros for it, and the caller decides whether to
    warn ("'purchse' never occurs; did you mean 'purchase'?") or refuse. ``present`` skips the
    distinct query when the caller already has the names. Order follows ``names``.
    """
    seen = set(present_events(events, event) if present is None else (str(p) for p in present))
    return {
        name: tuple(difflib.get_close_matches(name, sorted(seen), n=3))
        for name in dict.fromkeys(str(n) for n in names)
        if name not in seen
    }


def check_events_exist(events: ibis.Table, names: Sequence[str], event: str, parameter: str) -> list[str]:
    """Reject event names that never occur, listing those that do (one small distinct query)."""
    present = present_events(events, event)
    missing = list(absent_steps(events, names, event, present=present))
    if missing:
        raise input_error(
            f"parameter {parameter!r}",
            f"unknown event{'s' if len(missing) > 1 else ''} {quote_list(missing)}",
            f"events present: {quote_list(present, limit=60)}",
        )
    return present


def check_steps(steps: Sequence[str], parameter: str = "steps") -> tuple[str, ...]:
    """Steps must be a non-empty sequence of event names (a bare string is a mistake)."""
    if isinstance(steps, str) or not isinstance(steps, Sequence):
        raise input_error(f"parameter {parameter!r}", f"got {steps!r}", "a list of event names")
    if len(steps) == 0:
        raise input_error(f"parameter {parameter!r}", "is empty", "at least one event name")
    return tuple(str(s) for s in steps)


def row_count(events: ibis.Table) -> int:
    return int(execute(events.count()))
