"""A seeded, adversarial event log for checking funnels and retention against other engines.

Unlike the realistic sample data, this log is built to hit every edge of the funnel rules
often: repeated step-1 events (re-entry), many events in the same second (ties), steps out
of order, and gaps that land exactly on the window limit. Vectorised numpy, so the benchmark
can build tens of millions of rows with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STEPS = ("landing_view", "product_view", "add_to_cart", "checkout_start", "purchase")
NOISE = ("article_view", "faq_view", "repeat_purchase")
CHANNELS = ("paid_search", "paid_social", "display", "email", "organic", "referral")
DEVICES = ("desktop", "mobile", "tablet")
START = pd.Timestamp("2026-08-03", tz="UTC")


def make_funnel_events(
    users: int = 1000,
    seed: int = 0,
    *,
    events_per_user: float = 4.5,
    span_days: int = 56,
    edge_gap_s: int = 86_400,
) -> pd.DataFrame:
    """Columns ``user_id, ts, event, channel, device`` (ts UTC with sub-second noise).

    Each user gets 1 + Poisson(``events_per_user`` - 1) events. Event types lean towards
    early steps; gaps between consecutive events mix 0 s (ties), under 1 s, minutes, days
    and exactly ``edge_gap_s`` so that a window of that length is hit on its edge.
    """
    rng = np.random.default_rng(seed)
    counts = 1 + rng.poisson(max(events_per_user - 1.0, 0.0), users)
    n = int(counts.sum())
    user = np.repeat(np.arange(1, users + 1, dtype=np.int64), counts)
    first = np.zeros(n, dtype=bool)
    first[np.concatenate([[0], np.cumsum(counts)[:-1]])] = True
    names = np.array(STEPS + NOISE)
    p = np.array([0.30, 0.22, 0.14, 0.10, 0.08, 0.07, 0.05, 0.04])
    kind = rng.choice(len(names), size=n, p=p / p.sum())
    gap_kind = rng.choice(5, size=n, p=[0.25, 0.15, 0.3, 0.2, 0.1])
    gaps = np.select(
        [gap_kind == 0, gap_kind == 1, gap_kind == 2, gap_kind == 3],
        [np.zeros(n), rng.uniform(0, 1, n), rng.integers(1, 3600, n), rng.integers(3600, 5 * 86_400, n)],
        default=float(edge_gap_s),
    )
    user_start = rng.uniform(0, span_days * 86_400, users)
    gaps[first] = 0.0
    offsets = np.cumsum(gaps)
    base = np.repeat(offsets[first], counts)
    seconds = np.repeat(user_start, counts) + offsets - base
    seconds = np.floor(seconds) + np.where(gap_kind == 1, 0.0, rng.integers(0, 1000, n) / 1000 * (gap_kind == 3))
    ts = START + pd.to_timedelta(np.round(seconds * 1e6).astype(np.int64), unit="us")
    order = rng.permutation(n)  # rows arrive out of order, as in real logs
    return pd.DataFrame(
        {
            "user_id": user[order],
            "ts": ts[order],
            "event": names[kind][order],
            "channel": np.array(CHANNELS)[rng.integers(0, len(CHANNELS), n)][order],
            "device": np.array(DEVICES)[rng.integers(0, len(DEVICES), users)][user[order] - 1],
        }
    )
