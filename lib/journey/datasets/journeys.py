"""Synthetic customer journeys: visits, stage events, orders, customers and experiment assignments.

The generator is vectorised numpy over chunks of users so that a million users take seconds,
and every chunk has its own seeded stream (``default_rng([seed, chunk])``): the same seed
always gives the same rows, whatever else ran before. The behaviour it plants is what the
notebooks should find again:

* channels differ in bounce and intent (display bounces most, email converts best);
* consideration exposures (compare, reviews, FAQ, demo) raise the chance to add to cart;
* slow pages raise checkout errors and lower purchase; chat after an error helps;
* experiment ``checkout-redesign`` really lifts purchase (more carts reach checkout, +10
  points of purchase once there) and lowers checkout errors; ``free-shipping-banner`` has no effect (3 arms);
  ``onboarding-email`` (new visitors) raises repeat purchases but loses 15% of treatment
  assignments in logging, a sample-ratio mismatch the readout must flag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

START = dt.datetime(2026, 8, 3, tzinfo=dt.UTC)  # a Monday, so weekly cohorts are whole weeks
DAYS = 112  # through Sunday 2026-11-22
END_SECONDS = DAYS * 86_400
CHUNK_USERS = 50_000  # fixed: part of the seed-to-bytes contract

CHANNELS = ("paid_search", "paid_social", "display", "email", "organic", "referral")
CHANNEL_SHARE = (0.22, 0.18, 0.12, 0.13, 0.25, 0.10)
CHANNEL_BOUNCE = (0.30, 0.45, 0.55, 0.22, 0.30, 0.28)
CHANNEL_INTENT = (0.05, -0.03, -0.08, 0.10, 0.04, 0.06)
PAID_CHANNELS = (0, 1, 2)
DEVICES = ("desktop", "mobile", "tablet")
DEVICE_SHARE = (0.45, 0.45, 0.10)
DEVICE_LOAD_MS = (1100.0, 2100.0, 1600.0)
COUNTRIES = ("US", "GB", "DE", "FR", "CA", "AU")
COUNTRY_SHARE = (0.40, 0.15, 0.13, 0.12, 0.10, 0.10)
COUNTRY_BASKET = (1.0, 0.9, 0.95, 0.9, 0.85, 0.95)

# Stage events in the order they happen inside one visit (their rank orders timestamps).
EVENTS = (
    "ad_impression",
    "landing_view",
    "article_view",
    "product_view",
    "compare",
    "review_read",
    "faq_view",
    "demo_view",
    "add_to_cart",
    "checkout_start",
    "checkout_error",
    "chat_start",
    "purchase",
    "repeat_purchase",
    "support_ticket",
)
_E = {name: code for code, name in enumerate(EVENTS)}
MAX_VISITS = 6
_LATE_VISIT = 8  # visit slots >= this hold repeat purchases / tickets, one session each


@dataclass(frozen=True, slots=True)
class Experiment:
    """An experiment planted in the sample: who is assigned when, and to which arms."""

    name: str
    start: dt.date
    end: dt.date  # exclusive
    variants: tuple[str, ...]
    trigger: str  # "visit": first visit in the window; "arrival": first-ever visit falls in the window


EXPERIMENTS = (
    Experiment("checkout-redesign", dt.date(2026, 9, 28), dt.date(2026, 11, 2), ("control", "treatment"), "visit"),
    Experiment(
        "free-shipping-banner",
        dt.date(2026, 10, 12),
        dt.date(2026, 11, 9),
        ("control", "banner_a", "banner_b"),
        "visit",
    ),
    Experiment("onboarding-email", dt.date(2026, 9, 7), dt.date(2026, 10, 5), ("control", "treatment"), "arrival"),
)
ONBOARDING_LOST_TREATMENT = 0.15  # share of treatment assignments lost in logging (planted SRM)


def _seconds(day: dt.date) -> float:
    return (dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - START).total_seconds()


class _Events:
    """Column buffers for one chunk's events (appended block by block)."""

    def __init__(self) -> None:
        self.user: list[np.ndarray] = []
        self.visit: list[np.ndarray] = []
        self.code: list[np.ndarray] = []
        self.base: list[np.ndarray] = []  # visit start (seconds) the event is offset from
        self.revenue: list[np.ndarray] = []

    def add(self, user: np.ndarray, visit: np.ndarray, code: int, base: np.ndarray, revenue=None) -> None:
        n = len(user)
        self.user.append(user)
        self.visit.append(np.broadcast_to(visit, n).astype(np.int64))
        self.code.append(np.full(n, code, dtype=np.int64))
        self.base.append(base.astype(np.float64))
        self.revenue.append(np.full(n, np.nan) if revenue is None else revenue)

    def concat(self) -> dict[str, np.ndarray]:
        return {key: np.concatenate(getattr(self, key)) for key in ("user", "visit", "code", "base", "revenue")}


def generate_chunk(chunk: int, users: int, seed: int, first_user_id: int) -> dict[str, pd.DataFrame]:
    """All tables for ``users`` users starting at ``first_user_id`` (chunk ``chunk`` of the run)."""
    rng = np.random.default_rng([seed, chunk])
    n = users
    idx = np.arange(n)
    user_id = first_user_id + idx

    # Arrivals grow over the period and dip at weekends.
    day_weight = np.linspace(0.8, 1.2, DAYS) * np.where((np.arange(DAYS) % 7) >= 5, 0.8, 1.1)
    arrival = rng.choice(DAYS, size=n, p=day_weight / day_weight.sum()) * 86_400.0 + rng.uniform(0, 86_400, n)
    channel0 = rng.choice(len(CHANNELS), size=n, p=CHANNEL_SHARE)
    device = rng.choice(len(DEVICES), size=n, p=DEVICE_SHARE)
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_SHARE)
    intent = np.clip(rng.beta(2, 5, n) + np.take(CHANNEL_INTENT, channel0), 0.0, 1.0)

    # Visits: start times and channels.
    n_visits = np.minimum(1 + rng.poisson(0.3 + 2.0 * intent), MAX_VISITS)
    bounced = rng.random(n) < np.take(CHANNEL_BOUNCE, channel0) * (1.2 - intent)
    n_visits = np.where(bounced, 1, n_visits)
    gaps = rng.exponential(2.5 * 86_400, (n, MAX_VISITS))
    gaps[:, 0] = 0.0
    visit_start = arrival[:, None] + np.cumsum(gaps, axis=1)
    revisit_channel = rng.choice(len(CHANNELS), size=(n, MAX_VISITS), p=CHANNEL_SHARE)
    keep = rng.random((n, MAX_VISITS)) < 0.45
    visit_channel = np.where(keep, channel0[:, None], revisit_channel)
    email_visit = rng.random((n, MAX_VISITS)) < 0.25
    visit_channel = np.where(email_visit, CHANNELS.index("email"), visit_channel)
    visit_channel[:, 0] = channel0
    visit_load = np.take(DEVICE_LOAD_MS, device)[:, None] * rng.lognormal(0.0, 0.45, (n, MAX_VISITS))

    ev = _Events()
    # Every visit opens with a landing view; paid visits have an ad impression just before.
    for v in range(MAX_VISITS):
        has = n_visits > v
        u = idx[has]
        paid = np.isin(visit_channel[u, v], PAID_CHANNELS)
        ev.add(u[paid], v, _E["ad_impression"], visit_start[u[paid], v])
        ev.add(u, v, _E["landing_view"], visit_start[u, v])

    # Awareness engagement: articles, mostly for organic and referral traffic.
    content = np.isin(channel0, (CHANNELS.index("organic"), CHANNELS.index("referral")))
    articles = np.where(bounced, 0, rng.poisson(0.3 + 0.9 * content))
    u = np.repeat(idx, articles)
    ev.add(u, 0, _E["article_view"], visit_start[u, 0])

    # Consideration, in one visit chosen early in the journey.
    considered = ~bounced & (rng.random(n) < np.clip(0.25 + 0.9 * intent, 0, 0.95))
    c_visit = np.minimum((rng.random(n) ** 2 * n_visits).astype(np.int64), n_visits - 1)
    exposure = {}
    for name, p in (("compare", 0.25), ("review_read", 0.35), ("faq_view", 0.25), ("demo_view", 0.10)):
        exposure[name] = considered & (rng.random(n) < p + 0.3 * intent)
    views = np.where(considered, 1 + rng.poisson(1.0, n), 0)
    u = np.repeat(idx, views)
    ev.add(u, c_visit[u], _E["product_view"], visit_start[u, c_visit[u]])
    for name, exposed in exposure.items():
        u = idx[exposed]
        ev.add(u, c_visit[u], _E[name], visit_start[u, c_visit[u]])

    # Decision, in the consideration visit or a later one.
    d_visit = c_visit + (rng.random(n) * (n_visits - c_visit)).astype(np.int64)
    d_visit = np.minimum(d_visit, n_visits - 1)
    d_start = visit_start[idx, d_visit]
    d_load = visit_load[idx, d_visit]
    assignment = _assign(rng, n, visit_start, n_visits)
    redesign = (assignment["checkout-redesign"][0] == 1) & (d_start >= assignment["checkout-redesign"][1])

    p_cart = (
        0.08
        + 0.45 * intent
        + 0.07 * exposure["compare"]
        + 0.08 * exposure["review_read"]
        + 0.05 * exposure["faq_view"]
        + 0.10 * exposure["demo_view"]
        - 0.04 * (device == 1)
    )
    carted = considered & (rng.random(n) < p_cart)
    checkout = carted & (rng.random(n) < 0.75 + 0.12 * redesign)
    slow = d_load > 2500
    p_error = (0.05 + 0.12 * slow) * np.where(redesign, 0.6, 1.0)
    error = checkout & (rng.random(n) < p_error)
    chat = checkout & (rng.random(n) < 0.10 + 0.15 * error)
    p_buy = 0.55 - 0.25 * error + 0.12 * chat - 0.10 * (d_load > 3000) + 0.15 * intent + 0.10 * redesign
    bought = checkout & (rng.random(n) < np.clip(p_buy, 0.02, 0.98))
    for name, mask in (
        ("add_to_cart", carted),
        ("checkout_start", checkout),
        ("checkout_error", error),
        ("chat_start", chat),
    ):
        u = idx[mask]
        ev.add(u, d_visit[u], _E[name], d_start[u])
    basket = np.take(COUNTRY_BASKET, country) * rng.lognormal(np.log(55.0), 0.6, n)
    u = idx[bought]
    ev.add(u, d_visit[u], _E["purchase"], d_start[u], np.round(basket[u], 2))

    # Retention: repeat purchases and support tickets, each in a session of its own.
    onboarding = assignment["onboarding-email"]
    repeat_rate = 0.35 + 0.5 * intent + 0.25 * ((onboarding[0] == 1) & (d_start >= onboarding[1]))
    repeats = np.where(bought, np.minimum(rng.poisson(repeat_rate), 4), 0)
    slot = _LATE_VISIT
    late_base: list[np.ndarray] = []
    t = d_start.copy()
    for k in range(4):
        t = t + rng.exponential(20 * 86_400, n)
        has = repeats > k
        u = idx[has]
        amount = np.round(np.take(COUNTRY_BASKET, country[u]) * rng.lognormal(np.log(45.0), 0.5, len(u)), 2)
        ev.add(u, slot + k, _E["landing_view"], t[u])
        ev.add(u, slot + k, _E["repeat_purchase"], t[u], amount)
        late_base.append(t)
    ticket = bought & (rng.random(n) < 0.10 + 0.15 * error)
    t_ticket = d_start + rng.exponential(5 * 86_400, n)
    u = idx[ticket]
    ev.add(u, slot + 4, _E["support_ticket"], t_ticket[u])

    events = _finish_events(rng, ev.concat(), user_id, visit_channel, visit_load, device, country)
    return {
        "events": events,
        "assignments": _assignment_rows(rng, assignment, user_id),
        "users": pd.DataFrame(
            {
                "user_id": user_id,
                "first_touch_channel": np.take(CHANNELS, channel0),
                "device": np.take(DEVICES, device),
                "country": np.take(COUNTRIES, country),
            }
        ),
    }


def _assign(rng: np.random.Generator, n: int, visit_start: np.ndarray, n_visits: np.ndarray) -> dict:
    """Per experiment: (arm index or -1, assignment time in seconds) per user."""
    out = {}
    visit_ok = np.arange(MAX_VISITS)[None, :] < n_visits[:, None]
    for exp in EXPERIMENTS:
        arm = rng.integers(0, len(exp.variants), n)
        inside = visit_ok & (visit_start >= _seconds(exp.start)) & (visit_start < _seconds(exp.end))
        if exp.trigger == "arrival":
            inside[:, 1:] = False
        first = np.argmax(inside, axis=1)
        assigned = inside.any(axis=1)
        when = visit_start[np.arange(n), first]
        out[exp.name] = (np.where(assigned, arm, -1), when)
    return out


def _assignment_rows(
    rng: np.random.Generator,
    assignment: dict,
    user_id: np.ndarray,
) -> pd.DataFrame:
    frames = []
    for exp in EXPERIMENTS:
        arm, when = assignment[exp.name]
        mask = arm >= 0
        if exp.name == "onboarding-email":  # planted logging loss in one arm: an SRM
            mask &= ~((arm == 1) & (rng.random(len(arm)) < ONBOARDING_LOST_TREATMENT))
        frames.append(
            pd.DataFrame(
                {
                    "user_id": user_id[mask],
                    "experiment": exp.name,
                    "variant": np.take(exp.variants, arm[mask]),
                    "assigned_at": _to_timestamp(when[mask]),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _finish_events(
    rng: np.random.Generator,
    raw: dict[str, np.ndarray],
    user_id: np.ndarray,
    visit_channel: np.ndarray,
    visit_load: np.ndarray,
    device: np.ndarray,
    country: np.ndarray,
) -> pd.DataFrame:
    """Order events inside each visit by stage rank, space them out, and build the columns."""
    order = np.lexsort((raw["code"], raw["visit"], raw["user"]))
    user, visit, code, base, revenue = (raw[k][order] for k in ("user", "visit", "code", "base", "revenue"))
    gap = rng.exponential(40.0, len(user)) + 3.0
    gap = np.where(code == _E["ad_impression"], 0.0, gap)
    csum = np.cumsum(gap)
    new_group = np.ones(len(user), dtype=bool)
    new_group[1:] = (user[1:] != user[:-1]) | (visit[1:] != visit[:-1])
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(user)), 0))
    offset = csum - csum[group_start]
    ts = base + offset - np.where(code == _E["ad_impression"], rng.uniform(5, 90, len(user)), 0.0)
    keep = ts < END_SECONDS
    user, visit, code, ts, revenue = user[keep], visit[keep], code[keep], ts[keep], revenue[keep]
    in_visit = np.minimum(visit, MAX_VISITS - 1)
    late = visit >= _LATE_VISIT
    channel = np.where(late, CHANNELS.index("email"), visit_channel[user, in_visit])
    load = np.where(late, visit_load[user, 0], visit_load[user, in_visit]) * rng.lognormal(0.0, 0.12, len(user))
    return pd.DataFrame(
        {
            "user_id": user_id[user],
            "ts": _to_timestamp(ts),
            "event": pd.Categorical.from_codes(code, EVENTS).astype(str),
            "channel": np.take(CHANNELS, channel),
            "device": np.take(DEVICES, device[user]),
            "country": np.take(COUNTRIES, country[user]),
            "session_id": user_id[user] * 16 + visit,
            "page_load_ms": np.round(load, 0),
            "revenue": revenue,
        }
    )


def _to_timestamp(seconds: np.ndarray) -> pd.Series:
    """Seconds since START → UTC timestamps at millisecond precision."""
    millis = np.round(np.asarray(seconds, dtype=np.float64) * 1000.0).astype(np.int64)
    base = np.datetime64(START.replace(tzinfo=None), "ms")
    return pd.Series(base + millis.astype("timedelta64[ms]")).dt.tz_localize("UTC").astype("datetime64[us, UTC]")
