"""The experiment readout: one call gathers what the notebook shows.

:func:`readout` loads the playbook, builds the per-user table in the engine, runs the
analysis, segments, cumulative looks with sequential bounds and the novelty check on the
metric the playbook names, and applies the decision rule
(:func:`~journey.experiments.decision.decide`). This module only orchestrates: the rule
lives in :mod:`~journey.experiments.decision`, the banner, blocks and tables in
:mod:`~journey.experiments.readout_display`, so the notebook only plots and prints — every
sentence comes from the library and is tested.

A playbook whose ``start_date`` is on or after the end of the data window (a planned test, or
a replay of a window before the start) reads out as ``status = "not started"``: no effect, no
looks, a summary that says so, instead of failing on missing assignments. :meth:`Readout.record`
stores a readout's result in the results store (:mod:`journey.experiments.results`).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd

from journey.data.sources import DataLike
from journey.display.text import percent
from journey.experiments.analyze import ExperimentResult, analyze
from journey.experiments.data import _backend, analysis_table, daily_table
from journey.experiments.decision import Decision, decide
from journey.experiments.estimators import compare
from journey.experiments.power import power_reached
from journey.experiments.segments import NoveltyResult, SegmentResult, novelty, segments
from journey.experiments.sequential import SequentialResult, sequential
from journey.experiments.spec import ExperimentSpec, load_spec
from journey.experiments.stats import reduce_moments

NOT_STARTED = "not started"


@dataclass(frozen=True, slots=True)
class Readout:
    """Everything the readout notebook shows for one experiment."""

    spec: ExperimentSpec
    result: ExperimentResult
    decision: Decision
    segments: SegmentResult | None
    sequential: tuple[SequentialResult, ...]
    novelty: NoveltyResult | None
    power: pd.DataFrame
    status: str = "ok"
    """``"ok"``, or ``"not started"`` when the experiment starts after the data window."""

    def summary(self) -> list[str]:
        """3-5 plain sentences for the executive summary."""
        out = [self.decision.sentence()]
        if self.status == NOT_STARTED:
            return out
        srm = self.result.srm
        out.append(srm.sentence())
        primary = [r for r in self.result.rows if r.role == "primary"]
        for r in primary[:2]:
            if math.isfinite(r.rel_effect_size):
                out.append(
                    f"{r.metric} ({r.variant} vs {self.result.control}): {r.control_mean:.3g} → "
                    f"{r.treatment_mean:.3g}, {percent(r.rel_effect_size, signed=True)} "
                    f"({percent(1 - self.result.alpha, 0)} CI {percent(r.rel_ci_lower, signed=True)} to "
                    f"{percent(r.rel_ci_upper, signed=True)}), chance to win {percent(r.chance_to_win, 0)}."
                )
            else:
                out.append(f"{r.metric} ({r.variant}): no estimate ({r.status}).")
        if not self.power.empty:
            p = float(self.power.power.min())
            out.append(f"Power reached for the planned {percent(self.spec.mde, 0)} effect: {percent(p, 0)}.")
        return out[:5]

    def record(self, window_end: dt.date, path=None) -> int:
        """Store this readout's primary effects in the results store (nothing for a test that has not
        started); ``window_end``: the last day of data used. Returns the rows added (0 when recorded before)."""
        if self.status == NOT_STARTED:
            return 0
        from journey.experiments.results import record_readout

        return record_readout(self, window_end, path)


def cumulative_looks(
    table, metric, variant: str, control: str, treatment: str, day: str = "day", alpha: float = 0.05
) -> list:
    """Comparisons on users assigned up to each day (one engine query grouped by variant × day).
    Outcomes are each user's full exposure window, so this shows how the estimate settles as
    users enter, not what a look on that calendar day would have seen."""
    cols = metric.columns
    _, moments = reduce_moments(table, variant, cols, by=[day])
    days = sorted({k[1] for k in moments})
    looks, acc = [], {}
    for d in days:
        for arm in (control, treatment):
            m = moments.get((arm, d))
            if m is not None:
                acc[arm] = acc[arm] + m if arm in acc else m
        if control in acc and treatment in acc:
            looks.append(
                (
                    d,
                    compare(
                        acc[control],
                        acc[treatment],
                        metric.column,
                        metric.denominator,
                        metric.covariates,
                        kind=metric.kind,
                        alpha=alpha,
                    ),
                )
            )
    return looks


def readout(
    source: DataLike, experiment: str, spec: ExperimentSpec | None = None, until: dt.datetime | None = None
) -> Readout:
    """Analyse ``experiment`` on ``source`` as its playbook says, with data before ``until``
    (exclusive, UTC; ``None`` = everything) — an earlier ``until`` replays an interim look."""
    spec = spec or load_spec(experiment)
    if until is not None and spec.start_date >= until.date():
        return _not_started(spec, until)
    con = _backend(source)
    table = _materialize(con, analysis_table(con, spec.name, spec.exposure_days, spec.pre_days, until))
    metrics = spec.build_metrics()
    result = _analyze(table, spec, metrics, expected=spec.variants)
    decision = decide(result, spec.sample_size_per_arm, spec.planned_looks)
    seg = None
    if spec.segments:
        seg = segments(
            table,
            "variant",
            spec.control,
            [m for m in metrics if m.role != "guardrail"],
            by=spec.segments[0],
            alpha=spec.alpha,
            correction=spec.correction,
        )
    first = metrics[0]
    seq, power_rows = [], []
    for arm in spec.variants:
        if arm == spec.control:
            continue
        looks = cumulative_looks(table, first, "variant", spec.control, arm, alpha=spec.alpha)
        looks = [(d, c) for d, c in looks if math.isfinite(c.se) and c.se > 0]
        if looks and spec.planned_users:
            base = spec.baseline if spec.baseline is not None else looks[-1][1].control_adjusted
            per_look = [c for _, c in looks]
            planned = spec.sample_size_per_arm * 2 if spec.sample_size_per_arm else spec.planned_users
            seq.append(
                sequential(
                    per_look, planned, spec.alpha, tau=abs(base * spec.mde) or 1e-9, metric=first.label, variant=arm
                )
            )
        row = result.get(first.label, arm)
        power_rows.append(
            {
                "metric": first.label,
                "variant": arm,
                "users": row.n_control + row.n_treatment,
                "planned_users": spec.planned_users,
                "power": power_reached(row.comparison, spec.mde, spec.alpha),
            }
        )
    nov = None
    checked = spec.novelty_metric()
    if checked is not None:
        daily = daily_table(con, spec.name, spec.exposure_days, until)
        treat = next(a for a in spec.variants if a != spec.control)
        nov = novelty(daily, checked.build_daily(), "variant", spec.control, treat, alpha=spec.alpha)
    return Readout(spec, result, decision, seg, tuple(seq), nov, pd.DataFrame(power_rows))


def _analyze(table: Any, spec: ExperimentSpec, metrics: list, expected: Any = None) -> ExperimentResult:
    """The analysis the playbook asks for: its control, arms, alpha and correction."""
    return analyze(
        table,
        variant="variant",
        control=spec.control,
        metrics=metrics,
        alpha=spec.alpha,
        correction=spec.correction,
        variants=list(spec.variants),
        expected=expected,
    )


def _not_started(spec: ExperimentSpec, until: dt.datetime) -> Readout:
    """The readout of a test that starts after the data: every estimate NaN (empty arms), the reason said."""
    metrics = spec.build_metrics()
    columns = {"variant": pd.Series([], dtype="string")}
    for m in metrics:
        for c in m.columns:
            columns[c] = pd.Series([], dtype="float64")
    result = _analyze(pd.DataFrame(columns), spec, metrics)
    last = (until - dt.timedelta(microseconds=1)).date()
    reason = f"{spec.name} starts on {spec.start_date}, after the data window (data up to {last}); nothing to read yet."
    return Readout(spec, result, Decision(NOT_STARTED, None, reason), None, (), None, pd.DataFrame(), NOT_STARTED)


def _materialize(con, expr):
    """Compute the per-user table once as a temporary table in the engine (dropped with the
    connection) so the analysis, segments and looks do not each rebuild it."""
    try:
        return con.create_table(f"_journey_experiment_{uuid.uuid4().hex[:12]}", expr, temp=True)
    except Exception:  # noqa: BLE001 - backends without temp tables: fall back to the expression
        return expr
