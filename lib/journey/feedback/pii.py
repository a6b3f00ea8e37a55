"""PII masking: every customer text is masked here before it reaches a model, a table or a report.

Each kind of personal data has a pattern and, where one exists, a checksum so that ordinary
numbers survive: a payment card must pass the Luhn check, an IBAN the ISO 13616 mod-97 check,
a phone number needs a country code or separated digit groups of a plausible length (so dates,
order numbers and amounts stay readable). Patterns run in a fixed order (URLs first, so an
email inside a query string is masked once as part of its URL) and each hit becomes a typed
placeholder such as ``[EMAIL]``, so analysts still see *that* a customer left contact details.

>>> mask_pii("call +1-202-555-0173")
'call [PHONE]'
>>> mask_pii("order 1234 5678 9012 3456 arrived 2026-11-28")
'order 1234 5678 9012 3456 arrived 2026-11-28'
>>> mask_pii("card 4111 1111 1111 1111, mail me at jo.doe+shop@mail.example.co.uk")
'card [CARD], mail me at [EMAIL]'
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from journey.display.results import ResultMixin

PII_TYPES = ("url", "email", "iban", "card", "ip", "phone", "address")
"""Kinds of PII in the order they are masked; the placeholder is ``[<KIND>]`` in capitals."""

_URL = re.compile(r"""(?i)\b(?:https?://|www\.)[^\s<>"']+""")
_EMAIL = re.compile(r"(?i)(?<![\w.+-])[a-z0-9._%+-]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}\b")
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?\b")  # mod-97 checked
_CARD = re.compile(r"(?<![\w.,/-])\d(?:[ -]?\d){12,18}(?![\w]|[.,/-]\d)")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])")
_PHONE = re.compile(
    r"""
    (?<![\w+/.,-])
    (?:
        (?:\+|00)\d{7,14}                                 # +442079460958, 004930123456
      | (?:(?:\+|00)\d{1,3}[ .-]?)?                       # optional country code
        (?:\(0?\d{1,5}\)[ .-]?)?                          # optional (area) code
        \d{1,5}(?:[ .-]\d{2,8}){1,5}                      # separated digit groups
    )
    (?![\w]|[.,/-]\d)
    """,
    re.X,
)
_STREET_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|"
    r"Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Gardens|Row|Mews)"
)
_ADDRESS = re.compile(
    rf"""
    \b\d{{1,5}}[A-Za-z]?,?[ ](?:[A-Z][A-Za-z'’-]+\.?[ ]){{1,4}}{_STREET_SUFFIX}\b\.?   # 221B Baker Street
      (?:[ ](?:N|S|E|W|NE|NW|SE|SW)\b)?
      (?:,?[ ](?:Apt|Apartment|Suite|Unit|Flat|\#)\.?[ ]?\w{{1,6}})?
    | \b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|platz|allee|gasse|ring)[ ]\d{{1,4}}[a-z]?\b  # Hauptstraße 5
    | \b\d{{1,4}}(?:bis|ter)?,?[ ](?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai)
      (?:[ ](?:(?:de|du|des|la|le)[ ]|l'|d')*[A-ZÉ][\w'’-]+){{1,4}}                  # 12 rue de la Paix
    """,
    re.X,
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    # Real cards are 13-19 digits and never all one digit (0000 0000 0000 0000 passes Luhn).
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and _luhn_ok(digits)


def _iban_ok(text: str) -> bool:
    compact = text.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    # Real account parts are mostly digits; this keeps lowercase words ("ab12 make sure that") out.
    bban = compact[4:]
    if sum(ch.isdigit() for ch in bban) < 0.6 * len(bban):
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _ipv6_ok(text: str) -> bool:
    groups = text.split(":")
    # Times (10:30:45) have three groups and no '::'; a real IPv6 address has '::' or 8 groups.
    return ("::" in text and len([g for g in groups if g]) >= 2) or len(groups) == 8


def _phone_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if text.startswith(("+", "00")):
        return 8 <= len(digits) <= 15
    # National numbers: 9-12 digits in separated groups. Dates (2026-11-28, 28.11.2026) have 8
    # digits; a long unseparated run is an order or account number, not a phone.
    return 9 <= len(digits) <= 12 and bool(re.search(r"[ .()-]", text))


_RULES: tuple[tuple[str, re.Pattern[str], Callable[[str], bool] | None], ...] = (
    ("url", _URL, None),
    ("email", _EMAIL, None),
    ("iban", _IBAN, _iban_ok),
    ("card", _CARD, _card_ok),
    ("ip", _IPV4, None),
    ("ip", _IPV6, _ipv6_ok),
    ("phone", _PHONE, _phone_ok),
    ("address", _ADDRESS, None),
)
_TRAILING = ".,;:!?)]}'\""


def _mask(text: str, counts: Counter[str]) -> str:
    for kind, pattern, check in _RULES:
        placeholder = f"[{kind.upper()}]"

        def replace(match: re.Match[str], kind: str = kind, placeholder: str = placeholder, check=check) -> str:
            found = match.group(0)
            tail = ""
            if kind == "url":  # sentence punctuation after a link is not part of it
                stripped = found.rstrip(_TRAILING)
                tail, found = found[len(stripped) :], stripped
            if check is not None and not check(found):
                return match.group(0)
            counts[kind] += 1
            return placeholder + tail

        text = pattern.sub(replace, text)
    return text


def mask_pii(text: str) -> str:
    """``text`` with emails, phones, cards, IBANs, IPs, URLs and street addresses replaced by ``[TYPE]``."""
    if not isinstance(text, str):
        raise TypeError(f"mask_pii expects a str, got {type(text).__name__}; use mask_pii_series for many texts")
    return _mask(text, Counter())


@dataclass(frozen=True, slots=True)
class MaskedTexts(ResultMixin):
    """Masked texts plus how many items of each PII type were replaced.

    ``texts`` keeps the index of the input; ``counts`` has every type in :data:`PII_TYPES`
    (zero included) so a report can say "no card numbers found" as well as "12 emails masked".
    """

    caption = "Personal data masked"

    texts: pd.Series
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_frame(self) -> pd.DataFrame:
        """One row per PII type: ``pii_type``, ``count``."""
        return pd.DataFrame({"pii_type": list(self.counts), "count": list(self.counts.values())})


def mask_pii_series(texts: Iterable[str] | pd.Series) -> MaskedTexts:
    """Vectorised :func:`mask_pii`: mask every text and count the masked items per type.

    Missing values (None/NaN) stay missing; the index of a Series is kept.
    """
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    counts: Counter[str] = Counter()
    masked = [_mask(t, counts) if isinstance(t, str) else t for t in series.tolist()]
    return MaskedTexts(
        texts=pd.Series(masked, index=series.index, name=series.name, dtype=object),
        counts={kind: counts.get(kind, 0) for kind in PII_TYPES},
    )
