"""Executive-summary sentences for the stage notebooks, built only from result objects.

Each function takes results computed for the current window (and, where a change is
reported, the previous window of the same length) and returns 3-5 plain sentences; the
notebooks display them with :func:`journey.display.report.executive_summary`. Nothing here touches
row-level data, so the tests build the inputs by hand.
"""

from __future__ import annotations

import math

import pandas as pd

from journey.display.text import percent, points, signed
from journey.stages.attribution import Attribution
from journey.stages.funnels import Funnel
from journey.stages.kpis import StageTable
from journey.stages.retention import Cohorts


def funnel_sentences(current: Funnel, previous: Funnel | None = None) -> list[str]:
    """The funnel's headline (overall conversion), its biggest drop-off and the change against the
    previous window; steps absent from the data are named (they count 0 users, not a failure)."""
    frame = current.table
    if frame.empty or not frame["users"].iloc[0] > 0:
        return [f"The funnel has no numbers for this window: {current.status}."]
    steps = current.steps
    days = current.window_seconds / 86_400
    sentences = [
        f"{int(frame['users'].iloc[0]):,} users did {steps[0]!r}; "
        f"{percent(frame['conversion_from_start'].iloc[-1])} reached {steps[-1]!r} within {days:g} days."
    ]
    worst = current.biggest_dropoff()
    if worst is not None:
        a, b, rate = worst
        text = f"The biggest drop-off is from {a!r} to {b!r}: only {percent(rate)} continue"
        if previous is not None and previous.status == "ok" and tuple(previous.steps) == tuple(steps):
            before = previous.table.set_index("step")["conversion_from_previous"].get(b, math.nan)
            if before == before:
                text += f" ({points(rate - float(before))} vs the previous window, {percent(before)})"
        sentences.append(text + ".")
    if current.status != "ok":
        sentences.append(f"Note: {current.status}.")
    return sentences


def awareness_sentences(now: StageTable, before: StageTable | None, funnel: Funnel) -> list[str]:
    """Reach leader and its change, the bounce rate extremes, and the landing -> product step."""
    frame = now.table
    if frame.empty:
        return [f"No awareness data in this window ({now.status})."]
    top = frame.sort_values("reach", ascending=False).iloc[0]
    # new_users partition the window's visitors by the channel of their first event; summing reach would count
    # a person once per channel that reached them
    text = (
        f"{int(frame['new_users'].sum()):,} people arrived through these channels this window; "
        f"{top['channel']} reached the most users ({int(top['reach']):,})"
    )
    if before is not None and not before.table.empty:
        prev = before.table.set_index("channel")["reach"].get(top["channel"], math.nan)
        if prev == prev and prev:
            text += f", {percent((top['reach'] - prev) / prev, signed=True)} vs the previous window"
    sentences = [text + "."]
    sessions = frame["sessions"].sum()
    if sessions:
        overall = (frame["bounce_rate"] * frame["sessions"]).sum() / sessions
        worst = frame.sort_values("bounce_rate", ascending=False).iloc[0]
        sentences.append(
            f"{percent(overall)} of sessions bounced (only the landing page); the highest bounce rate is "
            f"{worst['channel']} at {percent(worst['bounce_rate'])}."
        )
    engaged = frame.sort_values("article_views_per_visitor", ascending=False).iloc[0]
    sentences.append(
        f"{engaged['channel']} visitors read the most articles "
        f"({engaged['article_views_per_visitor']:.2f} per visitor)."
    )
    sentences.extend(funnel_sentences(funnel)[:1])
    return sentences


def consideration_sentences(now: Funnel, before: Funnel | None, exposures: StageTable) -> list[str]:
    """Funnel headline and biggest drop-off with its change, then the strongest exposure association."""
    sentences = funnel_sentences(now, before)
    frame = exposures.table.dropna(subset=["effect_size"])
    if not frame.empty:
        best = frame.sort_values("effect_size", ascending=False).iloc[0]
        sentences.append(
            f"Product viewers exposed to {best['label']} bought {points(best['effect_size'])} more often "
            f"({percent(best['exposed_conversion'])} vs {percent(best['unexposed_conversion'])}, 95% CI "
            f"{signed(best['effect_size_ci_lower'] * 100, 1)} to {signed(best['effect_size_ci_upper'] * 100, 1)}); "
            "this is an association, not proof that the content causes purchases."
        )
    return sentences


def decision_sentences(now: Funnel, before: Funnel | None, support: StageTable, load: StageTable) -> list[str]:
    """Checkout funnel and its biggest drop-off, checkout errors / chat, and page-load extremes."""
    sentences = funnel_sentences(now, before)
    rows = support.table.set_index("exposure") if not support.table.empty else pd.DataFrame()
    if "checkout_error" in rows.index and rows.loc["checkout_error", "exposed_users"] > 0:
        r = rows.loc["checkout_error"]
        sentences.append(
            f"{int(r['exposed_users']):,} checkout starters hit an error; "
            f"{percent(r['exposed_conversion'])} of them bought vs {percent(r['unexposed_conversion'])} "
            "of those without an error (association)."
        )
    frame = load.table[load.table["sessions"] >= 30] if not load.table.empty else load.table
    if len(frame) >= 2:
        fast, slow = frame.iloc[0], frame.iloc[-1]
        sentences.append(
            f"Sessions whose landing page loaded in {fast['page_load']} converted at {percent(fast['conversion'], 2)}, "
            f"against {percent(slow['conversion'], 2)} at {slow['page_load']}."
        )
    return sentences


def retention_sentences(cohorts: Cohorts, repeat: StageTable, attribution: Attribution | None = None) -> list[str]:
    """Average retention at periods 1 and 4 with CIs, repeat-purchase rate, and attribution disagreement."""
    sentences = []
    curve = cohorts.curve().to_frame().set_index("period")
    unit = cohorts.period
    for k in (1, 4):
        if k in curve.index and curve.loc[k, "n_obs"] > 0:
            r = curve.loc[k]
            sentences.append(
                f"On average {percent(r['rate'])} of {cohorts.cohort_event!r} cohorts came back in {unit} {k} "
                f"(95% CI {percent(r['rate_ci_lower'])} to {percent(r['rate_ci_upper'])}, {int(r['n_obs']):,} users)."
            )
    if not repeat.table.empty and repeat.table["buyers"].iloc[0] > 0:
        r = repeat.table.iloc[0]
        sentences.append(
            f"{percent(r['repeat_rate'])} of {int(r['buyers']):,} buyers bought again; "
            f"{r['support_tickets_per_buyer']:.2f} support tickets per buyer."
        )
    if attribution is not None and not attribution.table.empty:
        wide = attribution.pivot("share")
        if {"last", "markov"} <= set(wide.columns):
            gap = (wide["markov"] - wide["last"]).dropna()
            if len(gap):
                channel = gap.abs().idxmax()
                sentences.append(
                    f"Attribution models disagree most on {channel}: "
                    f"{percent(wide.loc[channel, 'last'])} of conversions under last touch "
                    f"vs {percent(wide.loc[channel, 'markov'])} under the Markov model."
                )
    return sentences or [f"No retention numbers for this window ({cohorts.status})."]
