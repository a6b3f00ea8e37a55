"""RFM scores on hand-built purchases; the score rule against pandas' ranks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.segments import SEGMENTS, rfm
from journey.segments.rfm import f_scores, rank_scores
from journey.validation import JourneyInputError

END = pd.Timestamp("2026-06-30")


def _tx(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def mostly_one_time(n: int = 200, seed: int = 3) -> pd.DataFrame:
    """80 % bought once (first purchase spread over the year), 20 % bought 2-7 times on distinct days."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        purchases = 1 if i < 0.8 * n else int(rng.integers(2, 8))
        # repeat buyers start at least 30 days before the end, so their days can be distinct
        first = END - pd.Timedelta(days=int(rng.integers(0 if purchases == 1 else 30, 365)))
        span = (END - first).days
        days = [0, *sorted(rng.choice(np.arange(1, span + 1), size=purchases - 1, replace=False).tolist())]
        rows += [(f"c{i:03d}", str((first + pd.Timedelta(days=d)).date()), 20.0 + i % 7) for d in days]
    return _tx(rows)


@pytest.mark.parametrize("values", [[3.0, 1.0, 2.0, 2.0, 9.0, 9.0, 9.0], list(range(17)), [5.0] * 4])
def test_rank_scores_are_pandas_average_and_min_ranks_cut_into_fifths(values: list[float]) -> None:
    s = pd.Series(values, dtype=float)
    n = len(s)
    # reference: pandas ranks (1-based); average rank - 1/2 is worse + equal / 2
    mid = 1 + np.floor(5 * (s.rank(method="average") - 0.5) / n).clip(upper=4)
    low = 1 + np.floor(4 * (s.rank(method="min") - 1) / n)
    assert rank_scores(s.to_numpy()).tolist() == mid.astype(int).tolist()
    assert rank_scores(s.to_numpy(), scores=4, ties="min").tolist() == low.astype(int).tolist()
    reverse = 1 + np.floor(5 * ((-s).rank(method="average") - 0.5) / n).clip(upper=4)
    assert rank_scores(s.to_numpy(), higher_is_better=False).tolist() == reverse.astype(int).tolist()


def test_frequency_score_keeps_one_time_buyers_at_1_and_spreads_repeat_buyers_over_2_to_5() -> None:
    purchases = np.array([1] * 80 + [2] * 10 + [3] * 5 + [4] * 3 + [8] * 2)
    scores = f_scores(purchases)
    assert set(scores[:80]) == {1}
    # 2 + floor(4 * fewer / 20): 0 fewer than 2 -> 2, 10 fewer than 3 -> 4, 15 fewer than 4 -> 5, 18 -> 5
    assert dict(zip(purchases[80:].tolist(), scores[80:].tolist(), strict=True)) == {2: 2, 3: 4, 4: 5, 8: 5}
    # what this replaces: quintile edges on frequency collapse to two buckets
    assert pd.qcut(purchases, 5, labels=False, duplicates="drop").max() <= 1


def test_named_segments_split_sensibly_when_80_percent_bought_once() -> None:
    result = rfm(mostly_one_time(), period_end="2026-06-30")
    c = result.customers
    once = c[c["purchases"] == 1]
    assert len(once) == 160 and set(once["f_score"]) == {1}
    assert set(c.loc[c["purchases"] > 1, "f_score"]) == {2, 3, 4, 5}
    counts = once["segment"].value_counts()
    # one-time buyers split by recency into new / needs attention / lapsed, none passes for loyal
    assert set(counts.index) == {"new", "needs_attention", "one_time_lapsed"}
    assert counts["new"] >= 40 and counts["one_time_lapsed"] >= 40
    newest_lapsed = once.loc[once["segment"] == "one_time_lapsed", "days_since_last"].min()
    assert once.loc[once["segment"] == "new", "days_since_last"].max() < newest_lapsed
    # repeat buyers reach the repeat segments
    assert {"champions", "loyal", "promising"} <= set(c.loc[c["purchases"] > 1, "segment"])
    assert result.table["customers"].sum() == 200
    assert result.table["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert result.table["segment"].tolist() == list(SEGMENTS)


def test_rfm_counts_purchase_days_spend_and_recency_by_hand() -> None:
    tx = _tx(
        [
            ("a", "2026-03-01", 10.0),
            ("a", "2026-03-01", 30.0),  # same day: one purchase day of 40
            ("a", "2026-03-11", 20.0),
            ("a", "2026-04-01", 99.0),  # after the period end: left out
            ("b", "2026-03-05", 8.0),
            ("c", "2026-04-02", 5.0),  # first purchase after the end: not a customer yet
        ]
    )
    result = rfm(tx, period_end="2026-03-20")
    c = result.customers
    assert result.period_end == pd.Timestamp("2026-03-20").date()
    assert list(c.index) == ["a", "b"]
    assert c.loc["a", ["purchases", "days_since_last", "days_since_first"]].tolist() == [2, 9.0, 19.0]
    assert c.loc["a", "monetary"] == pytest.approx((40 + 20) / 2, abs=1e-12)  # first day counts
    assert c.loc["b", ["purchases", "days_since_last", "monetary"]].tolist() == [1, 15.0, 8.0]


def test_rfm_reads_an_ibis_table_like_a_frame() -> None:
    import ibis

    tx = mostly_one_time(60)
    from_frame = rfm(tx).customers
    from_table = rfm(ibis.memtable(tx)).customers
    pd.testing.assert_frame_equal(from_frame, from_table)


def test_rfm_bad_input_is_one_line_error() -> None:
    tx = _tx([("a", "2026-03-01", -5.0)])
    with pytest.raises(JourneyInputError, match="negative amounts") as info:
        rfm(tx)
    assert "\n" not in str(info.value)
    with pytest.raises(JourneyInputError, match="missing column 'amount'"):
        rfm(tx.drop(columns="amount"))


def test_segment_table_renders_shares_as_percentages() -> None:
    text = str(rfm(_tx([("a", "2026-03-01", 10.0), ("b", "2026-03-05", 8.0)])))
    assert text.splitlines()[0] == "Customers by RFM segment"
    assert "50%" in text and "one_time_lapsed" in text
