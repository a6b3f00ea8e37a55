"""Experiment evaluation (import as ``ab``): sufficient statistics in the engine, tests on them.

>>> from journey import experiments as ab
>>> ab.sample_size("proportion", baseline=0.10, mde=0.10)
14749
"""

from journey.experiments.analyze import FRAME_COLUMNS, ExperimentResult, MetricResult, analyze
from journey.experiments.bayes import Posterior, beta_binomial, gaussian
from journey.experiments.data import analysis_table, daily_table
from journey.experiments.decision import RULE, Decision, decide
from journey.experiments.estimators import Comparison, compare, fieller_interval
from journey.experiments.metrics import Mean, Proportion, Ratio
from journey.experiments.power import achieved_power, minimum_detectable_effect, power_reached, sample_size
from journey.experiments.readout import Readout, cumulative_looks, readout
from journey.experiments.readout_display import (
    Table,
    chance_table,
    decision_block,
    forest_frame,
    power_table,
    srm_banner,
)
from journey.experiments.segments import NoveltyResult, SegmentResult, novelty, segments, trend_test
from journey.experiments.sequential import (
    SequentialResult,
    cs_half_width,
    cs_pvalues,
    msprt_pvalues,
    obf_spending,
    obrien_fleming_bounds,
    sequential,
)
from journey.experiments.spec import ExperimentSpec, MetricSpec, list_specs, load_spec, new_experiment
from journey.experiments.srm import SRMResult, srm, srm_from_counts
from journey.experiments.stats import Moments, reduce_moments
from journey.stats.multiple import adjust_pvalues, adjusted_alpha

__all__ = [
    "FRAME_COLUMNS",
    "RULE",
    "Comparison",
    "Decision",
    "ExperimentResult",
    "ExperimentSpec",
    "Mean",
    "MetricResult",
    "MetricSpec",
    "Moments",
    "NoveltyResult",
    "Posterior",
    "Proportion",
    "Ratio",
    "Readout",
    "SRMResult",
    "SegmentResult",
    "SequentialResult",
    "Table",
    "achieved_power",
    "adjust_pvalues",
    "adjusted_alpha",
    "analysis_table",
    "analyze",
    "beta_binomial",
    "chance_table",
    "compare",
    "cs_half_width",
    "cs_pvalues",
    "cumulative_looks",
    "daily_table",
    "decide",
    "decision_block",
    "fieller_interval",
    "forest_frame",
    "gaussian",
    "list_specs",
    "load_spec",
    "minimum_detectable_effect",
    "msprt_pvalues",
    "new_experiment",
    "novelty",
    "obf_spending",
    "obrien_fleming_bounds",
    "power_reached",
    "power_table",
    "readout",
    "reduce_moments",
    "sample_size",
    "segments",
    "sequential",
    "srm",
    "srm_banner",
    "srm_from_counts",
    "trend_test",
]
