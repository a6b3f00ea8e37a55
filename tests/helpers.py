"""Test helpers: tiny notebooks and playbooks built in a temporary project root."""

from __future__ import annotations

from pathlib import Path

import nbformat
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
