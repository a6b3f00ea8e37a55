"""Exact conversion funnels with ClickHouse ``windowFunnel`` semantics, computed in the engine.

Default semantics (``mode="any_start"``), the same as ClickHouse's ``windowFunnel(window)``:

* a user's **level** is the largest k such that events of steps 1..k occur in order when the
  user's step events are sorted by (timestamp truncated to the second, step index), and
  ``ts(step k) - ts(step 1) <= window`` (inclusive);
* **any** occurrence of step 1 may start a chain and the best chain counts (re-entry after
  a window expired counts); other events between steps are allowed; each user is counted
  once, at their level;
* ties in the same second are ordered by step index; an event logged before the previous
  step does not count;
* ``by="first_touch_channel"`` gives each user the channel of their earliest event of any
  type; any other ``by`` column takes, by default, the user's value on the step-1 event that
  starts the chain counted for them (the chain that first reached their level; ties: smallest
  value); ``attribution=`` offers PostHog's other choices (``first_touch``, ``last_touch``,
  ``step:k``; see :func:`funnel`);
* a step that never occurs in the data counts 0 users: the result's ``status`` names it (with
  close matches, for typos) and a :class:`StepsAbsentWarning` is issued, so a week without
  purchases still gives a report.

``mode="first_entry"`` anchors on each user's first step-1 event only (what many
hand-written funnels do; offered for comparison, not as the default). A step listed twice
lets one event serve both steps, as in ClickHouse.

How it runs: one ASOF join per step (see :mod:`journey.stages.funnels_sql`); pandas only sees
counts per level. With DuckDB in this process and integer user ids, the engine scans and
encodes the step events and the joins run as binary searches over sorted keys
(:mod:`journey.stages.funnels_arrays`, same results, several times faster); from
``KERNEL_MIN_ROWS`` events a compiled numba kernel walks each user's events once instead
(:mod:`journey.stages.funnels_kernel`, same results; below that size loading numba costs more
than it saves). :mod:`journey.stages.funnels_engine` picks the path. Nothing is sampled or
simulated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.data.event_input import check_steps
from journey.data.sources import DataLike
from journey.display.results import TableResult
from journey.stages import funnels_sql as fsql
from journey.stages.funnels_engine import MODES, NO_EVENTS, StepsAbsentWarning, absent_text
from journey.stages.funnels_engine import prepare as _prepare
from journey.validation import check_option, input_error

__all__ = [
    "MODES", "NO_EVENTS", "Dropoff", "Funnel", "FunnelTrend", "StepsAbsentWarning", "TimeToConvert", "UserLevels",
    "absent_text", "attribution_options", "dropoff", "funnel", "time_to_convert", "trend",
    "user_levels",
]  # fmt: skip

DEFAULT_ATTRIBUTION = "step:1"


def attribution_options(steps: Sequence[str]) -> tuple[str, ...]:
    """The valid ``attribution=`` values for these steps: ``first_touch``, ``last_touch``, ``step:1``..``step:n``."""
    return ("first_touch", "last_touch", *(f"step:{k}" for k in range(1, len(steps) + 1)))


@dataclass(frozen=True, slots=True)
class Funnel(TableResult):
    """Users reaching each step.

    Attributes: ``steps`` (event names in order), ``window_seconds`` (inclusive conversion
    window), ``mode``, ``by`` (breakdown column or None), ``status`` ("ok" or why the
    numbers are empty/NaN), ``table`` (the frame returned by :meth:`to_frame`: [by], ``step``,
    ``users``, ``conversion_from_start``, ``conversion_from_previous``).
    """

    caption = "Users reaching each step"

    steps: tuple[str, ...]
    window_seconds: int
    mode: str
    by: str | None
    status: str
    table: pd.DataFrame

    def biggest_dropoff(self) -> tuple[str, str, float] | None:
        """(from step, to step, conversion) of the step pair with the lowest step-to-step conversion."""
        if self.by is not None or len(self.steps) < 2 or self.table.empty:
            return None
        frame = self.table.iloc[1:]
        if frame["conversion_from_previous"].isna().all():
            return None
        i = int(np.nanargmin(frame["conversion_from_previous"].to_numpy(dtype=float)))
        return self.steps[i], self.steps[i + 1], float(frame["conversion_from_previous"].iloc[i])


@dataclass(frozen=True, slots=True)
class UserLevels(TableResult):
    """One row per user in the data: the user column and ``level`` (0 = never did step 1)."""

    caption = "Furthest step per user"

    steps: tuple[str, ...]
    window_seconds: int
    mode: str
    status: str
    table: pd.DataFrame


@dataclass(frozen=True, slots=True)
class TimeToConvert(TableResult):
    """Per step (from step 2): users reaching it and the median / 90th percentile of the seconds
    from the step-1 event that started the chain to the first time the step was reached."""

    caption = "Time to reach each step"

    steps: tuple[str, ...]
    window_seconds: int
    status: str
    table: pd.DataFrame


@dataclass(frozen=True, slots=True)
class FunnelTrend(TableResult):
    """Funnel by entry week: ``period`` (UTC Monday of the counted chain's start), ``step``,
    ``users``, ``conversion_from_start``. Recent weeks are right-censored: their users have
    had less time to finish, so read the last ``window`` of weeks with care."""

    caption = "Funnel by entry week"

    steps: tuple[str, ...]
    window_seconds: int
    status: str
    table: pd.DataFrame


@dataclass(frozen=True, slots=True)
class Dropoff(TableResult):
    """For users who stopped at each step: their most common next events (any type) after the
    second they reached it. ``next_event`` is ``"(none)"`` when nothing followed."""

    caption = "Where people went after dropping off"

    steps: tuple[str, ...]
    window_seconds: int
    status: str
    table: pd.DataFrame


def user_levels(
    events: DataLike,
    steps: Sequence[str],
    window: str | int | dt.timedelta = "7d",
    *,
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
    mode: str = "any_start",
) -> UserLevels:
    """Each user's funnel level (semantics in the module docstring); 0 = never did step 1.

    >>> import pandas as pd
    >>> stamps = ["2026-01-01 00:00", "2026-01-01 00:01", "2026-01-09 00:00", "2026-01-01 00:00"]
    >>> log = pd.DataFrame({"user_id": [1, 1, 1, 2], "event": ["a", "b", "c", "b"],
    ...     "ts": pd.to_datetime(stamps, utc=True)})
    >>> user_levels(log, ["a", "b", "c"], "7d").to_frame().to_dict("list")
    {'user_id': [1, 2], 'level': [2, 0]}
    """
    with _prepare(events, steps, window, user_id=user_id, ts=ts, event=event, mode=mode) as prep:
        if prep.empty:
            return UserLevels(prep.steps, prep.window_s, mode, prep.status, pd.DataFrame({user_id: [], "level": []}))
        top = prep.reach.group_by("u").aggregate(level=prep.reach.k.max())
        users = fsql.all_users(prep.table, user_id)
        joined = users.left_join(top, users.u == top.u)
        expr = joined.select(u=users.u, level=joined.level.fill_null(0).cast("int64"))
        frame = expr.execute().rename(columns={"u": user_id}).sort_values(user_id, ignore_index=True)
        return UserLevels(prep.steps, prep.window_s, mode, prep.with_absent("ok"), frame)


def funnel(
    events: DataLike,
    steps: Sequence[str],
    window: str | int | dt.timedelta = "7d",
    by: str | None = None,
    *,
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
    channel: str = "channel",
    mode: str = "any_start",
    attribution: str = DEFAULT_ATTRIBUTION,
) -> Funnel:
    """Users reaching each step within ``window`` of a step-1 event (semantics in the module docstring).

    ``users`` at step k counts users whose level is at least k. Conversions are NaN (with a
    status) when nobody did step 1, never 0. A step absent from the data counts 0 users; the
    status names it (with close matches) and a :class:`StepsAbsentWarning` is issued.

    ``attribution`` picks which of a user's values of the ``by`` column counts, after PostHog's
    funnel breakdown attribution; each user is counted once, under one value:

    * ``"step:k"`` (default ``"step:1"``): the value on the step-k event of the chain counted
      for the user (the chain that first reached their level; its step-k event is the first
      one, in time, that continues that chain). ``"step:1"`` is the step-1 event that starts it.
      Users whose level is below k have no step-k event: their value is null.
    * ``"first_touch"`` / ``"last_touch"``: the first / last **non-null** value among all the
      user's events of the funnel's steps, counted chain or not, ordered by (second, step
      index) — PostHog's ``argMinIf(prop, timestamp, isNotNull(prop))`` / ``argMaxIf``. Null
      only when every such event has a null value.

    Ties within one second (and step): the smallest value. A null value is a breakdown group
    of its own (the ``by`` column is null there), so the groups always add up to the funnel
    without breakdown; PostHog instead drops a user without a step-k event from ``step:k``.
    ``attribution`` does not apply to ``by="first_touch_channel"`` (the channel of the user's
    earliest event of any type).
    """
    check_option("attribution", attribution, attribution_options(check_steps(steps)))
    if by == "first_touch_channel" and attribution != DEFAULT_ATTRIBUTION:
        raise input_error(
            "parameter 'attribution'", f"is {attribution!r} with by='first_touch_channel'", "a breakdown column as by"
        )
    extra = [] if by is None else ([channel] if by == "first_touch_channel" else [by])
    # what the kernel keeps: counts only without a breakdown, the chains' step events for step:k
    chain_steps = by not in (None, "first_touch_channel") and attribution not in ("step:1", "first_touch", "last_touch")
    detail = 0 if by is None else (2 if chain_steps else 1)
    with _prepare(
        events, steps, window, user_id=user_id, ts=ts, event=event, mode=mode, extra=extra, detail=detail
    ) as prep:
        columns = ([by] if by else []) + ["step", "users", "conversion_from_start", "conversion_from_previous"]
        if prep.empty:
            return Funnel(prep.steps, prep.window_s, mode, by, prep.status, pd.DataFrame(columns=columns))
        if by is None:
            reached = prep.counts()
            counts = pd.DataFrame({"level": range(1, len(prep.steps) + 1)})
            counts["n"] = [int(reached.get(k, 0)) - int(reached.get(k + 1, 0)) for k in counts["level"]]
            table = _cumulate(counts, prep.steps)
        else:
            counted = fsql.levels(prep.reach)
            values = fsql.user_breakdown(
                prep.table,
                counted,
                by,
                prep.steps,
                attribution=attribution,
                chain_step=prep.chain_step,
                user_id=user_id,
                ts=ts,
                event=event,
                channel=channel,
            )
            joined = counted.left_join(values, counted.u == values.u)
            counts = joined.group_by(b=joined.b, level=joined.level).aggregate(n=joined.count()).execute()
            parts = []
            for value, group in counts.groupby("b", dropna=False, sort=True):
                part = _cumulate(group, prep.steps)
                part.insert(0, by, value)
                parts.append(part)
            table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
        status = "ok" if len(table) and table["users"].iloc[0] > 0 else f"no user did the first step {prep.steps[0]!r}"
        if by is None and table["users"].iloc[0] == 0:
            status = f"no user did the first step {prep.steps[0]!r}"
        return Funnel(prep.steps, prep.window_s, mode, by, prep.with_absent(status), table)


def _cumulate(counts: pd.DataFrame, steps: tuple[str, ...]) -> pd.DataFrame:
    """Counts per level -> users reaching each step (level >= k) and the two conversions."""
    per_level = np.zeros(len(steps) + 1, dtype=np.int64)
    for level, n in zip(counts["level"].astype(int), counts["n"].astype(int), strict=True):
        per_level[level] += n
    users = per_level[::-1].cumsum()[::-1][1:]
    start = float(users[0]) if users[0] > 0 else np.nan
    previous = np.concatenate([[users[0]], users[:-1]]).astype(float)
    previous[previous == 0] = np.nan
    return pd.DataFrame(
        {
            "step": list(steps),
            "users": users.astype(np.int64),
            "conversion_from_start": users / start,
            "conversion_from_previous": users / previous,
        }
    )


def time_to_convert(
    events: DataLike,
    steps: Sequence[str],
    window: str | int | dt.timedelta = "7d",
    *,
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
) -> TimeToConvert:
    """Median and 90th percentile (linear interpolation) of seconds from chain start to each step."""
    with _prepare(events, steps, window, user_id=user_id, ts=ts, event=event, mode="any_start") as prep:
        columns = ["step", "users", "median_seconds", "p90_seconds"]
        if prep.empty:
            return TimeToConvert(prep.steps, prep.window_s, prep.status, pd.DataFrame(columns=columns))
        reach = prep.reach.filter(prep.reach.k >= 2)
        seconds = (reach.t - reach.s).cast("float64")
        expr = reach.group_by("k").aggregate(
            users=reach.count(), median_seconds=seconds.quantile(0.5), p90_seconds=seconds.quantile(0.9)
        )
        stats = expr.execute().set_index("k")
        rows = []
        for k in range(2, len(prep.steps) + 1):
            got = k in stats.index
            rows.append(
                {
                    "step": prep.steps[k - 1],
                    "users": int(stats.loc[k, "users"]) if got else 0,
                    "median_seconds": float(stats.loc[k, "median_seconds"]) if got else np.nan,
                    "p90_seconds": float(stats.loc[k, "p90_seconds"]) if got else np.nan,
                }
            )
        table = pd.DataFrame(rows, columns=columns)
        status = "ok" if len(table) and table["users"].sum() > 0 else "no user reached step 2"
        return TimeToConvert(prep.steps, prep.window_s, prep.with_absent(status), table)


def trend(
    events: DataLike,
    steps: Sequence[str],
    window: str | int | dt.timedelta = "7d",
    *,
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
) -> FunnelTrend:
    """Funnel per entry week (UTC Monday of the counted chain's start)."""
    with _prepare(events, steps, window, user_id=user_id, ts=ts, event=event, mode="any_start") as prep:
        columns = ["period", "step", "users", "conversion_from_start"]
        if prep.empty:
            return FunnelTrend(prep.steps, prep.window_s, prep.status, pd.DataFrame(columns=columns))
        counted = fsql.levels(prep.reach)
        counted = counted.mutate(w=fsql.week_index(counted.s))
        counts = counted.group_by("w", "level").aggregate(n=counted.count()).execute()
        parts = []
        for week, group in counts.groupby("w", sort=True):
            part = _cumulate(group, prep.steps)[["step", "users", "conversion_from_start"]]
            monday = dt.date(1970, 1, 5) + dt.timedelta(weeks=int(week) - 1)
            part.insert(0, "period", pd.Timestamp(monday))
            parts.append(part)
        if not parts:
            status = f"no user did the first step {prep.steps[0]!r}"
            return FunnelTrend(prep.steps, prep.window_s, prep.with_absent(status), pd.DataFrame(columns=columns))
        table = pd.concat(parts, ignore_index=True)
        return FunnelTrend(prep.steps, prep.window_s, prep.with_absent("ok"), table)


def dropoff(
    events: DataLike,
    steps: Sequence[str],
    window: str | int | dt.timedelta = "7d",
    top: int = 5,
    *,
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
) -> Dropoff:
    """Most common next event of users whose level is k (1 <= k < number of steps).

    The next event is the user's first event in a later second than the one in which they
    first reached step k (ties within that second: alphabetical), or ``"(none)"``.
    """
    if top < 1:
        raise input_error("parameter 'top'", f"is {top}", "a positive integer")
    with _prepare(events, steps, window, user_id=user_id, ts=ts, event=event, mode="any_start") as prep:
        columns = ["step", "users_stopped", "next_event", "users", "share"]
        if prep.empty or len(prep.steps) < 2:
            status = prep.status if prep.empty else "a single step has no drop-off"
            return Dropoff(prep.steps, prep.window_s, status, pd.DataFrame(columns=columns))
        counted = fsql.levels(prep.reach)
        stopped = counted.filter(counted.level < len(prep.steps))
        ev = prep.table
        later = ev.select(nu=ev[user_id], nt=fsql.seconds(ev, ts), ne=ev[event])
        probe = stopped.select(pu=stopped.u, t1=stopped.t + 1)
        if fsql.needs_presort(ev):
            probe, later = probe.order_by("t1"), later.order_by("nt")
        # the first later second by a forward ASOF join (smallest nt >= t + 1), then the events in it
        if fsql.has_asof_join(ev):
            nearest = probe.asof_join(
                later.select("nu", "nt"), on=probe.t1 <= later.nt, predicates=probe.pu == later.nu
            )
            nearest = nearest.filter(nearest.nt.notnull()).select(xu=nearest.pu, xt=nearest.nt)
        else:
            nearest = fsql.next_event_time(probe, later)
        hits = nearest.join(later, (nearest.xu == later.nu) & (nearest.xt == later.nt))
        nxt = hits.group_by(u=hits.xu).aggregate(next_event=hits.ne.min())
        full = stopped.left_join(nxt, stopped.u == nxt.u)
        full = full.select(level=full.level, next_event=full.next_event.fill_null("(none)"))
        counts = full.group_by("level", "next_event").aggregate(users=full.count()).execute()
        rows = []
        for level, group in counts.groupby("level", sort=True):
            total = int(group["users"].sum())
            best = group.sort_values(["users", "next_event"], ascending=[False, True]).head(top)
            for _, row in best.iterrows():
                rows.append(
                    {
                        "step": prep.steps[int(level) - 1],
                        "users_stopped": total,
                        "next_event": row["next_event"],
                        "users": int(row["users"]),
                        "share": row["users"] / total,
                    }
                )
        return Dropoff(prep.steps, prep.window_s, prep.with_absent("ok"), pd.DataFrame(rows, columns=columns))
