"""The index: a playbook's latest is its newest own run; ad-hoc runs are listed apart."""

from __future__ import annotations

import json

from journey.runs.index import collect_runs
from tests.conftest import build_e2e_project, run_journey


def test_an_ad_hoc_run_never_becomes_the_latest_and_is_listed_apart(tmp_path):
    root = build_e2e_project(tmp_path)
    full = run_journey(root, "run", "playbooks/e2e.yml")
    assert full.returncode == 1  # the planted failing notebook; every report still rendered
    adhoc = run_journey(root, "run", "playbooks/e2e.yml", "--only", "ok", "--param", "x=5")
    assert adhoc.returncode == 0, adhoc.stderr
    (entry,) = collect_runs(root / "reports")
    assert not entry["latest"]["adhoc"] and len(entry["latest"]["reports"]) == 3
    assert [run["adhoc_reason"] for run in entry["adhoc"]] == ["only ok; x=5"]
    record = json.loads(next((root / "reports" / "e2e").glob(f"{entry['adhoc'][0]['run_id']}/run.json")).read_text())
    assert record["adhoc"] is True
    html = (root / "reports" / "index.html").read_text()
    assert "Ad-hoc runs (1)" in html and "only ok; x=5" in html
    assert html.index("Latest run:") < html.index("Ad-hoc runs (1)")


def test_a_playbook_with_only_ad_hoc_runs_says_it_has_no_complete_run(tmp_path):
    root = build_e2e_project(tmp_path)
    assert run_journey(root, "run", "playbooks/e2e.yml", "--only", "ok").returncode == 0
    (entry,) = collect_runs(root / "reports")
    assert entry["latest"] is None and len(entry["adhoc"]) == 1
    assert "No complete run of this playbook yet" in (root / "reports" / "index.html").read_text()
