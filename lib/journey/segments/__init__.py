"""Customer segments: who a customer is by what they bought, when, and how they browse.

- :func:`rfm`: recency, frequency and monetary scores (1-5) and a named segment per customer
  (:data:`SEGMENTS`: champions, loyal, at risk, new, promising, needs attention, hibernating,
  one-time lapsed), built on :func:`journey.clv.rfm_summary` and robust to populations where
  most customers bought once;
- :func:`purchase_timing`: the distribution of days between purchases, each customer's
  expected next purchase and a timing risk band;
- :func:`behaviour_segments` (comparison shoppers, review readers, deal seekers) and
  :func:`preferences` (channel, device, category affinity) from the events table;
- :func:`transition_matrix`: segment movement between two periods;
- figures (:mod:`journey.segments.figures`): :func:`segment_chart`, :func:`timing_chart`,
  :func:`transition_chart`, each a Chart with alt text from its numbers.

The segment definitions are data (:mod:`journey.segments.rules`), which
:mod:`journey.personalize` reads to reject unknown segment names.

>>> from journey import segments
>>> segments.SEGMENTS[:4]
('champions', 'loyal', 'at_risk', 'new')
"""

from journey.segments.behaviour import BehaviourSegments, Preferences, behaviour_segments, preferences
from journey.segments.figures import segment_chart, timing_chart, transition_chart
from journey.segments.rfm import RFMSegments, rfm
from journey.segments.rules import BEHAVIOUR_RULES, BEHAVIOURS, SEGMENT_RULES, SEGMENTS
from journey.segments.timing import TIMING_RISK_BANDS, PurchaseTiming, purchase_timing
from journey.segments.transitions import NOT_A_CUSTOMER, Transitions, transition_matrix

__all__ = [
    "BEHAVIOURS",
    "BEHAVIOUR_RULES",
    "NOT_A_CUSTOMER",
    "SEGMENTS",
    "SEGMENT_RULES",
    "TIMING_RISK_BANDS",
    "BehaviourSegments",
    "Preferences",
    "PurchaseTiming",
    "RFMSegments",
    "Transitions",
    "behaviour_segments",
    "preferences",
    "purchase_timing",
    "rfm",
    "segment_chart",
    "timing_chart",
    "transition_chart",
    "transition_matrix",
]
