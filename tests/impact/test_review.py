"""The what-to-fix-next review: it names the top opportunities, joins the experiment portfolio and the
planned tests, and a part that cannot run (no feedback, no orders) becomes a note, not a failure."""

from __future__ import annotations

import dataclasses
import datetime as dt

import ibis
import pandas as pd
import pytest

from journey import experiments as ab
from journey.datasets.history import make_history
from journey.impact import opportunities
from journey.impact.review import review
from tests.impact.test_transitions import STEPS, WINDOW, hand_events


@pytest.fixture
def events_only() -> ibis.BaseBackend:
    """A source with events and nothing else: no feedback, no order history, no subscriptions."""
    con = ibis.duckdb.connect()
    con.create_table("events", hand_events())
    return con


@pytest.fixture
def history() -> pd.DataFrame:
    """40 past tests drawn from a known prior (the sample's generator), as results-store rows."""
    return make_history(experiments=40, seed=3)[list(ab.STORE_COLUMNS)]


def _plan(tmp_path, start: dt.date) -> str:
    folder = tmp_path / "experiments"
    folder.mkdir()
    ab.new_experiment("bigger-buy-button", baseline=0.08, mde=0.10, start_date=start, directory=folder)
    ab.new_experiment("old-banner", baseline=0.08, mde=0.10, start_date=WINDOW.start, directory=folder)
    return str(folder)


def test_review_without_feedback_or_orders_notes_them_and_ranks_the_funnel(events_only, history, tmp_path):
    plans = _plan(tmp_path, WINDOW.end + dt.timedelta(days=3))
    fix = review(events_only, WINDOW, steps=STEPS, target="relative_lift", experiments_dir=plans, history=history)
    assert any("feedback analysis could not run" in n for n in fix.notes)
    assert any("customer-health review could not run" in n for n in fix.notes)
    assert fix.feedback is None and fix.health is None
    # the same table as the public function computes on its own, with the absent sources explained
    alone = opportunities(events_only, WINDOW, steps=STEPS, target="relative_lift")
    pd.testing.assert_frame_equal(fix.opportunities.table, alone.table)
    sources = fix.sources().to_frame().set_index("source")
    assert sources.loc["pain point", "rows"] == 0 and sources.loc["funnel step", "rows"] > 0


def test_summary_names_the_top_three_then_the_portfolio_and_the_plan(events_only, history, tmp_path):
    plans = _plan(tmp_path, WINDOW.end + dt.timedelta(days=3))
    fix = review(events_only, WINDOW, steps=STEPS, target="relative_lift", experiments_dir=plans, history=history)
    summary = fix.summary(3)
    ranked = fix.opportunities.table.dropna(subset=["rank"])
    assert len(ranked) >= 3
    for position in range(3):
        assert summary[position].startswith(f"{position + 1}. ") and ranked.iloc[position]["item"] in summary[position]
    p = fix.portfolio
    assert f"{p.shipped} of {p.k} shipped" in summary[-2] and p.k == 40
    # only the test starting after the window is planned; its chance is the assurance under the prior
    assert fix.planned.frame["experiment"].tolist() == ["bigger-buy-button"]
    chance = fix.planned.frame["assurance"].iloc[0]
    assert "bigger-buy-button" in summary[-1] and f"{chance:.0%}" in summary[-1]
    names = [name for name, _, _ in fix.kpis()]
    assert names == ["top opportunity per week", "experiment win rate"]


def test_summary_says_when_nothing_is_planned_or_sized(events_only, history, tmp_path):
    plans = _plan(tmp_path, WINDOW.start)  # both started: nothing planned
    fix = review(events_only, WINDOW, steps=STEPS, target="relative_lift", experiments_dir=plans, history=history)
    assert fix.planned.frame.empty
    assert fix.summary()[-1] == f"No experiment is planned to start after {WINDOW.end}."
    empty_table = dataclasses.replace(fix.opportunities, table=fix.opportunities.table.iloc[0:0])
    nothing = dataclasses.replace(fix, opportunities=empty_table)
    assert nothing.summary()[0].startswith("No opportunity could be sized in this window: funnel step:")
