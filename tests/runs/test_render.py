"""The report's table of contents: sections are listed, quote groups are not (they flooded it)."""

from __future__ import annotations

import nbformat
from bs4 import BeautifulSoup

from journey.runs.render import ReportMeta, render_notebook


def test_contents_list_sections_but_not_quote_groups() -> None:
    quotes = '<section class="quotes"><h3>App: 24% of feedback this window, up from 11%</h3><p>q</p></section>'
    cell = nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("display_data", {"text/html": quotes})])
    node = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("## Top pain points"),
            nbformat.v4.new_markdown_cell("## What customers said"),
            cell,
        ]
    )
    html = render_notebook(node, ReportMeta("Feedback", "ok", "2026-11-28 20:00 UTC", "2026-10-26 to 2026-11-22"))
    soup = BeautifulSoup(html, "html.parser")
    listed = [a.get_text() for a in soup.select("nav.toc li a")]
    assert listed == ["Top pain points", "What customers said"]
    assert soup.select_one("section.quotes h3").get("id")  # still linkable
