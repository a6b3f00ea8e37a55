"""The journey stages (awareness, consideration, decision, retention) and their analyses.

``funnels`` (with its SQL and array back ends), ``retention``, ``paths``, ``attribution``,
``propensity``, ``overview`` (front-page KPIs), ``kpis`` (the event -> stage mapping and each
stage's KPIs), ``summary`` (executive-summary sentences) and ``figures`` (stage plots).

The stage KPI functions are re-exported here, so ``from journey import stages`` then
``stages.awareness(events)`` reads as it did before the package existed.
"""

from __future__ import annotations

import importlib
from typing import Any

# The stage KPI names, loaded from journey.stages.kpis on first use (PEP 562): kpis imports the
# statistics core (scipy), which a process that only counts a funnel need not load (~90 ms).
_KPIS = (
    "ASSOCIATION",
    "STAGES",
    "STAGE_EVENTS",
    "StageTable",
    "awareness",
    "consideration",
    "conversion_by_page_load",
    "decision_support",
    "exposure_conversion",
    "repeat_purchase",
    "stage_case",
    "stage_of",
    "stage_reach",
)


def __getattr__(name: str) -> Any:
    if name in _KPIS:
        value = getattr(importlib.import_module("journey.stages.kpis"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'journey.stages' has no attribute {name!r}")


__all__ = list(_KPIS)  # the kpis names, resolved by __getattr__
