"""Multiple-testing adjustment against statsmodels.stats.multitest.multipletests."""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from journey.stats.multiple import adjust_pvalues, adjusted_alpha
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
