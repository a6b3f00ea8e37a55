"""Personalization: rules that map segments, risk bands and preferences to an action, with a holdout per play.

- :func:`load_rules` / :class:`RuleSet`: the YAML rules file (``playbooks/personalization/``),
  validated with unknown keys, segments, bands and plays rejected in one line;
- :func:`assign`: one action per customer, the rule that fired (priority order) and the
  play's ``group`` (``treatment`` / ``holdout``) from a salted hash, readable with
  :mod:`journey.experiments`;
- :func:`customer_table`: the customers' segments, bands and preferences from orders and events;
- :func:`write_csv`: the actions for activation, written atomically
  (``journey personalize export RULES OUT.csv``).
"""

from journey.personalize.assign import ACTION_COLUMNS, HOLDOUT, TREATMENT, Assignment, assign, holdout_draw, write_csv
from journey.personalize.profile import customer_table
from journey.personalize.rules import DEFAULT_RISK_BANDS, RuleSet, load_rules, parse_rules

__all__ = [
    "ACTION_COLUMNS",
    "DEFAULT_RISK_BANDS",
    "HOLDOUT",
    "TREATMENT",
    "Assignment",
    "RuleSet",
    "assign",
    "customer_table",
    "holdout_draw",
    "load_rules",
    "parse_rules",
    "write_csv",
]
