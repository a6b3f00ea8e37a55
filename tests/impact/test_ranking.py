"""The ranked opportunity table: one unit, ranked, each row's assumption; absent sources say why;
bad input is a clear error; pain points reach the feedback actions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import ibis
import numpy as np
import pandas as pd
import pytest

from journey.data.window import Window
from journey.feedback.analysis import FeedbackAnalysis
from journey.feedback.insights import recommended_actions
from journey.feedback.scores import ThemeImpact
from journey.impact import Opportunities, opportunities
from journey.impact.ranking import rank_rows
from journey.validation import JourneyInputError
from tests.impact.test_transitions import START, STEPS, WINDOW, hand_events


def _backend(events: pd.DataFrame) -> ibis.BaseBackend:
    con = ibis.duckdb.connect()
    con.create_table("events", events)
    ids = np.arange(1, 41)
    orders = pd.DataFrame({"order_id": ids, "customer_id": ids, "ts": START,
                           "amount": np.where(ids % 2 == 0, 100 + 2 * ids, 20 + ids).astype(float)})  # fmt: skip
    con.create_table("order_history", orders)
    return con


def _feedback() -> FeedbackAnalysis:
    """A feedback analysis with one pain point ("Late delivery": 20% of 500 texts, NPS gap −30 ± 19.6)."""
    impact = pd.DataFrame({
        "theme": ["Late delivery"], "size": [100], "share": [0.2], "sentiment": [-0.5], "nps": [-40.0],
        "nps_effect": [-30.0], "nps_effect_ci_lower": [-49.6], "nps_effect_ci_upper": [-10.4],
        "rating_effect": [np.nan], "rating_effect_ci_lower": [np.nan], "rating_effect_ci_upper": [np.nan],
        "impact": [-6.0], "impact_metric": ["nps"], "kind": ["pain point"], "status": ["ok"],
    })  # fmt: skip
    ids = np.arange(1, 501) % 40 + 1
    texts = pd.DataFrame({"customer_id": ids, "nps": np.where(ids % 2 == 0, 10.0, 2.0), "rating": np.nan,
                          "theme": np.where(np.arange(500) < 100, "Late delivery", "Other"), "text": "late again",
                          "sentiment": -0.5, "window": "current"})  # fmt: skip
    parts = {f.name: None for f in dataclasses.fields(FeedbackAnalysis)}
    parts |= {"window": WINDOW, "texts": texts, "impact": ThemeImpact(impact), "emerging": None}
    return FeedbackAnalysis(**parts)


def _customers() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 2], "churn_probability": [0.5, 0.1], "clv": [365.25, 730.5]})


def test_all_sources_in_one_unit_ranked_largest_first_with_their_assumptions() -> None:
    con = _backend(hand_events())
    result = opportunities(con, WINDOW, steps=STEPS, min_entrants=5, feedback=_feedback(), customers=_customers())
    table = result.to_frame()
    ranked = table[table["rank"].notna()]
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    values = ranked["revenue_per_period"].to_numpy()
    assert (np.diff(values) <= 0).all()
    assert {"funnel step", "pain point", "at-risk customers"} <= set(ranked["source"])
    funnel = ranked[ranked["source"] == "funnel step"].set_index("item")["revenue_per_period"]
    # the hand-derived values of tests/impact/test_transitions.py, per week of the 2-week window
    assert funnel["checkout_start → purchase"] == pytest.approx(40.0)
    assert funnel["add_to_cart → checkout_start"] == pytest.approx(20.0)
    # at risk: (0.5 × 365.25 + 0.1 × 730.5) × 7 / 365.25 = 4.9 per week
    assert ranked.loc[ranked["source"] == "at-risk customers", "revenue_per_period"].iloc[0] == pytest.approx(4.9)
    assert table["assumption"].str.len().gt(20).all() and table["method"].notna().all()
    # stages have no awareness or consideration events here: their rows are NaN, unranked, last, with a status
    unranked = table[table["rank"].isna()]
    assert unranked["revenue_per_period"].isna().all() and (unranked.index > ranked.index.max()).all()
    assert (unranked["status"] != "ok").all()
    assert result.period == "week" and "Revenue per week at stake" in result.report_caption()
    html = result._repr_html_()
    assert "revenue per week ci" in html and "[" in html


def test_top_keeps_the_largest_rows_and_the_sentences_name_them() -> None:
    con = _backend(hand_events())
    result = opportunities(con, WINDOW, steps=STEPS, min_entrants=5, customers=_customers())
    top = result.top(2)
    assert isinstance(top, Opportunities) and len(top.to_frame()) == 2
    assert top.to_frame()["revenue_per_period"].tolist() == pytest.approx([40.0, 20.0])
    first = result.sentences(1)[0]
    assert first.startswith("1. Funnel step checkout_start → purchase (mobile): 40 per week (95% CI ")
    assert "). Assumes checkout_start → purchase conversion 25.0% → 75.0%, the rate of the best device" in first
    assert "−" in result.sentences(5)[1] and "-" not in result.sentences(5)[1].split("Assumes")[0]  # CI below 0
    with pytest.raises(JourneyInputError, match="parameter 'n'"):
        result.top(0)


def test_sources_that_cannot_be_sized_have_no_rows_and_say_why() -> None:
    con = _backend(hand_events())
    empty = Window(dt.date(2025, 1, 1), dt.date(2025, 1, 14))
    result = opportunities(con, empty, steps=STEPS)  # no events that fortnight, no feedback, no customers
    assert result.to_frame().empty
    why = result.sources.set_index("source")["status"]
    assert why["funnel step"] == why["stage transition"] == "no events between 2025-01-01 and 2025-01-14"
    assert why["pain point"].startswith("no feedback passed")
    assert why["at-risk customers"].startswith("no customers passed")
    assert result.sources["rows"].sum() == 0


def test_pain_points_without_a_revenue_link_are_row_less_with_the_reason() -> None:
    con = ibis.duckdb.connect()
    con.create_table("events", hand_events())  # no order_history: no customer base, no link
    result = opportunities(con, WINDOW, steps=STEPS, min_entrants=5, feedback=_feedback())
    status = result.sources.set_index("source").loc["pain point"]
    assert status["rows"] == 0 and "order_history" in status["status"]
    stated = opportunities(_backend(hand_events()), WINDOW, steps=STEPS, min_entrants=5, feedback=_feedback(),
                           value_per_point=0.5)  # fmt: skip
    row = stated.to_frame().set_index("source").loc["pain point"]
    # 20% of the 40 customers in the base regain 30 points at 0.5 per point per week: 0.2 × 30 × 0.5 × 40 = 120
    assert row["revenue_per_period"] == pytest.approx(120.0) and "(stated)" in row["assumption"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "best"}, "one of 'best_segment', 'previous_period', 'relative_lift'"),
        ({"by": None}, "with target='best_segment'"),
        ({"period": "year"}, "one of 'day', 'month', 'week'"),
        ({"lift": -2.0}, "parameter 'lift'"),
        ({"alpha": 1.5}, "parameter 'alpha'"),
        ({"feedback": "themes"}, "journey.feedback.analysis.analyze"),
        ({"customers": pd.DataFrame({"clv": [1.0]})}, "missing column 'churn_probability'"),
        ({"by": "browser"}, "browser"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs: dict, message: str) -> None:
    with pytest.raises(JourneyInputError, match=message.replace("(", r"\(")):
        opportunities(_backend(hand_events()), WINDOW, steps=STEPS, **kwargs)
    with pytest.raises(JourneyInputError, match=r"journey\.data\.window\.Window"):
        opportunities(_backend(hand_events()), "2026-11-01")


def test_rank_rows_puts_nan_last_without_a_rank() -> None:
    part = pd.DataFrame({"source": ["funnel step"] * 3, "item": ["a", "b", "c"], "segment": "all", "theme": None,
                         "revenue_per_period": [5.0, math.nan, 9.0], "revenue_per_period_ci_lower": [1.0, math.nan, 2.0],
                         "revenue_per_period_ci_upper": [9.0, math.nan, 16.0], "assumption": "x", "method": "m",
                         "status": ["ok", "no entrants", "ok"]})  # fmt: skip
    ranked = rank_rows([part, pd.DataFrame()])
    assert ranked["item"].tolist() == ["c", "a", "b"] and ranked["rank"].tolist()[:2] == [1, 2]
    assert pd.isna(ranked["rank"].iloc[2])


def test_each_pain_points_action_shows_its_row_of_the_opportunity_table() -> None:
    feedback = _feedback()
    result = opportunities(_backend(hand_events()), WINDOW, steps=STEPS, min_entrants=5, feedback=feedback,
                           value_per_point=0.5)  # fmt: skip
    rank = int(result.to_frame().set_index("source").loc["pain point", "rank"])
    actions = feedback.with_opportunities(result).actions.to_frame().set_index("theme")
    said = actions.loc["Late delivery", "opportunity"]
    assert said.startswith(f"rank {rank} of {result.ranked}; revenue 120 per week (95% CI ")
    assert "Opportunity: rank" in actions.loc["Late delivery", "action"]
    direct = recommended_actions(feedback.impact, opportunities=result).to_frame()
    assert direct["opportunity"].tolist() == [said]
