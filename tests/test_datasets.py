"""Sample data: deterministic bytes, the contract, and the behaviour the notebooks must find."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journey.datasets import build_sample, fingerprint, make_sample


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return make_sample(users=20_000, seed=7)


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((folder / "parquet").glob("*"))}


def test_same_seed_gives_the_same_bytes(tmp_path):
    first = build_sample(tmp_path / "a", users=3000, seed=11).parent
    second = build_sample(tmp_path / "b", users=3000, seed=11).parent
    assert _digest(first) == _digest(second)
    assert fingerprint(first) == fingerprint(second)


def test_another_seed_gives_other_data(tmp_path):
    first = build_sample(tmp_path / "a", users=3000, seed=11).parent
    other = build_sample(tmp_path / "c", users=3000, seed=12).parent
    assert fingerprint(first) != fingerprint(other)


def test_build_is_atomic_and_leaves_no_temporary_folder(tmp_path):
    build_sample(tmp_path / "s", users=500, seed=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    with pytest.raises(ValueError, match="not a positive number"):
        build_sample(tmp_path / "t", users=0, seed=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_events_cover_every_stage_channel_and_device(sample):
    events = sample["events"]
    assert set(events["event"]) >= {
        "ad_impression", "landing_view", "article_view", "product_view", "compare", "review_read", "faq_view",
        "demo_view", "add_to_cart", "checkout_start", "checkout_error", "chat_start", "purchase",
        "repeat_purchase", "support_ticket",
    }  # fmt: skip
    assert set(events["channel"]) == {"paid_search", "paid_social", "display", "email", "organic", "referral"}
    assert set(events["device"]) == {"desktop", "mobile", "tablet"}
    assert events["ts"].min() >= pd.Timestamp("2026-08-03", tz="UTC")
    assert events["ts"].max() < pd.Timestamp("2026-11-23", tz="UTC")
    assert events.loc[events["event"] == "purchase", "revenue"].notna().all()
    assert events.loc[~events["event"].isin(["purchase", "repeat_purchase"]), "revenue"].isna().all()


def test_orders_match_purchase_events(sample):
    events, orders = sample["events"], sample["orders"]
    assert len(orders) == events["event"].isin(["purchase", "repeat_purchase"]).sum()
    assert orders["order_id"].is_unique
    assert np.isclose(orders["revenue"].sum(), events["revenue"].sum())


def _per_user_purchase(sample, experiment):
    assignments = sample["assignments"].query("experiment == @experiment")
    bought = sample["events"].query("event == 'purchase'")[["user_id", "ts"]]
    merged = assignments.merge(bought, on="user_id", how="left")
    merged["converted"] = merged["ts"].notna() & (merged["ts"] >= merged["assigned_at"])
    return merged.groupby(["user_id", "variant"], as_index=False)["converted"].max()


def test_checkout_redesign_has_a_real_positive_effect(sample):
    users = _per_user_purchase(sample, "checkout-redesign")
    table = pd.crosstab(users["variant"], users["converted"])
    rate = users.groupby("variant")["converted"].mean()
    assert rate["treatment"] > rate["control"]
    # Independent check: chi-square test of independence on the 2x2 table (scipy).
    assert stats.chi2_contingency(table.to_numpy())[1] < 0.05


def test_free_shipping_banner_is_balanced_three_arms(sample):
    counts = sample["assignments"].query("experiment == 'free-shipping-banner'")["variant"].value_counts()
    assert set(counts.index) == {"control", "banner_a", "banner_b"}
    assert stats.chisquare(counts.to_numpy()).pvalue > 0.001


def test_onboarding_email_has_a_sample_ratio_mismatch(sample):
    counts = sample["assignments"].query("experiment == 'onboarding-email'")["variant"].value_counts()
    assert counts["treatment"] < counts["control"]
    assert stats.chisquare(counts[["control", "treatment"]].to_numpy()).pvalue < 0.001


def test_feedback_has_channels_pii_and_hostile_payloads(sample):
    feedback = sample["feedback"]
    assert set(feedback["channel"]) == {"survey", "review", "social", "support"}
    assert len(feedback) >= 4000
    texts = feedback["text"]
    assert texts.str.contains(r"[\w.+-]+@[\w-]+\.[\w.]+", regex=True).sum() > 20
    assert texts.str.contains(r"\+\d{1,2}[ -]\d", regex=True).sum() > 10
    assert texts.str.contains("<script>", regex=False).any()
    assert texts.str.contains("onerror", regex=False).any()
    assert feedback.loc[feedback["channel"] == "survey", "nps"].between(0, 10).all()
    assert feedback.loc[feedback["channel"] == "social", "rating"].isna().all()


def test_feedback_labels_cover_the_planted_themes(sample):
    labels = sample["feedback_labels"]
    assert {"delivery_delay", "checkout_bug", "pricing", "support_wait", "product_quality", "app_crash"} <= set(
        labels["theme"]
    )
    assert labels["feedback_id"].tolist() == sample["feedback"]["feedback_id"].tolist()


def test_a_sample_without_every_table_is_not_current(tmp_path):
    import duckdb

    from journey.datasets import TABLES, is_current

    database = tmp_path / "journey.duckdb"
    assert not is_current(database)  # missing
    with duckdb.connect(str(database)) as con:
        for name in TABLES[:-1]:
            con.execute(f"CREATE TABLE {name} (x INTEGER)")
    assert not is_current(database)  # an older sample, before the last table existed
    with duckdb.connect(str(database)) as con:
        con.execute(f"CREATE TABLE {TABLES[-1]} (x INTEGER)")
    assert not is_current(database)  # every table, but built before the experiment history existed
    (tmp_path / "experiment_history.parquet").write_bytes(b"")
    assert is_current(database)
