"""Playbook schema and parameter checks (the runner's end-to-end tests cover the rejections)."""

from __future__ import annotations

import datetime as dt

import pytest

from journey import config
from journey.runs import notebook_params
from journey.runs.playbooks import discover, load_playbook
from journey.validation import JourneyInputError


@pytest.mark.parametrize("path", discover(), ids=lambda p: p.name)
def test_committed_playbooks_are_valid_and_their_notebooks_exist(path):
    book = load_playbook(path)
    for report in book.reports:
        assert report.path.exists(), report.notebook
        notebook_params.check(report.parameters, report.path, f"{path.name}: {report.name}")


def test_next_runs_follow_the_cron_schedule():
    book = load_playbook(config.playbooks_dir() / "weekly-journey-review.yml")
    runs = book.next_runs(2, after=dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
    assert runs[0] == dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
    assert (runs[1] - runs[0]).days == 7


@pytest.mark.parametrize(
    ("text", "type_name", "expected"),
    [
        ("14", "int", 14),
        ("0.5", "float", 0.5),
        ("true", "bool", True),
        ("[a, b]", "list", ["a", "b"]),
        ("x", "str", "x"),
    ],
)
def test_cli_values_are_coerced_to_the_declared_type(text, type_name, expected):
    assert notebook_params.coerce(text, type_name, "--param k") == expected


def test_bool_is_not_accepted_for_an_int_parameter(tmp_path):
    from tests.helpers import write_notebook

    path = write_notebook(tmp_path / "n.ipynb", "n: int = 1  # a count")
    with pytest.raises(JourneyInputError, match=r"parameter 'n' = True is a bool; expected int"):
        notebook_params.check({"n": True}, path, "p.yml")


def test_yaml_that_is_not_a_mapping_is_rejected(tmp_path):
    path = tmp_path / "list.yml"
    path.write_text("- a\n- b\n")
    with pytest.raises(JourneyInputError, match=r"list\.yml: is not a YAML mapping"):
        load_playbook(path)


def test_duplicate_report_names_are_rejected(tmp_path):
    path = tmp_path / "dup.yml"
    path.write_text(
        "name: dup\ndescription: d\naudience: a\nschedule: '0 7 * * MON'\nreports:\n"
        "  - {name: a, notebook: 00-journey-overview.ipynb}\n  - {name: a, notebook: 00-journey-overview.ipynb}\n"
    )
    with pytest.raises(JourneyInputError, match="report names must be unique; repeated: a"):
        load_playbook(path)


def test_an_unknown_time_zone_is_a_one_line_error(tmp_path):
    import pytest

    from journey.runs.playbooks import load_playbook
    from journey.validation import JourneyInputError

    path = tmp_path / "p.yml"
    path.write_text(
        "name: p\ndescription: d\naudience: a\nschedule: '0 7 * * MON'\ntimezone: Mars/Olympus\n"
        "reports: [{name: r, notebook: r.ipynb}]\n"
    )
    with pytest.raises(JourneyInputError, match=r"timezone: unknown time zone 'Mars/Olympus'"):
        load_playbook(path)
