"""The one rendering mixin shared by every result object.

Results are ``@dataclass(frozen=True, slots=True)`` objects. A collection-like result
implements :meth:`to_frame`; this mixin derives ``to_dicts()``, ``_repr_html_()`` (escaped,
so customer text is safe in a notebook or a report) and ``__str__`` from it, so every
module renders numbers the same way. Formatting follows the column name unless a result
states a column's unit (:meth:`ResultMixin.display_units`: ``"percent"``, ``"points"`` for a
difference of two rates in signed percentage points, ``"number"``):

* ``rel_*`` and ``*share*`` / ``conversion*`` / ``*rate*`` columns are percentages;
* a ``<stem>_ci_lower`` / ``<stem>_ci_upper`` pair is shown as one ``<stem>_ci`` column
  ``[lower, upper]`` (in percent when the stem starts with ``rel_``; blank when both ends are missing);
* ``pvalue*`` columns keep small values readable (``<0.001`` is never rounded to 0);
* other numbers are shown to 3 significant digits, integers as integers;
* a missing value (``None``, ``pd.NA``: not observed) is blank; a float NaN (undefined) reads ``NaN``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

_PERCENT_MARKERS = ("share", "conversion", "rate", "chance_to_win", "variance_reduction")


def _unit_of(column: str) -> str:
    if column.startswith("pvalue"):
        return "pvalue"
    if column.startswith("rel_") or any(marker in column for marker in _PERCENT_MARKERS):
        return "percent"
    return "number"


def format_number(value: Any, column: str = "", unit: str | None = None) -> str:
    """Format one cell according to the rules in the module docstring (``unit`` overrides the column name's)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        unit = unit or _unit_of(column)
        if unit == "pvalue":
            return "<0.0001" if 0 < value < 1e-4 else f"{value:.4f}"
        if unit == "points":
            return f"{value * 100:+.3g} pp"
        if unit == "percent":
            if 0 < abs(value) < 1e-4:  # never scientific notation ("2.1e-05%") in front of a reader
                return "<0.01%" if value > 0 else ">-0.01%"
            return f"{value * 100:.3g}%" if abs(value) >= 0.001 or value == 0 else f"{value * 100:.2g}%"
        if value == 0:
            return "0"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    if isinstance(value, pd.Timestamp):
        # period starts (cohorts, weeks) are midnights: a date reads better than 2026-09-07T00:00:00
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    return str(value)


def display_frame(frame: pd.DataFrame, units: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A string-valued copy of ``frame`` laid out for people (CI pairs merged, in their stem's unit)."""
    units = units or {}
    out = pd.DataFrame(index=frame.index)
    columns = list(frame.columns)
    skip: set[str] = set()
    for column in columns:
        if column in skip:
            continue
        if column.endswith("_ci_lower"):
            stem = column[: -len("_ci_lower")]
            upper = f"{stem}_ci_upper"
            if upper in frame.columns:
                skip.add(upper)
                unit = units.get(stem)
                lowers = [format_number(v, column, unit) for v in frame[column]]
                uppers = [format_number(v, upper, unit) for v in frame[upper]]
                # an interval that was not observed (both ends missing) is blank, as a missing number is
                out[f"{stem}_ci"] = [
                    "" if lo == hi == "" else f"[{lo}, {hi}]" for lo, hi in zip(lowers, uppers, strict=True)
                ]
                continue
        out[column] = [format_number(v, str(column), units.get(column)) for v in frame[column]]
    return out


class ResultMixin:
    """Shared rendering for results: subclasses implement :meth:`to_frame`."""

    __slots__ = ()

    #: What the table is, in a reader's words: reports show it above the table (never the class name).
    caption: ClassVar[str] = ""

    def to_frame(self) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def report_caption(self) -> str:
        """The heading above this result's table; results whose heading depends on their content override it."""
        return self.caption or type(self).__name__

    def display_units(self) -> Mapping[str, str]:
        """Units of columns whose name does not say it (see the module docstring); none by default."""
        return {}

    def to_dicts(self) -> list[dict[str, Any]]:
        """Plain records (JSON-friendly apart from timestamps)."""
        return self.to_frame().to_dict(orient="records")

    def _shown(self) -> pd.DataFrame:
        """The frame as displayed (formatted text); results that relabel columns for readers override it."""
        return display_frame(self.to_frame(), self.display_units())

    def _repr_html_(self) -> str:
        # to_html(escape=True) escapes every cell, so customer text cannot inject markup.
        # headers with spaces wrap, so a ten-column table fits the page instead of scrolling sideways
        shown = self._shown().rename(columns=lambda c: str(c).replace("_", " "))
        table = shown.to_html(index=False, escape=True, border=0, classes="journey-result")
        title = html.escape(self.report_caption())
        heading = f"<strong>{title}</strong>" if title else ""
        return f'<div class="journey-result">{heading}{table}</div>'

    def __str__(self) -> str:
        frame = self._shown()
        caption = self.report_caption() or "Table"
        return f"{caption}: (empty)" if frame.empty else f"{caption}\n{frame.to_string(index=False)}"


class TableResult(ResultMixin):
    """For results that carry their rows as a ``table`` field: ``to_frame()`` is a copy of it."""

    __slots__ = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Table(ResultMixin):
    """A small named table rendered with the project's formatting (escaped, units from the column
    names): for a frame a report shows as it is, where pandas' own HTML would carry unescaped
    styles and raw numbers."""

    frame: pd.DataFrame
    title: str = ""

    def to_frame(self) -> pd.DataFrame:
        return self.frame

    def report_caption(self) -> str:
        return self.title
