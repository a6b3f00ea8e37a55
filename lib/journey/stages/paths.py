"""Top event paths after (or before) an anchor event, with the share of users on each.

A user's path **from** an event starts at their first occurrence of it and follows their next
``steps`` events; a path **to** an event is the ``steps`` events before their first occurrence
of it, ending with it. Events are ordered by time, ties by event name. Paths shorter than
``steps`` (the user had no more events) are kept as they are and end with ``(end)`` / start
with ``(start)``. Ranking and counting run in the engine; pandas sees one row per path.

``collapse_repeats=True`` first merges a user's consecutive runs of the same event into one
(``view → view → view → cart`` becomes ``view → cart``), as PostHog's paths do: browsing
sessions otherwise fill the top paths with ``product_view`` repeated ``steps`` times and
hide where people go next. Only consecutive repeats merge; ``view → cart → view`` stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import ibis
import pandas as pd

from journey.data.event_input import check_events_exist, prepare_events, row_count
from journey.data.sources import DataLike
from journey.display.results import TableResult
from journey.validation import check_option, input_error

Direction = Literal["from", "to"]
SEPARATOR = " → "


@dataclass(frozen=True, slots=True)
class Paths(TableResult):
    """``path`` (events joined by " → "), ``users`` and ``share`` of users who did the anchor event."""

    anchor: str
    direction: str
    steps: int
    collapse_repeats: bool
    users: int
    status: str
    table: pd.DataFrame

    def report_caption(self) -> str:
        where = "after the first" if self.direction == "from" else "up to the first"
        merged = ", repeats merged" if self.collapse_repeats else ""
        return f"Top {self.steps}-step paths {where} {self.anchor}{merged}"


def paths(
    events: DataLike,
    anchor: str,
    direction: str = "from",
    steps: int = 3,
    top: int = 10,
    *,
    collapse_repeats: bool = False,
    user_id: str = "user_id",
    ts: str = "ts",
    event: str = "event",
) -> Paths:
    """The ``top`` most common ``steps``-event paths from / to ``anchor`` (see module docstring)."""
    check_option("direction", direction, ("from", "to"))
    if not isinstance(steps, int) or steps < 1:
        raise input_error("parameter 'steps'", f"is {steps!r}", "a positive integer")
    if not isinstance(top, int) or top < 1:
        raise input_error("parameter 'top'", f"is {top!r}", "a positive integer")
    table = prepare_events(events, user_id=user_id, ts=ts, event=event)
    columns = ["path", "users", "share"]
    if row_count(table) == 0:
        return Paths(
            anchor, direction, steps, collapse_repeats, 0, "no events in the data", pd.DataFrame(columns=columns)
        )
    check_events_exist(table, [anchor], event, "anchor")
    ranked = table.select(u=table[user_id], t=table[ts], e=table[event].cast("string"))
    order = ibis.window(group_by="u", order_by=["t", "e"])
    if collapse_repeats:
        ranked = ranked.mutate(previous=ranked.e.lag().over(order))
        ranked = ranked.filter(ranked.previous.isnull() | (ranked.previous != ranked.e)).drop("previous")
    ranked = ranked.mutate(r=ibis.row_number().over(order))
    hits = ranked.filter(ranked.e == anchor)
    first = hits.group_by(au=hits.u).aggregate(r0=hits.r.min())
    joined = ranked.join(first, ranked.u == first.au)
    if direction == "from":
        window = joined.filter((joined.r >= joined.r0) & (joined.r <= joined.r0 + steps))
    else:
        window = joined.filter((joined.r <= joined.r0) & (joined.r >= joined.r0 - steps))
    per_user = window.group_by("u").aggregate(path=window.e.collect(order_by=window.r), length=window.count())
    counted = per_user.group_by("path").aggregate(users=per_user.count()).execute()
    total = int(counted["users"].sum())
    labels = []
    for path in counted["path"]:
        items = list(path)
        if len(items) < steps + 1:
            items = [*items, "(end)"] if direction == "from" else ["(start)", *items]
        labels.append(SEPARATOR.join(items))
    out = pd.DataFrame({"path": labels, "users": counted["users"].astype("int64")})
    out = out.sort_values(["users", "path"], ascending=[False, True]).head(top).reset_index(drop=True)
    out["share"] = out["users"] / total
    return Paths(anchor, direction, steps, collapse_repeats, total, "ok", out)
