"""Customer health: a transparent score, its bands, its drivers, and whether it predicts churn.

The recipe is YAML (``playbooks/health/score.yml``, :func:`load_config`): components, weights,
the values that score 0 and 100, and bands. :func:`health_scores` scores per-customer
features; :func:`validate` checks the ranking against who churned after the cutoff (AUC, lift
by decile).
"""

from journey.health.config import Band, Component, HealthConfig, load_config
from journey.health.score import NO_DATA, HealthScores, component_scores, health_scores
from journey.health.validation import HealthValidation, validate

__all__ = [
    "NO_DATA",
    "Band",
    "Component",
    "HealthConfig",
    "HealthScores",
    "HealthValidation",
    "component_scores",
    "health_scores",
    "load_config",
    "validate",
]
