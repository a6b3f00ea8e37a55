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


def test_kpis_land_in_run_json_and_the_index_draws_their_history(tmp_path):
    root = build_e2e_project(tmp_path)
    run_journey(root, "run", "playbooks/e2e.yml")
    first = collect_runs(root / "reports")[0]["latest"]
    ok = next(r for r in first["reports"] if r["name"] == "ok")
    assert ok["kpis"] == [{"name": "product", "value": 6.0, "unit": ""}, {"name": "share", "value": 0.2, "unit": "%"}]
    assert [k["change"] for k in ok["history"]] == ["first run", "first run"]
    # the runs fail (the planted boom notebook), but the ok report keeps its history
    playbook = root / "playbooks" / "e2e.yml"
    playbook.write_text(playbook.read_text().replace("parameters: {x: 2}", "parameters: {x: 3}"))
    run_journey(root, "run", "playbooks/e2e.yml")
    (entry,) = collect_runs(root / "reports")
    ok = next(r for r in entry["latest"]["reports"] if r["name"] == "ok")
    product, share = ok["history"]
    assert (product["value"], product["change"]) == ("9", "+50.0% vs previous run")  # x * factor: 2 * 3, then 3 * 3
    assert (share["value"], share["change"]) == ("30.00%", "+10.00 pp vs previous run")
    assert product["sparkline"].startswith('<svg class="sparkline"')
    html = (root / "reports" / "index.html").read_text()
    assert "+50.0% vs previous run" in html and '<svg class="sparkline"' in html


def test_old_runs_are_pruned_but_the_last_good_run_stays(tmp_path):
    from journey.runs.runner import prune_runs

    base = tmp_path / "weekly"
    for i, status in enumerate(["ok", "failed", "failed", "failed"]):
        folder = base / f"2026120{i}T000000Z"
        folder.mkdir(parents=True)
        folder.joinpath("run.json").write_text(json.dumps({"status": status, "run_id": folder.name}))
    deleted = prune_runs(base, keep=2)
    assert sorted(p.name for p in deleted) == ["20261201T000000Z"]
    assert sorted(p.name for p in base.iterdir()) == ["20261200T000000Z", "20261202T000000Z", "20261203T000000Z"]


def test_each_playbook_card_shows_its_schedule_and_next_run(tmp_path):
    root = build_e2e_project(tmp_path)
    assert run_journey(root, "run", "playbooks/e2e.yml", "--only", "ok").returncode == 0
    (entry,) = collect_runs(root / "reports")
    assert entry["about"]["schedule"] == "*/5 * * * *" and entry["about"]["timezone"] == "UTC"
    assert entry["next_run"].endswith(" UTC") and entry["next_run"][:4].isdigit()
    html = (root / "reports" / "index.html").read_text()
    assert "schedule <code>*/5 * * * *</code> UTC · next run " in html
