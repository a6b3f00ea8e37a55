"""Experiment playbooks: ``playbooks/experiments/<name>.yml`` describes an experiment once.

The YAML is validated by :class:`ExperimentSpec` (unknown keys are errors, so a typo never
silently drops a metric); ``load_spec`` turns validation problems into one input error that
names the file and the field. ``new_experiment`` scaffolds a playbook with a sample-size
estimate, written atomically so a failed call never leaves half a file.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from journey import config
from journey.data.atomic import write_text
from journey.display.text import percent
from journey.experiments.metrics import Mean, Proportion, Ratio
from journey.experiments.power import sample_size
from journey.validation import check_cron, input_error, pydantic_error, quote_list

DAILY_COLUMNS = ("converted", "revenue")
"""The per-day outcomes :func:`journey.experiments.data.daily_table` has: the columns a
novelty check can follow."""

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricSpec(_Strict):
    """One metric: ``column`` (numerator for ratios) of the per-user analysis table."""

    name: str
    kind: Literal["proportion", "mean", "ratio"]
    column: str
    denominator: str | None = None
    covariates: list[str] = Field(default_factory=list)
    higher_is_better: bool = True
    margin: float | None = Field(default=None, gt=0, description="relative non-inferiority margin (guardrails)")
    winsorize: float | None = Field(default=None, gt=0.5, lt=1)

    @model_validator(mode="after")
    def _ratio_needs_denominator(self) -> MetricSpec:
        if (self.kind == "ratio") != (self.denominator is not None):
            raise ValueError("a ratio needs a denominator, and only a ratio has one")
        return self

    def build_daily(self) -> Proportion | Mean:
        """The metric on the per-day table of the novelty check: same column, no covariates
        (pre-period covariates are per user, not per day)."""
        return (
            Proportion(self.column, name=self.name) if self.kind == "proportion" else Mean(self.column, name=self.name)
        )

    def build(self, role: str) -> Proportion | Mean | Ratio:
        common = dict(
            covariates=self.covariates,
            name=self.name,
            role=role,
            higher_is_better=self.higher_is_better,
            margin=self.margin,
        )
        if self.kind == "proportion":
            return Proportion(self.column, **common)
        if self.kind == "mean":
            return Mean(self.column, winsorize=self.winsorize, **common)
        return Ratio(self.column, self.denominator or "", winsorize=self.winsorize, **common)


class MetricsSpec(_Strict):
    primary: list[MetricSpec] = Field(min_length=1)
    secondary: list[MetricSpec] = Field(default_factory=list)
    guardrails: list[MetricSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _guardrails_need_margins(self) -> MetricsSpec:
        names = [m.name for m in (*self.primary, *self.secondary, *self.guardrails)]
        if len(set(names)) != len(names):
            raise ValueError(f"metric names must be unique, got {names}")
        for g in self.guardrails:
            if g.margin is None:
                raise ValueError(f"guardrail {g.name!r} needs a margin (relative, e.g. 0.02)")
        return self


class ExperimentSpec(_Strict):
    """A validated experiment playbook (see ``playbooks/experiments/*.yml`` for examples)."""

    name: str
    hypothesis: str = Field(min_length=10)
    owner: str = ""
    unit: str = "user_id"
    control: str = "control"
    variants: dict[str, float] = Field(description="variant -> expected share of traffic")
    start_date: dt.date
    end_date: dt.date | None = None
    exposure_days: int = Field(default=14, ge=1, le=365)
    pre_days: int = Field(default=28, ge=0, le=365)
    metrics: MetricsSpec
    segments: list[str] = Field(default_factory=list)
    mde: float = Field(gt=0, description="relative minimum detectable effect of the first primary metric")
    baseline: float | None = Field(default=None, description="expected control value of the first primary metric")
    std: float | None = Field(default=None, gt=0)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    power: float = Field(default=0.8, gt=0.5, lt=1)
    correction: Literal["holm", "bh", "by", "bonferroni", "none"] = "holm"
    planned_looks: int = Field(default=1, ge=1, le=50)
    schedule: str = "0 6 * * 1"
    sample_size_per_arm: int | None = Field(default=None, ge=2)
    novelty: str | None = Field(
        default=None,
        description="metric followed by days since exposure for a novelty effect (a name under metrics); "
        "absent: the first primary metric, when the per-day table has its column",
    )

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not _SLUG.match(v):
            raise ValueError(f"{v!r} is not a slug (lowercase letters, digits and dashes)")
        return v

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        return check_cron(v)

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentSpec:
        if self.control not in self.variants:
            raise ValueError(f"control {self.control!r} is not one of the variants {sorted(self.variants)}")
        if len(self.variants) < 2:
            raise ValueError("an experiment needs a control and at least one treatment")
        if any(not s > 0 for s in self.variants.values()) or not math.isclose(
            sum(self.variants.values()), 1.0, abs_tol=1e-6
        ):
            raise ValueError(f"variant shares must be positive and sum to 1, got {self.variants}")
        if self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        if self.novelty is not None:
            named = {m.name: m for m in self._all_metrics()}
            if self.novelty not in named:
                raise ValueError(
                    f"novelty metric {self.novelty!r} is not a metric of this playbook: {quote_list(named)}"
                )
            if not _daily(named[self.novelty]):
                raise ValueError(
                    f"novelty metric {self.novelty!r} (column {named[self.novelty].column!r}) has no per-day values: "
                    f"a proportion or mean of {quote_list(DAILY_COLUMNS)}"
                )
        return self

    def _all_metrics(self) -> list[MetricSpec]:
        m = self.metrics
        return [*m.primary, *m.secondary, *m.guardrails]

    def novelty_metric(self) -> MetricSpec | None:
        """The metric of the novelty check: ``novelty`` when the playbook names one, else the first
        primary metric when the per-day table has its column (``None``: no check)."""
        if self.novelty is not None:
            return next(m for m in self._all_metrics() if m.name == self.novelty)
        first = self.metrics.primary[0]
        return first if _daily(first) else None

    def build_metrics(self) -> list[Proportion | Mean | Ratio]:
        """The ``ab`` metric objects, with roles from the section they are listed in."""
        m = self.metrics
        return [
            *(x.build("primary") for x in m.primary),
            *(x.build("secondary") for x in m.secondary),
            *(x.build("guardrail") for x in m.guardrails),
        ]

    @property
    def planned_users(self) -> int | None:
        """Both arms together at the final planned look (``sample_size_per_arm`` × arms)."""
        return self.sample_size_per_arm * len(self.variants) if self.sample_size_per_arm else None


def _daily(metric: MetricSpec) -> bool:
    """Whether the novelty check's per-day table can follow this metric."""
    return metric.kind != "ratio" and metric.column in DAILY_COLUMNS


def spec_path(name: str, directory: Path | None = None) -> Path:
    return (directory or config.playbooks_dir() / "experiments") / f"{name}.yml"


def list_specs(directory: Path | None = None) -> list[str]:
    folder = directory or config.playbooks_dir() / "experiments"
    return sorted(p.stem for p in folder.glob("*.yml"))


def load_spec(name_or_path: str | Path, directory: Path | None = None) -> ExperimentSpec:
    """Read and validate a playbook by experiment name or path."""
    text = str(name_or_path)
    path = Path(text) if text.endswith((".yml", ".yaml")) else spec_path(text, directory)
    if not path.exists():
        raise input_error(str(path), "experiment playbook not found", f"one of {quote_list(list_specs(directory))}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise input_error(str(path), f"is not valid YAML ({err})") from None
    try:
        return ExperimentSpec.model_validate(raw)
    except ValidationError as err:
        raise pydantic_error(str(path), err, "a playbook as in playbooks/experiments/checkout-redesign.yml") from None


def new_experiment(
    name: str,
    *,
    hypothesis: str = "",
    variants: tuple[str, ...] = ("control", "treatment"),
    baseline: float = 0.05,
    mde: float = 0.05,
    start_date: dt.date | str | None = None,
    planned_looks: int = 4,
    schedule: str = "0 6 * * 1",
    directory: Path | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``playbooks/experiments/<name>.yml`` with a conversion primary metric, revenue
    (CUPED on pre-period revenue) as secondary, checkout errors as guardrail, and the users per
    arm needed for ``mde`` (relative) at ``baseline`` conversion. Returns the path."""
    start = dt.date.fromisoformat(str(start_date)) if start_date else dt.date.today()
    n = sample_size("proportion", baseline=baseline, mde=mde)
    share = round(1 / len(variants), 6)
    shares = {v: share for v in variants}
    shares[variants[-1]] = round(1 - share * (len(variants) - 1), 6)
    payload = {
        "name": name,
        "hypothesis": hypothesis or f"{name.replace('-', ' ').capitalize()} raises purchase conversion.",
        "owner": "",
        "unit": "user_id",
        "control": variants[0],
        "variants": shares,
        "start_date": start.isoformat(),
        "exposure_days": 14,
        "pre_days": 28,
        "metrics": {
            "primary": [{"name": "purchase", "kind": "proportion", "column": "converted"}],
            "secondary": [
                {
                    "name": "revenue_per_user",
                    "kind": "mean",
                    "column": "revenue",
                    "covariates": ["pre_revenue"],
                    "winsorize": 0.99,
                }
            ],
            "guardrails": [
                {
                    "name": "checkout_errors",
                    "kind": "mean",
                    "column": "checkout_errors",
                    "higher_is_better": False,
                    "margin": 0.05,
                }
            ],
        },
        "segments": ["device", "channel"],
        "novelty": "purchase",
        "mde": mde,
        "baseline": baseline,
        "alpha": 0.05,
        "power": 0.8,
        "correction": "holm",
        "planned_looks": planned_looks,
        "schedule": schedule,
        "sample_size_per_arm": n,
    }
    try:
        ExperimentSpec.model_validate(payload)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise input_error(f"experiment {name!r}", problems) from None
    path = spec_path(name, directory)
    if path.exists() and not overwrite:
        raise input_error(str(path), "already exists", "a new experiment name (or overwrite=True)")
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Experiment playbook (journey experiment new). Sample size: {n:,} users per arm to detect a "
        f"{percent(mde, 0)} relative change\n# from a {percent(baseline)} baseline at alpha 0.05, power 0.8.\n"
    )
    write_text(path, header + yaml.safe_dump(payload, sort_keys=False, allow_unicode=True))
    return path
