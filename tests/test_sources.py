"""Data sources: one connect() for DuckDB files, parquet folders and DataFrames, always in UTC."""

from __future__ import annotations

import pandas as pd
import pytest

from journey import config, sources
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
    import ibis
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
