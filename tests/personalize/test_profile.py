"""customer_table: the columns the rules read, built from orders and events by journey.segments."""

from __future__ import annotations

import pandas as pd
import pytest

from journey.personalize import customer_table
from journey.segments import BEHAVIOURS, purchase_timing, rfm
from journey.validation import JourneyInputError

ORDERS = pd.DataFrame(
    {
        "user_id": [1, 1, 2, 3],
        "revenue": [10.0, 20.0, 5.0, 7.0],
        "ts": pd.to_datetime(["2026-01-05", "2026-02-01", "2026-01-20", "2026-02-03"], utc=True),
    }
)
EVENTS = pd.DataFrame(
    {
        "user_id": [1, 1, 2, 9],
        "session_id": [1, 1, 2, 3],
        "event": ["compare", "add_to_cart", "review_read", "compare"],
        "channel": ["email", "email", "organic", "organic"],
        "device": ["mobile", "mobile", "desktop", "tablet"],
        "ts": pd.to_datetime(["2026-01-05"] * 4, utc=True),
    }
)


def test_customer_table_joins_segments_bands_behaviours_and_preferences() -> None:
    table = customer_table(ORDERS, EVENTS).set_index("user_id")
    assert list(table.index) == [1, 2, 3]  # buyers only: user 9 browsed but never bought
    assert table["segment"].to_dict() == rfm(ORDERS, "user_id", "ts", "revenue").customers["segment"].to_dict()
    assert table["risk_band"].to_dict() == purchase_timing(ORDERS, "user_id", "ts").customers["risk_band"].to_dict()
    assert table.loc[1, ["comparison_shoppers", "deal_seekers", "review_readers"]].tolist() == [True, True, False]
    assert not table.loc[3, list(BEHAVIOURS)].any()  # no events: no behaviour, not missing
    assert table.loc[1, "preferred_channel"] == "email" and pd.isna(table.loc[3, "preferred_device"])


def test_risk_bands_from_a_model_replace_the_timing_bands() -> None:
    risk = pd.DataFrame({"user_id": [1, 2], "risk_band": ["critical", "low"]})
    table = customer_table(ORDERS, risk=risk).set_index("user_id")
    assert table["risk_band"].tolist()[:2] == ["critical", "low"] and pd.isna(table.loc[3, "risk_band"])
    with pytest.raises(JourneyInputError, match="risk: missing column 'risk_band'"):
        customer_table(ORDERS, risk=risk.rename(columns={"risk_band": "band"}))
