"""What to fix next: revenue per period at stake in funnel steps, stage transitions, feedback pain
points and at-risk customers, with intervals, in one ranked table (``journey.impact.opportunities``).

- :mod:`journey.impact.transitions`: funnel steps and stage transitions by segment (delta method over users);
- :mod:`journey.impact.pain_points`: pain points' score gap in revenue (an estimated or stated revenue per point);
- :mod:`journey.impact.at_risk`: churn probability × CLV, summed;
- :mod:`journey.impact.ranking`: the ranked table (:class:`Opportunities`) and :func:`opportunities`;
- :mod:`journey.impact.figures`: the ranked bars with interval whiskers.
"""

from __future__ import annotations

from journey.impact.ranking import Opportunities, opportunities

__all__ = ["Opportunities", "opportunities"]
