"""The ``journey experiment`` sub-app."""

from typer.testing import CliRunner

from journey.experiments.cli import app
from journey.experiments.spec import load_spec


def test_new_scaffolds_and_prints_path(tmp_path):
    result = CliRunner().invoke(app, ["new", "banner-test", "--directory", str(tmp_path), "--baseline", "0.08"])
    assert result.exit_code == 0, result.output
    assert load_spec(tmp_path / "banner-test.yml").baseline == 0.08


def test_bad_input_exits_2_without_writing(tmp_path):
    result = CliRunner().invoke(app, ["new", "Bad Name", "--directory", str(tmp_path)])
    assert result.exit_code == 2
    assert "slug" in result.output
    assert not list(tmp_path.iterdir())
