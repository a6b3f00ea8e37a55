"""A real browser opens the index and the reports: no console errors, no code, alt text, no XSS."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (.ci/run installs it with apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def _open(browser, path: Path):
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


def _check_links_resolve(page, base: Path) -> int:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    checked = 0
    for href in hrefs:
        if href.startswith("#"):
            assert page.query_selector(f"[id='{href[1:]}']") is not None, href
        elif not urlparse(href).scheme:
            assert (base.parent / unquote(href)).exists(), href
        checked += 1
    return checked


def test_index_opens_without_errors_and_every_link_resolves(browser, e2e_run):
    root, _ = e2e_run
    index = root / "reports" / "index.html"
    page, errors = _open(browser, index)
    assert errors == []
    assert _check_links_resolve(page, index) >= 3
    assert page.locator(".status-failed").count() >= 1


@pytest.mark.parametrize("name", ["ok", "boom", "hostile"])
def test_reports_have_no_code_alt_text_and_no_console_errors(browser, e2e_run, name):
    root, _ = e2e_run
    report = next((root / "reports" / "e2e").glob(f"*/{name}.html"))
    page, errors = _open(browser, report)
    assert errors == []
    assert page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor, .highlight pre").count() == 0
    images = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('alt'))")
    assert all(alt and alt.strip() for alt in images)
    _check_links_resolve(page, report)


def test_planted_payloads_did_not_execute_and_show_as_text(browser, e2e_run):
    root, _ = e2e_run
    report = next((root / "reports" / "e2e").glob("*/hostile.html"))
    page, _ = _open(browser, report)
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("script").count() == 0
    assert page.locator("img[onerror]").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert "<script>window.__xss" in page.inner_text("body")


@pytest.fixture(scope="module")
def history_run(tmp_path_factory) -> Path:
    """The e2e playbook run twice: the index then shows a history table with KPI sparklines."""
    from tests.conftest import build_e2e_project, run_journey

    root = build_e2e_project(tmp_path_factory.mktemp("history"))
    for _ in range(2):
        run_journey(root, "run", "playbooks/e2e.yml", "--jobs", "2")
    return root


def _serious_axe_violations(page) -> list[str]:
    """axe-core (the copy inside axe-playwright-python, so nothing is downloaded) on the open page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_index_with_history_passes_axe_core(browser, history_run):
    index = history_run / "reports" / "index.html"
    page, errors = _open(browser, index)
    assert errors == []
    assert page.locator("svg, .sparkline").count() >= 1  # the history is there to be checked
    assert _serious_axe_violations(page) == []


def test_a_report_passes_axe_core(browser, history_run):
    report = sorted((history_run / "reports" / "e2e").glob("*/ok.html"))[-1]
    page, _ = _open(browser, report)
    assert _serious_axe_violations(page) == []


def test_the_axe_check_finds_a_planted_violation(browser, tmp_path):
    # the check above is not vacuous: an image without alt text and an unlabeled input are caught
    page_file = tmp_path / "bad.html"
    page_file.write_text('<html lang="en"><title>t</title><img src="x.png"><input type="text"></html>')
    page, _ = _open(browser, page_file)
    found = _serious_axe_violations(page)
    assert any(v.startswith("image-alt") for v in found) and any(v.startswith("label") for v in found)
