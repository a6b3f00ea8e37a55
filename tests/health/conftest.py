"""A small customer database, shared by the health tests (every number in them is counted from it)."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

CUTOFF = pd.Timestamp("2026-06-01", tz="UTC")


def _ts(days_before: float) -> pd.Timestamp:
    return CUTOFF - pd.Timedelta(days=days_before)


@pytest.fixture
def con():
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET TimeZone = 'UTC'")
    tables = {
        "order_history": pd.DataFrame(
            {
                "order_id": [1, 2, 3, 4],
                "customer_id": [1, 1, 2, 3],
                "ts": [_ts(400), _ts(10), _ts(30), _ts(-5)],
                "amount": [50.0, 20.0, 7.5, 99.0],
            }
        ),  # customer 3's first order is after the cutoff: not a customer yet
        "usage": pd.DataFrame(
            {
                "customer_id": [1, 1, 1, 2],
                "week_start": [_ts(7), _ts(21), _ts(70), _ts(100)],
                "logins": [3, 4, 10, 5],
                "features_used": [2, 4, 0, 8],
            }
        ),
        "support_tickets": pd.DataFrame(
            {
                "ticket_id": [1, 2, 3, 4],
                "customer_id": [1, 1, 2, 2],
                "opened_ts": [_ts(20), _ts(50), _ts(5), _ts(-1)],
                "resolved_ts": [pd.NaT, _ts(40), _ts(-3), pd.NaT],
            }
        ),  # 1: open; 2: resolved before; 3: resolved after the cutoff (open at it); 4: opened after
        "feedback": pd.DataFrame(
            {
                "feedback_id": [1, 2, 3],
                "customer_id": [1, 1, 2],
                "ts": [_ts(3), _ts(200), _ts(-2)],
                "text": ["I love it, great app", "terrible", "awful"],
            }
        ),
        "subscriptions": pd.DataFrame(
            {
                "subscription_id": [1, 2, 3, 4],
                "customer_id": [1, 2, 2, 3],
                "start_ts": [_ts(300), _ts(200), _ts(100), _ts(50)],
                "end_ts": [_ts(-30), _ts(-200), pd.NaT, _ts(5)],
            }
        ),
    }
    for name, frame in tables.items():
        for column in frame.columns:
            if column.endswith("ts") or column == "week_start":
                frame[column] = pd.to_datetime(frame[column], utc=True)
        backend.create_table(name, frame)
    return backend
