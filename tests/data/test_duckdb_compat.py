"""ibis 12 on DuckDB 2 through journey.data.duckdb_compat: the fetch paths ibis uses work, quietly."""

from __future__ import annotations

import warnings

import duckdb
import ibis
import pytest

import journey  # noqa: F401  (installs the compatibility aliases)
from journey.data import duckdb_compat


def test_ibis_executes_and_streams_batches_on_the_pinned_duckdb() -> None:
    con = ibis.duckdb.connect()
    table = con.sql("SELECT range AS i FROM range(10)")
    with warnings.catch_warnings(record=True) as caught:  # the filters in force, as a user has them
        assert table.i.sum().execute() == 45
        assert table.to_pyarrow().num_rows == 10
        batches = list(con.to_pyarrow_batches(table, chunk_size=4))
    assert [b.num_rows for b in batches] == [4, 4, 2]
    assert not [w for w in caught if "extra copy" in str(w.message)]  # ibis's calling pattern, not the user's


def test_install_is_idempotent_and_keeps_methods_it_did_not_add() -> None:
    before = duckdb.DuckDBPyConnection.fetch_arrow_table
    duckdb_compat.install()
    assert duckdb.DuckDBPyConnection.fetch_arrow_table is before


@pytest.mark.skipif(not duckdb.__version__.startswith("2."), reason="the aliases exist only for DuckDB 2")
def test_aliases_return_what_the_new_methods_return() -> None:
    con = duckdb.connect()
    assert con.execute("SELECT 7 AS x").fetch_arrow_table().to_pylist() == [{"x": 7}]
    reader = con.execute("SELECT range AS x FROM range(5)").fetch_record_batch(rows_per_batch=2)
    assert [b.num_rows for b in reader] == [2, 2, 1]


def test_tables_from_dataframes_can_be_created_and_dropped() -> None:
    """ibis 12 with sqlglot >= 30.18 emits a nameless DROP here (ibis-project/ibis#12124): the pin keeps it working."""
    import pandas as pd

    con = ibis.duckdb.connect()
    table = con.create_table("scores", pd.DataFrame({"a": [1, 2, 3]}))
    assert table.a.sum().execute() == 6
    con.create_view("top", table.filter(table.a > 1))
    con.drop_view("top")
    con.drop_table("scores")
    assert con.list_tables() == []
    assert con.execute(ibis.memtable(pd.DataFrame({"b": [1, 2]})).count()) == 2


def test_import_journey_leaves_duckdb_unloaded_and_patches_it_when_first_imported() -> None:
    """`import journey` is cheap (no DuckDB); the aliases still exist before ibis can fetch."""
    import subprocess
    import sys

    code = (
        "import sys, journey\n"
        "assert 'duckdb' not in sys.modules, 'journey imported duckdb'\n"
        "import ibis\n"
        "con = ibis.duckdb.connect()\n"
        "import duckdb\n"
        "assert hasattr(duckdb.DuckDBPyConnection, 'fetch_arrow_table')\n"
        "assert con.sql('SELECT 41 + 1 AS x').to_pyarrow().to_pylist() == [{'x': 42}]\n"
        "assert not [f for f in sys.meta_path if type(f).__name__ == '_InstallOnImport']\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
