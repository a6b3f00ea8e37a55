"""The experiment readout: one call gathers what the notebook shows, and the decision rule.

:func:`readout` loads the playbook, builds the per-user table in the engine, runs the
analysis, segments, cumulative looks with sequential bounds and the novelty check, and
:func:`decide` turns the result into ship / don't ship / keep running with the rule used,
so the notebook only plots and prints — every sentence comes from here and is tested.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import uuid
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from journey.data.sources import DataLike
from journey.display.report import HTMLBlock
from journey.display.results import ResultMixin
from journey.experiments.analyze import ExperimentResult, MetricResult, analyze
from journey.experiments.data import _backend, analysis_table, daily_table
from journey.experiments.estimators import compare
from journey.experiments.power import power_reached
from journey.experiments.segments import NoveltyResult, SegmentResult, novelty, segments
from journey.experiments.sequential import SequentialResult, obrien_fleming_bounds, sequential
from journey.experiments.spec import ExperimentSpec, load_spec
from journey.experiments.stats import reduce_moments

Verdict = Literal["ship", "don't ship", "keep running"]

RULE = (
    "Rule: ship a variant when the traffic split is healthy (SRM p >= 0.001), a primary metric improves "
    "significantly after the multiple-testing correction (and, before the planned sample size, beyond the "
    "O'Brien-Fleming bound for this look), no primary metric is significantly worse and every guardrail is "
    "shown non-inferior within its margin; don't ship when the split is broken, a primary metric or guardrail "
    "is significantly worse, or the planned sample is reached without a significant improvement; otherwise "
    "keep running."
)


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict, the variant it concerns (if any), why, and the rule applied."""

    verdict: Verdict
    variant: str | None
    reason: str
    rule: str = RULE

    def sentence(self) -> str:
        head = {"ship": "Ship", "don't ship": "Don't ship", "keep running": "Keep running"}[self.verdict]
        target = f" {self.variant}" if self.variant and self.verdict == "ship" else ""
        return f"{head}{target}: {self.reason}"


def _interim_bound(n_per_arm: float, planned_per_arm: int | None, looks: int, alpha: float) -> float:
    """O'Brien-Fleming z bound at the current information fraction (planned looks before it)."""
    if not planned_per_arm or n_per_arm >= planned_per_arm:
        return 0.0
    t = n_per_arm / planned_per_arm
    grid = [k / looks for k in range(1, looks) if k / looks < t - 1e-9]
    return float(obrien_fleming_bounds([*grid, t], alpha)[-1])


def decide(result: ExperimentResult, planned_per_arm: int | None = None, planned_looks: int = 1) -> Decision:
    """Apply :data:`RULE` to an analysis (see the module doc)."""
    if result.srm.flagged:
        return Decision(
            "don't ship",
            None,
            f"the traffic split is broken (SRM p = {result.srm.pvalue:.2g}); fix "
            "assignment or logging and restart, no effect here can be trusted.",
        )
    alpha = result.alpha
    outcomes: dict[str, tuple[str, str, float]] = {}
    for arm in result.variants:
        if arm == result.control:
            continue
        rows = [r for r in result.rows if r.variant == arm]
        prim = [r for r in rows if r.role == "primary"]
        guards = [r for r in rows if r.role == "guardrail"]
        n_arm = min(min(r.n_control, r.n_treatment) for r in rows) if rows else 0
        bound = _interim_bound(n_arm, planned_per_arm, planned_looks, alpha)
        reached = planned_per_arm is None or n_arm >= planned_per_arm

        def sig(r: MetricResult, bound: float = bound) -> bool:
            return r.pvalue_adjusted < alpha and abs(r.comparison.statistic) >= bound

        worse = [r for r in prim if sig(r) and not r.better]
        harm = [r for r in guards if _harmful(r)]
        better = [r for r in prim if sig(r) and r.better]
        guards_ok = all(r.pvalue < alpha for r in guards)
        if worse or harm:
            bad = (worse or harm)[0]
            outcomes[arm] = (
                "don't ship",
                f"{arm} makes {bad.metric} significantly worse ({bad.rel_effect_size:+.1%}).",
                0.0,
            )
        elif better and guards_ok:
            top = better[0]
            outcomes[arm] = (
                "ship",
                f"{top.metric} improves by {top.rel_effect_size:+.1%} "
                f"({1 - alpha:.0%} CI {top.rel_ci_lower:+.1%} to {top.rel_ci_upper:+.1%}, adjusted p = "
                f"{top.pvalue_adjusted:.2g}) and every guardrail is within its margin.",
                top.rel_effect_size,
            )
        elif reached:
            why = (
                "no primary metric improved significantly"
                if not better
                else "a guardrail could not be shown to stay within its margin"
            )
            outcomes[arm] = ("don't ship", f"{arm}: the planned sample is reached and {why}.", 0.0)
        else:
            share = f"{n_arm / planned_per_arm:.0%}" if planned_per_arm else "part"
            outcomes[arm] = (
                "keep running",
                f"{arm} has {share} of the planned users and no conclusive result yet.",
                0.0,
            )
    ships = {a: o for a, o in outcomes.items() if o[0] == "ship"}
    if ships:
        arm = max(ships, key=lambda a: ships[a][2])
        return Decision("ship", arm, ships[arm][1])
    running = [o for o in outcomes.values() if o[0] == "keep running"]
    if running:
        return Decision("keep running", None, " ".join(o[1] for o in running))
    return Decision("don't ship", None, " ".join(o[1] for o in outcomes.values()))


def _harmful(r: MetricResult) -> bool:
    lo, hi = r.comparison.rel_ci_lower, r.comparison.rel_ci_upper
    return bool(hi < 0) if r.higher_is_better else bool(lo > 0)


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

    def summary(self) -> list[str]:
        """3-5 plain sentences for the executive summary."""
        out = [self.decision.sentence()]
        srm = self.result.srm
        out.append(srm.sentence())
        primary = [r for r in self.result.rows if r.role == "primary"]
        for r in primary[:2]:
            if math.isfinite(r.rel_effect_size):
                out.append(
                    f"{r.metric} ({r.variant} vs {self.result.control}): {r.control_mean:.3g} → "
                    f"{r.treatment_mean:.3g}, {r.rel_effect_size:+.1%} ({1 - self.result.alpha:.0%} CI "
                    f"{r.rel_ci_lower:+.1%} to {r.rel_ci_upper:+.1%}), chance to win "
                    f"{r.chance_to_win:.0%}."
                )
            else:
                out.append(f"{r.metric} ({r.variant}): no estimate ({r.status}).")
        if not self.power.empty:
            p = float(self.power.power.min())
            out.append(f"Power reached for the planned {self.spec.mde:.0%} effect: {p:.0%}.")
        return out[:5]


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
    con = _backend(source)
    table = _materialize(con, analysis_table(con, spec.name, spec.exposure_days, spec.pre_days, until))
    metrics = spec.build_metrics()
    result = analyze(
        table,
        variant="variant",
        control=spec.control,
        metrics=metrics,
        alpha=spec.alpha,
        correction=spec.correction,
        variants=list(spec.variants),
        expected=spec.variants,
    )
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
    if first.column in ("converted", "revenue"):
        daily = daily_table(con, spec.name, spec.exposure_days, until)
        treat = next(a for a in spec.variants if a != spec.control)
        nov = novelty(daily, type(first)(first.column), "variant", spec.control, treat, alpha=spec.alpha)
    return Readout(spec, result, decision, seg, tuple(seq), nov, pd.DataFrame(power_rows))


def _materialize(con, expr):
    """Compute the per-user table once as a temporary table in the engine (dropped with the
    connection) so the analysis, segments and looks do not each rebuild it."""
    try:
        return con.create_table(f"_journey_experiment_{uuid.uuid4().hex[:12]}", expr, temp=True)
    except Exception:  # noqa: BLE001 - backends without temp tables: fall back to the expression
        return expr


def forest_frame(result: ExperimentResult) -> pd.DataFrame:
    """Relative effects with their intervals (and adjusted intervals) for a forest plot."""
    rows = []
    for r in result.rows:
        rows.append(
            {
                "label": f"{r.metric} · {r.variant}",
                "role": r.role,
                "rel_effect_size": r.rel_effect_size,
                "rel_ci_lower": r.rel_ci_lower,
                "rel_ci_upper": r.rel_ci_upper,
                "rel_adj_ci_lower": r.rel_adj_ci_lower,
                "rel_adj_ci_upper": r.rel_adj_ci_upper,
                "margin": -r.margin if r.higher_is_better else r.margin,
            }
        )
    return pd.DataFrame(rows).replace([np.inf, -np.inf], np.nan)


@dataclass(frozen=True, slots=True)
class Table(ResultMixin):
    """A small named table rendered with the project's formatting (power, chance to win)."""

    frame: pd.DataFrame
    title: str = ""

    def to_frame(self) -> pd.DataFrame:
        return self.frame

    def report_caption(self) -> str:
        return self.title


def power_table(ro: Readout) -> Table:
    return Table(ro.power, "Power reached")


def chance_table(result: ExperimentResult) -> Table:
    """Chance to win and expected loss (relative to control) per metric × variant (the Bayesian view)."""
    return Table(
        pd.DataFrame(
            [
                {
                    "metric": r.metric,
                    "variant": r.variant,
                    "chance_to_win": r.chance_to_win,
                    "rel_expected_loss": r.expected_loss,  # a share of the control value: shown in %
                }
                for r in result.rows
            ]
        ),
        "Chance to win and expected loss",
    )


def srm_banner(srm) -> HTMLBlock:
    """The SRM gate: a blocking warning when flagged, a one-line pass note otherwise (escaped)."""
    text = html.escape(srm.sentence())
    if srm.flagged:
        return HTMLBlock(
            '<div class="journey-warning" role="alert" style="border:3px solid #b00020;padding:0.8em;'
            'background:#fff0f0"><strong>STOP.</strong> ' + text + "</div>"  # the sentence names the mismatch
        )
    return HTMLBlock(f'<p class="journey-note">{text}</p>')


def decision_block(decision: Decision) -> HTMLBlock:
    """The verdict in words, with the rule that produced it."""
    return HTMLBlock(
        f'<div class="journey-decision"><p><strong>{html.escape(decision.sentence())}</strong></p>'
        f"<p><em>{html.escape(decision.rule)}</em></p></div>"
    )
