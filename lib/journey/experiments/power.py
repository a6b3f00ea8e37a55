"""Power: users per arm for a minimum detectable effect, the MDE for a given n, achieved power.

Two-sided normal-approximation tests, both rejection tails counted (so results equal
``statsmodels.stats.power.NormalIndPower`` with ``ratio=1`` and the standardized effect
``d = δ / sqrt(σ²_Δ / 2)``):

* power(n) = Φ(δ√n/σ_Δ − z) + Φ(−δ√n/σ_Δ − z), ``z = Φ⁻¹(1 − α/2)``;
* σ²_Δ = per-unit variance of the difference: ``2·std²`` for means and ratios (``std`` of
  the ratio's delta-method linearisation ``(y − R d)/d̄`` for ratios), ``p₁q₁ + p₂q₂`` for
  proportions (variance under the alternative; within 0.1% of Cohen's arcsine ``h`` for
  small effects);
* covariates shrink σ²_Δ by ``1 − variance_reduction`` (CUPED's ``1 − ρ²``).
"""

from __future__ import annotations

import math
from typing import Any

from scipy import optimize

from journey.stats import dist
from journey.validation import check_level, input_error

_KINDS = ("proportion", "mean", "ratio")


def _kind(metric: Any) -> str:
    kind = metric if isinstance(metric, str) else getattr(metric, "kind", None)
    if kind not in _KINDS:
        raise input_error(
            "metric", f"unknown metric {metric!r}", "Proportion/Mean/Ratio or 'proportion', 'mean', 'ratio'"
        )
    return kind


def _delta(baseline: float, mde: float, relative: bool) -> float:
    return baseline * mde if relative else mde


def _sigma2(kind: str, baseline: float, std: float | None, delta: float, variance_reduction: float) -> float:
    if not 0 <= variance_reduction < 1:
        raise input_error("variance_reduction", f"is {variance_reduction}", "a share in [0, 1)")
    if kind == "proportion" and std is None:
        p2 = baseline + delta
        if not (0 < baseline < 1 and 0 < p2 < 1):
            raise input_error("sample_size", f"baseline {baseline} with effect {delta:+g}", "rates inside (0, 1)")
        s2 = baseline * (1 - baseline) + p2 * (1 - p2)
    else:
        if std is None or not std > 0:
            raise input_error("sample_size", f"std={std!r} for a {kind} metric", "the per-unit standard deviation")
        s2 = 2 * std**2
    return s2 * (1 - variance_reduction)


def _power(n: float, delta: float, sigma2: float, alpha: float) -> float:
    z = dist.norm_isf(alpha / 2)
    shift = abs(delta) * math.sqrt(n / sigma2)
    return dist.norm_sf(z - shift) + dist.norm_sf(z + shift)


def _check(alpha: float, power: float | None = None) -> None:
    check_level(alpha)
    if power is not None and not alpha < power < 1:
        raise input_error("power", f"is {power}", "a probability in (alpha, 1)")


def sample_size(
    metric: Any = "mean",
    baseline: float = math.nan,
    std: float | None = None,
    mde: float = 0.05,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    variance_reduction: float = 0.0,
) -> int:
    """Users per arm (equal arms) to detect ``mde`` with the given power; rounded up.

    ``baseline`` is the control mean (rate for proportions); ``mde`` is relative to it when
    ``relative`` (0.05 = +5%), else absolute. ``std`` is required for means and ratios.

    >>> sample_size("proportion", baseline=0.10, mde=0.10)
    14749
    """
    _check(alpha, power)
    kind = _kind(metric)
    delta = _delta(baseline, mde, relative)
    if not (math.isfinite(delta) and delta != 0):
        raise input_error("sample_size", f"effect {delta!r} (baseline {baseline}, mde {mde})", "a non-zero effect")
    s2 = _sigma2(kind, baseline, std, delta, variance_reduction)
    guess = (dist.norm_isf(alpha / 2) + -dist.norm_isf(power)) ** 2 * s2 / delta**2
    n = optimize.brentq(lambda x: _power(x, delta, s2, alpha) - power, guess * 0.5, guess * 1.5 + 10, xtol=1e-10)
    return math.ceil(n - 1e-9)


def minimum_detectable_effect(
    n: float,
    metric: Any = "mean",
    baseline: float = math.nan,
    std: float | None = None,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    variance_reduction: float = 0.0,
) -> float:
    """Smallest effect (relative to ``baseline`` when ``relative``) detectable with ``n`` users per arm."""
    _check(alpha, power)
    kind = _kind(metric)
    if not n > 1:
        raise input_error("n", f"is {n}", "more than 1 user per arm")

    def gap(delta: float) -> float:
        return _power(n, delta, _sigma2(kind, baseline, std, delta, variance_reduction), alpha) - power

    z = dist.norm_isf(alpha / 2) + -dist.norm_isf(power)
    scale = math.sqrt(
        _sigma2(kind, baseline, std if kind != "proportion" or std else None, 0.0, variance_reduction) / n
    )
    hi = 10 * z * scale
    if kind == "proportion" and std is None:
        hi = min(hi, (1 - baseline) * (1 - 1e-9))
    delta = optimize.brentq(gap, 1e-12 * max(scale, 1e-300), hi, xtol=1e-14)
    return delta / baseline if relative else delta


def achieved_power(
    n: float,
    metric: Any = "mean",
    baseline: float = math.nan,
    std: float | None = None,
    mde: float = 0.05,
    relative: bool = True,
    alpha: float = 0.05,
    variance_reduction: float = 0.0,
) -> float:
    """Power reached with ``n`` users per arm for the planned ``mde`` (not the observed effect:
    post-hoc power of the observed effect is a function of the p-value and says nothing new)."""
    _check(alpha)
    kind = _kind(metric)
    delta = _delta(baseline, mde, relative)
    return _power(n, delta, _sigma2(kind, baseline, std, delta, variance_reduction), alpha)


def power_reached(comparison: Any, mde: float, alpha: float = 0.05) -> float:
    """Power the analysis has now for a relative ``mde`` of the control mean, using the
    comparison's own (covariate-adjusted) standard error: ``Φ(δ/se − z) + Φ(−δ/se − z)``."""
    se, base = comparison.se, comparison.control_adjusted
    if not (math.isfinite(se) and se > 0 and math.isfinite(base)):
        return math.nan
    z = dist.norm_isf(alpha / 2)
    shift = abs(base * mde) / se
    return dist.norm_sf(z - shift) + dist.norm_sf(z + shift)
