"""The `journey` command: input errors exit with code 2 and one clear line; success exits 0."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from journey.cli import app
from journey.datasets import make_sample

runner = CliRunner()


def test_every_command_has_help():
    for args in (["--help"], ["run", "--help"], ["data", "sample", "--help"], ["data", "validate", "--help"],
                 ["playbook", "check", "--help"], ["index", "--help"], ["experiment", "new", "--help"],
                 ["propensity", "export", "--help"], ["personalize", "export", "--help"],
                 ["schedule", "run", "--help"], ["export", "airflow", "--help"]):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)


def test_validate_accepts_a_good_file(tmp_path):
    path = tmp_path / "orders.parquet"
    make_sample(users=300, seed=2)["orders"].to_parquet(path)
    result = runner.invoke(app, ["data", "validate", str(path), "--table", "orders"])
    assert result.exit_code == 0 and "match the orders contract" in result.output


def test_validate_exits_2_with_the_column_named(tmp_path):
    path = tmp_path / "orders.csv"
    pd.DataFrame({"order_id": [1], "user_id": [2]}).to_csv(path, index=False)
    result = runner.invoke(app, ["data", "validate", str(path), "--table", "orders"])
    assert result.exit_code == 2
    assert "orders.csv: missing columns" in result.output and "'revenue'" in result.output


def test_validate_missing_file_exits_2(tmp_path):
    result = runner.invoke(app, ["data", "validate", str(tmp_path / "none.csv")])
    assert result.exit_code == 2 and "file not found" in result.output


def test_sample_writes_the_database_atomically(tmp_path):
    result = runner.invoke(app, ["data", "sample", "--users", "300", "--seed", "3", "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert (tmp_path / "s" / "journey.duckdb").exists()


def test_playbook_check_validates_the_weekly_playbook():
    result = runner.invoke(app, ["playbook", "check", "playbooks/weekly-journey-review.yml"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_propensity_export_writes_scores_by_decile(tmp_path):
    from journey import config
    from journey.data import sources
    from journey.stages import propensity

    target = tmp_path / "out" / "deciles.csv"
    result = runner.invoke(app, ["propensity", "export", str(target), "--window", "14d"])
    assert result.exit_code == 0, result.output
    assert "held-out AUC" in result.output
    scores = pd.read_csv(target)
    assert list(scores.columns) == ["user_id", "score", "decile"]
    assert sorted(scores["decile"].unique()) == list(range(1, 11))
    # decile 1 holds the highest scores, and the file holds what the library computes
    assert scores.groupby("decile")["score"].mean().is_monotonic_decreasing
    expected = propensity.fit(sources.as_table(str(config.default_database()), "events"), window="14d").scores
    pd.testing.assert_frame_equal(scores, expected.reset_index(drop=True), check_dtype=False)
    assert not list(target.parent.glob("*.tmp"))


def test_propensity_export_unknown_source_exits_2(tmp_path):
    result = runner.invoke(app, ["propensity", "export", str(tmp_path / "x.csv"), "--source", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "not found" in result.output


def test_propensity_export_without_a_fit_exits_2_and_writes_nothing(tmp_path):
    target = tmp_path / "deciles.csv"
    result = runner.invoke(app, ["propensity", "export", str(target), "--outcome", "never_happens"])
    assert result.exit_code == 2
    assert "model not fitted" in result.output and "never_happens" in result.output
    assert not target.exists()


HEAVY = ("scipy", "pandas", "ibis", "duckdb", "papermill", "pyarrow", "pandera", "nbformat", "matplotlib")


@pytest.mark.parametrize(
    "args",
    [["--help"], ["data", "--help"], ["data", "validate", "--help"], ["run", "--help"], ["personalize", "--help"],
     ["personalize", "export", "--help"], ["schedule", "run", "--help"], ["export", "airflow", "--help"]],
)  # fmt: skip
def test_help_imports_none_of_the_heavy_libraries(args):
    """`journey --help` starts in ~0.2 s because commands import their modules inside; scipy.stats alone
    (pulled in by the experiments engine) took ~1 s. Checked on sys.modules, not on a clock."""
    code = (
        "import sys\n"
        "from journey.cli import app\n"
        f"sys.argv = ['journey', *{args!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        f"print('imported:', *[m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout
    assert done.stdout.splitlines()[-1] == "imported:"  # none of HEAVY


def test_experiment_commands_load_on_demand():
    result = runner.invoke(app, ["experiment", "--help"])
    assert result.exit_code == 0 and "new" in result.output and "Scaffold" in result.output
    result = runner.invoke(app, ["experiment", "nope"])
    assert result.exit_code == 2 and "No such command" in result.output


def _events_frame():
    events = make_sample(users=200, seed=5)["events"].head(30).copy()
    events["ts"] = events["ts"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return events


def _validate(path, table="events"):
    return runner.invoke(app, ["data", "validate", str(path), "--table", table])


def _one_error_line(result):
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.mark.parametrize("name", ["x.csv", "x.parquet"])
def test_validate_a_folder_without_parquet_parts_exits_2_with_one_line(tmp_path, name):
    (tmp_path / name).mkdir()
    line = _one_error_line(_validate(tmp_path / name))
    assert line.startswith(f"error: {tmp_path / name}: is a folder holding no .parquet files; expected a .csv")


def test_validate_a_duplicated_header_column_exits_2(tmp_path):
    path = tmp_path / "events.csv"
    events = _events_frame()
    events.insert(3, "user_id_2", events["user_id"])
    events.to_csv(path, index=False, header=[*events.columns[:3], "user_id", *events.columns[4:]])
    line = _one_error_line(_validate(path))
    assert line == "error: events.csv: the header repeats column 'user_id' (2 times); expected unique names"


def test_validate_a_row_with_more_fields_than_the_header_names_the_line(tmp_path):
    path = tmp_path / "events.csv"
    _events_frame().to_csv(path, index=False)
    lines = path.read_text().splitlines()
    lines[1] += ",surplus"  # the first data row: pandas took user_id as the index and blamed user_id
    path.write_text("\n".join(lines) + "\n")
    line = _one_error_line(_validate(path))
    width = len(_events_frame().columns)
    assert line == (
        f"error: events.csv: line 2 (row 1) has {width + 1} values but the header has {width}; "
        f"expected {width} values per line separated by ','"
    )


def test_validate_reports_every_failing_column_in_one_line(tmp_path):
    path = tmp_path / "events.csv"
    events = _events_frame().astype({"user_id": object})
    events.loc[events.index[0], "user_id"] = "u1"
    events.loc[events.index[1], "country"] = None
    events.to_csv(path, index=False)
    line = _one_error_line(_validate(path))
    assert line.startswith("error: events.csv: 2 columns fail the events contract: column 'user_id' has non-numeric")
    assert "column 'country' has null values (first at row 2" in line


def test_validate_reads_gzip_csv_and_parquet_folders(tmp_path):
    events = _events_frame()
    events.to_csv(tmp_path / "events.csv.gz", index=False)
    folder = tmp_path / "events.parquet"
    folder.mkdir()
    events.iloc[:10].to_parquet(folder / "part-0.parquet", index=False)
    events.iloc[10:].to_parquet(folder / "part-1.parquet", index=False)
    for path in (tmp_path / "events.csv.gz", folder):
        result = _validate(path)
        assert result.exit_code == 0, result.output
        assert f"{len(events)} rows match the events contract" in result.output


def test_validate_accepts_uuid_session_ids(tmp_path):
    import uuid

    events = _events_frame()
    events["session_id"] = [str(uuid.UUID(int=i + 1)) for i in range(len(events))]
    events.to_csv(tmp_path / "events.csv", index=False)
    result = _validate(tmp_path / "events.csv")
    assert result.exit_code == 0, result.output
