"""SRM chi-square against scipy.stats.chisquare."""

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journey.experiments.srm import srm, srm_from_counts
from journey.validation import JourneyInputError


def test_two_arm_srm_matches_chisquare_and_flags():
    r = srm_from_counts({"control": 2408, "treatment": 2076})
    ref = stats.chisquare([2408, 2076])
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    assert r.flagged


def test_k_arm_srm_with_expected_shares_from_table():
    df = pd.DataFrame({"variant": ["a"] * 5000 + ["b"] * 2550 + ["c"] * 2450})
    r = srm(ibis.memtable(df), expected={"a": 0.5, "b": 0.25, "c": 0.25})
    ref = stats.chisquare([5000, 2550, 2450], f_exp=[5000, 2500, 2500])
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    assert not r.flagged and r.df == 2


def test_expected_missing_a_variant_present_in_data_is_an_error():
    with pytest.raises(JourneyInputError, match="'c'"):
        srm_from_counts({"a": 10, "b": 10, "c": 3}, {"a": 0.5, "b": 0.5})


def test_srm_sentence_is_blocking_when_flagged():
    assert "cannot be trusted" in srm_from_counts({"a": 1000, "b": 800}).sentence()
    assert "matches the plan" in srm_from_counts({"a": 1000, "b": 1010}).sentence()


def test_srm_rendering_is_pinned():
    text = str(srm_from_counts({"control": 600, "treatment": 400}))
    assert text.splitlines()[2].split() == ["control", "600", "60%", "50%"]
    assert np.isfinite(srm_from_counts({"a": 1, "b": 2}).pvalue)


def test_srm_on_a_source_filters_the_experiment(tmp_path):
    df = pd.DataFrame(
        {
            "experiment": ["x"] * 300 + ["y"] * 200,
            "variant": ["a", "b"] * 150 + ["a"] * 150 + ["b"] * 50,
            "user_id": range(500),
        }
    )
    df.to_parquet(tmp_path / "assignments.parquet")
    from journey.data import sources

    con = sources.connect(tmp_path)
    assert srm(con, experiment="x").pvalue == pytest.approx(1.0)
    assert srm(con, experiment="y").flagged
    with pytest.raises(JourneyInputError, match="several experiments"):
        srm(con)
