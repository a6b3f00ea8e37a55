"""The what-to-fix-next review of notebook 90: where the money is, how often changes like ours win,
and how likely the planned tests are to pay off.

It joins three parts that each answer one piece of leadership's question "where do we put the
next sprint, and how likely is it to pay off?":

* the ranked opportunity table (:func:`journey.impact.opportunities`): funnel steps, stage
  transitions, feedback pain points and at-risk customers in revenue per period, with intervals;
* the experiment portfolio (:func:`journey.experiments.portfolio` on the sample history plus the
  results store): win rate, the random-effects prior, shrunk effects and the winners' curse;
* the planned tests (:func:`journey.experiments.planned_tests`): each playbook that starts after
  the window's end, with its chance of ending significant and positive under that prior.

A part that cannot be computed (no feedback in the window, no order history for the churn model,
too few finished tests) leaves a note and the other parts stand: a scheduled run gives a report
that says what is missing rather than failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from journey.data.sources import DataLike
from journey.data.window import Window
from journey.display.results import Table
from journey.display.text import percent
from journey.impact.ranking import DEFAULT_STEPS, Opportunities, opportunities
from journey.impact.transitions import Target
from journey.validation import JourneyInputError


@dataclass(frozen=True, slots=True)
class FixNextReview:
    """Everything notebook 90 shows. ``feedback`` and ``health`` are the analyses the opportunity
    table sized (``None`` when they could not run, with the reason in ``notes``); ``portfolio`` and
    ``planned`` come from the experiment history."""

    window: Window
    opportunities: Opportunities
    portfolio: Any  # journey.experiments.portfolio.Portfolio
    planned: Any  # journey.experiments.assurance.PlannedTests
    feedback: Any
    health: Any
    notes: tuple[str, ...]

    def summary(self, n: int = 3) -> list[str]:
        """The executive summary: the top ``n`` opportunities by name, then the portfolio and the plan."""
        out = self.opportunities.sentences(n)
        if not out:
            out = ["No opportunity could be sized in this window: " + self._source_reasons() + "."]
        p = self.portfolio
        if p.status == "ok":
            out.append(
                f"Past experiments: {p.shipped} of {p.k} shipped ({percent(p.win_rate, 0)}); shipped "
                f"changes measured {percent(p.shipped_raw_mean, 1, signed=True)} on average, but shrunk toward "
                f"the history they are worth {percent(p.shipped_shrunk_mean, 1, signed=True)} (the winners' curse)."
            )
        else:
            out.append(f"No experiment prior: {p.status}.")
        planned = self.planned.frame
        if planned.empty:
            out.append(f"No experiment is planned to start after {self.planned.as_of}.")
        else:
            best = planned.sort_values("assurance", ascending=False).iloc[0]
            out.append(
                f"{len(planned)} planned test{'s' if len(planned) != 1 else ''}; the likeliest to pay off, "
                f"{best['experiment']}, has a {percent(best['assurance'], 0)} chance to end significant and positive."
            )
        return out

    def sources(self) -> Table:
        """Each kind of opportunity with its row count and, when it has none, why."""
        return Table(self.opportunities.sources, "What was sized, and why a source has no rows")

    def effects(self) -> Table:
        """The portfolio's relative effects as measured, after shrinkage and under the prior."""
        return Table(self.portfolio.distribution(), "Relative effects of past tests: 10th percentile, median, 90th")

    def kpis(self) -> list[tuple[str, float, str]]:
        """Headline numbers for the index's history: ``(name, value, unit)``."""
        out: list[tuple[str, float, str]] = []
        ranked = self.opportunities.table[self.opportunities.table["rank"].notna()]
        if not ranked.empty:
            out.append(
                (f"top opportunity per {self.opportunities.period}", float(ranked.iloc[0].revenue_per_period), "")
            )
        if self.portfolio.status == "ok":
            out.append(("experiment win rate", float(self.portfolio.win_rate), "%"))
        return out

    def _source_reasons(self) -> str:
        sources = self.opportunities.sources
        return "; ".join(f"{r.source}: {r.status}" for r in sources.itertuples())


def review(
    source: DataLike,
    window: Window,
    *,
    steps: Sequence[str] = DEFAULT_STEPS,
    by: str | None = "device",
    target: Target = "best_segment",
    lift: float = 0.10,
    horizon_days: int = 56,
    seed_themes: str | None = None,
    experiments_dir: str | Path | None = None,
    history: pd.DataFrame | None = None,
    feedback: Any = None,
    health: Any = None,
) -> FixNextReview:
    """Compute the review for ``window`` (see the module docstring).

    ``feedback`` / ``health``: the feedback analysis and the customer-health review when the caller
    already has them (they are computed here otherwise, the feedback themes guided by ``seed_themes``
    as in notebook 60). ``experiments_dir``: the experiment
    playbooks (default ``playbooks/experiments``); ``history``: the finished tests' results (default
    :func:`journey.experiments.experiment_history`: the sample's history and the results store).
    Planned tests are those starting after the window's end.
    """
    from journey import experiments as ab

    notes: list[str] = []
    if feedback is None:
        feedback = _optional("feedback analysis", notes, lambda: _feedback(source, window, seed_themes))
    if health is None:
        health = _optional("customer-health review", notes, lambda: _health(source, window, horizon_days))
    table = opportunities(source, window, steps=steps, by=by, target=target, lift=lift, feedback=feedback,
                          customers=health)  # fmt: skip
    portfolio = ab.portfolio(ab.experiment_history() if history is None else history)
    directory = Path(experiments_dir) if experiments_dir else None
    planned = ab.planned_tests(portfolio, as_of=window.end, directory=directory)
    return FixNextReview(window, table, portfolio, planned, feedback, health, tuple(notes))


def _feedback(source: DataLike, window: Window, seed_themes: str | None) -> Any:
    from journey.feedback.analysis import analyze

    return analyze(source, window, seed_themes=seed_themes or None)


def _health(source: DataLike, window: Window, horizon_days: int) -> Any:
    from journey.health import load_config
    from journey.health.review import review as health_review

    return health_review(source, window.end_ts, load_config(None), horizon_days=horizon_days, trend_weeks=2)


def _optional(what: str, notes: list[str], compute) -> Any:
    """An input analysis that may be impossible on this data: its input error becomes a note."""
    try:
        return compute()
    except JourneyInputError as exc:
        notes.append(f"The {what} could not run: {exc}. Its opportunities are left out.")
        return None


__all__ = ["FixNextReview", "review"]
