"""The health score's declaration: components, weights and bands, read from YAML.

A score leadership trusts is one whose recipe they can read, so the recipe is data
(``playbooks/health/score.yml``), not code: each component names the per-customer column it
reads, its weight, and the values that score 0 (``worst``) and 100 (``best``); bands name
score thresholds. Changing a weight is a reviewed YAML change, and the report prints the
recipe it used.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from journey import config
from journey.validation import load_yaml_model


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Strict):
    """One input of the score: ``column`` scaled linearly from ``worst`` (0) to ``best`` (100), clipped."""

    column: str
    weight: float = Field(gt=0)
    worst: float
    best: float
    label: str = ""
    doc: str = ""

    @model_validator(mode="after")
    def _distinct_ends(self) -> Component:
        if self.worst == self.best:
            raise ValueError(f"worst and best are both {self.worst}: the scale needs two different ends")
        return self


class Band(_Strict):
    """A band from ``min_score`` (inclusive) up to the next band's minimum."""

    name: str
    min_score: float = Field(ge=0, le=100)


class HealthConfig(_Strict):
    """Components by name, and bands (at least two, one starting at 0)."""

    components: dict[str, Component] = Field(min_length=1)
    bands: list[Band] = Field(min_length=2)

    @model_validator(mode="after")
    def _bands_cover_the_scale(self) -> HealthConfig:
        lows = [b.min_score for b in self.bands]
        if lows != sorted(lows) or len(set(lows)) != len(lows):
            raise ValueError(f"band minimums must increase strictly, got {lows}")
        if lows[0] != 0:
            raise ValueError(f"the first band must start at 0 so every score has a band, got {lows[0]}")
        return self

    def label(self, name: str) -> str:
        return self.components[name].label or name.replace("_", " ")


def default_config_path() -> Path:
    return config.playbooks_dir() / "health" / "score.yml"


def load_config(path: str | Path | None = None) -> HealthConfig:
    """The health recipe from ``path`` (default ``playbooks/health/score.yml``), with the house error."""
    return load_yaml_model(
        path or default_config_path(), HealthConfig, "a health recipe as in playbooks/health/score.yml"
    )
