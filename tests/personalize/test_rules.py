"""The rules file: the example loads, and every kind of mistake is one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from journey import config
from journey.personalize import load_rules, parse_rules
from journey.segments import BEHAVIOURS, SEGMENTS
from journey.validation import JourneyInputError

EXAMPLE = config.playbooks_dir() / "personalization" / "rules.yml"


def _raw() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _error(raw: object) -> str:
    with pytest.raises(JourneyInputError) as info:
        parse_rules(raw, "rules.yml")
    message = str(info.value)
    assert "\n" not in message and message.startswith("rules.yml: ")
    return message


def test_example_rules_file_loads_and_uses_only_known_names() -> None:
    rules = load_rules(EXAMPLE)
    assert [r.priority for r in rules.ordered()] == sorted(r.priority for r in rules.rules)
    used = {s for r in rules.rules for s in r.when.segment}
    assert used <= set(SEGMENTS) and {b for r in rules.rules for b in r.when.behaviour} <= set(BEHAVIOURS)
    assert all(0 < play.holdout < 1 for play in rules.plays.values())


def test_unknown_key_is_rejected_with_its_location() -> None:
    raw = _raw()
    raw["rules"][0]["when"]["segmnt"] = ["champions"]
    assert "rules.0.when.segmnt: unknown key" in _error(raw)
    raw = _raw()
    raw["plays"]["winback_offer"]["holdot"] = 0.1
    assert "plays.winback_offer.holdot: unknown key" in _error(raw)


def test_unknown_segment_behaviour_band_and_play_are_rejected_listing_the_known_ones() -> None:
    raw = _raw()
    raw["rules"][0]["when"]["segment"] = ["champions", "whales"]
    message = _error(raw)
    assert "rule 'keep-champions': unknown segment 'whales'" in message and "'hibernating'" in message
    raw = _raw()
    raw["rules"][2]["when"]["behaviour"] = ["bargain_hunters"]
    assert "unknown behaviour 'bargain_hunters' (known: 'comparison_shoppers'" in _error(raw)
    raw = _raw()
    raw["rules"][1]["when"]["risk_band"] = ["critical"]  # not in the file's risk_bands
    assert "unknown risk_band 'critical' (known: 'high', 'low', 'medium')" in _error(raw)
    raw["risk_bands"] = ["low", "medium", "high", "critical"]  # declared: accepted
    assert parse_rules(raw).rules[1].when.risk_band == ["critical"]
    raw = _raw()
    raw["rules"][0]["action"]["play"] = "vip"
    assert "unknown play 'vip'" in _error(raw)


def test_priorities_must_be_unique_so_the_order_never_depends_on_the_layout() -> None:
    raw = _raw()
    raw["rules"][1]["priority"] = raw["rules"][0]["priority"]
    assert "priorities must be unique; repeated: '1'" in _error(raw)


def test_holdout_share_must_be_below_one() -> None:
    raw = _raw()
    raw["plays"]["winback_offer"]["holdout"] = 1.0
    assert "plays.winback_offer.holdout" in _error(raw)


def test_bad_files_are_one_line_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(JourneyInputError, match=r"^broken.yml: is not valid YAML") as info:
        load_rules(broken)
    assert "\n" not in str(info.value)
    with pytest.raises(JourneyInputError, match="rules file not found"):
        load_rules(tmp_path / "missing.yml")
    assert "is not a YAML mapping" in _error(["a", "list"])
