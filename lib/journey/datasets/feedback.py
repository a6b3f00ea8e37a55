"""Synthetic customer feedback on recurring themes, across surveys, reviews, social posts and tickets.

Texts are assembled from several phrasings per theme plus channel-specific framing, so a
topic model has real variety to work through, and the planted theme of every text is kept
(``feedback_labels``) to measure theme purity. Ratings follow the theme's sentiment with
noise; many negative texts carry no sentiment words ("Took 12 days to arrive"), which is
where a model that learns from the customer's own ratings beats a lexicon. A few texts
hold e-mail addresses and phone numbers (to be masked) and HTML/script payloads (to be
escaped). ``app_crash`` grows in the last four weeks: an emerging theme to detect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journey.data.contracts import FEEDBACK_CHANNELS
from journey.datasets.journeys import DAYS, START, _to_timestamp

THEMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "delivery_delay": (
        "negative",
        (
            "My order took {days} days to arrive.",
            "Still waiting for my parcel after {days} days, the tracking has not moved.",
            "Delivery was promised for {weekday} and it came {days} days late.",
            "The courier kept rescheduling, my package arrived over a week late.",
            "Shipping is way too slow, {days} days for a simple order.",
            "Tracking said out for delivery three times and nothing showed up.",
            "Late delivery again, the box only turned up on {weekday}.",
            "Ordered on {weekday}, the parcel is still stuck at the depot.",
        ),
    ),
    "checkout_bug": (
        "negative",
        (
            "The checkout page froze when I entered my card.",
            "Payment failed twice at checkout and I was charged anyway.",
            "Could not apply my discount code, the checkout just reloads.",
            "Got an error at the payment step and lost my cart.",
            "The place order button does nothing on the checkout page.",
            "Checkout keeps saying my address is invalid.",
            "Card was declined at checkout although it works everywhere else.",
            "The payment page timed out before I could confirm the order.",
        ),
    ),
    "pricing": (
        "negative",
        (
            "Prices went up {pct}% since last month.",
            "Too expensive compared to other shops, {amount} for this is a lot.",
            "Shipping fees of {amount} make the order pointless.",
            "The subscription price increase is hard to justify.",
            "Hidden fees appeared at the last step, the final price was {amount} higher.",
            "Why does the same item cost more on the app than on the website?",
            "Not worth the money at this price.",
            "The premium plan costs {amount} a month now, I will cancel.",
        ),
    ),
    "support_wait": (
        "negative",
        (
            "I waited {minutes} minutes on hold to reach support.",
            "Nobody answered my email for {days} days.",
            "Support chat said I was number {queue} in the queue.",
            "Opened a ticket {days} days ago and still no reply.",
            "Customer service never called back as promised.",
            "Had to explain my problem to three different agents.",
            "The support line closes before I finish work, impossible to reach anyone.",
            "Still waiting for my refund, support keeps saying it is being processed.",
        ),
    ),
    "product_quality": (
        "negative",
        (
            "The item broke after {days} days of use.",
            "Material feels cheap and the stitching came apart.",
            "The product looks nothing like the photos.",
            "Received a damaged item, the screen was cracked.",
            "Colour faded after the first wash.",
            "The zipper stopped working within a week.",
            "Size runs small and the fabric is thin.",
            "Battery dies after an hour, very disappointing quality.",
        ),
    ),
    "app_crash": (
        "negative",
        (
            "The app crashes every time I open my basket.",
            "App keeps crashing since the last update.",
            "The mobile app freezes on the login screen.",
            "Since version {version} the app closes itself when I search.",
            "App crashed while paying and I do not know if the order went through.",
            "The app is stuck on a white screen after the update.",
            "Cannot log in on the app anymore, it crashes on start.",
            "The app force closes whenever I open my order history.",
        ),
    ),
    "fast_delivery": (
        "positive",
        (
            "Arrived the next day, great service!",
            "Super fast delivery, ordered {weekday} and it came the day after.",
            "Delivery was quicker than expected, well packed too.",
            "Impressed by how fast my parcel arrived.",
            "Quick shipping and the courier was friendly.",
            "Got my order in {days2} days, brilliant.",
        ),
    ),
    "helpful_support": (
        "positive",
        (
            "Support solved my issue in {minutes2} minutes, thank you {agent}!",
            "The agent was patient and helpful, problem fixed.",
            "Great customer service, they refunded me straight away.",
            "{agent} from support was fantastic and followed up the next day.",
            "Really helpful chat support, quick and friendly.",
            "Thanks to the support team for sorting out my return so quickly.",
        ),
    ),
    "product_love": (
        "positive",
        (
            "Love this product, it works perfectly.",
            "Excellent quality, exactly as described.",
            "Best purchase I made this year, highly recommend.",
            "The fit is perfect and the material feels premium.",
            "Great value, I bought a second one for my sister.",
            "Beautiful design and it works even better than I hoped.",
        ),
    ),
    "easy_checkout": (
        "positive",
        (
            "Checkout was quick and easy.",
            "Paying with the app takes seconds, very smooth.",
            "Easy ordering process, saved my card and done.",
            "Smooth checkout, the discount applied automatically.",
            "Ordering was simple and clear, no surprises.",
            "Love how easy it is to reorder from my history.",
        ),
    ),
}
THEME_NAMES = tuple(THEMES)
CHANNELS = FEEDBACK_CHANNELS
CHANNEL_SHARE = (0.30, 0.30, 0.20, 0.20)
# How often each theme appears in each channel (rows follow THEME_NAMES).
_CHANNEL_THEME_WEIGHT = np.array(
    [
        # survey review social support
        [1.2, 1.0, 1.0, 1.3],  # delivery_delay
        [1.0, 0.6, 0.8, 1.4],  # checkout_bug
        [1.0, 1.0, 1.2, 0.4],  # pricing
        [0.8, 0.5, 1.0, 1.6],  # support_wait
        [0.8, 1.4, 0.7, 0.8],  # product_quality
        [0.6, 0.6, 1.2, 0.9],  # app_crash
        [1.0, 1.0, 0.8, 0.2],  # fast_delivery
        [0.9, 0.4, 0.6, 0.8],  # helpful_support
        [1.0, 1.5, 0.9, 0.1],  # product_love
        [0.8, 0.6, 0.5, 0.1],  # easy_checkout
    ]
)
_EMERGING_THEME = "app_crash"
_EMERGING_LAST_DAYS = 28
_EMERGING_BOOST = 3.0

_OPENERS = {
    "survey": ("", "", "Honestly, ", "Overall: ", "To be fair, "),
    "review": ("", "", "Review: ", "Bought this last month. ", "Second order here. "),
    "social": ("@shop ", "@shop ", "Hey @shop ", "", "Seriously @shop, "),
    "support": ("Hello, ", "Hi team, ", "Order {order}: ", "Ticket: ", ""),
}
_CLOSERS = {
    "survey": ("", "", " That's all.", " Please fix this.", ""),
    "review": ("", "", " Would not buy again.", " 5 stars for the rest.", ""),
    "social": ("", " #fail", " #customerservice", " #happy", ""),
    "support": ("", " Please help.", " Thanks.", " Can someone look into this?", " Regards"),
}
_SARCASM = ("Great, ", "Wonderful, ", "Just perfect: ")
_NON_ANSWERS = ("n/a", "-", "none", "N/A", "no comment")
_PAYLOADS = (
    "<script>alert('xss')</script> the page froze",
    'Nice shop <img src=x onerror="alert(1)"> but slow delivery',
    '<a href="javascript:alert(document.cookie)">click here</a> for my complaint',
    "<iframe src=//evil.example></iframe> checkout broken",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_AGENTS = ("Sam", "Priya", "Jonas", "Maria", "Kenji", "Alex")


def _fill(template: str, rng: np.random.Generator) -> str:
    return template.format(
        days=int(rng.integers(4, 21)),
        days2=int(rng.integers(1, 3)),
        weekday=_WEEKDAYS[int(rng.integers(0, 7))],
        pct=int(rng.integers(5, 40)),
        amount=f"${int(rng.integers(5, 80))}",
        minutes=int(rng.integers(20, 95)),
        minutes2=int(rng.integers(2, 10)),
        queue=int(rng.integers(12, 60)),
        version=f"{int(rng.integers(3, 6))}.{int(rng.integers(0, 10))}",
        agent=_AGENTS[int(rng.integers(0, len(_AGENTS)))],
        order=f"#{int(rng.integers(100000, 999999))}",
    )


def _pii(rng: np.random.Generator) -> str:
    name = ("jane.doe", "j.smith+shop", "mark_92", "ana.lopez")[int(rng.integers(0, 4))]
    domain = ("example.com", "mail.example.co.uk", "example.org")[int(rng.integers(0, 3))]
    phone = ("+1-202-555-0173", "+44 20 7946 0958", "(415) 555 0132", "+49 30 1234 5678", "06.12.34.56.78")[
        int(rng.integers(0, 5))
    ]
    return (f" Contact me at {name}@{domain}.", f" Call me on {phone}.", f" Email {name}@{domain} or call {phone}.")[
        int(rng.integers(0, 3))
    ]


def _rating(rng: np.random.Generator, sentiment: str) -> tuple[float, float]:
    """(stars 1-5, NPS 0-10) drawn around the theme's sentiment, with noise."""
    if sentiment == "negative":
        stars = rng.choice([1, 2, 3, 4], p=[0.45, 0.33, 0.16, 0.06])
        nps = rng.choice(np.arange(11), p=[0.08, 0.08, 0.12, 0.14, 0.14, 0.14, 0.12, 0.08, 0.05, 0.03, 0.02])
    else:
        stars = rng.choice([2, 3, 4, 5], p=[0.03, 0.09, 0.30, 0.58])
        nps = rng.choice(np.arange(11), p=[0.0, 0.0, 0.01, 0.01, 0.02, 0.03, 0.05, 0.10, 0.18, 0.27, 0.33])
    return float(stars), float(nps)


def make_feedback(n: int = 5000, seed: int = 7, customer_ids: np.ndarray | None = None) -> dict[str, pd.DataFrame]:
    """``feedback`` rows (the contract's columns) and their planted ``feedback_labels``."""
    rng = np.random.default_rng([seed, 99_991])
    customer_ids = np.arange(1, 1001) if customer_ids is None or len(customer_ids) == 0 else customer_ids
    day = rng.integers(0, DAYS, n)
    seconds = day * 86_400.0 + rng.uniform(0, 86_400, n)
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_SHARE)
    emerging = THEME_NAMES.index(_EMERGING_THEME)
    texts, themes, sentiments, ratings, npss, customers = [], [], [], [], [], []
    for i in range(n):
        weights = _CHANNEL_THEME_WEIGHT[:, channel[i]].copy()
        if day[i] >= DAYS - _EMERGING_LAST_DAYS:
            weights[emerging] *= _EMERGING_BOOST
        theme = THEME_NAMES[int(rng.choice(len(THEME_NAMES), p=weights / weights.sum()))]
        sentiment, templates = THEMES[theme]
        chan = CHANNELS[channel[i]]
        body = _fill(templates[int(rng.integers(0, len(templates)))], rng)
        if sentiment == "negative" and rng.random() < 0.08:
            body = _SARCASM[int(rng.integers(0, len(_SARCASM)))] + body[0].lower() + body[1:]
        opener = _fill(_OPENERS[chan][int(rng.integers(0, 5))], rng)
        text = opener + body + _CLOSERS[chan][int(rng.integers(0, 5))]
        if rng.random() < 0.05:
            text += _pii(rng)
        stars, nps = _rating(rng, sentiment)
        texts.append(text)
        themes.append(theme)
        sentiments.append(sentiment)
        ratings.append(stars if chan in ("review", "survey") or (chan == "support" and rng.random() < 0.4) else np.nan)
        npss.append(nps if chan == "survey" else np.nan)
        known = chan != "social" or rng.random() < 0.4
        customers.append(int(customer_ids[int(rng.integers(0, len(customer_ids)))]) if known else None)
    # A few hostile payloads, non-answers and exact duplicates, as real exports have.
    for k, payload in enumerate(_PAYLOADS):
        texts[(k * 97 + 13) % n] = payload
        themes[(k * 97 + 13) % n] = "payload"
    for k, non_answer in enumerate(_NON_ANSWERS):
        texts[(k * 89 + 31) % n] = non_answer
        themes[(k * 89 + 31) % n] = "non_answer"
    for k in range(5):
        texts[(k * 211 + 7) % n] = texts[(k * 211 + 3) % n]
        themes[(k * 211 + 7) % n] = themes[(k * 211 + 3) % n]
    order = np.argsort(seconds, kind="stable")
    feedback_id = np.arange(1, n + 1)
    frame = pd.DataFrame(
        {
            "feedback_id": feedback_id,
            "customer_id": pd.array([customers[i] for i in order], dtype="Int64"),
            "ts": _to_timestamp(seconds[order]),
            "channel": [CHANNELS[channel[i]] for i in order],
            "text": [texts[i] for i in order],
            "rating": np.asarray(ratings)[order],
            "nps": np.asarray(npss)[order],
        }
    )
    labels = pd.DataFrame(
        {
            "feedback_id": feedback_id,
            "theme": [themes[i] for i in order],
            "sentiment": [sentiments[i] for i in order],
        }
    )
    return {"feedback": frame, "feedback_labels": labels}


__all__ = ["CHANNELS", "START", "THEMES", "THEME_NAMES", "make_feedback"]
