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
