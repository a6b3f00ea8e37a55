"""The named segments partition the score grid: every customer gets exactly one name, no rule is dead."""

from __future__ import annotations

import itertools

from journey.segments.rules import BEHAVIOURS, SEGMENT_RULES, SEGMENTS, segment_of


def test_every_recency_frequency_cell_has_a_segment_and_every_rule_is_reached() -> None:
    reached = set()
    for r, f in itertools.product(range(1, 6), range(1, 6)):
        matching = [rule.segment for rule in SEGMENT_RULES if rule.holds(r, f)]
        assert matching, f"no segment for r={r}, f={f}"
        reached.add(segment_of(r, f))
        assert segment_of(r, f) == matching[0]  # first rule wins
    assert reached == set(SEGMENTS)


def test_one_time_buyers_are_new_or_lapsed_by_recency_never_loyal() -> None:
    assert [segment_of(r, 1) for r in range(1, 6)] == [
        "one_time_lapsed",
        "one_time_lapsed",
        "needs_attention",
        "new",
        "new",
    ]


def test_segment_and_behaviour_names_are_unique_snake_case() -> None:
    names = [*SEGMENTS, *BEHAVIOURS]
    assert len(names) == len(set(names))
    assert all(name.replace("_", "").isalpha() and name.islower() for name in names)
