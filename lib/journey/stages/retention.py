"""Retention cohorts on UTC calendar periods, computed in the engine.

Definitions (stated once, used by the notebooks and tested against ClickHouse ``retention``):

* a user's **cohort** is the UTC period (day, week starting Monday, or calendar month) of
  their first ``cohort_event``; ``cohort_size`` counts those users;
* **classic** cell k: users with at least one ``return_events`` event in exactly period
  ``cohort + k``, at or after their first cohort event (same second counts, so when the
  cohort event is itself a return event period 0 equals the cohort size);
  **rolling** cell k: users returning in period ``cohort + k`` *or later* (any time up to
  the end of the data);
* a cell is **null** unless the period ``cohort + k`` ended by the end of the data (the
  midnight after the last day with events, or ``end``): a half-observed week is not a
  low week. ``rates`` divides by ``cohort_size``.

The average curve pools observed cells across cohorts (returned users / users at risk)
with a Wilson interval per period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import numpy as np
import pandas as pd

from journey.data.days import utc_instant
from journey.data.event_input import check_events_exist, check_steps, prepare_events, row_count, seconds
from journey.data.sources import DataLike
from journey.data.window import Window, parse_date
from journey.display.results import TableResult, display_frame
from journey.stats.intervals import wilson
from journey.validation import check_option, input_error

Period = Literal["day", "week", "month"]
PERIODS = ("day", "week", "month")
_MONDAY_0 = dt.date(1970, 1, 5)  # start of week index 1


@dataclass(frozen=True, slots=True)
class RetentionCurve(TableResult):
    """Average retention per period offset: ``period`` (k), ``cohorts`` and ``n_obs`` (users in
    cohorts that observed period k), ``users`` returned, ``rate`` with a Wilson CI at ``alpha``."""

    caption = "Average retention by period"

    alpha: float
    method: str
    rolling: bool
    table: pd.DataFrame


@dataclass(frozen=True, slots=True)
class Cohorts(TableResult):
    """Cohort table: ``cohort`` (period start date), [``by``], ``cohort_size``, then integer
    columns ``0..periods`` with user counts (``<NA>`` where the cell is not fully observed).

    Records ``cohort_event``, ``return_events``, ``period``, ``periods``, ``rolling``,
    ``by``, ``end`` (exclusive end of observation, UTC midnight) and ``status``.
    """

    caption = "Retention by cohort"

    cohort_event: str
    return_events: tuple[str, ...]
    period: str
    periods: int
    rolling: bool
    by: str | None
    end: dt.date | None
    status: str
    table: pd.DataFrame

    def _shown(self) -> pd.DataFrame:
        # period columns are integers in to_frame(); the shared renderer expects text labels. Periods that had
        # not ended are missing (<NA>), which the renderer leaves blank, as in the heatmap
        return display_frame(self.to_frame().rename(columns=str))

    @property
    def rates(self) -> pd.DataFrame:
        """The same layout with proportions of ``cohort_size`` (NaN where not observed)."""
        frame = self.table.copy()
        if frame.empty:
            return frame
        sizes = frame["cohort_size"].astype(float)
        for k in range(self.periods + 1):
            frame[k] = frame[k].astype("Float64").astype(float) / sizes
        return frame

    def curve(self, alpha: float = 0.05) -> RetentionCurve:
        """Pooled retention per period offset with Wilson intervals (users are independent)."""
        rows = []
        for k in range(self.periods + 1):
            observed = self.table[self.table[k].notna()]
            n = int(observed["cohort_size"].sum())
            x = int(observed[k].sum()) if n else 0
            low, high = wilson(x, n, alpha)
            rows.append(
                {
                    "period": k,
                    "cohorts": len(observed),
                    "n_obs": n,
                    "users": x,
                    "rate": x / n if n else np.nan,
                    "rate_ci_lower": low,
                    "rate_ci_upper": high,
                }
            )
        return RetentionCurve(alpha, "wilson", self.rolling, pd.DataFrame(rows))


def period_index(table: ibis.Table, ts: str, period: str) -> ibis.Value:
    """Integer index of the UTC period holding ``ts`` (days and Monday weeks since 1970, months)."""
    if period == "month":
        return table[ts].year().cast("int64") * 12 + table[ts].month().cast("int64") - 1
    days = seconds(table, ts) // 86_400
    return days if period == "day" else (days + 3) // 7


def index_of_day(day: dt.date, period: str) -> int:
    """The index :func:`period_index` gives to any time on ``day`` (the inverse of :func:`period_start`)."""
    if period == "month":
        return day.year * 12 + day.month - 1
    days = (day - dt.date(1970, 1, 1)).days
    return days if period == "day" else (days + 3) // 7


def period_start(index: int, period: str) -> dt.date:
    if period == "day":
        return dt.date(1970, 1, 1) + dt.timedelta(days=index)
    if period == "week":
        return _MONDAY_0 + dt.timedelta(weeks=index - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def cohorts(
    events: DataLike,
    cohort_event: str,
    return_events: Sequence[str],
    period: str = "week",
    periods: int = 12,
    rolling: bool = False,
    by: str | None = None,
    *,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
) -> Cohorts:
    """Cohort retention table (definitions in the module docstring).

    ``end`` is the last observed UTC day (inclusive); empty means the day of the latest
    event. ``start`` shows only the cohorts from the period holding that UTC day on; a
    user's first cohort event is still looked up in all the events given, so pass the full
    history rather than cutting it at ``start`` (a cut makes earlier customers look new).
    ``by`` splits cohorts by the user's value on their first cohort event.
    """
    check_option("period", period, PERIODS)
    returns = check_steps(return_events, "return_events")
    if not isinstance(periods, (int, np.integer)) or periods < 0:
        raise input_error("parameter 'periods'", f"is {periods!r}", "a non-negative integer")
    table = prepare_events(events, user_id=user_id, ts=ts, event=event, extra=[by] if by else [])
    last_day = parse_date(end, "end") if end not in (None, "") else None
    first_day = parse_date(start, "start") if start not in (None, "") else None
    columns = ["cohort", *([by] if by else []), "cohort_size", *range(periods + 1)]
    if row_count(table) == 0:
        empty = pd.DataFrame(columns=columns)
        return Cohorts(cohort_event, returns, period, periods, rolling, by, None, "no events in the data", empty)
    check_events_exist(table, [cohort_event, *returns], event, "cohort_event/return_events")
    if last_day is None:
        latest = table[ts].max().execute()
        last_day = utc_instant(latest, "end").date()  # Spark hands back naive UTC values
    end_excl = last_day + dt.timedelta(days=1)
    if end not in (None, ""):  # the data ends at `end`: later events are not observed (nor returns)
        table = Window(last_day, last_day).until_end(table, ts)

    rows = table.filter(table[event] == cohort_event)
    rows = rows.select(u=rows[user_id], t=seconds(rows, ts), c=period_index(rows, ts, period), b=rows[by] if by else 0)
    if by:
        first = rows.group_by("u").aggregate(ft=rows.t.min())
        cohort = rows.join(first, (rows.u == first.u) & (rows.t == first.ft))
        cohort = cohort.group_by(u=rows.u).aggregate(ft=cohort.ft.min(), c=cohort.c.min(), b=cohort.b.min())
    else:
        # the period index never decreases with time, so min(c) is the first event's period: no join back
        cohort = rows.group_by("u").aggregate(ft=rows.t.min(), c=rows.c.min(), b=ibis.literal(0))
    if first_day is not None:
        cohort = cohort.filter(cohort.c >= index_of_day(first_day, period))

    back = table.filter(table[event].isin(list(returns)))
    back = back.select(ru=back[user_id], rt=seconds(back, ts), p=period_index(back, ts, period))
    hits = back.join(cohort, back.ru == cohort.u)  # equi-join then filter: every engine can run it
    hits = hits.filter(hits.rt >= hits.ft)
    hits = hits.select(u=hits.ru, c=hits.c, b=hits.b, k=hits.p - hits.c)
    if rolling:
        per_user = hits.group_by("u", "c", "b").aggregate(k=hits.k.max())
        counts = per_user.group_by("c", "b", "k").aggregate(n=per_user.count()).execute()
    else:
        hits = hits.filter(hits.k <= periods).select("u", "c", "b", "k").distinct()
        counts = hits.group_by("c", "b", "k").aggregate(n=hits.count()).execute()
    sizes = cohort.group_by("c", "b").aggregate(cohort_size=cohort.count()).execute()

    table_out = _layout(sizes, counts, period, periods, rolling, by, end_excl)
    status = "ok" if len(table_out) else f"no user did {cohort_event!r}"
    return Cohorts(cohort_event, returns, period, periods, rolling, by, end_excl, status, table_out)


def _layout(
    sizes: pd.DataFrame,
    counts: pd.DataFrame,
    period: str,
    periods: int,
    rolling: bool,
    by: str | None,
    end_excl: dt.date,
) -> pd.DataFrame:
    """Counts per (cohort, k) -> the wide table, nulling cells whose period had not ended."""
    sizes = sizes.sort_values(["c", "b"], ignore_index=True)
    matrix = np.zeros((len(sizes), periods + 1), dtype=np.int64)
    position = {(int(c), _group(b)): i for i, (c, b) in enumerate(zip(sizes["c"], sizes["b"], strict=True))}
    for c, b, k, n in zip(counts["c"], counts["b"], counts["k"], counts["n"], strict=True):
        i = position[(int(c), _group(b))]
        if rolling:
            matrix[i, : min(int(k), periods) + 1] += int(n)
        elif 0 <= k <= periods:
            matrix[i, int(k)] += int(n)
    out = pd.DataFrame({"cohort": [pd.Timestamp(period_start(int(c), period)) for c in sizes["c"]]})
    if by:
        out[by] = sizes["b"].to_numpy()
    out["cohort_size"] = sizes["cohort_size"].astype(np.int64).to_numpy()
    for k in range(periods + 1):
        ends = np.array([_period_end(int(c) + k, period) for c in sizes["c"]], dtype=object)
        observed = np.array([e <= end_excl for e in ends], dtype=bool)
        out[k] = pd.array(np.where(observed, matrix[:, k], 0), dtype="Int64")
        out.loc[~observed, k] = pd.NA
    return out


def _group(value: object) -> object:
    """A breakdown value as a lookup key: every kind of null (None, NaN, NA) is one group (NaN != NaN)."""
    return None if pd.isna(value) else value


def _period_end(index: int, period: str) -> dt.date:
    return period_start(index + 1, period)
