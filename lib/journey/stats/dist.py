"""Tail probabilities and quantiles of the normal, t and chi-square distributions, per scalar.

These are the special functions ``scipy.stats`` itself evaluates (``norm.sf(x)`` is
``ndtr(-x)``, ``t.isf(q, df)`` is ``-stdtrit(df, q)``, ``chi2.sf`` is ``chdtrc``), so the
numbers are the same to the last bit; calling them directly skips the ~70 µs of argument
broadcasting and checking each ``scipy.stats`` call costs. A readout makes a dozen such
calls, about 1 ms that a ten-million-user readout (0.13 s of engine work) would notice.
Upper tails are computed directly, never as ``1 − cdf``, so tiny p-values do not underflow.
The ``*_array`` forms take numpy arrays (boundary grids of the sequential tests) and evaluate
the same special functions elementwise.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special


def norm_sf(x: float) -> float:
    """``P(Z > x)`` for a standard normal ``Z``."""
    return float(special.ndtr(-x))


def norm_isf(q: float) -> float:
    """The ``x`` with ``P(Z > x) = q``."""
    return float(-special.ndtri(q))


def norm_pdf(x: float) -> float:
    """The standard normal density."""
    return math.exp(-x * x / 2.0) / math.sqrt(2.0 * math.pi)


def t_sf(x: float, df: float) -> float:
    """``P(T > x)`` for Student's t with ``df`` degrees of freedom (the normal when ``df`` is infinite)."""
    return norm_sf(x) if math.isinf(df) else float(special.stdtr(df, -x))


def t_isf(q: float, df: float) -> float:
    """The ``x`` with ``P(T > x) = q`` (the normal quantile when ``df`` is infinite)."""
    return norm_isf(q) if math.isinf(df) else float(-special.stdtrit(df, q))


def chi2_sf(x: float, df: float) -> float:
    """``P(X > x)`` for a chi-square ``X`` with ``df`` degrees of freedom."""
    return float(special.chdtrc(df, x))


def norm_sf_array(x: np.ndarray | float) -> np.ndarray:
    """``P(Z > x)`` elementwise (:func:`norm_sf` on arrays)."""
    return special.ndtr(-np.asarray(x, float))


def norm_pdf_array(x: np.ndarray | float) -> np.ndarray:
    """The standard normal density elementwise (:func:`norm_pdf` on arrays)."""
    x = np.asarray(x, float)
    return np.exp(-x * x / 2.0) / math.sqrt(2.0 * math.pi)
