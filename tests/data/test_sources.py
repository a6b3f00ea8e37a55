"""Data sources: one connect() for DuckDB files, parquet folders and DataFrames, always in UTC."""

from __future__ import annotations

import gzip

import ibis
import pandas as pd
import pytest

from journey import config
from journey.data import sources
from journey.validation import JourneyInputError


def test_default_source_is_the_sample_duckdb():
    con = sources.connect()
    assert {"events", "orders", "customers", "feedback", "assignments"} <= set(con.list_tables())


def test_duckdb_uri_and_path_and_parquet_folder_agree():
    path = config.default_database()
    counts = []
    for uri in (None, str(path), f"duckdb://{path}", str(config.sample_dir() / "parquet")):
        counts.append(int(sources.as_table(uri, "orders").count().execute()))
    assert len(set(counts)) == 1 and counts[0] > 0


def test_dataframe_is_wrapped_as_memtable():
    frame = pd.DataFrame({"user_id": [1, 2, 2], "ts": pd.to_datetime(["2026-01-01"] * 3, utc=True), "event": "x"})
    table = sources.as_table(frame)
    assert int(table.user_id.nunique().execute()) == 2


def test_sessions_run_in_utc_so_weeks_are_utc_weeks():
    con = sources.connect()
    assert con.raw_sql("SELECT current_setting('TimeZone')").fetchone()[0] == "UTC"


def test_missing_source_is_an_input_error(tmp_path):
    with pytest.raises(JourneyInputError, match=r"missing\.duckdb: data source not found"):
        sources.connect(tmp_path / "missing.duckdb")


def test_unknown_table_lists_the_tables():
    with pytest.raises(JourneyInputError, match=r"table 'evnts': not found in the data source; expected one of"):
        sources.as_table(None, "evnts")


def test_empty_folder_is_an_input_error(tmp_path):
    with pytest.raises(JourneyInputError, match=r"folder holds no \.parquet or \.csv files"):
        sources.connect(tmp_path)


def test_store_arrow_makes_a_native_table_and_leaves_no_view_behind():
    import pyarrow as pa

    con = ibis.duckdb.connect()
    stamps = pd.to_datetime(["2026-01-01 00:00:01", "2026-01-02 12:00:00"], utc=True)
    data = pa.table({"user_id": [1, 2], "ts": pa.array(stamps)})
    table = sources.store_arrow(con, "t", data, temp=True)
    assert table.to_pandas()["ts"].tolist() == list(stamps)
    kinds = dict(con.raw_sql("SELECT table_name, temporary FROM duckdb_tables()").fetchall())
    assert kinds == {"t": True}
    assert not [v for (v,) in con.raw_sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
    sources.store_arrow(con, "kept", data)
    assert dict(con.raw_sql("SELECT table_name, temporary FROM duckdb_tables()").fetchall())["kept"] is False


def _orders_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [1, 2, 2, 3],
            "revenue": [10.5, 3.0, 4.25, 0.0],
            "ts": pd.to_datetime(
                ["2026-01-01 10:00", "2026-01-02 00:00", "2026-01-03 00:00", "2026-01-04 23:59"], utc=True
            ),
            "note": ["a", "it's", None, "d"],
        }
    )


def test_a_parquet_or_csv_file_is_a_table_with_the_types_duckdb_reads(tmp_path):
    frame = _orders_frame()
    frame.to_parquet(tmp_path / "orders.parquet", index=False)
    frame.drop(columns="ts").to_csv(tmp_path / "orders.csv", index=False)
    from_parquet = sources.as_table(tmp_path / "orders.parquet")
    # the same schema as ibis's own read_parquet (which asks DuckDB to describe a view)
    assert from_parquet.schema() == ibis.duckdb.connect().read_parquet(tmp_path / "orders.parquet").schema()
    assert from_parquet.ts.type().is_timestamp() and from_parquet.ts.type().timezone is not None
    pd.testing.assert_frame_equal(from_parquet.to_pandas(), frame, check_dtype=False)
    from_csv = sources.read_file(str(tmp_path / "orders.csv"))
    assert from_csv.revenue.sum().execute() == pytest.approx(frame.revenue.sum())
    assert from_csv.note.type().is_string()
    # both live on one engine session, so they join without copying
    joined = from_parquet.join(from_csv.select("user_id", r="revenue"), "user_id")
    assert int(joined.count().execute()) == 6  # user 2 has two rows in each


def test_a_glob_reads_every_file_as_one_table(tmp_path):
    frame = _orders_frame()
    frame.iloc[:2].to_parquet(tmp_path / "part-1.parquet", index=False)
    frame.iloc[2:].to_parquet(tmp_path / "part-2.parquet", index=False)
    table = sources.read_file(f"{tmp_path}/part-*.parquet")
    assert int(table.count().execute()) == 4


def test_a_quote_in_the_file_name_is_escaped(tmp_path):
    path = tmp_path / "it's.parquet"
    _orders_frame().to_parquet(path, index=False)
    assert int(sources.as_table(str(path)).count().execute()) == 4


def test_bad_files_are_input_errors_that_name_the_file(tmp_path):
    with pytest.raises(JourneyInputError, match=r"nope\.parquet: data source not found"):
        sources.read_file(tmp_path / "nope.parquet")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not a parquet file")
    with pytest.raises(JourneyInputError, match=r"broken\.parquet: cannot be read"):
        sources.as_table(broken)
    with pytest.raises(JourneyInputError, match=r"unsupported file type '\.xlsx'"):
        sources.read_file(tmp_path / "book.xlsx")
    assert not sources.is_file(tmp_path / "book.xlsx") and not sources.is_file("s3://bucket/x.parquet")


def test_files_take_the_suffixes_and_separators_the_contracts_take(tmp_path):
    """The engine reader accepts the same table files as journey.data.files (TSV, upper-case suffixes too)."""
    frame = _orders_frame().drop(columns="ts")
    frame.to_csv(tmp_path / "orders.tsv", sep="\t", index=False)
    frame.to_parquet(tmp_path / "ORDERS.PARQUET", index=False)
    for path in (tmp_path / "orders.tsv", tmp_path / "ORDERS.PARQUET"):
        assert sources.is_file(path)
        got = sources.as_table(path).to_pandas()
        pd.testing.assert_frame_equal(got, frame, check_dtype=False)
    with pytest.raises(JourneyInputError, match=r"a \.csv, \.tsv or \.parquet file"):
        sources.read_file(tmp_path / "book.xlsx")


def test_gzip_csv_and_parquet_folders_read_in_the_engine_as_pandas_reads_them(tmp_path):
    """The engine reader and journey.data.files take the same inputs and give the same rows."""
    from journey.data.files import read_table_file

    frame = _orders_frame().drop(columns="ts").sort_values("revenue", ignore_index=True)
    frame.to_csv(tmp_path / "orders.csv.gz", index=False)
    folder = tmp_path / "orders.parquet"
    folder.mkdir()
    frame.iloc[:2].to_parquet(folder / "part-0.parquet", index=False)
    frame.iloc[2:].to_parquet(folder / "part-1.parquet", index=False)
    (folder / "_SUCCESS").write_bytes(b"")
    hive = tmp_path / "by_day"
    for day, rows in ((1, frame.iloc[:1]), (2, frame.iloc[1:])):
        (hive / f"day={day}").mkdir(parents=True)
        rows.to_parquet(hive / f"day={day}" / "part-0.parquet", index=False)
    for path in (tmp_path / "orders.csv.gz", folder):
        assert sources.is_file(path)
        got = sources.as_table(path).to_pandas().sort_values("revenue", ignore_index=True)
        pd.testing.assert_frame_equal(got, frame, check_dtype=False)
        pd.testing.assert_frame_equal(read_table_file(path, expected="x"), frame, check_dtype=False)
    in_engine = sources.read_file(f"{hive}/**/*.parquet").to_pandas().sort_values("revenue", ignore_index=True)
    in_pandas = read_table_file(hive, expected="x").sort_values("revenue", ignore_index=True)
    pd.testing.assert_frame_equal(in_engine, in_pandas[in_engine.columns], check_dtype=False)
    assert in_engine["day"].tolist() == [1, 2, 2, 2]


def test_a_folder_source_takes_parquet_folders_and_gzip_files_as_tables(tmp_path):
    frame = _orders_frame()
    (tmp_path / "orders.parquet").mkdir()
    frame.to_parquet(tmp_path / "orders.parquet" / "part-0.parquet", index=False)
    frame.drop(columns="ts").to_csv(tmp_path / "refunds.csv.gz", index=False)
    con = sources.connect(tmp_path)
    assert sorted(con.list_tables()) == ["orders", "refunds"]
    assert int(sources.as_table(con, "refunds").count().execute()) == len(frame)
    assert int(sources.as_table(con, "orders").count().execute()) == len(frame)


def test_a_folder_named_like_a_file_without_parquet_parts_is_an_input_error(tmp_path):
    (tmp_path / "x.csv").mkdir()
    with pytest.raises(JourneyInputError, match=r"x\.csv: is a folder holding no \.parquet files; expected a \.csv"):
        sources.as_table(tmp_path / "x.csv")


def test_text_files_fail_in_the_engine_as_they_fail_in_pandas(tmp_path):
    """A repeated header column (DuckDB would call it user_id_1) and a line with a value too many
    (DuckDB's sniffer error spans 20 lines) get journey.data.files' one-line messages."""
    (tmp_path / "twice.csv").write_text("user_id,ts,user_id\n1,2,3\n")
    with pytest.raises(JourneyInputError, match=r"^twice\.csv: the header repeats column 'user_id' \(2 times\)"):
        sources.as_table(tmp_path / "twice.csv")
    with gzip.open(tmp_path / "ragged.csv.gz", "wt") as out:
        out.write("a,b\n1,2,3\n4,5\n")
    with pytest.raises(JourneyInputError) as caught:
        sources.as_table(tmp_path / "ragged.csv.gz")
    assert str(caught.value) == (
        "ragged.csv.gz: line 2 (row 1) has 3 values but the header has 2; expected 2 values per line separated by ','"
    )
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(JourneyInputError) as caught:
        sources.as_table(tmp_path / "broken.parquet")
    assert "\n" not in str(caught.value)
