"""Retention plays: what each play prevented against its holdout, and who should get which.

:func:`play_uplift` reads the past plays (one row per customer and play, with its random
``group`` and whether the customer churned afterwards); :func:`assign_plays` turns churn
probabilities and lifetime values into the ranked list of who gets which play.
"""

from journey.plays.uplift import HOLDOUT, TREATMENT, PlayUplift, play_outcomes, play_uplift
from journey.plays.value import PlayPlan, assign_plays, play_values

__all__ = [
    "HOLDOUT",
    "TREATMENT",
    "PlayPlan",
    "PlayUplift",
    "assign_plays",
    "play_outcomes",
    "play_uplift",
    "play_values",
]
