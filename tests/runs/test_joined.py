"""A run built by several processes, one report each: hidden until finished, then one complete run."""

from __future__ import annotations

import json

import pytest

from journey.runs.index import collect_runs
from journey.runs.joined import finish_run
from journey.runs.playbooks import load_playbook
from journey.runs.runner import prune_runs, run_playbook
from journey.validation import JourneyInputError
from tests.helpers import make_project, write_notebook

AIRFLOW_ID = "scheduled__2026-12-07T06:00:00+00:00"


@pytest.fixture
def book(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEY_ROOT", str(tmp_path))
    monkeypatch.delenv("JOURNEY_REPORTS_DIR", raising=False)
    make_project(tmp_path)
    for name in ("first", "second"):
        write_notebook(tmp_path / "notebooks" / f"{name}.ipynb", "n: int = 1  # a number", "print(n * 2)")
    path = tmp_path / "playbooks" / "two.yml"
    path.write_text(
        "name: two\ndescription: two reports\naudience: tests\nschedule: '0 7 * * MON'\nkeep_runs: 1\n"
        "reports: [{name: first, notebook: first.ipynb, parameters: {n: 2}}, {name: second, notebook: second.ipynb}]\n"
    )
    return load_playbook(path)


def test_reports_join_one_hidden_run_that_finish_makes_the_complete_latest(book, tmp_path):
    base = tmp_path / "reports" / "two"
    second = run_playbook(book, where="two.yml", only=["second"], run_id=AIRFLOW_ID, jobs=1)
    first = run_playbook(book, where="two.yml", only=["first"], run_id=AIRFLOW_ID, jobs=1)
    assert first.run_dir == second.run_dir and first.run_dir.name.startswith(".join-")
    assert collect_runs(tmp_path / "reports") == []  # nobody's latest while half-way
    record = json.loads((first.run_dir / "run.json").read_text())
    assert record["status"] == "running" and [r["name"] for r in record["reports"]] == ["first", "second"]
    done = finish_run(book, AIRFLOW_ID, where="two.yml")
    assert done.status == "ok" and done.run_dir == base / record["run_id"]
    assert sorted(p.name for p in base.iterdir()) == [record["run_id"]]
    assert {p.name for p in done.run_dir.iterdir()} == {
        "first.html", "first.ipynb", "second.html", "second.ipynb", "run.json",
    }  # fmt: skip
    (entry,) = collect_runs(tmp_path / "reports")
    latest = entry["latest"]
    assert (latest["run_id"], latest["status"], latest["adhoc"]) == (record["run_id"], "ok", False)
    assert latest["external_run_id"] == AIRFLOW_ID
    assert [r["parameters"] for r in latest["reports"]] == [{"n": 2}, {}]
    assert finish_run(book, AIRFLOW_ID, where="two.yml").run_dir == done.run_dir  # finishing again changes nothing


def test_a_report_that_never_joined_fails_the_run_which_does_not_replace_the_last_good_one(book, tmp_path):
    run_playbook(book, where="two.yml", only=["first"], run_id="manual__1", jobs=1)
    run_playbook(book, where="two.yml", only=["second"], run_id="manual__1", jobs=1)
    good = finish_run(book, "manual__1", where="two.yml")
    run_playbook(book, where="two.yml", only=["first"], run_id="manual__2", jobs=1)
    assert prune_runs(tmp_path / "reports" / "two", 1) == []  # the hidden run is in progress, not an old one
    broken = finish_run(book, "manual__2", where="two.yml")
    assert broken.status == "failed"
    (entry,) = collect_runs(tmp_path / "reports")
    assert entry["latest"]["run_id"] == good.run_id  # keep_runs 1 still keeps the last good run
    assert [r["run_id"] for r in entry["failing"]] == [broken.run_id]
    assert entry["failing"][0]["error"] == "second: did not run"


def test_finishing_a_run_no_report_joined_is_an_input_error(book):
    with pytest.raises(JourneyInputError, match=r"two.yml: no report has joined run 'nope'"):
        finish_run(book, "nope", where="two.yml")
