"""``analyze``: every metric × non-control variant of an experiment in one engine scan.

The engine reduces the per-unit table to :class:`~journey.experiments.stats.Moments` per
variant (one ``GROUP BY variant`` query, plus one for pooled winsorizing percentiles when
asked); the rest works on those few numbers: the two-arm comparisons
(:mod:`~journey.experiments.estimators`), Bayesian chance to win (:mod:`~journey.experiments.bayes`),
multiple-testing adjustment over primary and secondary metrics (:mod:`~journey.stats.multiple`),
non-inferiority tests for guardrails (outside the family) and the SRM check from the same counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import ibis
import pandas as pd

from journey.data.sources import DataLike, as_table, is_file
from journey.display.results import ResultMixin, display_frame
from journey.experiments import bayes
from journey.experiments.estimators import Adjustment, Comparison, RelCI, StandardError, compare
from journey.experiments.metrics import Mean, Proportion, Ratio
from journey.experiments.srm import SRMResult, srm_from_counts
from journey.experiments.stats import Moments, pooled_quantiles, reduce_moments
from journey.stats import dist
from journey.stats.multiple import Correction, adjust_pvalues, adjusted_alpha
from journey.validation import check_level, check_option, input_error, quote_list, require_columns

FRAME_COLUMNS = (
    "metric", "variant", "n_control", "n_treatment", "control_mean", "treatment_mean", "effect_size",
    "effect_ci_lower", "effect_ci_upper", "rel_effect_size", "rel_ci_lower", "rel_ci_upper", "pvalue",
    "pvalue_adjusted", "chance_to_win", "variance_reduction", "status",
)  # fmt: skip
# What a report shows of those (to_frame() keeps them all): seventeen columns scroll sideways, and a reader
# decides on the relative effect, its interval, the adjusted p-value and the chance to win. Absolute effects
# and unadjusted p-values stay in to_frame() and details_frame().
SHOWN_COLUMNS = (
    "metric", "variant", "control_mean", "treatment_mean", "rel_effect_size", "rel_ci_lower", "rel_ci_upper",
    "pvalue_adjusted", "chance_to_win", "variance_reduction", "status",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MetricResult:
    """One metric × treatment variant. ``pvalue`` is two-sided superiority for primary and
    secondary metrics and one-sided non-inferiority (``H0: worse by at least margin``) for
    guardrails; ``pvalue_adjusted`` applies the result's correction (guardrails: unadjusted).
    ``effect_adj_ci_*`` / ``rel_adj_ci_*`` are intervals at the multiplicity-adjusted level.
    ``expected_loss`` is relative to the control value (0.02 = 2% of it) for every metric, so one
    column compares: the beta-binomial's loss in conversion rate is divided by the control rate."""

    metric: str
    variant: str
    kind: str
    role: str
    test: str
    margin: float
    higher_is_better: bool
    comparison: Comparison
    pvalue: float
    pvalue_adjusted: float
    chance_to_win: float
    expected_loss: float
    effect_adj_ci_lower: float
    effect_adj_ci_upper: float
    rel_adj_ci_lower: float
    rel_adj_ci_upper: float

    def __getattr__(self, name: str):  # comparison fields read through (n_control, effect_size, ...)
        return getattr(object.__getattribute__(self, "comparison"), name)

    def record(self) -> dict:
        out = {f.name: getattr(self.comparison, f.name) for f in fields(Comparison)}
        out.update({f.name: getattr(self, f.name) for f in fields(self) if f.name != "comparison"})
        return out

    @property
    def significant(self) -> bool:
        return bool(self.pvalue_adjusted < self.comparison.alpha)

    @property
    def better(self) -> bool:
        """Effect in the good direction (sign only)."""
        e = self.comparison.effect_size
        return bool(e > 0) if self.higher_is_better else bool(e < 0)


@dataclass(frozen=True, slots=True)
class ExperimentResult(ResultMixin):
    """All comparisons of one analysis, with the choices that produced them and the SRM check."""

    caption = "Effects by metric and variant"

    rows: tuple[MetricResult, ...]
    control: str
    variants: tuple[str, ...]
    alpha: float
    correction: str
    adjustment: str
    rel_ci: str
    prior_std: float
    srm: SRMResult
    moments: Mapping[str, Moments] = field(default_factory=dict, repr=False)
    pooled: bool = False

    def to_frame(self) -> pd.DataFrame:
        """One row per metric × non-control variant, with exactly the public columns."""
        records = [r.record() for r in self.rows]
        return pd.DataFrame(records, columns=list(FRAME_COLUMNS))

    def _shown(self) -> pd.DataFrame:
        return display_frame(self.to_frame()[list(SHOWN_COLUMNS)])

    def details_frame(self) -> pd.DataFrame:
        """Every field (standard errors, method, adjusted intervals, guardrail tests ...)."""
        return pd.DataFrame([r.record() for r in self.rows])

    def get(self, metric: str, variant: str | None = None) -> MetricResult:
        for r in self.rows:
            if r.metric == metric and (variant is None or r.variant == variant):
                return r
        raise input_error(
            "result",
            f"no row for metric {metric!r} variant {variant!r}",
            f"metrics {quote_list({r.metric for r in self.rows})}",
        )


def analyze(
    data: DataLike,
    variant: str = "variant",
    control: str = "control",
    metrics: Sequence[Proportion | Mean | Ratio] = (),
    alpha: float = 0.05,
    correction: Correction = "holm",
    *,
    experiment: str | None = None,
    variants: Sequence[str] | None = None,
    expected: Mapping[str, float] | Sequence[float] | None = None,
    unit: str | None = None,
    adjustment: Adjustment = "lin",
    rel_ci: RelCI = "delta",
    prior_std: float = 0.3,
    pooled: bool = False,
    se: StandardError = "population",
) -> ExperimentResult:
    """Analyse an experiment from a per-unit table.

    ``data``: an ibis table, a DataFrame or a parquet/CSV file (read in DuckDB, never loaded)
    with one row per randomization unit (or many rows per
    unit with ``unit=`` naming the unit column: metric columns are summed per unit, 0/1 and
    covariate columns take their maximum), or a source plus ``experiment=`` (the per-user
    table is then built by :func:`journey.experiments.data.analysis_table`).
    ``variants``: arms expected in the data (a missing one gives NaN rows with a status);
    ``expected``: planned split for the SRM check (equal when ``None``).
    ``pooled``: proportions without covariates test and draw their interval with the pooled
    standard error (``proportions_ztest``); by default both use the unpooled one, so a p-value
    below ``alpha`` always comes with an interval that excludes 0.
    ``se``: with covariates, ``"population"`` counts the variance of the pooled covariate mean,
    ``"sample"`` holds it fixed (the HC2 target; :mod:`~journey.experiments.estimators`).
    Metric, denominator and covariate columns must be numeric without NULLs.

    >>> from journey import experiments as ab
    >>> from journey.datasets.experiments import make_experiment
    >>> res = ab.analyze(make_experiment(users=4_000, seed=1, lift=0.3), metrics=[ab.Proportion("converted")])
    >>> row = res.get("converted")
    >>> row.variant, row.n_control + row.n_treatment
    ('treatment', 4000)
    >>> bool(row.pvalue < 0.05) == bool(row.effect_ci_lower > 0 or row.effect_ci_upper < 0)
    True
    """
    control = str(control)
    variants = None if variants is None else [str(v) for v in variants]
    check_option("correction", correction, ("holm", "bh", "by", "bonferroni", "none"))
    check_option("adjustment", adjustment, ("lin", "pooled"))
    check_option("rel_ci", rel_ci, ("delta", "log", "fieller"))
    check_level(alpha)
    metrics = list(metrics)
    if not metrics:
        raise input_error("metrics", "is empty", "at least one Proportion, Mean or Ratio")
    for m in metrics:
        if not isinstance(m, (Proportion, Mean, Ratio)):
            raise input_error("metrics", f"{m!r} is not a metric", "ab.Proportion, ab.Mean or ab.Ratio objects")
    if experiment is not None:
        from journey.experiments.data import analysis_table

        table = analysis_table(data, experiment)
    elif isinstance(data, (ibis.Table, pd.DataFrame)) or is_file(data):
        table = as_table(data)
    else:
        raise input_error(
            "analyze",
            "a data source was given without an experiment name",
            "an ibis table, a DataFrame, a parquet/CSV file, or a source plus experiment='<name>'",
        )
    needed = [variant, *((unit and [unit]) or []), *[c for m in metrics for c in m.columns]]
    require_columns(table.columns, list(dict.fromkeys(needed)), "experiment data")
    if unit:
        table = _per_unit(table, unit, variant, metrics)
    table, cols = _winsorized(table, metrics)
    names, pairs, ranges = _plan(metrics, cols)
    checks, moments = reduce_moments(table, variant, names, pairs=pairs, minimum=ranges[1], binary=ranges[0])
    _validate(checks, metrics, cols, variant)
    present = sorted(k[0] for k in moments)
    arms = list(variants) if variants is not None else present
    if control not in arms:
        raise input_error(
            f"control {control!r}", "not in the data", f"one of the variants present: {quote_list(present)}"
        )
    extra = [v for v in present if v not in arms]
    if extra:
        raise input_error("variants", f"{quote_list(extra)} in the data but not listed", f"only {quote_list(arms)}")
    if len(arms) < 2:
        raise input_error(
            f"column {variant!r}", f"has a single variant ({quote_list(arms)})", "a control and at least one treatment"
        )
    empty = Moments(0, names, [math.nan] * len(names), [[math.nan] * len(names)] * len(names))
    by_arm = {a: moments.get((a,), empty) for a in arms}
    srm = srm_from_counts({a: by_arm[a].n for a in arms}, expected)

    rows = []
    for m in metrics:
        num, den, covs = cols[m.label]
        for arm in arms:
            if arm == control:
                continue
            cmp = compare(
                by_arm[control],
                by_arm[arm],
                num,
                den,
                covs,
                kind=m.kind,
                alpha=alpha,
                adjustment=adjustment,
                rel_ci=rel_ci,
                pooled=pooled,
                se=se,
            )
            rows.append(_metric_row(m, arm, cmp, prior_std))
    rows = _adjust(rows, alpha, correction)
    return ExperimentResult(
        tuple(rows), control, tuple(arms), alpha, correction, adjustment, rel_ci, prior_std, srm, by_arm, pooled
    )


def _per_unit(table: ibis.Table, unit: str, variant: str, metrics: Sequence) -> ibis.Table:
    """Collapse several rows per unit to one (a ratio is analysed per randomization unit)."""
    mixed = table.group_by(unit).aggregate(k=table[variant].nunique()).k.max().execute()
    if mixed is not None and mixed > 1:
        raise input_error(f"column {unit!r}", "some units appear in more than one variant", "one variant per unit")
    aggs = {}
    for m in metrics:
        for c in m.columns:
            is_sum = c in (m.column, m.denominator) and not isinstance(m, Proportion)
            aggs[c] = table[c].sum() if is_sum else table[c].max()
    return table.group_by([unit, variant]).aggregate(**aggs)


def _winsorized(table: ibis.Table, metrics: Sequence) -> tuple[ibis.Table, dict[str, tuple]]:
    """Add clipped copies of winsorized columns (pooled percentiles, both tails)."""
    bounds = {}
    cols = {}
    for m in metrics:
        num = m.column
        if m._bounds is not None:
            lo, hi = m._bounds
            num = f"{m.column}__w{lo:g}_{hi:g}"
            bounds[num] = (m.column, m._bounds)
        cols[m.label] = (num, m.denominator, tuple(m.covariates))
    if bounds:
        qs = pooled_quantiles(table, bounds)
        table = table.mutate(
            **{
                name: table[src].cast("float64").clip(lower=qs[name][0], upper=qs[name][1])
                for name, (src, _) in bounds.items()
            }
        )
    labels = [m.label for m in metrics]
    dup = {x for x in labels if labels.count(x) > 1}
    if dup:
        raise input_error("metrics", f"duplicate metric name(s) {quote_list(dup)}", "unique names (use name=...)")
    return table, {k: (v[0], v[1], v[2]) for k, v in cols.items()}


def _plan(metrics: Sequence, cols: Mapping) -> tuple[tuple[str, ...], set, tuple[list[str], list[str]]]:
    """Columns to reduce, the covariances each metric needs, and the columns checked to be
    0/1 (proportions) and non-negative (denominators)."""
    names, pairs, binary, minimum = set(), set(), [], []
    for m in metrics:
        num, den, covs = cols[m.label]
        group = [num, *([den] if den else []), *covs]
        names.update(group)
        pairs.update((a, b) for a in group for b in group)
        if isinstance(m, Proportion):
            binary.append(num)
        if den:
            minimum.append(den)
    return tuple(sorted(names)), pairs, (binary, minimum)


def _validate(checks: pd.DataFrame, metrics: Sequence, cols: Mapping, variant: str) -> None:
    n = checks["n"].to_numpy()  # numpy, not Series arithmetic: this runs on every readout
    for m in metrics:
        num, den, covs = cols[m.label]
        for c in (num, *((den and [den]) or []), *covs):
            missing = n - checks[f"{c}:count"].to_numpy()
            if missing.sum() > 0:
                role = "covariate" if c in covs else "metric"
                raise input_error(
                    f"{role} column {c!r}",
                    f"has {int(missing.sum())} missing (NULL/NaN) values",
                    "no missing values (fill covariates, e.g. 0 for no pre-period activity)",
                )
        if isinstance(m, Proportion) and checks[f"{num}:nonbinary"].to_numpy().sum() > 0:
            raise input_error(f"metric {m.label!r}", "has values other than 0 and 1", "0/1 or boolean values")
        if den and checks[f"{den}:min"].min() < 0:
            raise input_error(
                f"denominator {den!r}",
                f"has negative values (min {checks[f'{den}:min'].min():g})",
                "non-negative per-unit totals",
            )


def _metric_row(m, arm: str, cmp: Comparison, prior_std: float) -> MetricResult:
    margin = float(m.margin) if m.margin is not None else math.nan
    pvalue, test = cmp.pvalue, "superiority"
    if m.role == "guardrail":
        test = "non-inferiority"
        pvalue = math.nan
        if math.isfinite(cmp.rel_effect_size) and cmp.rel_se > 0:
            z = (
                (cmp.rel_effect_size + margin) / cmp.rel_se
                if m.higher_is_better
                else ((margin - cmp.rel_effect_size) / cmp.rel_se)
            )
            pvalue = dist.norm_sf(z)
    if isinstance(m, Proportion) and not m.covariates and cmp.n_control > 0 and cmp.n_treatment > 0:
        post = bayes.beta_binomial(
            round(cmp.control_mean * cmp.n_control),
            cmp.n_control,
            round(cmp.treatment_mean * cmp.n_treatment),
            cmp.n_treatment,
        )
        win, loss = (
            (post.chance_to_win, post.expected_loss)
            if m.higher_is_better
            else (1 - post.chance_to_win, post.expected_loss_control)
        )
        loss = loss / cmp.control_mean if cmp.control_mean > 0 else math.nan  # in the Gaussian model's units
        if not math.isfinite(cmp.effect_size):
            win, loss = math.nan, math.nan
    else:
        post = bayes.gaussian(cmp.rel_effect_size, cmp.rel_se, 0.0, prior_std, m.higher_is_better)
        win, loss = post.chance_to_win, post.expected_loss
    return MetricResult(
        m.label,
        arm,
        m.kind,
        m.role,
        test,
        margin,
        m.higher_is_better,
        cmp,
        pvalue,
        math.nan,
        win,
        loss,
        math.nan,
        math.nan,
        math.nan,
        math.nan,
    )


def _adjust(rows: list[MetricResult], alpha: float, correction: str) -> list[MetricResult]:
    family = [i for i, r in enumerate(rows) if r.role != "guardrail"]
    padj = adjust_pvalues([rows[i].pvalue for i in family], correction)
    level = adjusted_alpha([rows[i].pvalue for i in family], alpha, correction)
    out = []
    for i, r in enumerate(rows):
        c = r.comparison
        if i in family:
            p = float(padj[family.index(i)])
            q = _q(level, c.df)
            elo, ehi = c.effect_size - q * c.se, c.effect_size + q * c.se
            rlo, rhi = c.rel_effect_size - q * c.rel_se, c.rel_effect_size + q * c.rel_se
        else:
            p = r.pvalue
            elo, ehi, rlo, rhi = c.effect_ci_lower, c.effect_ci_upper, c.rel_ci_lower, c.rel_ci_upper
        values = {f.name: getattr(r, f.name) for f in fields(MetricResult)}
        values.update(
            pvalue_adjusted=p,
            effect_adj_ci_lower=elo,
            effect_adj_ci_upper=ehi,
            rel_adj_ci_lower=rlo,
            rel_adj_ci_upper=rhi,
        )
        out.append(MetricResult(**values))
    return out


def _q(level: float, df: float) -> float:
    if not math.isfinite(df) and not math.isinf(df):
        return math.nan
    return dist.t_isf(level / 2, df)
