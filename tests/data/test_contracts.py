"""Data contracts: every kind of bad input gets one message naming file, column, row and value."""

from __future__ import annotations

import typing

import pandas as pd
import pytest

from journey.data.contracts import CONTRACTS, TableName, load_table, validate_frame
from journey.datasets import make_sample
from journey.validation import JourneyInputError


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return make_sample(users=400, seed=3)


def _events_csv(sample, tmp_path, mutate=None, name="events.csv"):
    frame = sample["events"].head(40).copy()
    frame["ts"] = frame["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if mutate:
        frame = mutate(frame)
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_valid_csv_round_trips_with_utc_timestamps(sample, tmp_path):
    loaded = load_table(_events_csv(sample, tmp_path), "events")
    assert len(loaded) == 40
    assert str(loaded["ts"].dt.tz) == "UTC"
    expected = sample["events"].head(40)["ts"].reset_index(drop=True)
    assert (loaded["ts"].reset_index(drop=True) == expected).all()


@pytest.mark.parametrize("table", typing.get_args(TableName))
def test_every_sample_table_satisfies_its_contract(sample, table):
    assert len(validate_frame(sample[table], table, f"{table}.parquet")) == len(sample[table])


# One broken row per customer success table, and the one-line error it must give.
BROKEN_ROWS = {
    "order_history": ("amount", -5.0, r"column 'amount' fails greater_than_or_equal_to\(0\) \(first at row 3: -5"),
    "subscriptions": ("start_ts", None, r"column 'start_ts' has null values \(first at row 3"),
    "support_tickets": (
        "satisfaction",
        7,
        r"column 'satisfaction' fails less_than_or_equal_to\(5\) \(first at row 3: 7",
    ),
    "usage": ("logins", 0, r"column 'logins' fails greater_than_or_equal_to\(1\) \(first at row 3: 0"),
    "plays": ("variant", "control", r"column 'variant' has unknown values \(first at row 3: 'control'\).*'holdout'"),
}


def _as_csv(frame: pd.DataFrame, path) -> None:
    """Write as an export would: timestamps in ISO 8601 with Z, nulls as empty fields."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("table", sorted(BROKEN_ROWS))
def test_a_broken_row_of_a_customer_success_table_gives_one_line(sample, tmp_path, table):
    column, value, message = BROKEN_ROWS[table]
    frame = sample[table].head(10).copy()
    frame[column] = frame[column].astype(object)
    frame.loc[frame.index[2], column] = value
    path = tmp_path / f"{table}.csv"
    _as_csv(frame, path)
    with pytest.raises(JourneyInputError, match=rf"^{table}\.csv: {message}") as caught:
        load_table(path, table)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("table", sorted(BROKEN_ROWS))
@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_cli_validates_an_export_of_each_customer_success_table(sample, tmp_path, table, suffix):
    from typer.testing import CliRunner

    from journey.cli import app

    path = tmp_path / f"{table}.{suffix}"
    if suffix == "csv":
        _as_csv(sample[table], path)
    else:
        sample[table].to_parquet(path)
    result = CliRunner().invoke(app, ["data", "validate", str(path), "--table", table])
    assert result.exit_code == 0, result.output
    assert f"{len(sample[table]):,} rows match the {table} contract" in result.output


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(JourneyInputError, match=r"nope\.csv: file not found"):
        load_table(tmp_path / "nope.csv", "events")


def test_missing_column_lists_what_is_present(sample, tmp_path):
    path = _events_csv(sample, tmp_path, lambda f: f.drop(columns=["device"]))
    with pytest.raises(JourneyInputError, match=r"events\.csv: missing column 'device'.*present: 'channel'"):
        load_table(path, "events")


def test_wrong_dtype_names_column_row_and_value(sample, tmp_path):
    def mutate(f):
        f["user_id"] = f["user_id"].astype(object)
        f.loc[f.index[4], "user_id"] = "abc"
        return f

    with pytest.raises(JourneyInputError, match=r"column 'user_id' has non-numeric values \(first at row 5: 'abc'\)"):
        load_table(_events_csv(sample, tmp_path, mutate), "events")


def test_session_id_accepts_uuid_strings_and_the_sample_integers(sample, tmp_path):
    import uuid

    def mutate(f):
        return f.assign(session_id=[str(uuid.UUID(int=i)) for i in range(len(f))])

    loaded = load_table(_events_csv(sample, tmp_path, mutate), "events")
    assert loaded["session_id"].iloc[3] == str(uuid.UUID(int=3))
    from_ints = load_table(_events_csv(sample, tmp_path), "events")  # the generator writes integers
    assert from_ints["session_id"].tolist() == sample["events"].head(40)["session_id"].astype(str).tolist()


def test_every_failing_column_is_reported_at_once(sample, tmp_path):
    """Lazy validation: a conversion failure, a null and a range check, one message."""

    def mutate(f):
        f["user_id"] = f["user_id"].astype(object)
        f.loc[f.index[1], "user_id"] = "u-17"
        f.loc[f.index[2], "ts"] = "2026-09-07T10:00:00"
        f["page_load_ms"] = f["page_load_ms"].astype(object)
        f.loc[f.index[5], "page_load_ms"] = -3
        f.loc[f.index[6], "device"] = None
        return f

    with pytest.raises(JourneyInputError) as caught:
        load_table(_events_csv(sample, tmp_path, mutate), "events")
    message = str(caught.value)
    assert message.startswith("events.csv: 4 columns fail the events contract: ")
    assert "column 'user_id' has non-numeric values (first at row 2: 'u-17'), expected int values" in message
    assert "column 'ts' has timezone-naive values (first at row 3: '2026-09-07T10:00:00')" in message
    assert "column 'device' has null values (first at row 7" in message
    assert "column 'page_load_ms' fails greater_than_or_equal_to(0) (first at row 6: -3.0, 1 failure)" in message
    assert "\n" not in message


def test_null_user_id_is_rejected(sample, tmp_path):
    def mutate(f):
        f["user_id"] = f["user_id"].astype(object)
        f.loc[f.index[2], "user_id"] = None
        return f

    with pytest.raises(JourneyInputError, match=r"column 'user_id' has null values \(first at row 3"):
        load_table(_events_csv(sample, tmp_path, mutate), "events")


def test_naive_timestamps_are_rejected_not_guessed(sample, tmp_path):
    path = _events_csv(sample, tmp_path, lambda f: f.assign(ts=f["ts"].str.rstrip("Z")))
    with pytest.raises(
        JourneyInputError, match=r"column 'ts' has timezone-naive values \(first at row 1.*expected UTC"
    ):
        load_table(path, "events")


def test_unparseable_dates_are_named(sample, tmp_path):
    def mutate(f):
        f.loc[f.index[7], "ts"] = "2026-13-45T99:00:00Z"
        return f

    with pytest.raises(JourneyInputError, match=r"column 'ts' has unparseable dates \(first at row 8: '2026-13-45"):
        load_table(_events_csv(sample, tmp_path, mutate), "events")


def test_non_utf8_file_reports_the_byte(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("user_id,text\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(JourneyInputError, match=r"latin1\.csv: is not valid UTF-8 \(byte 0xe9 at offset 18, line 2\)"):
        load_table(path, "feedback")


def test_binary_garbage_is_rejected(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(JourneyInputError, match=r"garbage\.csv: looks like a binary file"):
        load_table(path, "events")


def test_corrupt_parquet_is_rejected(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(JourneyInputError, match=r"broken\.parquet: is not a readable parquet file"):
        load_table(path, "events")


def test_unknown_feedback_channel_lists_valid_ones(sample):
    frame = sample["feedback"].head(10).copy()
    frame.loc[frame.index[3], "channel"] = "carrier_pigeon"
    with pytest.raises(
        JourneyInputError,
        match=r"fb\.csv: column 'channel' has unknown values \(first at row 4: 'carrier_pigeon'\).*'review', 'social'",
    ):
        validate_frame(frame, "feedback", "fb.csv")


def test_rating_out_of_range_fails_the_contract(sample):
    frame = sample["feedback"].head(10).copy()
    frame.loc[frame.index[1], "rating"] = 9.0
    with pytest.raises(
        JourneyInputError, match=r"column 'rating' fails less_than_or_equal_to\(5\) \(first at row 2: 9"
    ):
        validate_frame(frame, "feedback", "fb.csv")


def test_empty_table_is_an_error_not_an_empty_result(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(",".join(c.name for c in CONTRACTS["events"]) + "\n")
    with pytest.raises(JourneyInputError, match=r"empty\.csv: the events table has no rows"):
        load_table(path, "events")


def test_zero_byte_file_is_an_error(tmp_path):
    path = tmp_path / "zero.csv"
    path.write_bytes(b"")
    with pytest.raises(JourneyInputError, match=r"zero\.csv: is empty"):
        load_table(path, "events")


def test_unknown_table_lists_the_contracts(tmp_path):
    with pytest.raises(JourneyInputError, match=r"table: unknown value 'evnts'; expected one of 'assignments'"):
        load_table(tmp_path / "x.csv", "evnts")  # type: ignore[arg-type]


def test_contract_documentation_is_current():
    # data/contracts/README.md is generated by `journey data contracts --write`.
    from journey import config
    from journey.data.contracts import describe

    assert (config.data_dir() / "contracts" / "README.md").read_text() == describe() + "\n"
