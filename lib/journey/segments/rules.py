"""The segments' definitions as data: named RFM segments and behaviour segments.

Kept free of heavy imports (no pandas, no ibis) so that :mod:`journey.personalize` can
check a rules file's segment names without loading the engine.

RFM scores run 1 (worst) to 5 (best) and are assigned by :mod:`journey.segments.rfm`; a
named segment is the **first** row of :data:`SEGMENT_RULES` whose recency and frequency
ranges hold the customer's scores. The rows partition the 5 x 5 grid (a test checks that
every cell has exactly one first match and that every row is reachable), so every customer
gets a name. Frequency 1 always means "bought once" (see :func:`journey.segments.rfm.f_scores`),
which is what keeps ``new`` and ``one_time_lapsed`` apart when most customers bought once.

>>> [rule.segment for rule in SEGMENT_RULES][:3]
['champions', 'loyal', 'at_risk']
>>> segment_of(r=5, f=1)
'new'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """One named RFM segment: scores in ``r`` (recency) and ``f`` (frequency), both inclusive ranges."""

    segment: str
    r: tuple[int, int]
    f: tuple[int, int]
    description: str

    def holds(self, r: int, f: int) -> bool:
        return self.r[0] <= r <= self.r[1] and self.f[0] <= f <= self.f[1]


SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("champions", (4, 5), (4, 5), "bought recently and most often"),
    SegmentRule("loyal", (3, 5), (3, 5), "buy regularly, not lapsed"),
    SegmentRule("at_risk", (1, 2), (3, 5), "bought often, but not for a long time"),
    SegmentRule("new", (4, 5), (1, 1), "first and only purchase, recently"),
    SegmentRule("promising", (4, 5), (2, 2), "a recent second purchase or a few"),
    SegmentRule("needs_attention", (3, 3), (1, 2), "one or a few purchases, mid recency"),
    SegmentRule("hibernating", (1, 2), (2, 2), "a few purchases, long ago"),
    SegmentRule("one_time_lapsed", (1, 2), (1, 1), "bought once, long ago"),
)
SEGMENTS: tuple[str, ...] = tuple(rule.segment for rule in SEGMENT_RULES)
"""The named RFM segments, best first: the names a personalization rule may use under ``segment``."""


def segment_of(r: int, f: int) -> str:
    """The named segment of one (recency, frequency) score pair: the first rule that holds."""
    return next(rule.segment for rule in SEGMENT_RULES if rule.holds(r, f))


@dataclass(frozen=True, slots=True)
class BehaviourRule:
    """One behaviour segment: a customer belongs when at least ``min_sessions`` of their sessions
    hold one of ``events`` (arriving through one of ``channels`` when given)."""

    segment: str
    events: tuple[str, ...]
    channels: tuple[str, ...] | None
    min_sessions: int
    description: str


DEAL_CHANNELS = ("email", "display", "paid_social")
"""Channels that carry offers and ads. The sample has no discount or coupon column, so a deal
seeker is defined from what it has: carts built in sessions that came through these channels.
With a coupon or promotion event in the data, give the rule that event instead."""

BEHAVIOUR_RULES: tuple[BehaviourRule, ...] = (
    BehaviourRule("comparison_shoppers", ("compare",), None, 1, "compared products in a session"),
    BehaviourRule("review_readers", ("review_read",), None, 1, "read reviews in a session"),
    BehaviourRule(
        "deal_seekers",
        ("add_to_cart", "checkout_start", "purchase"),
        DEAL_CHANNELS,
        1,
        "carted or bought in a session that came through offers and ads (email, display, paid social)",
    ),
)
# One session is enough: in the 16-week sample no customer compares or reads reviews in two
# sessions (1.7 sessions per customer on average); raise min_sessions for a longer history.
BEHAVIOURS: tuple[str, ...] = tuple(rule.segment for rule in BEHAVIOUR_RULES)
"""The behaviour segments (not exclusive): the names a personalization rule may use under ``behaviour``."""

__all__ = [
    "BEHAVIOURS",
    "BEHAVIOUR_RULES",
    "DEAL_CHANNELS",
    "SEGMENTS",
    "SEGMENT_RULES",
    "BehaviourRule",
    "SegmentRule",
    "segment_of",
]
