"""CLV simulators: a draw's averages equal the model's closed forms."""

from __future__ import annotations

import numpy as np

from journey import clv
from journey.datasets.clv import bgnbd_repeat_purchases


def test_bgnbd_repeat_purchases_average_the_closed_form_expectation():
    rng = np.random.default_rng(5)
    n, r, alpha, a, b = 200_000, 0.6, 5.0, 0.8, 3.0
    lam, drop = rng.gamma(r, 1.0 / alpha, n), rng.beta(a, b, n)
    age = np.full(n, 52.0)
    who, weeks, dropped = bgnbd_repeat_purchases(lam, drop, age, rng)
    assert (weeks > 0).all() and (weeks <= 52.0).all()
    counts = np.bincount(who, minlength=n)
    # E[X(t)] of Fader, Hardie & Lee (2005), eq. 9, through journey.clv (checked there against
    # the paper's CDNOW numbers); standard error of the mean here about 0.5%, so 2% is 4 of them.
    expected = clv.BetaGeo(r=r, alpha=alpha, a=a, b=b).expected_purchases(52.0)
    assert abs(counts.mean() - expected) / expected < 0.02
    # Only customers with a repeat purchase can have dropped out (BG/NBD: after a purchase).
    assert not dropped[counts == 0].any()
    assert 0.2 < dropped[counts > 0].mean() < 0.9
