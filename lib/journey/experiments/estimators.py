"""Two-arm comparisons on sufficient statistics: z, Welch, delta method, CUPED / Lin adjustment.

One formulation covers every metric. For each arm the estimate is a smooth function of
the arm's column means, so its variance follows from the delta method applied to the
arm's mean vector and covariance (:class:`~journey.experiments.stats.Moments`):

* mean / proportion: ``ȳ``; ratio: ``R = ȳ / d̄`` with linearisation ``(y - R d) / d̄``
  per randomization unit (Deng, Knoblich & Lu 2018, "Applying the delta method in metric
  analytics");
* with covariates ``x`` the arm estimate is ``R_a - θ_aᵀ(x̄_a - x̄)`` where ``x̄`` is the
  pooled covariate mean. ``adjustment="lin"`` fits ``θ_a`` in each arm (Lin 2013, the
  fully interacted regression; with one covariate this is CUPED with per-arm slopes);
  ``"pooled"`` uses one within-arm slope (Deng et al. 2013 CUPED; identical to the OLS
  coefficient on treatment in ``y ~ T + x``). Any number of covariates is allowed, and a
  model's prediction can be one of them (CUPAC). ``θ`` is treated as fixed, the usual
  asymptotics. The default standard error (``se="population"``) also counts the randomness
  of the pooled covariate mean ``x̄``; it exceeds the one that holds ``x̄`` fixed
  (``se="sample"``, ``Σ_a s²_{e,a}/n_a`` with ``s²_{e,a}`` arm ``a``'s residual variance)
  by exactly ``ΔᵀΣΔ/N``, with ``Δ = θ_t − θ_c``, ``Σ`` the arms' within-arm covariate
  covariance weighted by size and ``N`` all units (Negi & Wooldridge 2021; zero with one
  pooled slope). ``"sample"`` is what the HC2 standard error of the interacted regression
  estimates; HC2 itself weighs each residual by its leverage, which needs per-unit data,
  so the two agree to ``O(k/n)``, not exactly.

p-values use survival functions (``2·sf(|z|)``) so tiny values do not underflow to 0.
The p-value and the interval always come from the same standard error, so ``p < alpha``
exactly when the ``1 - alpha`` interval excludes 0 (a readout that decides from one and
prints the other must not disagree). For the unadjusted proportion that is the unpooled
Wald z (GrowthBook's default and what the sequential tests use; statsmodels
``test_proportions_2indep(..., method="wald")``); ``pooled=True`` switches both the test and
the interval to the pooled-variance z of ``statsmodels.stats.proportion.proportions_ztest``.
The unadjusted mean uses Welch's t with Satterthwaite degrees of freedom; everything else uses
the normal distribution. Proportions use the binomial variance ``p(1 - p)/n``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from journey.experiments.stats import Moments
from journey.stats import dist
from journey.stats.intervals import welch_df
from journey.validation import check_option

Adjustment = Literal["lin", "pooled"]
StandardError = Literal["population", "sample"]
RelCI = Literal["delta", "log", "fieller"]
Kind = Literal["proportion", "mean", "ratio"]
NAN = math.nan


@dataclass(frozen=True, slots=True)
class Comparison:
    """One treatment arm against control for one metric.

    Means are the observed (unadjusted) arm means; ``effect_size`` is the (covariate-
    adjusted) difference ``treatment - control``; ``rel_effect_size`` is
    ``adjusted treatment / adjusted control - 1``. ``se`` / ``rel_se`` are delta-method
    standard errors; ``df`` is ``inf`` for normal-theory tests. ``var_control`` /
    ``var_treatment`` / ``cov`` are the variances and covariance of the adjusted arm
    estimates (used by Fieller intervals, Bayesian posteriors and sequential tests).
    ``variance_reduction`` is ``1 - Var(adjusted effect) / Var(unadjusted effect)``.
    """

    kind: str
    n_control: int
    n_treatment: int
    control_mean: float
    treatment_mean: float
    control_adjusted: float
    treatment_adjusted: float
    effect_size: float
    se: float
    df: float
    effect_ci_lower: float
    effect_ci_upper: float
    rel_effect_size: float
    rel_se: float
    rel_ci_lower: float
    rel_ci_upper: float
    statistic: float
    pvalue: float
    var_control: float
    var_treatment: float
    cov: float
    variance_reduction: float
    status: str
    method: str
    alpha: float
    rel_ci: str


def two_sided_pvalue(statistic: float, df: float = math.inf) -> float:
    """``2·sf(|t|)`` (never ``1 - cdf``, which underflows to 0 for large statistics)."""
    if not math.isfinite(statistic):
        return NAN
    return min(1.0, 2.0 * dist.t_sf(abs(statistic), df))


def _quantile(alpha: float, df: float) -> float:
    return dist.t_isf(alpha / 2, df)


def _empty(kind: str, c: Moments, t: Moments, status: str, alpha: float, rel_ci: str, method: str) -> Comparison:
    cm = float(c.mean[0]) if c.n else NAN
    tm = float(t.mean[0]) if t.n else NAN
    return Comparison(kind, c.n, t.n, cm, tm, *([NAN] * 17), status, method, alpha, rel_ci)  # type: ignore[arg-type]


def compare(
    control: Moments,
    treatment: Moments,
    numerator: str,
    denominator: str | None = None,
    covariates: Sequence[str] = (),
    *,
    kind: Kind = "mean",
    alpha: float = 0.05,
    adjustment: Adjustment = "lin",
    rel_ci: RelCI = "delta",
    pooled: bool = False,
    se: StandardError = "population",
) -> Comparison:
    """Compare ``treatment`` with ``control`` on moments that include the named columns.

    ``pooled``: for an unadjusted proportion, use the pooled-variance standard error for the
    test and the absolute interval alike (default: unpooled for both); other metrics have no
    pooled form and ignore it. ``se``: with covariates, ``"population"`` (default) counts the
    variance of the pooled covariate mean, ``"sample"`` holds it fixed (see the module doc).

    >>> from journey.experiments.stats import Moments
    >>> r = compare(Moments.proportion(5000, 513), Moments.proportion(5000, 574), "y", kind="proportion")
    >>> round(r.pvalue, 4), bool(r.effect_ci_lower > 0)  # one SE: p just below 0.05, interval just above 0
    (0.05, True)
    """
    check_option("kind", kind, ("proportion", "mean", "ratio"))
    check_option("adjustment", adjustment, ("lin", "pooled"))
    check_option("rel_ci", rel_ci, ("delta", "log", "fieller"))
    check_option("se", se, ("population", "sample"))
    fixed_xbar = se == "sample"
    cols = [numerator, *([denominator] if denominator else []), *covariates]
    c, t = control.select(cols), treatment.select(cols)
    if kind == "proportion":  # binomial variance p(1 - p)/n, as in the z test and Wald interval
        c, t = (Moments(m.n, m.names, m.mean, m.cov * ((m.n - 1) / m.n)) if m.n > 1 else m for m in (c, t))
    k = len(covariates)
    pooled = bool(pooled) and kind == "proportion" and not covariates
    method = _method_name(kind, k, adjustment) + (" (pooled variance)" if pooled else "")
    for arm, m in (("control", c), ("treatment", t)):
        if m.n == 0:
            return _empty(kind, c, t, f"{arm} arm is empty", alpha, rel_ci, method)
    c_obs, t_obs = _observed(c, denominator), _observed(t, denominator)
    for arm, m in (("control", c), ("treatment", t)):
        if m.n < 2:
            return _with_means(
                _empty(kind, c, t, f"fewer than 2 units in the {arm} arm", alpha, rel_ci, method), c_obs, t_obs
            )
        if denominator and not m.mean[1] > 0:
            return _with_means(
                _empty(kind, c, t, f"denominator averages {m.mean[1]:g} in the {arm} arm", alpha, rel_ci, method),
                c_obs,
                t_obs,
            )

    p = len(cols)
    ix = list(range(p - k, p))
    n_c, n_t = c.n, t.n
    w = {"c": n_c / (n_c + n_t), "t": n_t / (n_c + n_t)}
    arms = {"c": c, "t": t}
    g_ratio, s_xphi = {}, {}
    ratio = {}
    for a, m in arms.items():
        g = np.zeros(p)
        d = m.mean[1] if denominator else 1.0
        ratio[a] = m.mean[0] / d
        g[0] = 1.0 / d
        if denominator:
            g[1] = -m.mean[0] / d**2
        g_ratio[a] = g
        s_xphi[a] = m.cov[np.ix_(ix, range(p))] @ g if k else np.zeros(0)

    theta = {}
    if k:
        if adjustment == "pooled":
            sxx = (n_c - 1) * c.cov[np.ix_(ix, ix)] + (n_t - 1) * t.cov[np.ix_(ix, ix)]
            sxp = (n_c - 1) * s_xphi["c"] + (n_t - 1) * s_xphi["t"]
            theta["c"] = theta["t"] = np.linalg.pinv(sxx) @ sxp
        else:
            for a, m in arms.items():
                theta[a] = np.linalg.pinv(m.cov[np.ix_(ix, ix)]) @ s_xphi[a]
        xbar = w["c"] * c.mean[ix] + w["t"] * t.mean[ix]

    # est[a] and its gradient with respect to each arm's mean vector
    est, grad = {}, {}
    for a in arms:
        b = "t" if a == "c" else "c"
        ga, gb = g_ratio[a].copy(), np.zeros(p)
        value = ratio[a]
        if k:
            value -= float(theta[a] @ (arms[a].mean[ix] - xbar))
            if fixed_xbar:  # x̄ held fixed: only the arm's own covariate mean moves
                ga[ix] -= theta[a]
            else:
                ga[ix] -= theta[a] * (1 - w[a])
                gb[ix] += theta[a] * w[b]
        est[a] = value
        grad[a] = {a: ga, b: gb}

    def var(gc: np.ndarray, gt: np.ndarray, hc: np.ndarray | None = None, ht: np.ndarray | None = None) -> float:
        hc = gc if hc is None else hc
        ht = gt if ht is None else ht
        return float(gc @ c.cov @ hc / n_c + gt @ t.cov @ ht / n_t)

    g_eff_c, g_eff_t = grad["t"]["c"] - grad["c"]["c"], grad["t"]["t"] - grad["c"]["t"]
    v_eff = var(g_eff_c, g_eff_t)
    v_unadj = var(-g_ratio["c"], g_ratio["t"])
    v_c = var(grad["c"]["c"], grad["c"]["t"])
    v_t = var(grad["t"]["c"], grad["t"]["t"])
    cov_ct = var(grad["c"]["c"], grad["c"]["t"], grad["t"]["c"], grad["t"]["t"])
    effect = est["t"] - est["c"]
    scale = max(1.0, abs(est["c"]), abs(est["t"])) ** 2

    base = dict(
        kind=kind,
        n_control=n_c,
        n_treatment=n_t,
        control_mean=c_obs,
        treatment_mean=t_obs,
        control_adjusted=est["c"],
        treatment_adjusted=est["t"],
        var_control=v_c,
        var_treatment=v_t,
        cov=cov_ct,
        method=method,
        alpha=alpha,
        rel_ci=rel_ci,
    )
    if not (math.isfinite(v_eff) and v_eff > 1e-24 * scale):
        status = _zero_variance_status(kind, c_obs, t_obs)
        return Comparison(
            **base,
            effect_size=NAN,
            se=NAN,
            df=NAN,
            effect_ci_lower=NAN,
            effect_ci_upper=NAN,
            rel_effect_size=NAN,
            rel_se=NAN,
            rel_ci_lower=NAN,
            rel_ci_upper=NAN,
            statistic=NAN,
            pvalue=NAN,
            variance_reduction=NAN,
            status=status,
        )
    se = math.sqrt(v_eff)
    df = math.inf
    if kind == "mean":
        # Welch-Satterthwaite from each arm's own data contribution
        vc_part = float(g_eff_c @ c.cov @ g_eff_c / n_c)
        vt_part = float(g_eff_t @ t.cov @ g_eff_t / n_t)
        df = welch_df(vc_part, max(n_c - 1 - k, 1), vt_part, max(n_t - 1 - k, 1))
    q = _quantile(alpha, df)
    if pooled:  # one SE for the test and the interval: the pooled one, as proportions_ztest
        rate = (c_obs * n_c + t_obs * n_t) / (n_c + n_t)
        se = math.sqrt(rate * (1 - rate) * (1 / n_c + 1 / n_t))
    statistic = effect / se
    pvalue = two_sided_pvalue(statistic, df)
    statuses = []
    rel, rel_se, rel_lo, rel_hi = NAN, NAN, NAN, NAN
    if est["c"] == 0 or not math.isfinite(est["c"]):
        statuses.append("control mean is 0: relative effect undefined")
    else:
        rel = est["t"] / est["c"] - 1
        rel_se = math.sqrt(
            max(
                var(
                    grad["t"]["c"] / est["c"] - est["t"] * grad["c"]["c"] / est["c"] ** 2,
                    grad["t"]["t"] / est["c"] - est["t"] * grad["c"]["t"] / est["c"] ** 2,
                ),
                0.0,
            )
        )
        if rel_ci == "delta":
            rel_lo, rel_hi = rel - q * rel_se, rel + q * rel_se
        elif rel_ci == "log":
            if est["t"] > 0 and est["c"] > 0:
                se_log = math.sqrt(v_t / est["t"] ** 2 + v_c / est["c"] ** 2 - 2 * cov_ct / (est["t"] * est["c"]))
                log_r = math.log(est["t"] / est["c"])
                rel_lo, rel_hi = math.expm1(log_r - q * se_log), math.expm1(log_r + q * se_log)
            else:
                statuses.append("log-ratio interval needs positive arm means")
        else:
            rel_lo, rel_hi, note = fieller_interval(est["t"], est["c"], v_t, v_c, cov_ct, q)
            if note:
                statuses.append(note)
    return Comparison(
        **base,
        effect_size=effect,
        se=se,
        df=df,
        effect_ci_lower=effect - q * se,
        effect_ci_upper=effect + q * se,
        rel_effect_size=rel,
        rel_se=rel_se,
        rel_ci_lower=rel_lo,
        rel_ci_upper=rel_hi,
        statistic=statistic,
        pvalue=pvalue,
        variance_reduction=(1 - v_eff / v_unadj) if k and v_unadj > 0 else 0.0,
        status="; ".join(statuses) or "ok",
    )


def fieller_interval(t: float, c: float, v_t: float, v_c: float, v_tc: float, q: float) -> tuple[float, float, str]:
    """Fieller's interval for ``t / c - 1``: the ρ with ``(t - ρc)² <= q²(v_t - 2ρ v_tc + ρ² v_c)``.

    Bounded only when the control estimate is significantly non-zero (``c² > q² v_c``).
    """
    a = c * c - q * q * v_c
    b = t * c - q * q * v_tc
    cc = t * t - q * q * v_t
    disc = b * b - a * cc
    if a <= 0 or disc < 0:
        return NAN, NAN, "Fieller interval unbounded: control mean not distinguishable from 0"
    root = math.sqrt(disc)
    return (b - root) / a - 1, (b + root) / a - 1, ""


def _observed(m: Moments, denominator: str | None) -> float:
    if m.n == 0:
        return NAN
    return float(m.mean[0] / m.mean[1]) if denominator else float(m.mean[0])


def _with_means(cmp: Comparison, c: float, t: float) -> Comparison:
    values = {f: getattr(cmp, f) for f in Comparison.__dataclass_fields__}
    values.update(control_mean=c, treatment_mean=t)
    return Comparison(**values)


def _zero_variance_status(kind: str, c: float, t: float) -> str:
    if kind == "proportion" and c == 0 and t == 0:
        return "no conversions in either arm"
    if kind == "proportion" and c == 1 and t == 1:
        return "every unit converted in both arms"
    return "zero variance in both arms"


def _method_name(kind: str, k: int, adjustment: str) -> str:
    base = {"proportion": "two-proportion z", "mean": "Welch t", "ratio": "delta-method z"}[kind]
    if not k:
        return base
    adj = "Lin regression adjustment" if adjustment == "lin" else "CUPED (pooled slope)"
    return f"{base} + {adj} on {k} covariate{'s' if k > 1 else ''}"
