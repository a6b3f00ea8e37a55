"""Sample-ratio mismatch: is the traffic split the one that was planned?

A k-arm chi-square goodness-of-fit test of the observed units per variant against the
expected shares (equal when not given). A flagged SRM (p < 0.001, the industry threshold,
Fabijan et al. 2019) means assignment or logging is broken and no effect can be trusted, so
the readout shows a blocking warning above all effects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from journey.data.sources import DataLike, as_table
from journey.display.results import ResultMixin
from journey.display.text import percent
from journey.stats import dist
from journey.validation import input_error, quote_list, require_columns

SRM_THRESHOLD = 0.001


@dataclass(frozen=True, slots=True)
class SRMResult(ResultMixin):
    """Chi-square test of the split. ``counts`` / ``expected_share`` follow ``variants``;
    ``flagged`` is ``pvalue < threshold``."""

    caption = "Traffic split by variant"

    variants: tuple[str, ...]
    counts: tuple[int, ...]
    expected_share: tuple[float, ...]
    statistic: float
    df: int
    pvalue: float
    threshold: float = SRM_THRESHOLD

    @property
    def flagged(self) -> bool:
        return bool(self.pvalue < self.threshold)

    @property
    def n_obs(self) -> int:
        return int(sum(self.counts))

    def to_frame(self) -> pd.DataFrame:
        n = max(self.n_obs, 1)
        return pd.DataFrame(
            {
                "variant": list(self.variants),
                "users": list(self.counts),
                "observed_share": [c / n for c in self.counts],
                "expected_share": list(self.expected_share),
            }
        )

    def sentence(self) -> str:
        """One plain sentence for the readout."""
        shares = ", ".join(
            f"{v} {percent(c / max(self.n_obs, 1))}" for v, c in zip(self.variants, self.counts, strict=True)
        )
        if self.flagged:
            return (
                f"Sample ratio mismatch: the split ({shares}) is not the planned one (chi-square p = "
                f"{self.pvalue:.2g} < {self.threshold}); assignment or logging is broken, so the effects "
                "below cannot be trusted."
            )
        return f"The traffic split ({shares}) matches the plan (SRM check p = {self.pvalue:.2g})."


def srm_from_counts(
    counts: Mapping[str, int], expected: Mapping[str, float] | Sequence[float] | None = None
) -> SRMResult:
    """SRM from counts per variant. ``expected``: shares (any positive weights) by variant, a
    list in the order of ``counts``, or ``None`` for an equal split. Matches
    ``scipy.stats.chisquare(counts, f_exp=n * shares)``."""
    variants = list(counts)
    if expected is None:
        weights = np.ones(len(variants))
    elif isinstance(expected, Mapping):
        unknown = [v for v in variants if v not in expected]
        if unknown:
            raise input_error(
                "srm",
                f"variant(s) {quote_list(unknown)} in the data but not in expected",
                f"expected shares for {quote_list(variants)}",
            )
        variants = list(expected)
        weights = np.array([float(expected[v]) for v in variants])
    else:
        weights = np.asarray(list(expected), float)
        if weights.size != len(variants):
            raise input_error(
                "srm", f"{weights.size} expected shares for {len(variants)} variants", "one share per variant"
            )
    if len(variants) < 2:
        raise input_error("srm", f"only one variant ({quote_list(variants)})", "at least two variants")
    if np.any(~(weights > 0)):
        raise input_error("srm", f"expected shares {weights.tolist()}", "positive shares")
    observed = np.array([int(counts.get(v, 0)) for v in variants], float)
    shares = weights / weights.sum()
    n = observed.sum()
    if n == 0:
        return SRMResult(
            tuple(variants), tuple(int(o) for o in observed), tuple(shares), np.nan, len(variants) - 1, np.nan
        )
    exp = n * shares
    chi2 = float(np.sum((observed - exp) ** 2 / exp))
    pvalue = dist.chi2_sf(chi2, len(variants) - 1)
    return SRMResult(
        tuple(variants),
        tuple(int(o) for o in observed),
        tuple(float(s) for s in shares),
        chi2,
        len(variants) - 1,
        pvalue,
    )


def srm(
    data: DataLike,
    variant: str = "variant",
    expected: Mapping[str, float] | Sequence[float] | None = None,
    *,
    experiment: str | None = None,
) -> SRMResult:
    """Chi-square SRM check on a per-unit table (counts computed in the engine).

    ``data`` may also be a source; its ``assignments`` table is then used, filtered to
    ``experiment`` (required there, since that table holds every experiment).
    """
    table = as_table(data, "assignments")
    require_columns(table.columns, [variant], "srm data")
    if experiment is not None:
        require_columns(table.columns, ["experiment"], "srm data")
        table = table.filter(table.experiment == experiment)
    elif "experiment" in table.columns and table.experiment.nunique().execute() > 1:
        raise input_error("srm", "the table holds several experiments", "experiment='<name>'")
    frame = table.group_by(variant).aggregate(n=table.count()).execute()
    counts = {str(v): int(n) for v, n in zip(frame[variant], frame["n"], strict=True)}
    counts = dict(sorted(counts.items()))
    return srm_from_counts(counts, expected)
