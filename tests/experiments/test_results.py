"""The results store: append-only, atomic, no duplicate readouts, clear errors on a bad file."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os

import pandas as pd
import pytest

from journey import config
from journey import experiments as ab
from journey.datasets.experiments import make_experiment
from journey.experiments.decision import decide
from journey.experiments.readout import Readout
from journey.experiments.results import (
    STORE_COLUMNS,
    empty_results,
    read_results,
    readout_rows,
    record,
    record_readout,
)
from journey.experiments.spec import load_spec
from journey.validation import JourneyInputError


def _rows(n: int = 3, end: str = "2026-01-31", experiment: str = "exp") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "experiment": [f"{experiment}-{i}" for i in range(n)],
            "metric": "purchase",
            "variant": "treatment",
            "rel_effect_size": [0.01 * i for i in range(n)],
            "rel_effect_se": 0.02,
            "pvalue": 0.5,
            "decision": "don't ship",
            "start_date": "2026-01-01",
            "end_date": end,
            "recorded_at": pd.Timestamp("2026-02-01", tz="UTC"),
        }
    )


def test_store_path_follows_the_environment_override(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JOURNEY_RESULTS_STORE", str(tmp_path / "store.parquet"))
    assert config.results_store() == tmp_path / "store.parquet"
    monkeypatch.delenv("JOURNEY_RESULTS_STORE")
    assert config.results_store() == config.data_dir() / "results" / "experiments.parquet"


def test_recording_appends_and_rerecording_the_same_readout_adds_nothing(tmp_path) -> None:
    store = tmp_path / "results" / "experiments.parquet"
    assert read_results(store).empty and list(read_results(store).columns) == list(STORE_COLUMNS)
    assert record(_rows(3), store) == 3
    assert record(_rows(3), store) == 0  # same experiment, metric, variant and end date
    assert record(_rows(3, end="2026-02-28"), store) == 3  # a later look is a new readout
    frame = read_results(store)
    assert len(frame) == 6
    assert frame["rel_effect_size"].tolist()[:3] == [0.0, 0.01, 0.02]
    assert not [p for p in store.parent.iterdir() if p.suffix == ".tmp"]  # no temporary file left


def test_existing_rows_are_never_changed_by_a_rerecording(tmp_path) -> None:
    store = tmp_path / "s.parquet"
    record(_rows(1), store)
    changed = _rows(1).assign(rel_effect_size=0.5, decision="ship")
    assert record(changed, store) == 0
    assert read_results(store)["rel_effect_size"].tolist() == [0.0]


def _append(args: tuple[str, int]) -> int:
    store, k = args
    return record(_rows(5, experiment=f"proc{k}"), store)


def test_concurrent_writers_both_land(tmp_path) -> None:
    store = str(tmp_path / "s.parquet")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        added = pool.map(_append, [(store, k) for k in range(6)])
    assert added == [5] * 6
    assert len(read_results(store)) == 30


def test_a_missing_column_is_named(tmp_path) -> None:
    store = tmp_path / "s.parquet"
    _rows(2).drop(columns=["rel_effect_se"]).to_parquet(store)
    with pytest.raises(JourneyInputError, match=r"s\.parquet: missing column\(s\) 'rel_effect_se'"):
        read_results(store)


def test_an_unknown_decision_and_a_non_number_are_named(tmp_path) -> None:
    with pytest.raises(JourneyInputError, match="'decision' has 'maybe'"):
        record(_rows(1).assign(decision="maybe"), tmp_path / "s.parquet")
    with pytest.raises(JourneyInputError, match="'rel_effect_se' has a non-number 'big'"):
        record(_rows(1).assign(rel_effect_se="big"), tmp_path / "s.parquet")
    assert not (tmp_path / "s.parquet").exists()


def test_a_damaged_store_is_an_input_error(tmp_path) -> None:
    store = tmp_path / "s.parquet"
    store.write_bytes(b"not parquet")
    with pytest.raises(JourneyInputError, match="not a readable parquet file"):
        read_results(store)


def _readout(lift: float) -> Readout:
    res = ab.analyze(make_experiment(users=20_000, seed=3, lift=lift), metrics=[ab.Proportion("converted")])
    return Readout(load_spec("checkout-redesign"), res, decide(res), None, (), None, pd.DataFrame())


def test_a_readout_records_its_primary_effect_with_the_comparisons_standard_error(tmp_path) -> None:
    ro = _readout(0.3)
    rows = readout_rows(ro, dt.date(2026, 11, 22), recorded_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    r = ro.result.get("converted")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["rel_effect_size"] == r.rel_effect_size and row["rel_effect_se"] == r.comparison.rel_se
    assert row["decision"] == "ship" and ro.decision.verdict == "ship"
    # the spec ended on 2026-11-01, before the window's end: that is the readout's end date
    assert row["end_date"] == pd.Timestamp("2026-11-01") and row["start_date"] == pd.Timestamp("2026-09-28")
    store = tmp_path / "s.parquet"
    assert record_readout(ro, dt.date(2026, 11, 22), store) == 1
    assert record_readout(ro, dt.date(2026, 11, 29), store) == 0  # next week's rerun: same readout


def test_an_interim_readout_ends_at_the_window(tmp_path) -> None:
    rows = readout_rows(_readout(0.0), dt.date(2026, 10, 15))
    assert rows.iloc[0]["end_date"] == pd.Timestamp("2026-10-15")
    assert rows.iloc[0]["decision"] in ("don't ship", "keep running")


def test_empty_results_has_the_store_columns() -> None:
    assert list(empty_results().columns) == list(STORE_COLUMNS)
    assert os.fspath(config.results_store()).endswith("experiments.parquet")


def test_a_test_that_starts_after_the_data_reads_out_as_not_started_and_records_nothing(tmp_path) -> None:
    # playbooks/experiments/one-page-checkout.yml starts 2026-12-07; the sample's data ends 2026-11-22
    ro = ab.readout(None, "one-page-checkout", until=dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
    assert ro.status == "not started" and ro.decision.verdict == "not started"  # not "keep running"
    assert ro.summary() == [
        "Not started: one-page-checkout starts on 2026-12-07, after the data window (data up to 2026-11-22); "
        "nothing to read yet."
    ]
    assert ro.record(dt.date(2026, 11, 22), tmp_path / "s.parquet") == 0
    assert not (tmp_path / "s.parquet").exists()


@pytest.mark.slow
def test_readout_notebook_says_not_started_and_records_a_finished_readout(tmp_path) -> None:
    import papermill

    env_store = tmp_path / "store.parquet"
    notebooks = config.notebooks_dir()
    old = os.environ.get("JOURNEY_RESULTS_STORE")
    os.environ["JOURNEY_RESULTS_STORE"] = str(env_store)
    try:
        for name in ("one-page-checkout", "checkout-redesign"):
            papermill.execute_notebook(
                str(notebooks / "50-experiment-readout.ipynb"),
                str(tmp_path / f"{name}.ipynb"),
                parameters={"experiment": name, "record": True},
                cwd=str(notebooks),
                progress_bar=False,
            )
    finally:
        if old is None:
            del os.environ["JOURNEY_RESULTS_STORE"]
        else:
            os.environ["JOURNEY_RESULTS_STORE"] = old
    assert "Not started: one-page-checkout starts on 2026-12-07" in (tmp_path / "one-page-checkout.ipynb").read_text()
    stored = read_results(env_store)
    assert stored[["experiment", "decision"]].values.tolist() == [["checkout-redesign", "ship"]]
