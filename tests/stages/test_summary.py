"""Summary sentences from hand-built result objects (no data access)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from journey.stages import funnels
from journey.stages import summary as ss
from journey.stages.attribution import Attribution
from journey.stages.funnels import Funnel, _cumulate
from journey.stages.kpis import ASSOCIATION, StageTable
from journey.stages.retention import Cohorts
from tests.helpers import event_log as log


def funnel(per_level: list[int], steps=("a", "b", "c")) -> Funnel:
    counts = pd.DataFrame({"level": range(1, len(steps) + 1), "n": per_level})
    return Funnel(tuple(steps), 7 * 86_400, "any_start", None, "ok", _cumulate(counts, tuple(steps)))


def test_consideration_names_biggest_dropoff_change_and_association():
    now = funnel([50, 30, 20])  # a 100, b 50 (50%), c 20 (40%)
    before = funnel([40, 30, 30])  # b 60, c 30 (50%)
    exposures = StageTable(
        "consideration", "x", "ok",
        pd.DataFrame([{
            "exposure": "review_read", "label": "social proof (reviews)", "exposed_users": 10,
            "exposed_conversion": 0.3, "unexposed_users": 90, "unexposed_conversion": 0.1, "effect_size": 0.2,
            "effect_size_ci_lower": 0.05, "effect_size_ci_upper": 0.35, "note": ASSOCIATION,
        }]),
    )  # fmt: skip
    text = " ".join(ss.consideration_sentences(now, before, exposures))
    assert "100 users did 'a'; 20.0% reached 'c'" in text
    assert "from 'b' to 'c': only 40.0% continue (−10.0 percentage points" in text
    assert "social proof (reviews)" in text and "+20.0 percentage points" in text and "association" in text


def test_retention_sentences_use_curve_and_attribution_gap():
    table = pd.DataFrame({"cohort": [pd.Timestamp("2026-09-07")], "cohort_size": [10]})
    for k in range(5):
        table[k] = pd.array([[10, 4, 3, 2, 1][k]], dtype="Int64")
    cohorts = Cohorts("purchase", ("purchase",), "week", 4, False, None, dt.date(2026, 12, 1), "ok", table)
    repeat = StageTable(
        "retention",
        "r",
        "ok",
        pd.DataFrame([{"buyers": 10, "repeat_buyers": 4, "repeat_rate": 0.4, "support_tickets_per_buyer": 0.25}]),
    )
    attr = Attribution(("v",), "p", ("last", "markov"), 7.0, 10, 5, "ok", pd.DataFrame({
        "channel": ["A", "B", "A", "B"], "model": ["last", "last", "markov", "markov"],
        "conversions": [4.0, 1.0, 2.5, 2.5], "revenue": [0.0] * 4, "share": [0.8, 0.2, 0.5, 0.5]}))  # fmt: skip
    text = " ".join(ss.retention_sentences(cohorts, repeat, attr))
    assert "40.0% of 'purchase' cohorts came back in week 1" in text
    assert "10.0% of 'purchase' cohorts came back in week 4" in text
    assert "40.0% of 10 buyers bought again" in text
    assert "disagree most on A: 80.0% of conversions under last touch vs 50.0% under the Markov" in text


def test_awareness_and_decision_sentences():
    aware = StageTable("awareness", "c", "ok", pd.DataFrame({
        "channel": ["email", "paid"], "reach": [100, 50], "new_users": [10, 40], "sessions": [200, 100],
        "bounce_rate": [0.1, 0.4], "article_views_per_visitor": [1.5, 0.2]}))  # fmt: skip
    before = StageTable("awareness", "c", "ok", aware.table.assign(reach=[80, 50]))
    text = " ".join(ss.awareness_sentences(aware, before, funnel([1, 1, 1])))
    assert text.startswith(
        "50 people arrived through these channels this window; "
    )  # 10 + 40 by first channel, not 150 "reaches"
    assert "email reached the most users (100), +25.0% vs the previous window" in text
    assert "20.0% of sessions bounced" in text and "paid at 40.0%" in text
    support = StageTable("decision", "s", "ok", pd.DataFrame([{
        "exposure": "checkout_error", "exposed_users": 50, "exposed_conversion": 0.2, "unexposed_conversion": 0.6,
        "effect_size": -0.4}]))  # fmt: skip
    load = StageTable(
        "decision",
        "l",
        "ok",
        pd.DataFrame({"page_load": ["0-1 s", ">= 5 s"], "sessions": [100, 40], "conversion": [0.05, 0.01]}),
    )
    text = " ".join(ss.decision_sentences(funnel([1, 1, 1]), None, support, load))
    assert "50 checkout starters hit an error; 20.0% of them bought vs 60.0%" in text
    assert "0-1 s converted at 5.00%, against 1.00% at >= 5 s" in text
    assert not np.isnan(funnel([1, 1, 1]).table["users"].iloc[0])


def test_negative_changes_use_a_minus_sign_and_missing_rates_read_na():
    """Sentences share the wording of journey.display.text: a drop reads '−20.0%' (typographic minus,
    as every other summary) and a rate that could not be computed reads 'n/a', never 'nan%'."""
    aware = StageTable("awareness", "c", "ok", pd.DataFrame({
        "channel": ["email"], "reach": [80], "new_users": [10], "sessions": [200],
        "bounce_rate": [0.1], "article_views_per_visitor": [1.5]}))  # fmt: skip
    before = StageTable("awareness", "c", "ok", aware.table.assign(reach=[100]))
    text = " ".join(ss.awareness_sentences(aware, before, funnel([1, 1, 1])))
    assert "email reached the most users (80), \N{MINUS SIGN}20.0% vs the previous window" in text
    support = StageTable("decision", "s", "ok", pd.DataFrame([{
        "exposure": "checkout_error", "exposed_users": 5, "exposed_conversion": 0.2,
        "unexposed_conversion": np.nan, "effect_size": np.nan}]))  # fmt: skip
    load = StageTable("decision", "l", "ok", pd.DataFrame(columns=["page_load", "sessions", "conversion"]))
    text = " ".join(ss.decision_sentences(funnel([1, 1, 1]), None, support, load))
    assert "20.0% of them bought vs n/a of those without an error" in text
    assert "nan" not in text


def test_funnel_sentences_name_biggest_dropoff_and_change():
    now = funnels.funnel(log([(1, 0, "a"), (1, 1, "b"), (2, 0, "a")]), ["a", "b"], "1d")
    before = funnels.funnel(log([(1, 0, "a"), (1, 1, "b")]), ["a", "b"], "1d")
    text = " ".join(ss.funnel_sentences(now, before))
    assert "'a' to 'b'" in text and "50.0%" in text and "−50.0 percentage points" in text


def test_funnel_sentences_keep_the_numbers_when_a_step_is_absent():
    import warnings

    events = log([(1, 0, "a"), (1, 1, "b"), (2, 0, "a")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        now = funnels.funnel(events, ["a", "b", "purchse"], "1d")
    text = " ".join(ss.funnel_sentences(now))
    assert "2 users did 'a'" in text and "0.0% reached 'purchse'" in text
    assert "Note: step 'purchse'" in text and "absent from the data" in text
