"""Seeded simulations of the CLV models' generating processes, for tests and benchmarks.

Each function draws from exactly the process its model assumes, with the parameters given,
so a fit on a large draw must recover them (within sampling error) and a fit on a small one
shows the sampling error a user should expect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def bgnbd_customers(
    customers: int, r: float, alpha: float, a: float, b: float, T: float | np.ndarray = 52.0, seed: int = 0
) -> pd.DataFrame:
    """Per-customer ``frequency``, ``recency``, ``T`` from the BG/NBD process (Fader, Hardie & Lee 2005).

    Each customer makes a first purchase at time 0 and is observed for ``T``; while alive they
    buy at rate ``λ ~ Gamma(r, rate α)``; after each repeat purchase they drop out with
    probability ``p ~ Beta(a, b)``. Vectorized over customers, one round per purchase.
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, customers)
    p = rng.beta(a, b, customers)
    age = np.broadcast_to(np.asarray(T, dtype=float), (customers,)).copy()
    now = np.zeros(customers)
    x = np.zeros(customers)
    t_x = np.zeros(customers)
    active = np.ones(customers, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        nxt = now[idx] + rng.exponential(1.0, len(idx)) / lam[idx]
        bought = nxt <= age[idx]
        buyers = idx[bought]
        x[buyers] += 1
        t_x[buyers] = nxt[bought]
        now[buyers] = nxt[bought]
        dropped = rng.random(len(buyers)) < p[buyers]
        active[idx[~bought]] = False
        active[buyers[dropped]] = False
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": age})


def gamma_gamma_spend(frequency: np.ndarray, p: float, q: float, gamma: float, seed: int = 0) -> np.ndarray:
    """Mean spend over each customer's ``frequency`` repeat purchases under Gamma-Gamma (0 if none).

    ``ν ~ Gamma(q, rate γ)`` per customer and each purchase ``~ Gamma(p, rate ν)``, so the sum of
    ``x`` purchases is ``Gamma(p x, rate ν)``.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / gamma, len(x))
    shape = np.where(x > 0, p * x, 1.0)
    total = rng.gamma(shape, 1.0 / nu)
    return np.where(x > 0, total / np.maximum(x, 1), 0.0)


def sbg_survivors(cohort: int, alpha: float, beta: float, periods: int, seed: int = 0) -> np.ndarray:
    """Counts still active at periods ``0..periods`` of a cohort whose members cancel each period
    with their own probability ``θ ~ Beta(α, β)`` (the shifted-beta-geometric process)."""
    rng = np.random.default_rng(seed)
    theta = rng.beta(alpha, beta, cohort)
    lifetime = rng.geometric(theta)  # the period at whose end each member cancels (>= 1)
    return np.array([(lifetime > t).sum() for t in range(periods + 1)], dtype=np.int64)


def bgnbd_transactions(
    customers: int,
    r: float = 0.243,
    alpha: float = 4.414,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    gamma: float = 15.44,
    start: str = "2024-01-01",
    entry_days: int = 365,
    days: int = 730,
    seed: int = 0,
) -> pd.DataFrame:
    """Transactions (``customer_id``, ``date``, ``amount``) from BG/NBD purchases and Gamma-Gamma spend.

    Customers make their first purchase on a uniform day of the first ``entry_days`` and are
    observed until ``start + days``; ``alpha`` is a rate per week (the CDNOW defaults), so the
    process runs in weeks and dates are whole days. Spend per purchase is ``Gamma(p, rate ν)``
    with ``ν ~ Gamma(q, rate γ)`` per customer. Several purchases on one day are possible (and
    merge in :func:`journey.clv.rfm_summary`).
    """
    rng = np.random.default_rng(seed)
    first = rng.integers(0, entry_days, customers)
    age = (days - first) / 7.0
    lam = rng.gamma(r, 1.0 / alpha, customers)
    drop = rng.beta(a, b, customers)
    nu = rng.gamma(q, 1.0 / gamma, customers)
    repeat, weeks, _ = bgnbd_repeat_purchases(lam, drop, age, rng)
    customer = np.concatenate([np.arange(customers), repeat])
    day = first[customer] + np.floor(np.concatenate([np.zeros(customers), weeks]) * 7.0).astype(np.int64)
    amount = np.round(rng.gamma(p, 1.0 / nu[customer]), 2)
    dates = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    frame = pd.DataFrame({"customer_id": customer, "date": dates.date, "amount": amount})
    return frame.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)


def bgnbd_repeat_purchases(
    lam: np.ndarray, drop: np.ndarray, age: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repeat purchases of customers with known rates, as ``(customer, weeks, dropped)``.

    Customer ``i`` buys at rate ``lam[i]`` per week from its first purchase (week 0) until
    ``age[i]``, and after each repeat purchase drops out with probability ``drop[i]`` (the BG/NBD
    process, one vectorized round per purchase). Returns the customer index and the week of
    every repeat purchase (in rounds: sort if order matters) and, per customer, whether it has
    dropped out by ``age`` (its last purchase is then its dropout time). Callers that need the
    per-customer truth (rates, dropout) draw the rates themselves and pass them here.
    """
    n = len(lam)
    now = np.zeros(n)
    dropped = np.zeros(n, dtype=bool)
    ids: list[np.ndarray] = []
    weeks: list[np.ndarray] = []
    active = np.flatnonzero(lam > 0)
    while len(active):
        nxt = now[active] + rng.exponential(1.0, len(active)) / lam[active]
        bought = nxt <= age[active]
        buyers = active[bought]
        ids.append(buyers)
        weeks.append(nxt[bought])
        now[buyers] = nxt[bought]
        leaving = rng.random(len(buyers)) < drop[buyers]
        dropped[buyers[leaving]] = True
        active = buyers[~leaving]
    if not ids:
        return np.array([], dtype=np.int64), np.array([]), dropped
    return np.concatenate(ids).astype(np.int64), np.concatenate(weeks), dropped
