"""The real weekly playbook on the sample data, opened in a real browser, as leadership would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from journey import config
from tests.conftest import JOURNEY

pytestmark = [pytest.mark.slow]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def weekly(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    reports = tmp_path_factory.mktemp("weekly") / "reports"
    env = {**os.environ, "JOURNEY_REPORTS_DIR": str(reports)}
    result = subprocess.run(
        [JOURNEY, "run", "playbooks/weekly-journey-review.yml", "--jobs", "2"],
        cwd=config.project_root(),
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return reports, result


def test_weekly_playbook_runs_every_report_ok(weekly):
    reports, result = weekly
    assert result.returncode == 0, result.stderr[-3000:]
    assert str(reports / "index.html") in result.stdout
    run_dir = next((reports / "weekly-journey-review").iterdir())
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "ok"
    assert all(r["status"] == "ok" for r in record["reports"]), record["error"]
    for r in record["reports"]:
        assert r["parameters"]["end_date"] == "2026-11-22"


def test_weekly_reports_carry_no_library_noise(weekly):
    """Warnings and progress text on stderr (tqdm, deprecations) belong in logs, not in leadership's reports."""
    reports, _ = weekly
    pages = sorted(reports.glob("weekly-journey-review/*/*.html"))
    assert pages
    noisy = [p.name for p in pages if 'data-mime-type="application/vnd.jupyter.stderr"' in p.read_text()]
    assert noisy == []


@pytest.mark.browser
def test_weekly_reports_open_cleanly_in_a_browser(weekly):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (.ci/run installs it with apt-get)")
    from playwright.sync_api import sync_playwright

    reports, _ = weekly
    pages = [reports / "index.html", *sorted(reports.glob("weekly-journey-review/*/*.html"))]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        for path in pages:
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m, problems=problems: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e, problems=problems: problems.append(str(e)))
            page.on("dialog", lambda d, problems=problems: (problems.append(f"dialog: {d.message}"), d.dismiss()))
            page.goto(path.as_uri())
            page.wait_for_timeout(200)
            assert problems == [], (path.name, problems)
            assert page.locator("script").count() == 0, path.name
            assert page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor").count() == 0, path.name
            alts = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('alt'))")
            assert all(a and a.strip() for a in alts), path.name
            if path.name != "index.html":
                assert page.locator("section.executive-summary").count() >= 1, path.name
                assert page.locator("img").count() >= 1, f"{path.name} has no plot"
            page.close()
        browser.close()
