"""One look for every plot: a seaborn theme with a colorblind-safe palette, and PNG output.

Figure functions live in the library (``journey.stages.figures``, ``journey.experiments.figures``,
``journey.feedback.figures``) and return a :class:`Chart`: the matplotlib figure and its alt
text, both built from the same numbers, so a notebook never writes a description that can
drift from what is drawn. Notebooks call :func:`use_theme` once and pass each chart to
:func:`show`, which emits a PNG with the alt text that the HTML report keeps and screen readers read.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # reports are rendered headless; never pick an interactive backend

import matplotlib.pyplot as plt
import seaborn as sns

PALETTE = "colorblind"
STAGE_COLORS = dict(
    zip(["awareness", "consideration", "decision", "retention"], sns.color_palette(PALETTE, 4).as_hex(), strict=True)
)


def use_theme() -> None:
    """Apply the project theme (idempotent)."""
    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, rc={"figure.dpi": 100, "savefig.dpi": 110})


class Figure:
    """A rendered figure: a PNG output whose metadata carries the alt text for the HTML report."""

    __slots__ = ("alt", "png")

    def __init__(self, png: bytes, alt: str) -> None:
        self.png = png
        self.alt = alt

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        data = {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": f"[plot] {self.alt}"}
        return data, {"image/png": {"alt": self.alt}}

    def __repr__(self) -> str:
        return f"Figure({self.alt!r}, {len(self.png)} bytes)"


_DURATION_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))
#: Tick positions (seconds) for log-scaled duration axes: 1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 1 d, 7 d, 30 d.
DURATION_TICKS = (1, 10, 60, 600, 3_600, 21_600, 86_400, 604_800, 2_592_000)


def duration_label(seconds: float) -> str:
    """``"46 s"``, ``"4.8 min"``, ``"2.2 d"``: the largest unit with a value of at least 1, two digits."""
    if not math.isfinite(seconds):
        return "n/a"
    unit, size = next(((u, n) for u, n in _DURATION_UNITS if abs(seconds) >= n), ("s", 1))
    value = seconds / size
    return f"{value:.0f} {unit}" if abs(value) >= 10 or value == int(value) else f"{value:.2g} {unit}"


@dataclass(frozen=True, slots=True)
class Chart:
    """What every figure function returns: the drawn ``fig`` and the ``alt`` text that says what it
    shows, with the numbers a reader who cannot see it needs (pass it to :func:`show`)."""

    fig: plt.Figure
    alt: str


def no_data_text(what: str) -> str:
    return f"No data for {what} in this window"


def no_data(what: str) -> plt.Figure:
    """A small placeholder so an empty window still renders a report (with the reason)."""
    fig, ax = plt.subplots(figsize=(6, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, no_data_text(what), ha="center", va="center")
    return fig


def empty_chart(what: str) -> Chart:
    """The :func:`no_data` placeholder with an alt text that says the same: ``"No data for ... in this window"``."""
    return Chart(no_data(what), f"{no_data_text(what)}.")


def show(fig: plt.Figure | Chart, alt: str | None = None) -> Figure:
    """Close the figure and return it as a PNG with its alt text.

    Pass a :class:`Chart` (its own alt text), or a bare figure with ``alt`` (say what the plot shows).
    """
    if isinstance(fig, Chart):
        fig, alt = fig.fig, alt if alt is not None else fig.alt
    if alt is None or not alt.strip():
        raise ValueError("every plot needs alt text that says what it shows")
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return Figure(buffer.getvalue(), alt)
