"""What to fix next: revenue per period at stake in funnel steps, stage transitions, feedback pain
points and at-risk customers, with intervals, in one ranked table.

- :mod:`journey.impact.transitions`: funnel steps and stage transitions by segment (delta method over users).
"""
