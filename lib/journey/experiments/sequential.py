"""Looking at an experiment more than once without inflating false positives.

Three methods, each on the running effect estimate and its standard error at every look:

* **Group-sequential alpha spending** (Lan & DeMets 1983) with the O'Brien–Fleming-type
  spending function, symmetric two-sided boundaries, ``α/2`` spent per side:
  ``α_side(t) = 2 − 2Φ(z_{1−α/4} / √t)`` at information fraction ``t`` (users so far /
  planned users). Boundaries come from the exact recursive integration of the joint
  distribution of the z statistics (Armitage, McPherson & Rowe 1969; Jennison & Turnbull
  2000, ch. 19) on a grid; for five equally spaced looks they are the published
  4.877, 3.357, 2.680, 2.290, 2.031.
* **Asymptotic confidence sequences** (Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas 2023,
  Thm 2.2): ``effect ± se · sqrt(2(v+1)/v · log(sqrt(v+1)/α))`` with
  ``v = (n / n*)·(−2 log α + log(1 − 2 log α))``, tightest at the planned size ``n*``; valid
  at every look simultaneously, so the experiment can stop whenever 0 leaves the band. Its
  always-valid p-value (:func:`cs_pvalues`) is the smallest ``α'`` whose band, with the same
  tuning ``v``, excludes 0: ``sqrt(v+1)·exp(−z² v / (2(v+1)))`` with ``z = effect/se``, taken
  as a running minimum over looks; it is below ``α`` exactly at the looks where the band
  excludes 0, and needs no tuning beyond ``planned_users``.
* **mSPRT** (Johari, Koomen, Pekelis & Walsh 2017) with a normal mixing distribution
  ``N(0, τ²)`` on the effect: ``Λ = sqrt(se²/(se²+τ²)) · exp(τ² Δ² / (2 se² (se²+τ²)))``
  and the always-valid p-value ``p_k = min(p_{k−1}, 1/Λ_k)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from journey.display.results import ResultMixin
from journey.stats import dist
from journey.validation import input_error

_GRID = 401


def obf_spending(t: np.ndarray | float, alpha: float = 0.05) -> np.ndarray:
    """Cumulative two-sided alpha spent by information fraction ``t`` (O'Brien–Fleming type)."""
    t = np.clip(np.asarray(t, float), 1e-12, 1.0)
    return 2 * 2 * dist.norm_sf_array(dist.norm_isf(alpha / 4) / np.sqrt(t))


def obrien_fleming_bounds(information: Sequence[float], alpha: float = 0.05) -> np.ndarray:
    """Two-sided z boundaries at the given increasing information fractions (last ≤ 1)."""
    t = np.asarray(information, float)
    if t.size == 0 or np.any(np.diff(t) <= 0) or t[0] <= 0 or t[-1] > 1 + 1e-12:
        raise input_error("information", f"fractions {t.tolist()}", "increasing values in (0, 1]")
    spend = np.diff(np.r_[0.0, obf_spending(t, alpha)])
    bounds = np.empty(t.size)
    # density of the score S_k = Z_k √t_k on the continuation region, on a grid
    grid, dens = None, None
    for k, tk in enumerate(t):
        if k == 0:
            c = dist.norm_isf(spend[0] / 2)
            bounds[0] = c
            b = c * math.sqrt(tk)
            grid = np.linspace(-b, b, _GRID)
            dens = dist.norm_pdf_array(grid / math.sqrt(tk)) / math.sqrt(tk)
            continue
        step = math.sqrt(tk - t[k - 1])
        w = _simpson_weights(grid) * dens

        if spend[k] <= 1e-15:
            c = 40.0
        else:
            c = optimize.brentq(_crossing, 0.1, 40.0, args=(grid, w, step, tk, spend[k]), xtol=1e-10)
        bounds[k] = c
        b = c * math.sqrt(tk)
        new_grid = np.linspace(-b, b, _GRID)
        kernel = np.exp(-0.5 * ((new_grid[:, None] - grid[None, :]) / step) ** 2) / (step * math.sqrt(2 * math.pi))
        dens = kernel @ w
        grid = new_grid
    return bounds


def _crossing(c: float, grid: np.ndarray, w: np.ndarray, step: float, tk: float, target: float) -> float:
    """P(continue so far, then |S_k| >= c √t_k) minus the alpha to spend at this look."""
    b = c * math.sqrt(tk)
    return float(w @ (dist.norm_sf_array((b - grid) / step) + dist.norm_sf_array((b + grid) / step))) - target


def _simpson_weights(grid: np.ndarray) -> np.ndarray:
    h = grid[1] - grid[0]
    w = np.ones(grid.size)
    w[1:-1:2], w[2:-1:2] = 4, 2
    return w * h / 3


def cs_half_width(se: np.ndarray | float, n: np.ndarray | float, n_star: float, alpha: float = 0.05) -> np.ndarray:
    """Half-width of the asymptotic confidence sequence at a look with ``n`` units."""
    c = -2 * math.log(alpha) + math.log(1 - 2 * math.log(alpha))
    v = np.asarray(n, float) / n_star * c
    return np.asarray(se, float) * np.sqrt(2 * (v + 1) / v * np.log(np.sqrt(v + 1) / alpha))


def cs_pvalues(
    effect: np.ndarray | Sequence[float],
    se: np.ndarray | Sequence[float],
    n: np.ndarray | Sequence[float],
    n_star: float,
    alpha: float = 0.05,
) -> np.ndarray:
    """Always-valid p-values of the confidence sequence over looks (running minimum).

    At look ``k`` the band at level ``α'`` (tuning ``v`` fixed by ``n_star`` and ``alpha``, as
    in :func:`cs_half_width`) has half-width ``se·sqrt(2(v+1)/v · log(sqrt(v+1)/α'))``; it
    touches 0 at ``α' = sqrt(v+1)·exp(−(effect/se)² v / (2(v+1)))``. A look without a finite
    estimate gives 1 (it cannot reject).
    """
    c = -2 * math.log(alpha) + math.log(1 - 2 * math.log(alpha))
    e, s = np.asarray(effect, float), np.asarray(se, float)
    v = np.asarray(n, float) / n_star * c
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = (e / s) ** 2
        log_p = 0.5 * np.log1p(v) - z2 * v / (2 * (v + 1))
    p = np.minimum(1.0, np.exp(log_p))
    return np.minimum.accumulate(np.where(np.isfinite(p), p, 1.0), axis=-1)


def msprt_pvalues(effect: np.ndarray, se: np.ndarray, tau: float) -> np.ndarray:
    """Always-valid p-values over looks (last axis), normal mixture with scale ``tau``."""
    effect, se = np.asarray(effect, float), np.asarray(se, float)
    s2, t2 = se**2, tau**2
    log_lambda = 0.5 * np.log(s2 / (s2 + t2)) + t2 * effect**2 / (2 * s2 * (s2 + t2))
    p = np.minimum(1.0, np.exp(-log_lambda))
    return np.minimum.accumulate(np.where(np.isnan(p), 1.0, p), axis=-1)


@dataclass(frozen=True, slots=True)
class SequentialResult(ResultMixin):
    """Every look at one metric × variant with all three sequential criteria.

    ``crossed``: the look where the effect left every band first (``-1`` if never) per method.
    ``tau``: mSPRT mixing scale (absolute effect units; NaN when none was given, and then the
    mSPRT p-values are NaN); ``planned_users``: ``n*`` (both arms); ``cs_pvalue``: the
    confidence sequence's always-valid p-value per look.
    """

    caption = "Every look with its sequential bounds"

    metric: str
    variant: str
    users: tuple[int, ...]
    effect_size: tuple[float, ...]
    se: tuple[float, ...]
    information: tuple[float, ...]
    obf_bound: tuple[float, ...]
    cs_half: tuple[float, ...]
    msprt_pvalue: tuple[float, ...]
    alpha: float
    planned_users: int
    tau: float
    cs_pvalue: tuple[float, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        e, se, half = np.array(self.effect_size), np.array(self.se), np.array(self.cs_half)
        z = e / se
        bound = np.array(self.obf_bound)
        return pd.DataFrame(
            {
                "look": np.arange(1, len(e) + 1),
                "users": list(self.users),
                "effect_size": e,
                "z": z,
                "obf_bound": bound,
                "obf_ci_lower": e - bound * se,
                "obf_ci_upper": e + bound * se,
                "cs_ci_lower": e - half,
                "cs_ci_upper": e + half,
                "pvalue_cs": list(self.cs_pvalue) if self.cs_pvalue else np.nan,
                "pvalue_msprt": list(self.msprt_pvalue),
                "stop_obf": np.abs(z) >= bound,
                "stop_cs": (e - half > 0) | (e + half < 0),
            }
        )

    @property
    def stopped(self) -> bool:
        """Any method says the effect is significant at some look (with its error control)."""
        f = self.to_frame()
        return bool(f.stop_obf.any() or f.stop_cs.any() or (f.pvalue_msprt < self.alpha).any())


def sequential(
    looks: Sequence,
    planned_users: int,
    alpha: float = 0.05,
    tau: float | None = None,
    metric: str = "",
    variant: str = "",
) -> SequentialResult:
    """Sequential criteria for comparisons at successive looks.

    ``looks``: objects with ``effect_size``, ``se``, ``n_control``, ``n_treatment`` (a
    :class:`~journey.experiments.estimators.Comparison` per look). ``planned_users``: both
    arms together at the final planned look. ``tau``: the mSPRT mixing scale, fixed in advance
    (the planned absolute MDE is the usual choice; it must not be picked from the data). It is
    optional: without it there is no mSPRT (its p-values are NaN), and the confidence
    sequence's p-value, which needs only ``planned_users``, is the always-valid p-value.
    """
    if planned_users <= 0:
        raise input_error("planned_users", f"is {planned_users}", "a positive planned number of users")
    if not looks:
        raise input_error("looks", "is empty", "at least one look")
    users = np.array([lk.n_control + lk.n_treatment for lk in looks], float)
    effect = np.array([lk.effect_size for lk in looks], float)
    se = np.array([lk.se for lk in looks], float)
    if tau is not None and not tau > 0:
        raise input_error("tau", f"is {tau!r}", "the mSPRT mixing scale, e.g. the planned absolute MDE, or None")
    info = np.minimum(users / planned_users, 1.0)
    keep = np.r_[True, np.diff(info) > 0]  # looks past the planned size share the final boundary
    bounds = np.full(info.size, np.nan)
    b = obrien_fleming_bounds(info[keep], alpha)
    bounds[keep] = b
    bounds = pd.Series(bounds).ffill().to_numpy()
    return SequentialResult(
        metric,
        variant,
        tuple(int(u) for u in users),
        tuple(effect),
        tuple(se),
        tuple(info),
        tuple(bounds),
        tuple(cs_half_width(se, users, planned_users, alpha)),
        tuple(msprt_pvalues(effect, se, tau)) if tau is not None else tuple(np.full(effect.size, np.nan)),
        alpha,
        int(planned_users),
        float(tau) if tau is not None else math.nan,
        tuple(cs_pvalues(effect, se, users, planned_users, alpha)),
    )
