"""One look for every plot: a seaborn theme with a colorblind-safe palette, and PNG output.

Notebooks call :func:`use_theme` once (the runner's kernels do it through the notebook's
first import) and use :func:`show` so each figure is emitted as a PNG with alt text,
which the HTML report keeps and screen readers read.
"""

from __future__ import annotations

import base64
import io
import math

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


def no_data(what: str) -> plt.Figure:
    """A small placeholder so an empty window still renders a report (with the reason)."""
    fig, ax = plt.subplots(figsize=(6, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, f"No data for {what} in this window", ha="center", va="center")
    return fig


def show(fig: plt.Figure, alt: str) -> Figure:
    """Close ``fig`` and return it as a PNG with ``alt`` text (say what the plot shows)."""
    if not alt.strip():
        raise ValueError("every plot needs alt text that says what it shows")
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return Figure(buffer.getvalue(), alt)
