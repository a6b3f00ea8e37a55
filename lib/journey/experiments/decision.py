"""The decision rule: an analysis in, ship / don't ship / keep running out, with the reason
(``not started`` is the readout's verdict for a test that starts after the data window).

:func:`decide` applies :data:`RULE` to an :class:`~journey.experiments.analyze.ExperimentResult`.
It tests on the scale it prints: a metric counts as significant when its (multiplicity-
adjusted) p-value is below ``alpha`` and its z statistic is past the O'Brien-Fleming bound of
the look; the sentence then quotes the absolute effect's interval, drawn from the same
standard error as that p-value (:func:`~journey.experiments.estimators.compare`), so a
"ship" never comes with an interval that covers 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from journey.display.text import percent, points, significant
from journey.experiments.analyze import ExperimentResult, MetricResult
from journey.experiments.sequential import obrien_fleming_bounds

Verdict = Literal["ship", "don't ship", "keep running", "not started"]

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
        head = self.verdict.capitalize()  # "Don't ship", "Keep running", "Not started"
        target = f" {self.variant}" if self.variant and self.verdict == "ship" else ""
        return f"{head}{target}: {self.reason}"


def _interim_bound(n_per_arm: float, planned_per_arm: int | None, looks: int, alpha: float) -> float:
    """O'Brien-Fleming z bound at the current information fraction (planned looks before it)."""
    if not planned_per_arm or n_per_arm >= planned_per_arm:
        return 0.0
    t = n_per_arm / planned_per_arm
    grid = [k / looks for k in range(1, looks) if k / looks < t - 1e-9]
    return float(obrien_fleming_bounds([*grid, t], alpha)[-1])


def _absolute(r: MetricResult, value: float) -> str:
    """An absolute effect in its unit: percentage points for rates, the metric's own unit otherwise."""
    if r.kind == "proportion":
        return points(value, 2)
    return significant(value, signed=True)


def _ship_reason(top: MetricResult, alpha: float) -> str:
    """The improvement on the tested scale: the absolute effect with the interval of its p-value."""
    c = top.comparison
    return (
        f"{top.metric} improves by {percent(top.rel_effect_size, signed=True)} "
        f"({_absolute(top, c.effect_size)}, {percent(1 - alpha, 0)} CI {_absolute(top, c.effect_ci_lower)} to "
        f"{_absolute(top, c.effect_ci_upper)}; adjusted p = {top.pvalue_adjusted:.2g}) "
        "and every guardrail is within its margin."
    )


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
                f"{arm} makes {bad.metric} significantly worse ({percent(bad.rel_effect_size, signed=True)}).",
                0.0,
            )
        elif better and guards_ok:
            top = better[0]
            outcomes[arm] = ("ship", _ship_reason(top, alpha), top.rel_effect_size)
        elif reached:
            why = (
                "no primary metric improved significantly"
                if not better
                else "a guardrail could not be shown to stay within its margin"
            )
            outcomes[arm] = ("don't ship", f"{arm}: the planned sample is reached and {why}.", 0.0)
        else:
            share = percent(n_arm / planned_per_arm, 0) if planned_per_arm else "part"
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
