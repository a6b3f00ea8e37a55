"""The `journey` command: input errors exit with code 2 and one clear line; success exits 0."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from journey.cli import app
from journey.datasets import make_sample

runner = CliRunner()


def test_every_command_has_help():
    for args in (["--help"], ["run", "--help"], ["data", "sample", "--help"], ["data", "validate", "--help"],
                 ["playbook", "check", "--help"], ["index", "--help"], ["experiment", "new", "--help"]):  # fmt: skip
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
