"""The ``journey experiment`` sub-app."""

from typer.testing import CliRunner

from journey.datasets import history as hist
from journey.display.text import percent
from journey.experiments.assurance import spec_assurance
from journey.experiments.cli import app
from journey.experiments.portfolio import portfolio
from journey.experiments.results import record
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


def _project(tmp_path, monkeypatch, sample: bool) -> None:
    monkeypatch.setenv("JOURNEY_ROOT", str(tmp_path))
    monkeypatch.setenv("JOURNEY_RESULTS_STORE", str(tmp_path / "store.parquet"))
    if sample:
        (tmp_path / "data" / "sample").mkdir(parents=True)
        hist.write_history(tmp_path / "data" / "sample", seed=7)


def test_new_prints_sample_size_and_success_probability_from_the_history(tmp_path, monkeypatch) -> None:
    _project(tmp_path, monkeypatch, sample=True)
    result = CliRunner().invoke(
        app, ["new", "price-test", "--directory", str(tmp_path / "pb"), "--baseline", "0.08", "--mde", "0.1"]
    )
    assert result.exit_code == 0, result.output
    spec = load_spec(tmp_path / "pb" / "price-test.yml")
    # the reference: the portfolio of the shipped history and the closed-form assurance of this playbook
    a = spec_assurance(spec, portfolio(hist.make_history(seed=7)))
    lines = result.output.splitlines()
    assert lines[1] == (
        f"Sample size: {spec.sample_size_per_arm:,} users per arm to detect a 10% relative change from a baseline "
        "of 8.0% (alpha 0.05, power 0.8)."
    )
    assert lines[2].startswith(
        f"Success probability: {percent(a.assurance, 0)} chance to end significant and positive; expected shipped "
        f"lift {percent(a.rel_expected_lift, 2, signed=True)} (relative; 0 when it does not ship), from 60 past tests"
    )


def test_new_says_there_is_no_history_instead_of_a_number(tmp_path, monkeypatch) -> None:
    _project(tmp_path, monkeypatch, sample=False)
    record(hist.make_history(seed=1).iloc[:3], tmp_path / "store.parquet")
    result = CliRunner().invoke(app, ["new", "price-test", "--directory", str(tmp_path / "pb")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2] == (
        "Success probability: not estimated; the history has 3 finished test(s) and needs at least 5 "
        "(readouts record theirs in the results store)."
    )
    assert "%" not in result.output.splitlines()[2]


def test_a_damaged_store_keeps_the_playbook_and_says_why(tmp_path, monkeypatch) -> None:
    _project(tmp_path, monkeypatch, sample=True)
    (tmp_path / "store.parquet").write_bytes(b"junk")
    result = CliRunner().invoke(app, ["new", "price-test", "--directory", str(tmp_path / "pb")])
    assert result.exit_code == 0 and (tmp_path / "pb" / "price-test.yml").exists()
    assert "Success probability: not estimated (" in result.output and "not a readable parquet file" in result.output
