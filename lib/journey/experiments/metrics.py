"""What to measure: metric definitions shared by analysis, power and playbooks.

A metric names columns of a per-unit table (one row per randomization unit). ``Proportion``
and ``Mean`` average one column; ``Ratio`` divides two per-unit sums (orders per session)
and is analysed per randomization unit with the delta method, never per session, because
sessions of one user are not independent (Deng, Knoblich & Lu 2018).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from journey.validation import input_error

Role = Literal["primary", "secondary", "guardrail"]
ROLES = ("primary", "secondary", "guardrail")


def _winsor_bounds(winsorize: float | tuple[float, float] | None, where: str) -> tuple[float, float] | None:
    """``0.99`` means clip at the pooled 1st and 99th percentiles; a pair gives both explicitly."""
    if winsorize is None:
        return None
    if isinstance(winsorize, (int, float)):
        q = float(winsorize)
        if not 0.5 < q < 1:
            raise input_error(where, f"winsorize={winsorize!r}", "a percentile in (0.5, 1), e.g. 0.99")
        return (1.0 - q, q)
    lo, hi = (float(v) for v in winsorize)
    if not 0 <= lo < hi <= 1:
        raise input_error(where, f"winsorize={winsorize!r}", "a pair 0 <= lower < upper <= 1")
    return (lo, hi)


@dataclass(frozen=True, slots=True)
class _Metric:
    """Shared fields. ``covariates`` are pre-exposure columns for CUPED / regression adjustment;
    ``role`` puts the metric in the multiple-testing family (primary, secondary) or out of it
    (guardrail, tested for non-inferiority with the relative ``margin``)."""

    column: str
    covariates: Sequence[str] = ()
    name: str | None = None
    role: Role = "primary"
    higher_is_better: bool = True
    margin: float | None = None
    winsorize: float | tuple[float, float] | None = None
    _bounds: tuple[float, float] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"metric {self.label!r}"
        object.__setattr__(self, "covariates", tuple(self.covariates))
        if self.role not in ROLES:
            raise input_error(where, f"unknown role {self.role!r}", "one of 'guardrail', 'primary', 'secondary'")
        if self.role == "guardrail" and (self.margin is None or not self.margin > 0):
            raise input_error(where, f"guardrail margin {self.margin!r}", "a positive relative margin, e.g. 0.02")
        object.__setattr__(self, "_bounds", _winsor_bounds(self.winsorize, where))

    @property
    def label(self) -> str:
        return self.name or self.column

    @property
    def kind(self) -> str:
        return type(self).__name__.lower()

    @property
    def denominator(self) -> str | None:
        return None

    @property
    def columns(self) -> tuple[str, ...]:
        """Per-unit columns this metric reads (numerator, denominator, covariates)."""
        den = (self.denominator,) if self.denominator else ()
        return (self.column, *den, *self.covariates)


@dataclass(frozen=True, slots=True)
class Proportion(_Metric):
    """Share of units with a 0/1 outcome (converted). Unadjusted: two-proportion z test."""

    def __post_init__(self) -> None:
        _Metric.__post_init__(self)
        if self._bounds is not None:
            raise input_error(f"metric {self.label!r}", "winsorize is set on a proportion", "no winsorizing of 0/1")


@dataclass(frozen=True, slots=True)
class Mean(_Metric):
    """Mean per unit of a numeric column (revenue per user). Unadjusted: Welch t test."""


@dataclass(frozen=True, slots=True)
class Ratio(_Metric):
    """``sum(numerator) / sum(denominator)`` over units, e.g. orders per session.

    ``Ratio("orders", "sessions")``: the first argument is the numerator column, the second
    the denominator column; both are per-unit totals. Winsorizing clips the numerator.
    """

    den: str = ""

    def __init__(
        self,
        numerator: str,
        denominator: str,
        covariates: Sequence[str] = (),
        name: str | None = None,
        role: Role = "primary",
        higher_is_better: bool = True,
        margin: float | None = None,
        winsorize: float | tuple[float, float] | None = None,
    ) -> None:
        object.__setattr__(self, "column", numerator)
        object.__setattr__(self, "den", denominator)
        object.__setattr__(self, "covariates", covariates)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "role", role)
        object.__setattr__(self, "higher_is_better", higher_is_better)
        object.__setattr__(self, "margin", margin)
        object.__setattr__(self, "winsorize", winsorize)
        _Metric.__post_init__(self)
        if not denominator:
            raise input_error(f"metric {self.label!r}", "empty denominator", "a denominator column name")

    @property
    def label(self) -> str:
        return self.name or f"{self.column}/{self.den}"

    @property
    def denominator(self) -> str | None:
        return self.den


Metric = Proportion | Mean | Ratio
