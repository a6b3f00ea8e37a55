"""Playbooks: which notebooks run with which parameters, on what schedule, for which audience.

A playbook is a YAML file validated by pydantic with unknown keys rejected, so a typo
(``paramters:``) fails loudly instead of silently running with defaults. Report parameters
are checked later against each notebook's typed ``parameters`` cell (see
:mod:`journey.runs.notebook_params`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from journey import config
from journey.validation import check_cron, input_error, pydantic_error

_SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class ReportSpec(BaseModel):
    """One report of a playbook: a notebook under ``notebooks/`` and its parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_SLUG, description="output name: reports/<playbook>/<run>/<name>.html")
    notebook: str = Field(description="path relative to notebooks/, e.g. 00-journey-overview.ipynb")
    title: str | None = Field(default=None, description="heading of the rendered report")
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("notebook")
    @classmethod
    def _inside_notebooks(cls, value: str) -> str:
        root = config.notebooks_dir().resolve()
        path = (root / value).resolve()
        if root not in path.parents:
            raise ValueError(f"notebook {value!r} is outside notebooks/; expected a path like 10-awareness.ipynb")
        if path.suffix != ".ipynb":
            raise ValueError(f"notebook {value!r} is not an .ipynb file")
        return value

    @property
    def path(self) -> Path:
        return config.notebooks_dir() / self.notebook

    @property
    def display_title(self) -> str:
        return self.title or self.name.replace("-", " ").replace("_", " ").capitalize()


class Playbook(BaseModel):
    """A named set of reports run together on a schedule for one audience."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_SLUG)
    description: str
    audience: str = Field(description="who reads it: leadership, analysts, experimenters, marketing ...")
    schedule: str = Field(description="cron expression, e.g. '0 7 * * MON', in the playbook's time zone")
    timezone: str = Field(default="UTC", description="IANA time zone of the schedule, e.g. 'Europe/Berlin'")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="shared parameters (source, end_date, window_days ...)"
    )
    timeout_s: int = Field(default=900, gt=0, description="per-cell execution timeout")
    keep_runs: int = Field(default=52, ge=1, description="run folders kept; older ones are deleted after a run")
    retry_after_s: int = Field(
        default=600, ge=0, description="a scheduled run that failed is run once more after this delay (0: never)"
    )
    misfire_grace_s: int = Field(
        default=3600,
        ge=1,
        description="journey schedule run: a fire up to this late still runs (after sleep, or behind another run)",
    )
    reports: list[ReportSpec] = Field(min_length=1)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as 'UTC' or 'Europe/Berlin')") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _unique_names(self) -> Playbook:
        names = [r.name for r in self.reports]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"report names must be unique; repeated: {', '.join(duplicates)}")
        return self

    def next_runs(self, count: int = 3, after: dt.datetime | None = None) -> list[dt.datetime]:
        """The next ``count`` scheduled times, in the playbook's time zone (aware datetimes)."""
        itr = croniter(self.schedule, (after or dt.datetime.now(dt.UTC)).astimezone(self.zone))
        return [itr.get_next(dt.datetime) for _ in range(count)]

    def last_tick(self, now: dt.datetime | None = None) -> dt.datetime:
        """The latest scheduled time at or before ``now``, in the playbook's time zone."""
        return croniter(self.schedule, (now or dt.datetime.now(dt.UTC)).astimezone(self.zone)).get_prev(dt.datetime)


def load_playbook(path: str | Path) -> Playbook:
    """Read and validate a playbook file; every problem becomes one clear input error."""
    path = Path(path)
    if not path.exists():
        candidate = config.playbooks_dir() / path
        if candidate.exists():
            path = candidate
        else:
            raise input_error(str(path), "playbook not found", "a YAML file under playbooks/")
    if not path.is_file():
        raise input_error(str(path), "is a folder, not a playbook", "a YAML file under playbooks/")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise input_error(path.name, f"is not valid YAML ({exc})", "a YAML mapping") from None
    except OSError as exc:
        raise input_error(str(path), f"cannot be read ({exc.strerror})", "a readable YAML file") from None
    if not isinstance(raw, dict):
        raise input_error(path.name, "is not a YAML mapping", "keys name, description, audience, schedule, reports")
    try:
        return Playbook.model_validate(raw)
    except ValidationError as exc:
        raise pydantic_error(path.name, exc, "a playbook as described in README.md") from None


def discover(root: Path | None = None) -> list[Path]:
    """Playbook files directly under ``playbooks/`` (experiment specs live in a subfolder)."""
    folder = root or config.playbooks_dir()
    return sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml"))
