"""The journey stages (awareness, consideration, decision, retention) and their analyses.

``funnels`` (with its SQL and array back ends), ``retention``, ``paths``, ``attribution``,
``propensity``, ``overview`` (front-page KPIs), ``kpis`` (the event -> stage mapping and each
stage's KPIs), ``summary`` (executive-summary sentences) and ``figures`` (stage plots).

The stage KPI functions are re-exported here, so ``from journey import stages`` then
``stages.awareness(events)`` reads as it did before the package existed.
"""

from journey.stages.kpis import (
    ASSOCIATION,
    STAGE_EVENTS,
    STAGES,
    StageTable,
    awareness,
    consideration,
    conversion_by_page_load,
    decision_support,
    exposure_conversion,
    repeat_purchase,
    stage_case,
    stage_of,
    stage_reach,
)

__all__ = [
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
]
