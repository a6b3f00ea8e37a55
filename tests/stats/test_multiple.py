"""Multiple-testing adjustment against statsmodels.stats.multitest.multipletests."""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from journey.stats.multiple import adjust_pvalues, adjusted_alpha, first_step_alpha
from journey.validation import JourneyInputError

P = np.array([0.01, 0.04, 0.03, 0.2, np.nan, 0.001, 0.5, 0.0125])


@pytest.mark.parametrize(
    ("ours", "theirs"), [("holm", "holm"), ("bh", "fdr_bh"), ("by", "fdr_by"), ("bonferroni", "bonferroni")]
)
def test_adjusted_pvalues_match_multipletests(ours, theirs):
    got = adjust_pvalues(P, ours)
    ok = ~np.isnan(P)
    np.testing.assert_allclose(got[ok], multipletests(P[ok], method=theirs)[1], rtol=1e-12)
    assert np.isnan(got[~ok]).all()


def test_adjusted_interval_levels():
    ok = P[~np.isnan(P)]
    assert adjusted_alpha(P, 0.05, "holm") == pytest.approx(0.05 / len(ok))
    r = int((multipletests(ok, 0.05, "fdr_bh")[1] <= 0.05).sum())
    assert adjusted_alpha(P, 0.05, "bh") == pytest.approx(r * 0.05 / len(ok))  # Benjamini-Yekutieli 2005 FCR
    assert adjusted_alpha(P, 0.05, "none") == 0.05


def test_unknown_correction_lists_valid_ones():
    with pytest.raises(JourneyInputError, match="'bh', 'bonferroni', 'by', 'holm', 'none'"):
        adjust_pvalues([0.1], "sidak")


@pytest.mark.parametrize(
    ("ours", "theirs"), [("holm", "holm"), ("bonferroni", "bonferroni"), ("bh", "fdr_bh"), ("by", "fdr_by")]
)
@pytest.mark.parametrize("m", [1, 2, 3, 6])
def test_first_step_alpha_is_where_a_lone_discovery_stops_being_rejected_by_multipletests(ours, theirs, m):
    # the smallest p-value among m - 1 clear nulls: rejected just below the level, not just above
    level = first_step_alpha(m, 0.05, ours)
    for factor, rejected in ((0.999, True), (1.001, False)):
        p = [level * factor] + [0.9] * (m - 1)
        assert bool(multipletests(p, alpha=0.05, method=theirs)[0][0]) is rejected
    assert first_step_alpha(m, 0.05, "none") == 0.05
