"""PII masking: a table of tricky cases, each either masked or left untouched."""

from __future__ import annotations

import pandas as pd
import pytest

from journey import feedback
from journey.feedback.pii import PII_TYPES, mask_pii, mask_pii_series

MASKED = [
    # emails, incl. plus addressing and subdomains
    ("write to anna@example.com please", "write to [EMAIL] please"),
    ("jo.doe+shop@mail.example.co.uk", "[EMAIL]"),
    ("ME@Sub.Domain.ORG.", "[EMAIL]."),
    # phones: country codes, spaces, dots, dashes, parentheses
    ("call +1-202-555-0173", "call [PHONE]"),
    ("ring +44 20 7946 0958 today", "ring [PHONE] today"),
    ("tel. +33 1 23 45 67 89", "tel. [PHONE]"),
    ("+49 (0)30 1234567", "[PHONE]"),
    ("+442079460958", "[PHONE]"),
    ("0049 30 1234 5678", "[PHONE]"),
    ("(202) 555-0173", "[PHONE]"),
    ("202.555.0173", "[PHONE]"),
    ("call me on 020 7946 0958.", "call me on [PHONE]."),
    # payment cards, Luhn-valid, with spaces / dashes / none
    ("card 4111 1111 1111 1111 was charged twice", "card [CARD] was charged twice"),
    ("5500-0000-0000-0004", "[CARD]"),
    ("amex 378282246310005", "amex [CARD]"),
    # IBANs, spaced and compact
    ("refund to DE89 3704 0044 0532 0130 00 please", "refund to [IBAN] please"),
    ("GB82WEST12345698765432", "[IBAN]"),
    ("iban de89 3704 0044 0532 0130 00 thanks", "iban [IBAN] thanks"),  # lowercase, as typed
    # IP addresses
    ("blocked from 192.168.10.254", "blocked from [IP]"),
    ("ipv6 2001:db8::8a2e:370:7334 fails", "ipv6 [IP] fails"),
    # URLs with tokens and query strings (sentence punctuation kept)
    ("reset via https://shop.example.com/reset?token=abc123&email=a@b.com.", "reset via [URL]."),
    ("see www.example.com/track/9f8a7b6c5d4e3f2a1b0c", "see [URL]"),
    # street addresses
    ("deliver to 221B Baker Street, London", "deliver to [ADDRESS], London"),
    ("I live at 1600 Pennsylvania Ave NW", "I live at [ADDRESS]"),
    ("12 Oak Road, Apt 4B", "[ADDRESS]"),
    ("Paket an Hauptstraße 5 geliefert", "Paket an [ADDRESS] geliefert"),
    ("livré au 12 rue de la Paix", "livré au [ADDRESS]"),
]

UNTOUCHED = [
    "order 1234 5678 9012 3456 never arrived",  # 16 digits, fails Luhn: not a card
    "order #123456789 is late",  # order number
    "tracking 1Z999AA10123456784",  # parcel tracking id
    "delivered 2026-11-28 at 10:30:45",  # date and time
    "on 28.11.2026 and 11/28/2026",  # dotted / slashed dates
    "paid $1,234.56 for 3 items",  # money
    "waited 2 hours on the road",  # lowercase road is not an address
    "version 2.5 of the app",  # version number
    "0000 0000 0000 0000",  # all zeros passes Luhn but is no card
    "rated it 10/10, 5 stars",  # ratings
    "DE12 is my favourite code",  # IBAN-like prefix, no valid checksum
    "ab12 make sure that gets here",  # IBAN shape in lowercase words, not an account number
    "",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_mask_pii_masks_tricky_cases(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


@pytest.mark.parametrize("text", UNTOUCHED)
def test_mask_pii_leaves_non_pii_untouched(text: str) -> None:
    assert mask_pii(text) == text


def test_public_contract_example() -> None:
    assert feedback.mask_pii("call +1-202-555-0173") == "call [PHONE]"


def test_mask_pii_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="mask_pii_series"):
        mask_pii(123)  # type: ignore[arg-type]


def test_mask_pii_series_counts_each_type_and_keeps_index() -> None:
    texts = pd.Series(
        ["a@b.com and c@d.org", "call +1-202-555-0173", None, "card 4111111111111111", "nothing here"],
        index=[10, 11, 12, 13, 14],
    )
    result = mask_pii_series(texts)
    assert result.texts.drop(12).tolist() == ["[EMAIL] and [EMAIL]", "call [PHONE]", "card [CARD]", "nothing here"]
    assert pd.isna(result.texts[12])
    assert result.texts.index.tolist() == [10, 11, 12, 13, 14]
    assert set(result.counts) == set(PII_TYPES)
    assert result.counts["email"] == 2 and result.counts["phone"] == 1 and result.counts["card"] == 1
    assert result.total == 4
    frame = result.to_frame()
    assert list(frame.columns) == ["pii_type", "count"]
    assert "email" in str(result)


def test_mask_pii_series_matches_scalar_version() -> None:
    texts = [t for t, _ in MASKED] + UNTOUCHED
    assert mask_pii_series(texts).texts.tolist() == [mask_pii(t) for t in texts]
