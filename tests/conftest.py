"""Shared fixtures: a throwaway project root with test notebooks and one end-to-end playbook run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import make_project, write_notebook

JOURNEY = str(Path(sys.executable).parent / "journey")
PAYLOADS = (
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'\">",
    "<a href=\"javascript:window.__xss = 'link'\">click</a>",
)

E2E_PLAYBOOK = """
name: e2e
description: End-to-end test playbook
audience: tests
schedule: "*/5 * * * *"
parameters:
  factor: 3
reports:
  - name: ok
    title: A report that works
    notebook: ok.ipynb
    parameters: {x: 2}
  - name: boom
    notebook: boom.ipynb
  - name: hostile
    title: Customer text with payloads
    notebook: hostile.ipynb
"""


def build_e2e_project(root: Path) -> Path:
    make_project(root)
    nb = root / "notebooks"
    write_notebook(
        nb / "ok.ipynb",
        "x: int = 1  # a number\nfactor: int = 2  # shared factor",
        "from journey import report\nreport.executive_summary([f'x times factor is {x * factor}'])",
        "display(report.kpi('product', x * factor))\nreport.kpi('share', x / 10, '%')",
        "import matplotlib.pyplot as plt\nfrom journey import plots\nfig, ax = plt.subplots()\nax.plot([1, 2], [x, factor])\n"
        "plots.show(fig, alt='A line from x to factor')",
        markdown="## Result\nThe product of the parameters.",
    )
    write_notebook(
        nb / "boom.ipynb",
        "factor: int = 2  # shared factor",
        "raise ValueError('planted failure for the end-to-end test')",
        markdown="## Before the failure",
    )
    texts = repr(list(PAYLOADS))
    write_notebook(
        nb / "hostile.ipynb",
        "limit: int = 3  # quotes to show",
        f"import pandas as pd\nfrom journey import report\ntexts = {texts}\nreport.quotes(texts[:limit])",
        f"pd.DataFrame({{'text': {texts}}}).to_html(escape=False)\nfrom IPython.display import HTML\n"
        f"HTML(pd.DataFrame({{'text': {texts}}}).to_html(escape=False))",
        markdown="## Quotes\n<script>window.__xss = 'markdown'</script> raw HTML in markdown",
    )
    (root / "playbooks" / "e2e.yml").write_text(E2E_PLAYBOOK)
    return root


def run_journey(root: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "JOURNEY_ROOT": str(root)}
    return subprocess.run([JOURNEY, *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def e2e_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One real run of the e2e playbook through the CLI (shared by runner and browser tests)."""
    root = build_e2e_project(tmp_path_factory.mktemp("e2e"))
    result = run_journey(root, "run", "playbooks/e2e.yml", "--jobs", "2")
    return root, result
