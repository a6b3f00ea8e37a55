"""assign: first rule by priority, holdouts from a salted hash (uniform, stable, independent across
plays), and the split read with journey.experiments."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journey import experiments as ab
from journey.personalize import HOLDOUT, TREATMENT, assign, holdout_draw, parse_rules
from journey.validation import JourneyInputError


def _rules(holdout: float = 0.0, second_holdout: float = 0.0) -> dict:
    action = {"content": "c", "message": "m", "channel": "email"}
    # listed in reverse priority order on purpose: priority decides, not the layout
    return {
        "name": "test",
        "salt": "salt-1",
        "plays": {"keep": {"holdout": holdout}, "nudge": {"holdout": second_holdout}},
        "rules": [
            {"name": "fallback", "priority": 9, "when": {"segment": ["new", "loyal"]}, "action": {"play": "nudge", **action}},
            {"name": "mobile-deals", "priority": 2, "when": {"behaviour": ["deal_seekers"], "preferences": {"device": ["mobile"]}},
             "action": {"play": "nudge", **action, "offer": "free-shipping"}},
            {"name": "loyal-high", "priority": 1, "when": {"segment": ["loyal"], "risk_band": ["high", "medium"]},
             "action": {"play": "keep", **action}},
        ],
    }  # fmt: skip


CUSTOMERS = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4, 5, 6],
        "segment": ["loyal", "loyal", "new", "new", "at_risk", "loyal"],
        "risk_band": ["high", "low", "low", "low", "high", "medium"],
        "deal_seekers": [True, True, True, False, True, False],
        "review_readers": False,
        "preferred_device": ["mobile", "mobile", "mobile", "mobile", "mobile", None],
    }
)


def test_first_rule_by_priority_fires_and_conditions_combine_with_and() -> None:
    out = assign(CUSTOMERS, parse_rules(_rules())).actions.set_index("customer_id")
    assert out["rule"].to_dict() == {
        1: "loyal-high",  # also a mobile deal seeker, but priority 1 comes first
        2: "mobile-deals",  # loyal but low risk
        3: "mobile-deals",
        4: "fallback",  # mobile, not a deal seeker
        5: "mobile-deals",  # at_risk, no segment condition on mobile-deals
        6: "loyal-high",
    }
    assert out.loc[2, "offer"] == "free-shipping" and pd.isna(out.loc[1, "offer"])
    assert out["group"].eq(TREATMENT).all()  # no holdout planned


def test_customers_no_rule_matches_get_an_empty_action_and_the_reach_says_so() -> None:
    raw = _rules()
    raw["rules"] = [raw["rules"][2]]
    result = assign(CUSTOMERS, parse_rules(raw))
    none = result.actions[result.actions["rule"].isna()]
    assert none["customer_id"].tolist() == [2, 3, 4, 5]
    assert none[["play", "group", "content", "channel"]].isna().all().all()
    reach = result.table.set_index("rule")
    assert reach.loc["loyal-high", "customers"] == 2 and reach.loc["(no rule)", "customers"] == 4
    assert reach["share"].sum() == pytest.approx(1.0, abs=1e-12)


def test_missing_columns_and_duplicate_customers_are_one_line_errors() -> None:
    with pytest.raises(JourneyInputError, match="customers: missing column 'risk_band'"):
        assign(CUSTOMERS.drop(columns="risk_band"), parse_rules(_rules()))
    with pytest.raises(JourneyInputError, match="appears twice"):
        assign(pd.concat([CUSTOMERS, CUSTOMERS.head(1)]), parse_rules(_rules()))


def test_holdout_draw_is_the_documented_salted_sha256() -> None:
    # reference: the formula in the module docstring, evaluated here
    expected = [int(hashlib.sha256(f"s:p:{c}".encode()).hexdigest()[:16], 16) / 2**64 for c in ("a", 7)]
    assert holdout_draw(["a", 7], "p", "s").tolist() == expected


def test_holdout_draws_are_uniform_and_the_holdout_count_binomial() -> None:
    draws = holdout_draw(range(20_000), "win-back", "salt-1")
    # reference: scipy.stats.kstest against U(0, 1); seeded by the fixed salt, so not flaky
    assert stats.kstest(draws, "uniform").pvalue > 0.01
    held = int((draws < 0.2).sum())
    assert stats.binomtest(held, 20_000, 0.2).pvalue > 0.01
    # a chi-square over ten equal bins: scipy.stats.chisquare
    counts = np.histogram(draws, bins=10, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 0.01


def test_holdouts_are_independent_between_plays_and_change_with_the_salt() -> None:
    ids = range(20_000)
    first = holdout_draw(ids, "win-back", "salt-1") < 0.5
    second = holdout_draw(ids, "vip-care", "salt-1") < 0.5
    table = pd.crosstab(first, second).to_numpy()
    # reference: scipy.stats.chi2_contingency on the 2x2 table of holdout memberships
    assert stats.chi2_contingency(table).pvalue > 0.01
    resalted = holdout_draw(ids, "win-back", "salt-2") < 0.5
    assert 0.45 < (first == resalted).mean() < 0.55  # a new salt draws a new holdout


def test_groups_are_stable_across_runs_and_row_order() -> None:
    customers = pd.DataFrame({"customer_id": range(500), "segment": "new", "risk_band": "low"})
    customers["deal_seekers"] = False
    customers["preferred_device"] = "desktop"
    rules = parse_rules(_rules(second_holdout=0.3))
    once = assign(customers, rules).actions.set_index("customer_id")["group"]
    shuffled = assign(customers.sample(frac=1, random_state=1), rules).actions.set_index("customer_id")["group"]
    pd.testing.assert_series_equal(once, shuffled.sort_index())
    held = once == HOLDOUT
    assert assign(customers, rules).actions.loc[held.to_numpy(), ["content", "channel"]].isna().all().all()


def test_the_split_and_the_effect_are_read_with_journey_experiments() -> None:
    n = 4_000
    customers = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "segment": "loyal", "risk_band": "high"})
    customers["deal_seekers"] = False  # every rule's columns must be there, even those of rules that will not fire
    customers["preferred_device"] = "desktop"
    result = assign(customers, parse_rules(_rules(holdout=0.25)))
    split = result.split("keep")
    assert sum(split.values()) == n
    srm = ab.srm_from_counts(split, result.expected("keep"))
    # reference: scipy.stats.chisquare(observed, n * planned shares)
    ref = stats.chisquare([split[TREATMENT], split[HOLDOUT]], [0.75 * n, 0.25 * n])
    assert srm.pvalue == pytest.approx(ref.pvalue, rel=1e-9) and srm.pvalue > 0.01
    # an outcome with a planted effect (20 % -> 30 % conversion in treatment), analysed with variant = group
    rng = np.random.default_rng(11)
    treated = (result.actions["group"] == TREATMENT).to_numpy()
    frame = pd.DataFrame(
        {"variant": result.actions["group"], "converted": rng.random(n) < np.where(treated, 0.30, 0.20)}
    )
    frame["converted"] = frame["converted"].astype(int)
    readout = ab.analyze(frame, control=HOLDOUT, metrics=[ab.Proportion("converted")], correction="none")
    row = readout.to_frame().iloc[0]
    assert row["variant"] == TREATMENT and row["n_control"] == split[HOLDOUT]
    assert row["effect_ci_lower"] < 0.10 < row["effect_ci_upper"] and row["pvalue"] < 0.001


def test_reach_table_renders_counts_and_shares() -> None:
    text = str(assign(CUSTOMERS, parse_rules(_rules())))
    assert text.splitlines() == [
        "Reach of each personalization rule (first matching rule by priority)",
        "        rule priority  play customers share holdout holdout_share",
        "  loyal-high        1  keep         2 33.3%       0            0%",
        "mobile-deals        2 nudge         3   50%       0            0%",
        "    fallback        9 nudge         1 16.7%       0            0%",
        "   (no rule)                        0    0%       0           NaN",
    ]
