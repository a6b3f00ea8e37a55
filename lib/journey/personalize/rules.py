"""The personalization rules file: which play, content, offer, message and channel each customer gets.

A rules file is YAML validated by pydantic with unknown keys rejected, and with every name
checked against what exists: ``segment`` against :data:`journey.segments.SEGMENTS`,
``behaviour`` against :data:`journey.segments.BEHAVIOURS`, ``risk_band`` against the file's own
``risk_bands`` list (by default the timing bands of :func:`journey.segments.purchase_timing`),
and every rule's ``play`` against the file's ``plays``. A typo is one error naming the file and
the field, never a rule that silently never fires. Example: ``playbooks/personalization/rules.yml``.

Rules fire in ``priority`` order (1 first; priorities are unique, so the order never depends
on the file's layout); within ``when``, conditions combine with AND and the values listed
under one condition with OR; an empty ``when`` matches everyone (a fallback rule).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from journey import config
from journey.segments.rules import BEHAVIOURS, SEGMENTS
from journey.validation import JourneyInputError, input_error, pydantic_error, quote_list

DEFAULT_RISK_BANDS = ("low", "medium", "high")
"""The bands of :func:`journey.segments.purchase_timing`; a file that reads bands from a churn
or health model declares its own under ``risk_bands``."""
_SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Play(_Strict):
    """A play: a treatment whose effect is read against a random holdout of the customers it targets."""

    description: str = ""
    holdout: float = Field(ge=0, lt=1, description="share of targeted customers held out (no action), e.g. 0.1")


class When(_Strict):
    """Conditions, all of which must hold (each list: any of its values)."""

    segment: list[str] = Field(default_factory=list, description="RFM segments (journey.segments.SEGMENTS)")
    behaviour: list[str] = Field(default_factory=list, description="behaviour segments the customer is in")
    risk_band: list[str] = Field(default_factory=list, description="risk bands (the file's risk_bands)")
    preferences: dict[str, list[str]] = Field(
        default_factory=dict, description="dimension -> values of the customer's preferred_<dimension>"
    )

    def columns(self) -> list[str]:
        """The customer columns these conditions read."""
        cols = (["segment"] if self.segment else []) + (["risk_band"] if self.risk_band else [])
        return cols + list(self.behaviour) + [f"preferred_{d}" for d in self.preferences]


class Action(_Strict):
    """What the customer gets."""

    play: str
    content: str
    offer: str | None = None
    message: str
    channel: str


class Rule(_Strict):
    name: str = Field(pattern=_SLUG)
    priority: int = Field(ge=1, description="1 fires first")
    when: When = Field(default_factory=When)
    action: Action


class RuleSet(_Strict):
    """A validated rules file."""

    name: str = Field(pattern=_SLUG)
    description: str = ""
    salt: str = Field(min_length=1, description="salts the holdout hash; change it to draw new holdouts")
    risk_bands: list[str] = Field(default_factory=lambda: list(DEFAULT_RISK_BANDS), min_length=1)
    plays: dict[str, Play] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_exist(self) -> RuleSet:
        problems = []
        for kind, values in (
            ("rule names", [r.name for r in self.rules]),
            ("priorities", [r.priority for r in self.rules]),
        ):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                problems.append(f"{kind} must be unique; repeated: {quote_list(repeated)}")
        for rule in self.rules:
            checks = (
                ("segment", rule.when.segment, SEGMENTS),
                ("behaviour", rule.when.behaviour, BEHAVIOURS),
                ("risk_band", rule.when.risk_band, self.risk_bands),
                ("play", [rule.action.play], list(self.plays)),
            )
            for field, values, known in checks:
                unknown = [v for v in values if v not in known]
                if unknown:
                    problems.append(
                        f"rule {rule.name!r}: unknown {field} {quote_list(unknown)} (known: {quote_list(known)})"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def ordered(self) -> list[Rule]:
        """Rules in firing order."""
        return sorted(self.rules, key=lambda r: r.priority)


def parse_rules(raw: object, where: str = "rules") -> RuleSet:
    """Validate an already-parsed mapping; every problem becomes one input error naming ``where``."""
    if not isinstance(raw, dict):
        raise input_error(where, "is not a YAML mapping", "keys name, salt, plays, rules")
    try:
        return RuleSet.model_validate(raw)
    except ValidationError as exc:
        raise _rules_error(where, exc) from None


def load_rules(path: str | Path) -> RuleSet:
    """Read and validate a rules file.

    >>> from journey import config
    >>> rules = load_rules(config.playbooks_dir() / "personalization" / "rules.yml")
    >>> [rule.name for rule in rules.ordered()][:2]
    ['keep-champions', 'win-back-at-risk']
    """
    path = config.resolve(path)
    if not path.is_file():
        raise input_error(str(path), "rules file not found", "a YAML file such as playbooks/personalization/rules.yml")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problem = " ".join(str(exc).split())
        raise input_error(path.name, f"is not valid YAML ({problem})", "a YAML mapping") from None
    return parse_rules(raw, path.name)


def _rules_error(where: str, exc: ValidationError) -> JourneyInputError:
    return pydantic_error(where, exc, "a rules file as in playbooks/personalization/rules.yml")


__all__ = ["DEFAULT_RISK_BANDS", "Action", "Play", "Rule", "RuleSet", "When", "load_rules", "parse_rules"]
