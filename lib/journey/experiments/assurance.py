"""Success probability of a planned test, from the history of past tests (Bayesian assurance).

A planned test estimates the relative effect ``theta`` of its first primary metric with standard
error ``sigma = sqrt(2 cv2 / n)`` (``n`` users per arm; ``cv2`` the metric's squared coefficient of
variation per user: ``(1 - p) / p`` for a conversion rate ``p``, ``(std / mean)^2`` for a mean). It
ends **significant and positive** when ``theta_hat / sigma > z`` with ``z = z_{1 - alpha/2}`` (the
house's two-sided test at its final look). Under a correction ``alpha`` is the level the readout's
family of ``m`` tests (treatment arms × primary and secondary metrics, as
:func:`journey.experiments.analyze.analyze` adjusts them) asks of its smallest p-value:
:func:`journey.stats.multiple.first_step_alpha`, ``alpha / m`` (``alpha / (m Σ 1/i)`` for BY).
Its power at ``theta`` is ``Phi(theta / sigma - z)``.

The history gives the prior of a new test's true effect: ``theta ~ N(mu, tau^2 + SE(mu)^2)`` (the
portfolio's random-effects prior, widened by the uncertainty of ``mu``: the predictive
distribution of one more test). Integrating power over it (O'Hagan, Stevens and Campbell 2005):

* **assurance** ``P(significant positive) = Phi((mu - z sigma) / S)`` with ``S^2 = sigma^2 + t^2``
  (``t^2`` the prior variance), because ``theta_hat ~ N(mu, S^2)`` marginally;
* **expected shipped lift** ``E[theta · 1{significant positive}] = mu Phi(d) + (t^2 / S) phi(d)``,
  ``d = (mu - z sigma) / S`` (``theta`` and ``theta_hat`` are jointly normal with covariance
  ``t^2``): the relative lift the test is expected to deliver, counting 0 when it does not ship.
  Divided by the assurance it is the expected true lift of a shipped result (below the lift
  the readout will show: the winners' curse).

:func:`planned_tests` tabulates both for the playbooks in ``playbooks/experiments/`` that have not
started (notebook 90 and ``journey experiment new`` call it).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd

from journey.display.results import ResultMixin
from journey.display.text import percent
from journey.experiments.portfolio import Portfolio
from journey.experiments.power import sample_size
from journey.experiments.spec import ExperimentSpec, list_specs, load_spec
from journey.stats import dist
from journey.stats.multiple import first_step_alpha
from journey.validation import input_error


@dataclass(frozen=True, slots=True)
class Assurance:
    """One planned test's chance of ending significant and positive, and its expected shipped lift.

    ``rel_se`` is the planned standard error of the relative effect; ``power_at_mde`` the
    classical power at the playbook's ``mde`` (for comparison); ``prior_mu`` / ``prior_sd`` the
    prior used. ``status`` is ``"ok"`` or says why the numbers are NaN.
    """

    users_per_arm: int
    rel_se: float
    alpha: float
    prior_mu: float
    prior_sd: float
    assurance: float
    rel_expected_lift: float
    rel_lift_if_shipped: float
    power_at_mde: float
    status: str = "ok"

    def sentence(self) -> str:
        if self.status != "ok":
            return f"No success probability: {self.status}."
        return (
            f"Chance to end significant and positive: {percent(self.assurance, 0)}; expected shipped lift "
            f"{percent(self.rel_expected_lift, 2, signed=True)} (relative; "
            f"{percent(self.rel_lift_if_shipped, 1, signed=True)} if it ships)."
        )


def relative_se(users_per_arm: float, cv2: float) -> float:
    """Standard error of the relative effect of two equal arms at no effect: ``sqrt(2 cv2 / n)``."""
    return math.sqrt(2 * cv2 / users_per_arm)


def proportion_cv2(baseline: float) -> float:
    """Squared coefficient of variation of a 0/1 outcome with rate ``baseline``: ``(1 - p) / p``."""
    if not 0 < baseline < 1:
        raise input_error("baseline", f"{baseline!r} is not a rate", "a conversion rate between 0 and 1")
    return (1 - baseline) / baseline


def assurance(
    mu: float,
    prior_sd: float,
    users_per_arm: float,
    cv2: float,
    alpha: float = 0.05,
    mde: float | None = None,
) -> Assurance:
    """Assurance and expected shipped lift for prior ``N(mu, prior_sd^2)`` (module doc).

    >>> a = assurance(0.0, 0.05, users_per_arm=10_000, cv2=(1 - 0.05) / 0.05)  # sigma 6.2%
    >>> round(a.assurance, 4), round(a.rel_expected_lift, 5)
    (0.064, 0.00394)
    """
    if not users_per_arm > 0 or not cv2 > 0:
        raise input_error("planned test", f"users per arm {users_per_arm!r}, cv2 {cv2!r}", "positive numbers")
    sigma = relative_se(users_per_arm, cv2)
    z = dist.norm_isf(alpha / 2)
    power = dist.norm_sf(z - mde / sigma) if mde else math.nan
    if not (math.isfinite(mu) and math.isfinite(prior_sd)):
        nan = math.nan
        return Assurance(int(users_per_arm), sigma, alpha, mu, prior_sd, nan, nan, nan, power, "no prior")
    s = math.sqrt(sigma**2 + prior_sd**2)
    d = (mu - z * sigma) / s
    prob = dist.norm_sf(-d)
    value = mu * prob + prior_sd**2 / s * dist.norm_pdf(d)
    if_shipped = value / prob if prob > 0 else math.nan
    return Assurance(int(users_per_arm), sigma, alpha, mu, prior_sd, prob, value, if_shipped, power)


def prior_of(portfolio: Portfolio) -> tuple[float, float]:
    """The predictive prior of one more test's true effect: ``(mu, sqrt(tau^2 + SE(mu)^2))``."""
    p = portfolio.prior
    if portfolio.status != "ok":
        return math.nan, math.nan
    return p.mu, math.sqrt(p.tau2 + p.mu_se**2)


def spec_assurance(spec: ExperimentSpec, portfolio: Portfolio) -> Assurance:
    """Assurance of a playbook's first primary metric at its planned users per arm (see the module doc)."""
    first = spec.metrics.primary[0]
    n = spec.sample_size_per_arm
    if first.kind == "proportion" and spec.baseline is not None:
        cv2 = proportion_cv2(spec.baseline)
        n = n or sample_size("proportion", baseline=spec.baseline, mde=spec.mde, alpha=spec.alpha, power=spec.power)
    elif first.kind == "mean" and spec.baseline and spec.std:
        cv2 = (spec.std / spec.baseline) ** 2
        n = n or sample_size(
            "mean", baseline=spec.baseline, mde=spec.mde, std=spec.std, alpha=spec.alpha, power=spec.power
        )
    else:
        nan = math.nan
        why = "the playbook gives no baseline (and std for a mean) for its first primary metric"
        return Assurance(n or 0, nan, spec.alpha, nan, nan, nan, nan, nan, nan, why)
    family = (len(spec.variants) - 1) * (len(spec.metrics.primary) + len(spec.metrics.secondary))
    mu, sd = prior_of(portfolio)
    alpha = first_step_alpha(family, spec.alpha, spec.correction)
    result = assurance(mu, sd, n, cv2, alpha=alpha, mde=spec.mde)
    if portfolio.status != "ok":
        return Assurance(*[getattr(result, f) for f in Assurance.__slots__[:-1]], portfolio.status)
    return result


@dataclass(frozen=True, slots=True)
class PlannedTests(ResultMixin):
    """Planned tests (playbooks that start after ``as_of``) with their chance of success."""

    frame: pd.DataFrame
    as_of: dt.date
    caption: ClassVar[str] = "Planned tests: chance of success from past experiments"

    def display_units(self) -> dict[str, str]:
        return {"assurance": "percent", "power_at_mde": "percent"}

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()


def planned_tests(
    portfolio: Portfolio, as_of: dt.date | str | None = None, directory: Path | None = None
) -> PlannedTests:
    """One row per experiment playbook in ``directory`` (default ``playbooks/experiments``) whose
    ``start_date`` is after ``as_of`` (default today, UTC): ``experiment``, ``start_date``,
    ``metric`` (first primary), ``users_per_arm``, ``rel_mde`` with ``power_at_mde``, ``assurance``
    (probability of ending significant and positive under the portfolio's prior),
    ``rel_expected_lift`` (expected relative lift delivered, 0 if not shipped), ``rel_lift_if_shipped``
    and ``status``. Notebook 90 shows it for the planned tests of the week.
    """
    day = dt.date.fromisoformat(str(as_of)) if as_of else dt.datetime.now(dt.UTC).date()
    rows = []
    for name in list_specs(directory):
        spec = load_spec(name, directory)
        if spec.start_date <= day:
            continue
        a = spec_assurance(spec, portfolio)
        rows.append(
            {
                "experiment": spec.name,
                "start_date": spec.start_date,
                "metric": spec.metrics.primary[0].name,
                "users_per_arm": a.users_per_arm,
                "rel_mde": spec.mde,
                "power_at_mde": a.power_at_mde,
                "assurance": a.assurance,
                "rel_expected_lift": a.rel_expected_lift,
                "rel_lift_if_shipped": a.rel_lift_if_shipped,
                "status": a.status,
            }
        )
    columns = [
        "experiment", "start_date", "metric", "users_per_arm", "rel_mde", "power_at_mde", "assurance",
        "rel_expected_lift", "rel_lift_if_shipped", "status",
    ]  # fmt: skip
    return PlannedTests(pd.DataFrame(rows, columns=columns), day)
