"""The date window a report looks at, resolved once so every notebook states the same one.

Windows are whole UTC days, inclusive at both ends as people say them ("1 to 28 November");
queries use the half-open interval ``[start 00:00, end + 1 day 00:00)`` so no event is
counted twice or lost at midnight.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis

from journey.validation import input_error


def parse_date(value: str | dt.date | None, name: str) -> dt.date | None:
    """``YYYY-MM-DD`` (or a date) → date; empty → None; anything else is an input error."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise input_error(f"parameter {name!r}", f"unparseable date {value!r}", "YYYY-MM-DD") from None


@dataclass(frozen=True, slots=True)
class Window:
    """An inclusive range of UTC days ``start``..``end``."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise input_error("window", f"end {self.end} is before start {self.start}", "start <= end")

    @classmethod
    def from_params(cls, start_date: str, end_date: str, window_days: int = 28) -> Window:
        """Build from notebook parameters; a missing start is ``window_days`` before the end."""
        if window_days <= 0:
            raise input_error("parameter 'window_days'", f"is {window_days}", "a positive number of days")
        end = parse_date(end_date, "end_date")
        if end is None:
            raise input_error("parameter 'end_date'", "is empty", "YYYY-MM-DD (the runner fills it from the data)")
        start = parse_date(start_date, "start_date") or end - dt.timedelta(days=window_days - 1)
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    @property
    def end_ts(self) -> dt.datetime:
        """Exclusive upper bound: midnight after the last day."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)

    def previous(self) -> Window:
        """The window of the same length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return Window(end - dt.timedelta(days=self.days - 1), end)

    def trailing(self, days: int) -> Window:
        """The window of ``days`` days that ends on this window's last day."""
        return Window(self.end - dt.timedelta(days=days - 1), self.end)

    def until_end(self, table: ibis.Table, ts: str = "ts") -> ibis.Table:
        """Rows of ``table`` up to the window's end, all history before it included."""
        return table.filter(table[ts] < ibis.literal(self.end_ts))

    def filter(self, table: ibis.Table, ts: str = "ts") -> ibis.Table:
        """Rows of ``table`` whose ``ts`` falls inside the window (runs in the engine)."""
        column = table[ts]
        return table.filter(column >= ibis.literal(self.start_ts), column < ibis.literal(self.end_ts))

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()} ({self.days} days)"


def latest_day(table: ibis.Table, ts: str = "ts") -> dt.date:
    """The last UTC day with data in ``table`` (one aggregate query)."""
    value = table[ts].max().execute()
    if value is None or value != value:  # None or NaT
        raise input_error("events", f"column {ts!r} has no values", "at least one event")
    return value.date() if hasattr(value, "date") else dt.date.fromisoformat(str(value)[:10])


def resolve_window(
    events: ibis.Table, start_date: str = "", end_date: str = "", window_days: int = 28, ts: str = "ts"
) -> Window:
    """The window from notebook parameters; an empty ``end_date`` means the latest day in ``events``."""
    end = parse_date(end_date, "end_date") or latest_day(events, ts)
    return Window.from_params(start_date, end.isoformat(), window_days)
