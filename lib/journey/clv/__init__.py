"""Customer lifetime value: purchase, spend and retention models on per-customer summaries.

Built on numpy/scipy (lifetimes is archived and breaks on pandas 3; PyMC-Marketing needs
Python 3.12). The grouping of transactions into per-customer summaries runs in the engine
(:func:`rfm_summary`); the models are fitted on the summaries by maximum likelihood with
analytic gradients, and every fit reports whether it converged.

>>> from journey import clv
>>> model = clv.BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)  # CDNOW (Fader, Hardie & Lee 2005)
>>> round(model.expected_purchases(39.0), 3)
1.197

- :class:`BetaGeo`: BG/NBD purchases (Fader, Hardie & Lee 2005);
- :class:`GammaGamma`: spend per purchase, and :meth:`GammaGamma.clv`;
- :class:`ShiftedBetaGeometric`: contract retention (Fader & Hardie 2007);
- :func:`holdout_check` / :func:`holdout_chart`: predicted vs actual holdout purchases.
"""

from journey.clv.bgnbd import BetaGeo
from journey.clv.fitting import Fit
from journey.clv.gamma_gamma import GammaGamma
from journey.clv.holdout import HoldoutCheck, holdout_chart, holdout_check
from journey.clv.sbg import ShiftedBetaGeometric
from journey.clv.summary import rfm_summary
from journey.clv.value import QUADRANTS, ValueQuadrants, customer_value, value_quadrants

__all__ = [
    "QUADRANTS",
    "BetaGeo",
    "Fit",
    "GammaGamma",
    "HoldoutCheck",
    "ShiftedBetaGeometric",
    "ValueQuadrants",
    "customer_value",
    "holdout_chart",
    "holdout_check",
    "rfm_summary",
    "value_quadrants",
]
