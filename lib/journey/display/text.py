"""The wording of numbers in sentences: one place for percentages, signed values and changes.

Executive summaries, decision sentences and recommended actions all say "5.8%", "+1.2
percentage points" or "up 3.1% vs the previous window"; each module used to carry its own
``_pct`` with its own digits and its own idea of what a missing value reads as. Tables are
formatted by :func:`journey.display.results.format_number` (driven by column names); this
module is for prose. A missing value (``None``, ``NaN``, ``pd.NA``) always reads ``n/a``,
never ``nan%`` or ``0%``.
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "n/a"
MINUS = "\N{MINUS SIGN}"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def percent(value: Any, digits: int = 1, signed: bool = False) -> str:
    """A share as a percentage: ``percent(0.0584)`` -> ``'5.8%'``; ``signed=True`` adds ``+``.

    >>> percent(0.0584), percent(-0.031, signed=True), percent(float("nan"))
    ('5.8%', '−3.1%', 'n/a')
    """
    if _missing(value):
        return MISSING
    text = f"{float(value) * 100:{'+' if signed else ''}.{digits}f}%"
    return text.replace("-", MINUS)


def signed(value: Any, digits: int = 0) -> str:
    """A signed number with a typographic minus: ``signed(-12.4)`` -> ``'−12'``.

    >>> signed(3.0), signed(-12.4, 1)
    ('+3', '−12.4')
    """
    if _missing(value):
        return MISSING
    return f"{float(value):+.{digits}f}".replace("-", MINUS)


def significant(value: Any, digits: int = 3, signed: bool = False) -> str:
    """A number to ``digits`` significant digits, for effects whose scale varies (``'+0.0231'``, ``'−0.000121'``).

    >>> significant(0.023137, signed=True), significant(-0.000121, signed=True), significant(1234.5)
    ('+0.0231', '−0.000121', '1.23e+03')
    """
    if _missing(value):
        return MISSING
    return f"{float(value):{'+' if signed else ''}.{digits}g}".replace("-", MINUS)


def money(value: Any) -> str:
    """An amount in whole units with thousands separators and a typographic minus.

    >>> money(-1234.4), money(980.6)
    ('−1,234', '981')
    """
    if _missing(value):
        return MISSING
    return f"{float(value):,.0f}".replace("-", MINUS)


def points(value: Any, digits: int = 1) -> str:
    """A difference of two shares in percentage points: ``points(0.012)`` -> ``'+1.2 percentage points'``.

    >>> points(-0.0345)
    '−3.5 percentage points'
    """
    if _missing(value):
        return MISSING
    return f"{signed(float(value) * 100, digits)} percentage points"


def change(current: Any, previous: Any, versus: str = "the previous window", digits: int = 1) -> str:
    """Relative change in words: ``'up 3.2% vs the previous window'``, ``'flat'``, or why there is none.

    >>> change(103, 100), change(90, 100)
    ('up 3.0% vs the previous window', 'down 10.0% vs the previous window')
    >>> change(5, 5), change(5, 0)
    ('flat', 'no comparison with the previous window')
    """
    if _missing(current) or _missing(previous) or float(previous) == 0:
        return f"no comparison with {versus}"
    rel = (float(current) - float(previous)) / float(previous)
    if rel == 0:
        return "flat"
    return f"{'up' if rel > 0 else 'down'} {abs(rel) * 100:.{digits}f}% vs {versus}"


def join_words(items: list[str], conjunction: str = "and") -> str:
    """``'a'``, ``'a and b'``, ``'a, b and c'``: lists in sentences.

    >>> join_words(["a", "b", "c"])
    'a, b and c'
    """
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
