"""Journey stages: the one declared event -> stage mapping, and the KPIs of each stage.

Change :data:`STAGE_EVENTS` (or pass ``stages=``) to re-map events; every function and
notebook reads the mapping from here. Comparisons of exposed and unexposed users are
**associations**, not effects: users who read reviews differ from those who don't in
many ways (intent above all), so the tables say so in their ``note`` column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd

from journey.data.event_input import prepare_events, row_count
from journey.data.sources import DataLike
from journey.display.results import TableResult
from journey.stats.intervals import newcombe_difference
from journey.validation import check_level

STAGE_EVENTS: dict[str, tuple[str, ...]] = {
    "awareness": ("ad_impression", "landing_view", "article_view"),
    "consideration": ("product_view", "compare", "review_read", "faq_view", "demo_view"),
    "decision": ("add_to_cart", "checkout_start", "checkout_error", "chat_start", "purchase"),
    "retention": ("repeat_purchase", "support_ticket"),
}
STAGES = tuple(STAGE_EVENTS)
ASSOCIATION = "association, not cause"
CONSIDERATION_EXPOSURES = {
    "compare": "comparison",
    "review_read": "social proof (reviews)",
    "faq_view": "objection handling (FAQ)",
    "demo_view": "demo",
}
PAGE_LOAD_EDGES = (0.0, 1000.0, 2000.0, 3000.0, 5000.0, float("inf"))


def stage_of(event: str, stages: Mapping[str, Sequence[str]] | None = None) -> str | None:
    """The stage an event belongs to (None when unmapped).

    >>> stage_of("review_read"), stage_of("purchase"), stage_of("unknown")
    ('consideration', 'decision', None)
    """
    for stage, names in (stages or STAGE_EVENTS).items():
        if event in names:
            return stage
    return None


def stage_case(column: ibis.Value, stages: Mapping[str, Sequence[str]] | None = None) -> ibis.Value:
    """An engine expression mapping event names to stage index 1..4 (0 = unmapped)."""
    mapping = stages or STAGE_EVENTS
    branches = [(column.isin(list(names)), i + 1) for i, names in enumerate(mapping.values())]
    return ibis.cases(*branches, else_=0)


@dataclass(frozen=True, slots=True)
class StageTable(TableResult):
    """A per-stage KPI table; ``stage`` and ``metric`` say what it holds, ``status`` why it may be empty."""

    stage: str
    metric: str
    status: str
    table: pd.DataFrame
    units: Mapping[str, str] = field(default_factory=dict)  # display units the column names do not say

    def report_caption(self) -> str:
        stage = "All stages" if self.stage == "all" else self.stage.capitalize()
        return f"{stage}: {self.metric}"

    def display_units(self) -> Mapping[str, str]:
        return self.units


def _empty(stage: str, metric: str, columns: Sequence[str]) -> StageTable:
    return StageTable(stage, metric, "no events in the data", pd.DataFrame(columns=list(columns)))


def stage_reach(events: DataLike, stages: Mapping[str, Sequence[str]] | None = None) -> StageTable:
    """Users reaching each stage (any event of the stage) and their share of all users."""
    table = prepare_events(events)
    columns = ["stage", "users", "share"]
    if row_count(table) == 0:
        return _empty("all", "reach", columns)
    mapping = stages or STAGE_EVENTS
    t = table.mutate(stage_i=stage_case(table.event, mapping))
    counts = t.group_by("stage_i").aggregate(users=t.user_id.nunique()).execute().set_index("stage_i")["users"]
    total = int(table.user_id.nunique().execute())
    rows = [(name, int(counts.get(i + 1, 0))) for i, name in enumerate(mapping)]
    frame = pd.DataFrame(rows, columns=["stage", "users"])
    frame["share"] = frame["users"] / total
    return StageTable("all", "reach", "ok", frame)


def awareness(events: DataLike, channel: str = "channel") -> StageTable:
    """Per channel: ``reach`` (users with an awareness event from it), ``new_users`` (users whose
    first event in the data came from it), ``sessions``, ``bounce_rate`` (sessions whose only
    site event is the landing; ad impressions are not site events) and ``article_views_per_visitor``."""
    table = prepare_events(events, extra=[channel, "session_id"])
    columns = ["channel", "reach", "new_users", "sessions", "bounce_rate", "article_views_per_visitor"]
    if row_count(table) == 0:
        return _empty("awareness", "by channel", columns)
    aware = table.filter(table.event.isin(list(STAGE_EVENTS["awareness"])))
    reach = aware.group_by(ch=aware[channel]).aggregate(reach=aware.user_id.nunique())
    first = table.group_by("user_id").aggregate(first_ts=table.ts.min())
    firsts = table.join(first, (table.user_id == first.user_id) & (table.ts == first.first_ts))
    firsts = firsts.group_by(u=table.user_id).aggregate(ch=firsts[channel].min())
    new = firsts.group_by("ch").aggregate(new_users=firsts.count())
    site = table.filter(table.event != "ad_impression")
    sessions = site.group_by(sid=site.session_id).aggregate(n=site.count(), ch=site[channel].min())
    bounce = sessions.group_by("ch").aggregate(sessions=sessions.count(), bounces=(sessions.n == 1).cast("int64").sum())
    articles = table.filter(table.event == "article_view")
    engage = articles.group_by(ch=articles[channel]).aggregate(articles=articles.count())
    visitors = table.filter(table.event == "landing_view")
    visitors = visitors.group_by(ch=visitors[channel]).aggregate(visitors=visitors.user_id.nunique())
    out = reach.execute().merge(new.execute(), on="ch", how="outer").merge(bounce.execute(), on="ch", how="outer")
    out = out.merge(engage.execute(), on="ch", how="outer")
    out = out.merge(visitors.execute(), on="ch", how="outer").fillna(0)
    out["bounce_rate"] = out["bounces"] / out["sessions"].where(out["sessions"] > 0)
    out["article_views_per_visitor"] = out["articles"] / out["visitors"].where(out["visitors"] > 0)
    out = out.rename(columns={"ch": "channel"}).sort_values("reach", ascending=False, ignore_index=True)
    for col in ("reach", "new_users", "sessions"):
        out[col] = out[col].astype("int64")
    return StageTable("awareness", "by channel", "ok", out[columns])


def exposure_conversion(
    events: DataLike,
    population_event: str,
    exposures: Sequence[str],
    outcome_event: str = "purchase",
    alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
) -> StageTable:
    """Among users who did ``population_event``: conversion (ever did ``outcome_event``) of users
    exposed to each event vs those not exposed, the difference and its Newcombe CI. Association only."""
    check_level(alpha)
    table = prepare_events(events)
    columns = [
        "exposure", "label", "exposed_users", "exposed_conversion", "unexposed_users", "unexposed_conversion",
        "effect_size", "effect_size_ci_lower", "effect_size_ci_upper", "note",
    ]  # fmt: skip
    if row_count(table) == 0:
        return _empty("consideration", "exposure", columns)
    flags = {f"x{i}": (table.event == name).cast("int64").max() for i, name in enumerate(exposures)}
    per_user = table.group_by("user_id").aggregate(
        pop=(table.event == population_event).cast("int64").max(),
        conv=(table.event == outcome_event).cast("int64").max(),
        **flags,
    )
    per_user = per_user.filter(per_user.pop == 1)
    agg = {}
    for i in range(len(exposures)):
        x = per_user[f"x{i}"]
        agg[f"n1_{i}"] = x.sum()
        agg[f"c1_{i}"] = (x * per_user.conv).sum()
    agg["n"] = per_user.count()
    agg["c"] = per_user.conv.sum()
    sums = per_user.aggregate(**agg).execute().iloc[0].fillna(0)
    rows = []
    for i, name in enumerate(exposures):
        n1, c1 = int(sums[f"n1_{i}"]), int(sums[f"c1_{i}"])
        n0, c0 = int(sums["n"]) - n1, int(sums["c"]) - c1
        diff, low, high = newcombe_difference(c1, n1, c0, n0, alpha)
        rows.append(
            {
                "exposure": name,
                "label": (labels or {}).get(name, name),
                "exposed_users": n1,
                "exposed_conversion": c1 / n1 if n1 else np.nan,
                "unexposed_users": n0,
                "unexposed_conversion": c0 / n0 if n0 else np.nan,
                "effect_size": diff,
                "effect_size_ci_lower": low,
                "effect_size_ci_upper": high,
                "note": ASSOCIATION,
            }
        )
    status = "ok" if int(sums["n"]) else f"no user did {population_event!r}"
    return StageTable(
        "consideration",
        f"conversion to {outcome_event} by exposure",
        status,
        pd.DataFrame(rows),
        units={"effect_size": "points"},  # exposed minus unexposed conversion
    )


def consideration(events: DataLike, alpha: float = 0.05) -> StageTable:
    """Comparison, reviews, FAQ and demo exposure among product viewers vs purchase (association)."""
    return exposure_conversion(
        events, "product_view", list(CONSIDERATION_EXPOSURES), "purchase", alpha, CONSIDERATION_EXPOSURES
    )


def decision_support(events: DataLike, alpha: float = 0.05) -> StageTable:
    """Among checkout starters: purchase rate with vs without a checkout error and a chat (association)."""
    labels = {"checkout_error": "hit a checkout error", "chat_start": "used chat (support available)"}
    result = exposure_conversion(events, "checkout_start", list(labels), "purchase", alpha, labels)
    return StageTable("decision", result.metric, result.status, result.table, result.units)


def conversion_by_page_load(
    events: DataLike, edges: Sequence[float] = PAGE_LOAD_EDGES, outcome_event: str = "purchase"
) -> StageTable:
    """Sessions by the landing page's load time bucket, and the share with ``outcome_event`` in the session."""
    table = prepare_events(events, extra=["session_id"], numeric=["page_load_ms"])
    columns = ["page_load", "sessions", "conversion"]
    if row_count(table) == 0:
        return _empty("decision", "page load", columns)
    per_session = table.group_by("session_id").aggregate(
        load=table.page_load_ms.max(where=table.event == "landing_view"),
        conv=(table.event == outcome_event).cast("int64").max(),
    )
    per_session = per_session.filter(per_session.load.notnull())
    bucket = ibis.cases(*[(per_session.load < hi, i) for i, hi in enumerate(edges[1:])], else_=len(edges) - 2)
    counts = per_session.group_by(b=bucket).aggregate(sessions=per_session.count(), conv=per_session.conv.sum())
    counts = counts.execute().sort_values("b")
    names = [_bucket_name(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    frame = pd.DataFrame(
        {
            "page_load": [names[int(b)] for b in counts["b"]],
            "sessions": counts["sessions"].astype("int64").to_numpy(),
            "conversion": (counts["conv"] / counts["sessions"]).to_numpy(),
        }
    )
    return StageTable("decision", "conversion by page load", "ok", frame)


def _bucket_name(low: float, high: float) -> str:
    if high == float("inf"):
        return f">= {low / 1000:g} s"
    return f"{low / 1000:g}-{high / 1000:g} s"


def repeat_purchase(events: DataLike) -> StageTable:
    """Buyers, the share with a repeat purchase, and support tickets per buyer."""
    table = prepare_events(events)
    columns = ["buyers", "repeat_buyers", "repeat_rate", "support_tickets_per_buyer"]
    if row_count(table) == 0:
        return _empty("retention", "repeat purchase", columns)
    per_user = table.group_by("user_id").aggregate(
        buyer=(table.event == "purchase").cast("int64").max(),
        repeat=(table.event == "repeat_purchase").cast("int64").max(),
        tickets=(table.event == "support_ticket").cast("int64").sum(),
    )
    buyers = per_user.filter(per_user.buyer == 1)
    stats = buyers.aggregate(n=buyers.count(), r=buyers.repeat.sum(), t=buyers.tickets.sum()).execute().iloc[0]
    n = int(stats["n"])
    frame = pd.DataFrame(
        [
            {
                "buyers": n,
                "repeat_buyers": int(stats["r"] or 0),
                "repeat_rate": (stats["r"] / n) if n else np.nan,
                "support_tickets_per_buyer": (stats["t"] / n) if n else np.nan,
            }
        ]
    )
    return StageTable("retention", "repeat purchase", "ok" if n else "no buyers", frame)
