"""The one validation helper: message shape, option checks, cron expressions."""

from __future__ import annotations

import subprocess
import sys

import pytest

from journey.validation import JourneyInputError, check_cron, check_option, input_error, require_columns


def test_input_error_reads_where_problem_expected() -> None:
    err = input_error("events.parquet", "column 'ts' has timezone-naive values", "UTC timestamps")
    assert str(err) == "events.parquet: column 'ts' has timezone-naive values; expected UTC timestamps"


def test_check_option_lists_the_valid_values() -> None:
    with pytest.raises(JourneyInputError, match=r"^mode: unknown value 'x'; expected one of 'a', 'b'$"):
        check_option("mode", "x", ("b", "a"))


def test_require_columns_names_missing_and_present() -> None:
    with pytest.raises(JourneyInputError, match=r"missing column 'ts'; expected columns present: 'event', 'user_id'"):
        require_columns(["user_id", "event"], ["user_id", "ts"], "events")


@pytest.mark.parametrize("expr", ["0 7 * * MON", "*/5 * * * *", "0 0 1 * *"])
def test_check_cron_accepts_valid_expressions(expr: str) -> None:
    assert check_cron(expr) == expr


@pytest.mark.parametrize("expr", ["every monday", "61 * * * *", "* * *"])
def test_check_cron_rejects_invalid_expressions_with_an_example(expr: str) -> None:
    with pytest.raises(ValueError, match=r"is not a valid cron expression \(e\.g\. '0 7 \* \* MON'\)"):
        check_cron(expr)


def test_experiment_spec_does_not_import_the_run_schema() -> None:
    # experiments describe tests; playbooks describe report runs: neither depends on the other.
    code = "import sys, journey.experiments.spec; print('journey.runs.playbooks' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_load_yaml_model_lists_every_problem_in_one_line(tmp_path) -> None:
    from pydantic import BaseModel, ConfigDict

    from journey.validation import load_yaml_model

    class Weights(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: str
        weight: float

    path = tmp_path / "w.yml"
    path.write_text("name: x\nweight: heavy\ncolour: red\n")
    with pytest.raises(JourneyInputError) as err:
        load_yaml_model(path, Weights, "a weights file")
    assert str(err.value) == (
        f"{path}: weight: Input should be a valid number, unable to parse string as a number; "
        "colour: unknown key; expected a weights file"
    )
    path.write_text("- a list\n")
    with pytest.raises(JourneyInputError, match=r"is not a YAML mapping; expected a weights file"):
        load_yaml_model(path, Weights, "a weights file")
    with pytest.raises(JourneyInputError, match=r"missing\.yml: not found; expected a weights file"):
        load_yaml_model(tmp_path / "missing.yml", Weights, "a weights file")
    path.write_text("name: x\nweight: 2\n")
    assert load_yaml_model(path, Weights, "a weights file").weight == 2.0


def test_yaml_files_are_found_from_the_project_root_as_well(tmp_path, monkeypatch) -> None:
    # notebooks run in notebooks/ but name files from the project root
    from journey import config
    from journey.health import load_config

    monkeypatch.chdir(tmp_path)
    assert config.resolve("playbooks/health/score.yml") == config.project_root() / "playbooks/health/score.yml"
    assert load_config("playbooks/health/score.yml").bands[0].min_score == 0
