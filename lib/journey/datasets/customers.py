"""Customer success sample tables: two years of orders, subscriptions, tickets, usage and a play.

The tables describe the sample's customers (the ``customers`` table: everyone who started a
checkout in the 16-week events window) over a longer history. Each comes from its own seeded
stream (``default_rng([seed, tag, chunk])``), drawn after the event tables, so the event
tables keep their bytes and a change here moves only these tables.

Time line (all UTC)
    ``HISTORY_START`` 2024-11-18 ... ``TELEMETRY_START`` 2026-05-04 ... ``PLAY_TS`` 2026-06-01
    ... events window 2026-08-03 ... ``END`` 2026-11-23 (exclusive). A customer is *acquired*
    (first order) on a uniform instant between ``HISTORY_START`` and its ``signup_ts`` (the web
    account is created later, at its first tracked checkout). Support tickets and product usage
    are recorded from ``TELEMETRY_START``.

Tables and columns
    ``order_history`` (order_id, customer_id, ts, amount): every customer's orders from
        acquisition to ``END``: a BG/NBD purchase process (rates per week, :data:`BGNBD`) with
        Gamma-Gamma spend per order (:data:`GAMMA_GAMMA`), plus the win-back offer's purchases.
        Its own order ids (not those of the web ``orders`` table, which it does not contain).
    ``subscriptions`` (subscription_id, customer_id, plan, start_ts, end_ts or null,
        monthly_price): one per customer on a paid plan (``customers.plan``), starting with the
        first order; it renews monthly on the start's day of month (days 29-31 renew on the
        28th) and ends at a renewal; ``end_ts`` is null when still active at ``END``. Its length
        in whole months is ``round((end_ts - start_ts) / 30.4375 days)`` (within 0.2 of a whole).
    ``support_tickets`` (ticket_id, customer_id, opened_ts, resolved_ts or null, topic,
        satisfaction 1-5 or null): from ``TELEMETRY_START``, for subscribers while subscribed
        and for free customers; null ``resolved_ts`` means never resolved.
    ``usage`` (customer_id, week_start, logins, features_used): one row per customer and week
        (Mondays from ``TELEMETRY_START``) with at least one login, while the customer is active
        (subscribed; for free customers, before their true BG/NBD dropout); ``features_used`` is
        how many of the product's :data:`FEATURES` features were used that week (adoption).
    ``plays`` (customer_id, play, variant, assigned_ts): the past win-back play ``winback_offer``.

Planted truths (module constants; :func:`customer_truth` gives the per-customer values)
    * Purchases: BG/NBD ``r, alpha, a, b`` = :data:`BGNBD` in weeks; spend per order
      ``Gamma(p, rate nu)``, ``nu ~ Gamma(q, rate gamma)`` = :data:`GAMMA_GAMMA`. A fit of
      ``order_history`` before ``PLAY_TS`` (``calibration_end``) recovers them: the play's offer
      orders are the only purchases outside the process.
    * Subscriptions: each subscriber cancels at a renewal with probability ``theta ~ Beta(alpha,
      beta)`` of its plan (:data:`SBG`, per monthly period). Before ``TELEMETRY_START`` that is
      the whole story: cohort survivors follow the shifted-beta-geometric model (fit the cohorts
      whose renewals all fall before it). From it on, three drivers multiply the hazard as
      proportional hazards in discrete time (``1 - (1 - theta) ** HR``, ratios in
      :data:`HAZARD_RATIO`): a never-resolved ticket opened in the :data:`DRIVER_WINDOW_DAYS`
      days before the renewal; low adoption (a :data:`LOW_ADOPTION_SHARE` of customers use each
      feature with probability :data:`LOW_ADOPTION_FEATURE_RATE` in a week with a login, the
      others with ``Beta(5, 5)``, about half); and any app-crash feedback sent before the
      renewal (a ``feedback`` row whose ``feedback_labels`` theme is ``app_crash``). The drivers
      are independent of ``theta``, so models find them in the right direction but attenuated
      by the unobserved ``theta`` (the high-``theta`` customers a driver pushes out leave the
      loyal ones): a complementary log-log model of the renewals with the drivers measured from
      the tables (tickets in the 60 days, mean features per active week in the 4 weeks before,
      below 2 of 8) gives ratios of about 1.7-2.8, 1.4-2.0 and 1.8-3.5 over seeds 7-17.
    * Non-contractual churn: the BG/NBD dropout (after a repeat purchase, with probability
      ``p``); :func:`customer_truth` has each customer's ``dropout_ts`` (null while alive at
      ``END``), which no sample table holds.
    * Win-back play: at ``PLAY_TS`` every customer acquired at least :data:`LAPSED_DAYS` days
      earlier and without an order in those days is assigned at random to ``holdout``
      (:data:`HOLDOUT_SHARE`) or ``treatment``; a treated customer makes one extra offer purchase
      within :data:`WINBACK_WINDOW_DAYS` days with probability :data:`WINBACK_UPLIFT` (on top of
      its own process), so the reactivation rate (an order within the window) rises by
      ``WINBACK_UPLIFT * (1 - holdout rate)``.

>>> tables = make_customer_tables(make_customers(500, seed=1), seed=1)
>>> list(tables) == list(TABLES)
True
>>> sorted(tables["plays"]["variant"].unique())
['holdout', 'treatment']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from journey.datasets.clv import bgnbd_repeat_purchases
from journey.datasets.journeys import DAYS, START
from journey.validation import input_error, require_columns

HISTORY_START = dt.datetime(2024, 11, 18, tzinfo=dt.UTC)  # a Monday, 735 days before END
TELEMETRY_START = dt.datetime(2026, 5, 4, tzinfo=dt.UTC)  # a Monday: tickets and usage from here
PLAY_TS = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
END = START + dt.timedelta(days=DAYS)  # 2026-11-23, end of the events window (exclusive)
CUSTOMER_CHUNK = 50_000  # fixed: part of the seed-to-bytes contract

BGNBD = {"r": 0.6, "alpha": 5.0, "a": 0.8, "b": 3.0}  # rates per week
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "gamma": 30.0}  # mean order value p * gamma / (q - 1) = 60
PLANS = ("basic", "plus", "premium")
SBG = {"basic": (1.0, 5.0), "plus": (1.2, 8.0), "premium": (1.5, 12.0)}  # (alpha, beta) per plan
PLAN_PRICE = {"basic": 9.0, "plus": 19.0, "premium": 39.0}
HAZARD_RATIO = {"unresolved_ticket": 3.0, "low_adoption": 2.5, "app_crash": 4.0}
DRIVER_WINDOW_DAYS = 60  # a never-resolved ticket raises the hazard at the renewals in the next 60 days

FEATURES = 8
LOW_ADOPTION_SHARE = 0.3
LOW_ADOPTION_FEATURE_RATE = 0.12  # chance per feature and active week; others draw Beta(5, 5)
TICKET_TOPICS = ("billing", "bug", "how_to", "account", "delivery")
TICKET_TOPIC_SHARE = (0.25, 0.25, 0.25, 0.15, 0.10)
TICKETS_PER_MONTH = 0.4  # per subscriber and month subscribed, from TELEMETRY_START
FREE_TICKETS_PER_MONTH = 0.1  # per free customer and month
UNRESOLVED_SHARE = 0.25
SATISFACTION_ANSWERED = 0.6

PLAY = "winback_offer"
LAPSED_DAYS = 120
HOLDOUT_SHARE = 0.3
WINBACK_UPLIFT = 0.10
WINBACK_WINDOW_DAYS = 30

TABLES = ("order_history", "subscriptions", "support_tickets", "usage", "plays")
_TAG = {"orders": 101, "subscriptions": 102, "tickets": 103, "usage": 104, "play": 105, "traits": 106}
_UTC = pa.timestamp("us", tz="UTC")
SCHEMAS = {
    "order_history": pa.schema(
        [("order_id", pa.int64()), ("customer_id", pa.int64()), ("ts", _UTC), ("amount", pa.float64())]
    ),
    "subscriptions": pa.schema(
        [
            ("subscription_id", pa.int64()),
            ("customer_id", pa.int64()),
            ("plan", pa.large_string()),
            ("start_ts", _UTC),
            ("end_ts", _UTC),
            ("monthly_price", pa.float64()),
        ]
    ),
    "support_tickets": pa.schema(
        [
            ("ticket_id", pa.int64()),
            ("customer_id", pa.int64()),
            ("opened_ts", _UTC),
            ("resolved_ts", _UTC),
            ("topic", pa.large_string()),
            ("satisfaction", pa.int64()),
        ]
    ),
    "usage": pa.schema(
        [("customer_id", pa.int64()), ("week_start", _UTC), ("logins", pa.int64()), ("features_used", pa.int64())]
    ),
    "plays": pa.schema(
        [
            ("customer_id", pa.int64()),
            ("play", pa.large_string()),
            ("variant", pa.large_string()),
            ("assigned_ts", _UTC),
        ]
    ),
}
"""Arrow types of the tables, so that every chunk (even an empty one) writes the same schema."""

_H = np.datetime64(HISTORY_START.replace(tzinfo=None), "us")
_WEEK = 7 * 86_400.0
_DAY = 86_400.0


def _seconds(moment: dt.datetime | pd.Series) -> float | np.ndarray:
    """Seconds since ``HISTORY_START``."""
    if isinstance(moment, dt.datetime):
        return (moment - HISTORY_START).total_seconds()
    values = pd.to_datetime(moment, utc=True).dt.tz_convert(None).to_numpy("datetime64[us]")
    return (values - _H).astype(np.int64) / 1e6


_END_S = _seconds(END)
_TEL_S = _seconds(TELEMETRY_START)
_PLAY_S = _seconds(PLAY_TS)


def _stamp(seconds: np.ndarray) -> pd.Series:
    """UTC timestamps (microseconds) from seconds since ``HISTORY_START``; NaN gives NaT."""
    seconds = np.asarray(seconds, dtype=float)
    micros = np.where(np.isnan(seconds), 0, np.round(seconds * 1e6)).astype(np.int64)
    values = (_H + micros.astype("timedelta64[us]")).astype("datetime64[us]")
    values[np.isnan(seconds)] = np.datetime64("NaT")
    return pd.Series(pd.DatetimeIndex(values).tz_localize("UTC"))


def _add_months(start_s: np.ndarray, months: int) -> np.ndarray:
    """Renewal ``months`` after each start (same day of month, days past the 28th on the 28th)."""
    moment = _H + np.round(start_s * 1e6).astype(np.int64).astype("timedelta64[us]")
    month = moment.astype("datetime64[M]")
    offset = moment - month.astype("datetime64[us]")
    day = np.timedelta64(86_400_000_000, "us")
    offset = np.minimum(offset, 27 * day + offset % day)
    renewal = (month + months).astype("datetime64[us]") + offset
    return (renewal - _H).astype(np.int64) / 1e6


def _crash_seconds(customer_ids: np.ndarray, feedback: pd.DataFrame | None, labels: pd.DataFrame | None) -> np.ndarray:
    """Per customer, the time of its first app-crash feedback (inf when none)."""
    out = np.full(len(customer_ids), np.inf)
    if feedback is None or labels is None or feedback.empty or not len(customer_ids):
        return out
    crash = feedback.merge(labels[["feedback_id", "theme"]], on="feedback_id")
    crash = crash[(crash["theme"] == "app_crash") & crash["customer_id"].notna()]
    first = crash.groupby(crash["customer_id"].astype("int64"))["ts"].min()
    keys = first.index.to_numpy()
    position = np.minimum(np.searchsorted(customer_ids, keys), len(customer_ids) - 1)
    found = customer_ids[position] == keys
    out[position[found]] = _seconds(first[found])
    return out


def _orders(n: int, acquired: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """BG/NBD purchase times (seconds) with Gamma-Gamma spend; the per-customer truth too."""
    lam = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n)
    drop = rng.beta(BGNBD["a"], BGNBD["b"], n)
    nu = rng.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["gamma"], n)
    who, weeks, dropped = bgnbd_repeat_purchases(lam, drop, (_END_S - acquired) / _WEEK, rng)
    customer = np.concatenate([np.arange(n), who])
    ts = np.concatenate([acquired, acquired[who] + weeks * _WEEK])
    amount = np.maximum(np.round(rng.gamma(GAMMA_GAMMA["p"], 1.0 / nu[customer]), 2), 0.01)
    last = np.full(n, -np.inf)
    np.maximum.at(last, customer, ts)
    dropout = np.where(dropped, last, np.nan)
    return {"customer": customer, "ts": ts, "amount": amount, "rate": lam, "drop": drop, "nu": nu, "dropout": dropout}


def _winback(acquired, orders, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Assign lapsed customers at ``PLAY_TS``; treated ones may make one offer purchase."""
    n = len(acquired)
    before = orders["ts"] < _PLAY_S
    last = np.full(n, -np.inf)
    np.maximum.at(last, orders["customer"][before], orders["ts"][before])
    lapsed_since = _PLAY_S - LAPSED_DAYS * _DAY
    eligible = np.flatnonzero((acquired <= lapsed_since) & (last <= lapsed_since))
    holdout = rng.random(len(eligible)) < HOLDOUT_SHARE
    treated = eligible[~holdout]
    buys = treated[rng.random(len(treated)) < WINBACK_UPLIFT]
    when = _PLAY_S + rng.uniform(0, WINBACK_WINDOW_DAYS * _DAY, len(buys))
    amount = np.maximum(np.round(rng.gamma(GAMMA_GAMMA["p"], 1.0 / orders["nu"][buys]), 2), 0.01)
    return {"eligible": eligible, "holdout": holdout, "buyer": buys, "ts": when, "amount": amount}


def _recent(event_s: np.ndarray, renewal_s: np.ndarray) -> np.ndarray:
    """True where the event happened in the ``DRIVER_WINDOW_DAYS`` before the renewal."""
    return (event_s < renewal_s) & (event_s >= renewal_s - DRIVER_WINDOW_DAYS * _DAY)


def _subscriptions(acquired, theta, low, crash, free, rng: np.random.Generator):
    """Monthly renewals with the planted hazards; tickets are drawn month by month alongside."""
    n = len(acquired)
    end = np.full(n, np.nan)
    unresolved_last = np.full(n, -np.inf)
    tickets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    active = np.flatnonzero(~free)
    months = 0
    while len(active):
        months += 1
        prev = _add_months(acquired[active], months - 1)
        renewal = _add_months(acquired[active], months)
        lo, hi = np.maximum(prev, _TEL_S), np.minimum(renewal, _END_S)
        exposure = np.clip((hi - lo) / (renewal - prev), 0.0, None)
        count = rng.poisson(TICKETS_PER_MONTH * exposure)
        owner = np.repeat(np.arange(len(active)), count)
        opened = lo[owner] + rng.uniform(0, 1, len(owner)) * (hi - lo)[owner]
        never = rng.random(len(owner)) < UNRESOLVED_SHARE
        tickets.append((active[owner], opened, never))
        np.maximum.at(unresolved_last, active[owner[never]], opened[never])
        due = renewal < _END_S
        active, renewal = active[due], renewal[due]
        on = renewal >= _TEL_S
        log_hr = (
            np.log(HAZARD_RATIO["low_adoption"]) * (on & low[active])
            + np.log(HAZARD_RATIO["unresolved_ticket"]) * _recent(unresolved_last[active], renewal)
            + np.log(HAZARD_RATIO["app_crash"]) * (crash[active] < renewal)
        )
        cancel = rng.random(len(active)) < 1.0 - (1.0 - theta[active]) ** np.exp(log_hr)
        end[active[cancel]] = renewal[cancel]
        active = active[~cancel]
    # free customers write in too, over the telemetry period
    free_ids = np.flatnonzero(free)
    months_seen = np.clip(_END_S - np.maximum(acquired[free_ids], _TEL_S), 0, None) / (30.44 * _DAY)
    count = rng.poisson(FREE_TICKETS_PER_MONTH * months_seen)
    owner = np.repeat(np.arange(len(free_ids)), count)
    start = np.maximum(acquired[free_ids], _TEL_S)[owner]
    opened = start + rng.uniform(0, 1, len(owner)) * (_END_S - start)
    tickets.append((free_ids[owner], opened, rng.random(len(owner)) < UNRESOLVED_SHARE))
    who = np.concatenate([t[0] for t in tickets])
    opened = np.concatenate([t[1] for t in tickets])
    never = np.concatenate([t[2] for t in tickets])
    return end, (who, opened, never)


def _ticket_columns(opened: np.ndarray, never: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(opened)
    resolved = opened + rng.lognormal(np.log(20 * 3600.0), 1.0, n)
    resolved = np.where(never | (resolved >= _END_S), np.nan, resolved)
    topic = np.take(TICKET_TOPICS, rng.choice(len(TICKET_TOPICS), n, p=TICKET_TOPIC_SHARE))
    happy = rng.choice(np.arange(1, 6), n, p=[0.03, 0.05, 0.12, 0.35, 0.45])
    unhappy = rng.choice(np.arange(1, 6), n, p=[0.45, 0.30, 0.15, 0.07, 0.03])
    score = np.where(never, unhappy, happy)
    answered = rng.random(n) < SATISFACTION_ANSWERED
    return {"resolved": resolved, "topic": topic, "satisfaction": np.where(answered, score, -1)}


def _usage(acquired, active_until, low, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Weekly logins and features used while active, from ``TELEMETRY_START``."""
    n = len(acquired)
    weeks = _TEL_S + _WEEK * np.arange(int((_END_S - _TEL_S) // _WEEK))
    engagement = rng.gamma(2.0, 1.5, n) * np.where(low, 0.6, 1.0)
    feature_rate = np.where(low, LOW_ADOPTION_FEATURE_RATE, rng.beta(5.0, 5.0, n))
    on = (weeks[None, :] >= acquired[:, None]) & (weeks[None, :] < active_until[:, None])
    logins = rng.poisson(engagement[:, None] * on)
    features = rng.binomial(FEATURES, feature_rate[:, None] * (logins > 0))
    row, col = np.nonzero(logins)
    return row, weeks[col], logins[row, col], features[row, col]


def _chunk(customers: pd.DataFrame, crash: np.ndarray, seed: int, chunk: int, first_ids: dict[str, int]):
    """Every table (and the truth) for one chunk of customers."""
    n = len(customers)
    ids = customers["customer_id"].to_numpy(np.int64)
    plan = customers["plan"].astype("str").to_numpy()
    free = ~np.isin(plan, PLANS)
    traits = np.random.default_rng([seed, _TAG["traits"], chunk])
    signup = np.minimum(_seconds(customers["signup_ts"]), _END_S - 1.0)
    acquired = signup - traits.uniform(0, 1, n) * np.clip(signup, 0, None)
    low = traits.random(n) < LOW_ADOPTION_SHARE
    alpha = np.array([SBG.get(p, (1.0, 1.0))[0] for p in plan])
    beta = np.array([SBG.get(p, (1.0, 1.0))[1] for p in plan])
    theta = np.where(free, np.nan, traits.beta(alpha, beta))

    orders = _orders(n, acquired, np.random.default_rng([seed, _TAG["orders"], chunk]))
    play = _winback(acquired, orders, np.random.default_rng([seed, _TAG["play"], chunk]))
    who = np.concatenate([orders["customer"], play["buyer"]])
    when = np.concatenate([orders["ts"], play["ts"]])
    amount = np.concatenate([orders["amount"], play["amount"]])
    order = np.lexsort((when, who))
    order_ids = first_ids["order_history"] + np.arange(len(order), dtype=np.int64)
    order_history = pd.DataFrame(
        {"order_id": order_ids, "customer_id": ids[who[order]], "ts": _stamp(when[order]), "amount": amount[order]}
    )

    rng = np.random.default_rng([seed, _TAG["subscriptions"], chunk])
    end, (t_who, opened, never) = _subscriptions(acquired, theta, low, crash, free, rng)
    paid = np.flatnonzero(~free)
    subscriptions = pd.DataFrame(
        {
            "subscription_id": first_ids["subscriptions"] + np.arange(len(paid), dtype=np.int64),
            "customer_id": ids[paid],
            "plan": plan[paid],
            "start_ts": _stamp(acquired[paid]),
            "end_ts": _stamp(end[paid]),
            "monthly_price": np.array([PLAN_PRICE[p] for p in plan[paid]], dtype=float),
        }
    )
    order = np.lexsort((opened, t_who))
    t_who, opened, never = t_who[order], opened[order], never[order]
    cols = _ticket_columns(opened, never, np.random.default_rng([seed, _TAG["tickets"], chunk]))
    support_tickets = pd.DataFrame(
        {
            "ticket_id": first_ids["support_tickets"] + np.arange(len(opened), dtype=np.int64),
            "customer_id": ids[t_who],
            "opened_ts": _stamp(opened),
            "resolved_ts": _stamp(cols["resolved"]),
            "topic": cols["topic"],
            "satisfaction": pd.array(np.where(cols["satisfaction"] > 0, cols["satisfaction"], None), dtype="Int64"),
        }
    )

    active_until = np.where(free, orders["dropout"], end)
    active_until = np.where(np.isnan(active_until), np.inf, active_until)
    u_row, u_week, logins, features = _usage(
        acquired, active_until, low, np.random.default_rng([seed, _TAG["usage"], chunk])
    )
    usage = pd.DataFrame(
        {"customer_id": ids[u_row], "week_start": _stamp(u_week), "logins": logins, "features_used": features}
    )
    eligible = play["eligible"]
    plays = pd.DataFrame(
        {
            "customer_id": ids[eligible],
            "play": PLAY,
            "variant": np.where(play["holdout"], "holdout", "treatment"),
            "assigned_ts": _stamp(np.full(len(eligible), _PLAY_S)),
        }
    )
    truth = pd.DataFrame(
        {
            "customer_id": ids,
            "acquired_ts": _stamp(acquired),
            "purchase_rate": orders["rate"],
            "dropout_prob": orders["drop"],
            "spend_rate": orders["nu"],
            "dropout_ts": _stamp(orders["dropout"]),
            "churn_prob": theta,
            "low_adopter": low,
            "app_crash_ts": _stamp(np.where(np.isinf(crash), np.nan, crash)),
            "offer_purchase": np.isin(np.arange(n), play["buyer"]),
        }
    )
    tables = {
        "order_history": order_history,
        "subscriptions": subscriptions,
        "support_tickets": support_tickets,
        "usage": usage,
        "plays": plays,
    }
    return tables, truth


def _iter_chunks(customers: pd.DataFrame, feedback, feedback_labels, seed: int):
    require_columns(customers.columns, ["customer_id", "signup_ts", "plan"], "customers")
    if not isinstance(customers["signup_ts"].dtype, pd.DatetimeTZDtype):
        raise input_error("customers", f"column 'signup_ts' has type {customers['signup_ts'].dtype}", "UTC timestamps")
    if len(customers) and not customers["signup_ts"].between(START, END, inclusive="left").all():
        raise input_error("customers", "column 'signup_ts' has values outside the events window", f"{START} to {END}")
    customers = customers.sort_values("customer_id", kind="stable", ignore_index=True)
    ids = customers["customer_id"].to_numpy(np.int64)
    crash = _crash_seconds(ids, feedback, feedback_labels)
    first_ids = dict.fromkeys(("order_history", "subscriptions", "support_tickets"), 1)
    for chunk, first in enumerate(range(0, max(len(customers), 1), CUSTOMER_CHUNK)):  # empty: one empty chunk
        part = slice(first, first + CUSTOMER_CHUNK)
        tables, truth = _chunk(customers.iloc[part], crash[part], seed, chunk, first_ids)
        for name in first_ids:
            first_ids[name] += len(tables[name])
        yield tables, truth


def make_customers(
    customers: int, seed: int = 0, plan_share: tuple[float, ...] = (0.25, 0.25, 0.25, 0.25)
) -> pd.DataFrame:
    """A ``customers`` frame (``customer_id``, ``signup_ts``, ``plan``) without events, for large
    simulations: signups uniform over the events window, plans ``free`` and :data:`PLANS` drawn
    with ``plan_share``. The sample's own customers come from :func:`journey.datasets.make_sample`."""
    rng = np.random.default_rng([seed, _TAG["traits"]])
    signup = _stamp(_seconds(START) + rng.uniform(0, DAYS * _DAY, customers))
    plan = rng.choice(("free", *PLANS), customers, p=plan_share)
    return pd.DataFrame({"customer_id": np.arange(1, customers + 1, dtype=np.int64), "signup_ts": signup, "plan": plan})


def iter_customer_tables(
    customers: pd.DataFrame,
    feedback: pd.DataFrame | None = None,
    feedback_labels: pd.DataFrame | None = None,
    seed: int = 7,
) -> Iterator[dict[str, pd.DataFrame]]:
    """Yield the customer success tables per chunk of :data:`CUSTOMER_CHUNK` customers.

    ``customers`` needs ``customer_id``, ``signup_ts`` and ``plan`` (paid plans: :data:`PLANS`;
    any other value, such as ``free``, has no subscription); ``feedback`` and its labels link
    app-crash feedback to customers (without them no customer has the app-crash driver).
    """
    for tables, _ in _iter_chunks(customers, feedback, feedback_labels, seed):
        yield tables


def make_customer_tables(
    customers: pd.DataFrame,
    feedback: pd.DataFrame | None = None,
    feedback_labels: pd.DataFrame | None = None,
    seed: int = 7,
) -> dict[str, pd.DataFrame]:
    """The customer success tables in memory (see :func:`iter_customer_tables`)."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for tables in iter_customer_tables(customers, feedback, feedback_labels, seed):
        for name, frame in tables.items():
            parts[name].append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def customer_truth(
    customers: pd.DataFrame,
    feedback: pd.DataFrame | None = None,
    feedback_labels: pd.DataFrame | None = None,
    seed: int = 7,
) -> pd.DataFrame:
    """What the generator planted for each customer (for tests and for checking a model, never
    for reports): ``acquired_ts``, the BG/NBD ``purchase_rate`` (per week), ``dropout_prob`` and
    Gamma-Gamma ``spend_rate``, the true ``dropout_ts`` (null while alive at ``END``), the
    subscription's monthly ``churn_prob`` (null for free customers), ``low_adopter``, the first
    ``app_crash_ts`` and whether the win-back offer made it buy (``offer_purchase``)."""
    frames = [truth for _, truth in _iter_chunks(customers, feedback, feedback_labels, seed)]
    return pd.concat(frames, ignore_index=True)


__all__ = [
    "BGNBD",
    "END",
    "GAMMA_GAMMA",
    "HAZARD_RATIO",
    "HISTORY_START",
    "PLAN_PRICE",
    "PLAY",
    "PLAY_TS",
    "SBG",
    "SCHEMAS",
    "TABLES",
    "TELEMETRY_START",
    "WINBACK_UPLIFT",
    "customer_truth",
    "iter_customer_tables",
    "make_customer_tables",
    "make_customers",
]
