"""Experiment evaluation (import as ``ab``): sufficient statistics in the engine, tests on them.

>>> from journey import experiments as ab
>>> ab.sample_size("proportion", baseline=0.10, mde=0.10)
14749

The public names below are imported from their modules on first use (PEP 562), so that
``journey experiment new`` or a module that needs only the spec does not load the whole
engine (scipy, ibis, pandas: about 2 s on a busy 2-core machine).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_HOMES: dict[str, str] = {
    "Assurance": "journey.experiments.assurance",
    "Comparison": "journey.experiments.estimators",
    "Decision": "journey.experiments.decision",
    "ExperimentResult": "journey.experiments.analyze",
    "ExperimentSpec": "journey.experiments.spec",
    "FRAME_COLUMNS": "journey.experiments.analyze",
    "Mean": "journey.experiments.metrics",
    "MetricResult": "journey.experiments.analyze",
    "MetricSpec": "journey.experiments.spec",
    "Moments": "journey.experiments.stats",
    "NoveltyResult": "journey.experiments.segments",
    "PlannedTests": "journey.experiments.assurance",
    "Portfolio": "journey.experiments.portfolio",
    "Posterior": "journey.experiments.bayes",
    "Proportion": "journey.experiments.metrics",
    "RULE": "journey.experiments.decision",
    "Ratio": "journey.experiments.metrics",
    "Readout": "journey.experiments.readout",
    "SRMResult": "journey.experiments.srm",
    "STORE_COLUMNS": "journey.experiments.results",
    "SegmentResult": "journey.experiments.segments",
    "SequentialResult": "journey.experiments.sequential",
    "Table": "journey.experiments.readout_display",
    "achieved_power": "journey.experiments.power",
    "adjust_pvalues": "journey.stats.multiple",
    "adjusted_alpha": "journey.stats.multiple",
    "analysis_table": "journey.experiments.data",
    "analyze": "journey.experiments.analyze",
    "assurance": "journey.experiments.assurance",
    "beta_binomial": "journey.experiments.bayes",
    "chance_table": "journey.experiments.readout_display",
    "compare": "journey.experiments.estimators",
    "cs_half_width": "journey.experiments.sequential",
    "cs_pvalues": "journey.experiments.sequential",
    "cumulative_looks": "journey.experiments.readout",
    "daily_table": "journey.experiments.data",
    "decide": "journey.experiments.decision",
    "decision_block": "journey.experiments.readout_display",
    "experiment_history": "journey.experiments.portfolio",
    "fieller_interval": "journey.experiments.estimators",
    "forest_frame": "journey.experiments.readout_display",
    "gaussian": "journey.experiments.bayes",
    "list_specs": "journey.experiments.spec",
    "load_spec": "journey.experiments.spec",
    "minimum_detectable_effect": "journey.experiments.power",
    "msprt_pvalues": "journey.experiments.sequential",
    "new_experiment": "journey.experiments.spec",
    "novelty": "journey.experiments.segments",
    "obf_spending": "journey.experiments.sequential",
    "obrien_fleming_bounds": "journey.experiments.sequential",
    "planned_tests": "journey.experiments.assurance",
    "portfolio": "journey.experiments.portfolio",
    "power_reached": "journey.experiments.power",
    "power_table": "journey.experiments.readout_display",
    "read_results": "journey.experiments.results",
    "readout": "journey.experiments.readout",
    "record_readout": "journey.experiments.results",
    "reduce_moments": "journey.experiments.stats",
    "sample_size": "journey.experiments.power",
    "segments": "journey.experiments.segments",
    "sequential": "journey.experiments.sequential",
    "spec_assurance": "journey.experiments.assurance",
    "srm": "journey.experiments.srm",
    "srm_banner": "journey.experiments.readout_display",
    "srm_from_counts": "journey.experiments.srm",
    "trend_test": "journey.experiments.segments",
}
"""Public name → the module that defines it."""


class _Package(types.ModuleType):
    """This package's module type: a public function named like its module stays the function.

    ``analyze``, ``readout``, ``segments``, ``sequential`` and ``srm`` are both a module and the
    function it defines. When a submodule finishes importing, Python sets it as an attribute of
    the package, which would turn ``ab.readout`` into the module; the eager imports this package
    had before overwrote it with the function, and this keeps that.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _HOMES.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'journey.experiments' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "FRAME_COLUMNS",
    "RULE",
    "STORE_COLUMNS",
    "Assurance",
    "Comparison",
    "Decision",
    "ExperimentResult",
    "ExperimentSpec",
    "Mean",
    "MetricResult",
    "MetricSpec",
    "Moments",
    "NoveltyResult",
    "PlannedTests",
    "Portfolio",
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
    "assurance",
    "beta_binomial",
    "chance_table",
    "compare",
    "cs_half_width",
    "cs_pvalues",
    "cumulative_looks",
    "daily_table",
    "decide",
    "decision_block",
    "experiment_history",
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
    "planned_tests",
    "portfolio",
    "power_reached",
    "power_table",
    "read_results",
    "readout",
    "record_readout",
    "reduce_moments",
    "sample_size",
    "segments",
    "sequential",
    "spec_assurance",
    "srm",
    "srm_banner",
    "srm_from_counts",
    "trend_test",
]
