"""Maximum likelihood on log-parameters with analytic gradients, shared by the CLV models.

Every model here (BG/NBD, Gamma-Gamma, shifted-beta-geometric) has strictly positive
parameters and a closed-form log-likelihood with a closed-form gradient. Optimizing on
``log θ`` keeps the parameters positive without a constraint; L-BFGS-B's box on the log
scale (``LOG_BOUNDS``) stops a flat likelihood from walking to infinity, and a solution that
ends on that box is reported, never returned as if it were an estimate. Standard errors come
from the observed information: the Hessian of the negative log-likelihood on the log scale
(central differences of the analytic gradient), mapped back with the delta method
``se(θ) = θ · se(log θ)`` (exact at the optimum, where the gradient vanishes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from journey.display.results import ResultMixin

LOG_BOUNDS = (math.log(1e-8), math.log(1e8))
ON_BOUND = 1e-3  # a log-parameter this close to a bound is "on the bound"
GRADIENT_TOLERANCE = 1e-7  # |∂LL/∂log θ| relative to |LL| that counts as a stationary point

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]
"""Maps natural parameters to (log-likelihood, gradient of the log-likelihood)."""


@dataclass(frozen=True, slots=True)
class Fit(ResultMixin):
    """A maximum-likelihood fit: ``params`` and ``standard_errors`` (pandas Series by name),
    the full ``log_likelihood`` at the estimate, ``n_obs`` (customers or cohort members),
    ``iterations``, ``converged`` and ``status`` (``"ok"`` or what is wrong with the fit)."""

    model: str
    params: pd.Series
    standard_errors: pd.Series
    log_likelihood: float
    n_obs: int
    iterations: int
    converged: bool
    status: str

    def report_caption(self) -> str:
        return f"{self.model}: maximum-likelihood estimates with 95% intervals (status: {self.status})"

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: estimate, standard error and a 95% Wald interval on the log scale."""
        est = self.params.to_numpy(float)
        se = self.standard_errors.to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            half = 1.959963984540054 * se / est
        return pd.DataFrame(
            {
                "param": self.params.index,
                "estimate": est,
                "se": se,
                "estimate_ci_lower": est * np.exp(-half),
                "estimate_ci_upper": est * np.exp(half),
            }
        )


class FittedModel:
    """What every CLV model shares once fitted: ``params``, ``standard_errors``, ``log_likelihood``,
    ``status`` and ``result`` (the frozen :class:`Fit`, which renders as a table).

    A model is built unfitted (``BetaGeo()``, then ``fit``) or from known parameters
    (``BetaGeo(r=..., ...)``) to predict without fitting; ``fit`` returns the model itself, so
    ``BetaGeo().fit(summary)`` reads as in lifetimes.
    """

    NAMES: tuple[str, ...] = ()
    LABEL = "model"

    def __init__(self, *values: float | None) -> None:
        self.result: Fit | None = None
        self._params = (
            None if any(v is None for v in values) else pd.Series(values, index=list(self.NAMES), dtype=float)
        )

    def _store(self, result: Fit) -> None:
        self.result = result
        self._params = result.params

    @property
    def params(self) -> pd.Series:
        if self._params is None:
            names = ", ".join(self.NAMES)
            raise ValueError(f"{type(self).__name__}: not fitted yet; call fit(...) or pass {names}")
        return self._params

    @property
    def standard_errors(self) -> pd.Series:
        return self._fitted().standard_errors

    @property
    def log_likelihood(self) -> float:
        return self._fitted().log_likelihood

    @property
    def status(self) -> str:
        return self._fitted().status

    def _fitted(self) -> Fit:
        if self.result is None:
            raise ValueError(f"{type(self).__name__}: not fitted yet; call fit(...)")
        return self.result

    def _repr_html_(self) -> str:
        return self._fitted()._repr_html_()

    def __repr__(self) -> str:
        if self._params is None:
            return f"{type(self).__name__}(unfitted)"
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v:.4g}" for k, v in self._params.items()) + ")"


def fit_log_params(
    model: str,
    names: Sequence[str],
    objective: Objective,
    start: Sequence[float],
    n_obs: int,
) -> Fit:
    """Maximize ``objective`` over positive parameters, starting at ``start``.

    On the log scale a parameter's unit is only an offset, so no rescaling of time or money
    is needed for the optimizer to be well conditioned.
    """

    def negative(log_theta: np.ndarray) -> tuple[float, np.ndarray]:
        theta = np.exp(log_theta)
        ll, grad = objective(theta)
        if not np.isfinite(ll):
            return 1e300, np.zeros_like(theta)
        return -ll, -grad * theta

    x0 = np.log(np.asarray(start, dtype=float))
    res = optimize.minimize(
        negative,
        x0,
        jac=True,
        method="L-BFGS-B",
        bounds=[LOG_BOUNDS] * len(x0),
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
    )
    log_theta = res.x
    theta = np.exp(log_theta)
    ll, _ = objective(theta)
    status = "ok"
    on_bound = [
        n for n, v in zip(names, log_theta, strict=True) if min(v - LOG_BOUNDS[0], LOG_BOUNDS[1] - v) < ON_BOUND
    ]
    # L-BFGS-B stops "abnormally" when rounding noise defeats its line search at the optimum;
    # a gradient that is zero to within that noise is convergence all the same.
    gradient = float(np.max(np.abs(res.jac))) if len(res.jac) else 0.0
    if not res.success and gradient > GRADIENT_TOLERANCE * max(1.0, abs(float(res.fun))):
        status = f"did not converge: {res.message} (largest gradient {gradient:.3g})"
    elif on_bound:
        status = f"parameter {', '.join(on_bound)} at the optimizer's bound (the data do not identify it)"
    elif not math.isfinite(ll):
        status = "log-likelihood is not finite at the estimate"
    se_log = _log_scale_standard_errors(negative, log_theta) if status == "ok" else np.full(len(theta), np.nan)
    return Fit(
        model=model,
        params=pd.Series(theta, index=list(names), dtype=float),
        standard_errors=pd.Series(theta * se_log, index=list(names), dtype=float),
        log_likelihood=float(ll),
        n_obs=int(n_obs),
        iterations=int(res.nit),
        converged=not status.startswith("did not converge"),
        status=status,
    )


def _log_scale_standard_errors(negative: Callable, log_theta: np.ndarray) -> np.ndarray:
    """sqrt(diag(H⁻¹)) of the negative log-likelihood's Hessian in log-parameters.

    The Hessian is central differences of the analytic gradient (step 1e-5 on the log
    scale: relative 1e-5 in each parameter), symmetrized. A Hessian that is not positive
    definite (a ridge in the likelihood) gives NaN rather than a misleading number.
    """
    k = len(log_theta)
    hess = np.empty((k, k))
    h = 1e-5
    for j in range(k):
        step = np.zeros(k)
        step[j] = h
        hess[:, j] = (negative(log_theta + step)[1] - negative(log_theta - step)[1]) / (2 * h)
    hess = (hess + hess.T) / 2
    try:
        chol = np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        return np.full(k, np.nan)
    inv = np.linalg.inv(chol)
    return np.sqrt(np.sum(inv**2, axis=0))
