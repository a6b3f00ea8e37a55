"""Small display helpers for notebooks: the executive summary and escaped text blocks.

Customer text may contain markup; everything passed here is HTML-escaped before display,
so a report never executes what a customer typed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence


class HTMLBlock:
    """Pre-escaped HTML that Jupyter displays as is."""

    __slots__ = ("html",)

    def __init__(self, markup: str) -> None:
        self.html = markup

    def _repr_html_(self) -> str:
        return self.html


def executive_summary(sentences: Sequence[str], title: str = "Executive summary") -> HTMLBlock:
    """The block every report opens with: a heading and 3-5 sentences built from the numbers."""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences if s)
    return HTMLBlock(f'<section class="executive-summary"><h2>{html.escape(title)}</h2><ul>{items}</ul></section>')


def quotes(texts: Sequence[str], title: str = "What customers said") -> HTMLBlock:
    """Representative customer quotes, escaped (mask PII before calling)."""
    items = "".join(f"<blockquote>{html.escape(t)}</blockquote>" for t in texts)
    return HTMLBlock(f'<section class="quotes"><h3>{html.escape(title)}</h3>{items}</section>')


class DataWindow:
    """States the data a report really used when it differs from the playbook's window.

    The runner reads ``metadata["journey"]["data_window"]`` from the executed notebook and puts
    it in the report header (an experiment readout covers its own dates, not the weekly window).
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        markup = f'<p class="journey-data-window">Data window: {html.escape(self.text)}</p>'
        return {"text/html": markup, "text/plain": f"Data window: {self.text}"}, {"journey": {"data_window": self.text}}


def data_window(text: str) -> DataWindow:
    """Declare the report's data window (shown under the summary and in the header)."""
    return DataWindow(text)


class KPI:
    """One headline number a report records for the index's history (``journey.report.kpi``).

    Displayed as a small line; the runner reads ``metadata["journey"]["kpi"]`` from the executed
    notebook into the report's entry in ``run.json``, and the index draws each KPI's history.
    """

    __slots__ = ("name", "unit", "value")

    def __init__(self, name: str, value: float, unit: str = "") -> None:
        self.name, self.value, self.unit = str(name), float(value), str(unit)

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        shown = kpi_text(self.value, self.unit)
        markup = f'<p class="journey-kpi">Tracked: {html.escape(self.name)} {html.escape(shown)}</p>'
        record = {"name": self.name, "value": self.value, "unit": self.unit}
        return {"text/html": markup, "text/plain": f"{self.name}: {shown}"}, {"journey": {"kpi": record}}


def kpi_text(value: float, unit: str = "") -> str:
    """A KPI as a reader sees it: ``'5.84%'`` for a share (unit ``%``), else the number and its unit."""
    if value != value:  # NaN
        return "n/a"
    if unit == "%":
        return f"{value * 100:.2f}%"
    number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    return f"{number} {unit}".strip()


def kpi(name: str, value: float, unit: str = "") -> KPI:
    """Record a headline KPI (``unit="%"`` for a share given as a fraction) for the report's history."""
    return KPI(name, value, unit)


def declared_kpis(cells: list) -> list[dict]:
    """Every KPI a notebook recorded, in order (a name recorded twice keeps its last value)."""
    found: dict[str, dict] = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("journey", {}).get("kpi")
            if record:
                found[str(record["name"])] = dict(record)
    return list(found.values())


def declared_window(cells: list) -> str | None:
    """The last data window a notebook declared in its outputs, if any."""
    found = None
    for cell in cells:
        for output in cell.get("outputs", []):
            text = output.get("metadata", {}).get("journey", {}).get("data_window")
            if text:
                found = str(text)
    return found
