"""Notebook hygiene: parameters parse completely, standard parameters exist, no stored outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STANDARD = {"source": "str", "start_date": "str", "end_date": "str", "window_days": "int"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_parameter_line_is_understood_by_papermill(path):
    nb = nbformat.read(str(path), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    assert nb.cells.index(cells[0]) == next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    lines = [ln for ln in cells[0].source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    declared = papermill.inspect_notebook(str(path))
    assert len(declared) == len(lines), "a parameter line papermill cannot parse (a second '=' in its help?)"
    for name, spec in declared.items():
        assert spec["inferred_type_name"] != "None", f"{name} has no type annotation"
        assert spec["help"], f"{name} has no help comment"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_declares_the_standard_window_parameters(path):
    declared = papermill.inspect_notebook(str(path))
    for name, type_name in STANDARD.items():
        assert declared.get(name, {}).get("inferred_type_name") == type_name, name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "nbval-check-output" not in cell.metadata.get("tags", []):
            assert not cell.outputs and cell.execution_count is None
