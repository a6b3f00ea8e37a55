"""Render an executed notebook to a self-contained, sanitized HTML report.

* No code: inputs and prompts are excluded; only outputs and prose remain.
* Offline: the template drops require.js, MathJax, mermaid and widget CDN scripts.
* Sanitized: nbconvert's ``SanitizeHTML`` preprocessor runs over markdown and HTML outputs
  with an allowlist that keeps tables, headings, figures and images (the exporter's own
  ``sanitize_html=True`` escapes headings and tables, so it is unusable for reports).
  Library code escapes customer text before it is displayed, so this is a second fence.
* Plots are PNG outputs with alt text (:mod:`journey.display.plots` puts it in the output metadata).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbconvert.preprocessors.sanitize import SanitizeHTML
from traitlets.config import Config

_TEMPLATES = Path(__file__).parent / "templates"

ALLOWED_TAGS = [
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre",
    "section", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
]  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": ["class", "id", "title", "aria-label", "role"],
    "a": ["href", "title"],
    # No "src": report images are PNG outputs rendered by the template after sanitizing, so an
    # <img> inside sanitized HTML can only be someone's markup, and must not load anything.
    "img": ["alt", "width", "height"],
    "td": ["colspan", "rowspan", "style"],
    "th": ["colspan", "rowspan", "style", "scope"],
    "span": ["style"],
    "table": ["border"],
}


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """What the report header states: the reader must know what ran, on what, and how it went."""

    title: str
    status: str  # "ok" or "failed"
    run_time: str
    window: str
    parameters: dict[str, object] = field(default_factory=dict)
    error: str = ""


@functools.cache
def exporter() -> HTMLExporter:
    """The configured exporter (built once per process: templates and CSS load in ~0.5 s)."""
    cfg = Config()
    cfg.SanitizeHTML.tags = ALLOWED_TAGS
    cfg.SanitizeHTML.attributes = ALLOWED_ATTRIBUTES
    exporter = HTMLExporter(
        config=cfg,
        template_name="journey_report",
        extra_template_basedirs=[str(_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(SanitizeHTML(config=cfg), enabled=True)
    return exporter


def _slug(text: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    slug, k = base, 2
    while slug in used:
        slug, k = f"{base}-{k}", k + 1
    used.add(slug)
    return slug


def _add_toc(html: str) -> str:
    """Give every h2/h3 an id and list them in the header's table of contents.

    Quote groups' headings (``section.quotes``, one per finding, each a long sentence) get ids
    but stay out of the contents: they sit under "What customers said" and flooded the list.
    """
    soup = BeautifulSoup(html, "html.parser")
    nav = soup.find("nav", class_="toc")
    if nav is None:
        return html
    used = {tag["id"] for tag in soup.find_all(id=True)}
    items = []
    for heading in soup.find_all(["h2", "h3"]):
        if heading.find_parent("header"):
            continue
        for anchor in heading.find_all("a", class_="anchor-link"):
            anchor.decompose()
        text = heading.get_text(" ", strip=True)
        if not text:
            continue
        if not heading.get("id"):
            heading["id"] = _slug(text, used)
        if heading.find_parent("section", class_="quotes") is None:
            items.append((heading.name, heading["id"], text))
    if not items:
        nav.decompose()
        return str(soup)
    nav.append(soup.new_tag("strong", string="Contents"))
    ol = soup.new_tag("ol")
    for level, anchor_id, text in items:
        li = soup.new_tag("li", attrs={"class": f"toc-{level}"})
        link = soup.new_tag("a", href=f"#{anchor_id}", string=text)
        li.append(link)
        ol.append(li)
    nav.append(ol)
    return str(soup)


def render_notebook(notebook: nbformat.NotebookNode | Path, meta: ReportMeta) -> str:
    """HTML text of the report for an executed notebook (a node or an .ipynb path)."""
    node = nbformat.read(str(notebook), as_version=4) if isinstance(notebook, Path) else notebook
    node.metadata["title"] = meta.title
    resources = {
        "journey": {
            "title": meta.title,
            "status": meta.status,
            "run_time": meta.run_time,
            "window": meta.window,
            "error": meta.error,
            "parameters": sorted((k, str(v)) for k, v in meta.parameters.items()),
        }
    }
    body, _ = exporter().from_notebook_node(node, resources=resources)
    return _add_toc(body)
