"""Test helpers: tiny notebooks and playbooks built in a temporary project root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def write_notebook(path: Path, parameters: str, *cells: str, markdown: str = "## Section") -> Path:
    """A notebook with a tagged parameters cell, a markdown heading and code cells."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, new_markdown_cell(markdown), *[new_code_cell(c) for c in cells]]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def make_project(root: Path) -> Path:
    """A minimal project root (pyproject, lib/, notebooks/, playbooks/) for JOURNEY_ROOT."""
    for sub in ("lib", "notebooks", "playbooks", "data"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'tmp'\n")
    return root


T0 = pd.Timestamp("2026-09-07", tz="UTC")  # a Monday, so weekly cohorts start on it
SECOND = pd.Timedelta(seconds=1)


def event_log(
    rows: list[tuple],
    *,
    unit: pd.Timedelta = SECOND,
    columns: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """A hand-built events frame: rows are ``(user_id, offset, event, *extra)``.

    ``offset`` is a Timedelta or a number of ``unit`` after :data:`T0`. ``columns`` names the
    extra positions in order with their defaults (a callable default gets the row).
    """
    frame: dict[str, list] = {
        "user_id": [r[0] for r in rows],
        "ts": [T0 + (r[1] if isinstance(r[1], pd.Timedelta) else r[1] * unit) for r in rows],
        "event": [r[2] for r in rows],
    }
    for position, (name, default) in enumerate((columns or {}).items(), start=3):
        frame[name] = [
            r[position] if len(r) > position else (default(r) if callable(default) else default) for r in rows
        ]
    return pd.DataFrame(frame)
