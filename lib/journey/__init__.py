"""Journey Lab's helper library: journeys, experiments and customer feedback.

The library is grouped by job; each subpackage's docstring says what lives there:

- :mod:`journey.data`: reading sources (DuckDB, parquet, ibis URIs), files, data contracts,
  the event input checks and the report window;
- :mod:`journey.stages`: the journey stages' analyses: funnels, retention, paths,
  attribution, propensity, stage KPIs, their summary sentences and figures;
- :mod:`journey.experiments`: the A/B stats engine (``from journey import experiments as ab``);
- :mod:`journey.feedback`: ingestion, PII masking, sentiment, themes, experience scores;
- :mod:`journey.stats`: the one statistics core every package above uses (distributions,
  intervals, multiple testing);
- :mod:`journey.display`: the presentation layer (result rendering, figures, report blocks,
  the wording of numbers);
- :mod:`journey.runs`: playbooks, the notebook runner, rendering, the index and schedules;
- :mod:`journey.datasets`: every seeded data generator (the sample data, test data).

The short names analysts write (``from journey import funnels, retention, sources``) are kept
as aliases of the modules' homes, imported on first use so that importing ``journey`` stays
fast in notebooks and worker processes. The two modules imported eagerly install import hooks
that must be in place before ibis first loads a backend, wherever that happens, and import nothing
heavy themselves: :mod:`journey.data.duckdb_compat` patches DuckDB the moment anything imports it,
and :mod:`journey.data.ibis_compilers` makes ibis load its SQL compilers one dialect at a time.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from journey.data import duckdb_compat, ibis_compilers  # noqa: F401  (both install import hooks)

__version__ = "0.1.0"

# The public short names and the module each one stands for (PEP 562 lazy attributes).
ALIASES: dict[str, str] = {
    "funnels": "journey.stages.funnels",
    "retention": "journey.stages.retention",
    "paths": "journey.stages.paths",
    "attribution": "journey.stages.attribution",
    "propensity": "journey.stages.propensity",
    "overview": "journey.stages.overview",
    "sources": "journey.data.sources",
    "contracts": "journey.data.contracts",
    "window": "journey.data.window",
    "plots": "journey.display.plots",
    "report": "journey.display.report",
    "results": "journey.display.results",
}


def __getattr__(name: str) -> ModuleType:
    target = ALIASES.get(name)
    if target is None:
        raise AttributeError(f"module 'journey' has no attribute {name!r}")
    module = importlib.import_module(target)
    globals()[name] = module
    return module


def __dir__() -> list[str]:
    return sorted([*globals(), *ALIASES])
