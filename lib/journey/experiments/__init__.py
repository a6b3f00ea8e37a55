"""Experiment evaluation (import as ``ab``): sufficient statistics in the engine, tests on them.

>>> from journey import experiments as ab
>>> ab.sample_size("proportion", baseline=0.10, mde=0.10)
14749
"""

from journey.experiments.analyze import FRAME_COLUMNS, ExperimentResult, MetricResult, analyze
from journey.experiments.bayes import Posterior, beta_binomial, gaussian
from journey.experiments.estimators import Comparison, compare, fieller_interval
from journey.experiments.metrics import Mean, Proportion, Ratio
from journey.experiments.multiple import adjust_pvalues, adjusted_alpha
from journey.experiments.power import achieved_power, minimum_detectable_effect, sample_size
from journey.experiments.segments import NoveltyResult, SegmentResult, novelty, segments, trend_test
from journey.experiments.sequential import (
    SequentialResult,
    cs_half_width,
    msprt_pvalues,
    obf_spending,
    obrien_fleming_bounds,
    sequential,
)
from journey.experiments.srm import SRMResult, srm, srm_from_counts
from journey.experiments.stats import Moments, reduce_moments

__all__ = [
    "FRAME_COLUMNS",
    "Comparison",
    "ExperimentResult",
    "Mean",
    "MetricResult",
    "Moments",
    "NoveltyResult",
    "Posterior",
    "Proportion",
    "Ratio",
    "SRMResult",
    "SegmentResult",
    "SequentialResult",
    "achieved_power",
    "adjust_pvalues",
    "adjusted_alpha",
    "analyze",
    "beta_binomial",
    "compare",
    "cs_half_width",
    "fieller_interval",
    "gaussian",
    "minimum_detectable_effect",
    "msprt_pvalues",
    "novelty",
    "obf_spending",
    "obrien_fleming_bounds",
    "reduce_moments",
    "sample_size",
    "segments",
    "sequential",
    "srm",
    "srm_from_counts",
    "trend_test",
]
