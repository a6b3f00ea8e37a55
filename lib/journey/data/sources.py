"""Where data comes from: every query runs in an ibis backend (DuckDB embedded by default).

``connect()`` hides the choice of engine: the sample DuckDB file, another DuckDB file, a
folder of parquet files (each file becomes a table named after it), or any ibis URI
(``postgres://``, ``snowflake://``, ``pyspark://`` ...) for when data outgrows one machine.
``as_table()`` is what every library function calls on its ``data`` argument, so they all
accept an ibis table, a pandas DataFrame, a single parquet/CSV file (``read_file``), or a
backend / URI plus a table name.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
from ibis.backends import BaseBackend
from ibis.backends.sql.datatypes import DuckDBType

from journey import config
from journey.data import files
from journey.data.files import SEPARATORS, TABLE_SUFFIXES, UNSUPPORTED_HINT, parquet_parts, table_suffix
from journey.validation import input_error, quote_list

DataLike = Any  # ibis.Table | pd.DataFrame | BaseBackend | str | Path


def connect(uri: str | Path | None = None, *, read_only: bool = True) -> BaseBackend:
    """Open a data source and return its ibis backend.

    ``None`` opens the sample database ``data/sample/journey.duckdb``. A ``.duckdb`` path
    or ``duckdb://path`` opens that file; a folder registers each ``*.parquet`` /
    ``*.csv`` inside it as a view (queries still run in DuckDB, never in pandas);
    ``spark+parquet://FOLDER[?master=URL]`` does the same in Spark (:mod:`journey.data.spark`);
    any other string (a warehouse: ``postgres://``, ``snowflake://``, ...) is passed to
    :func:`ibis.connect`. DuckDB sessions run in UTC so calendar
    periods (weeks, months) are UTC periods whatever the machine's time zone.
    """
    if uri is None or str(uri) in ("", "sample", "default"):
        path = config.default_database()
        if not path.exists():
            raise input_error(
                str(path), "sample database not found", "run `journey data sample` (or `make report`) first"
            )
        return _duckdb(path, read_only=read_only)
    text = str(uri)
    if text.startswith("duckdb://"):
        target = text[len("duckdb://") :]
        if target in ("", ":memory:"):
            return _duckdb(None, read_only=False)
        return _duckdb(_existing(Path(target)), read_only=read_only)
    if text.startswith("spark+parquet://"):
        from journey.data import spark  # pyspark loads only for a Spark source

        return spark.connect_uri(text, resolve=_resolve)
    path = Path(text)
    if "://" not in text:
        path = _existing(path if path.is_absolute() else _resolve(path))
        if path.is_dir():
            return _folder(path)
        if path.suffix in (".duckdb", ".db", ".ddb"):
            return _duckdb(path, read_only=read_only)
        raise input_error(
            str(path),
            "unsupported data source",
            "a .duckdb file, a folder of parquet/CSV files or an ibis URI (one parquet/CSV file: as_table)",
        )
    return ibis.connect(text)


def _resolve(path: Path) -> Path:
    """Relative paths are tried from the working directory, then from the project root."""
    return config.resolve(path).resolve()


def _existing(path: Path) -> Path:
    if not path.exists():
        raise input_error(str(path), "data source not found", "an existing file or folder")
    return path


def _duckdb(path: Path | None, *, read_only: bool) -> BaseBackend:
    con = ibis.duckdb.connect() if path is None else ibis.duckdb.connect(str(path), read_only=read_only)
    con.raw_sql("SET TimeZone = 'UTC'")
    return con


def _folder(path: Path) -> BaseBackend:
    con = _duckdb(None, read_only=False)
    entries = sorted(p for p in path.iterdir() if table_suffix(p)[0] in TABLE_SUFFIXES and p.name[0] not in "._")
    if not entries:
        raise input_error(
            str(path), "folder holds no .parquet or .csv files", "one file per table, e.g. events.parquet"
        )
    for entry in entries:
        name = _table_name(entry).replace('"', '""')
        try:
            con.raw_sql(f'CREATE VIEW "{name}" AS SELECT * FROM {_reader_sql(str(entry))}')
        except duckdb.Error as error:
            raise input_error(str(entry), f"cannot be read ({error})", "a readable parquet or CSV file") from None
    return con


def _table_name(entry: Path) -> str:
    """``events`` for ``events.parquet``, ``events.csv.gz`` or the parquet folder ``events.parquet/``."""
    name = entry.name
    for _ in range(2 if table_suffix(entry)[1] else 1):
        name = name.rsplit(".", 1)[0]
    return name


def is_file(data: DataLike) -> bool:
    """Whether ``data`` names one table (a parquet, CSV or TSV file, gzip-compressed text, a parquet
    folder such as ``events.parquet/``, or a glob of files) rather than a source."""
    return isinstance(data, (str, Path)) and "://" not in str(data) and table_suffix(str(data))[0] in TABLE_SUFFIXES


def _reader_sql(path: str) -> str:
    """DuckDB's table function for the file (or parquet folder, or glob), with the separator
    journey.data.files uses for its suffix; DuckDB decompresses ``.gz`` itself."""
    suffix = table_suffix(path)[0]
    if Path(path).is_dir():
        parquet_parts(Path(path))  # an input error if it holds none
        path = str(Path(path) / "**" / "*.parquet")
        suffix = ".parquet"
    quoted = "'" + path.replace("'", "''") + "'"
    if suffix == ".parquet":
        return f"read_parquet({quoted})"
    return f"read_csv({quoted}, delim = '{SEPARATORS[suffix]}')"


def read_file(path: str | Path) -> ibis.Table:
    """One parquet, CSV or TSV file (gzip-compressed text too), a parquet folder, or a glob such as
    ``exports/*.parquet`` (read as one table), as an ibis table on the embedded DuckDB session that
    all file inputs share (so they can be joined).

    Nothing is read but the file's metadata: the table is ``SELECT * FROM read_parquet(...)``
    with the schema DuckDB reports for it. ibis's own ``read_parquet`` also creates a view and
    then asks DuckDB to describe it, about 4 ms that are 3% of a ten-million-user readout.
    """
    text = str(path)
    suffix = table_suffix(text)[0]
    if suffix not in TABLE_SUFFIXES:
        raise input_error(text, f"unsupported file type {Path(text).suffix!r}", UNSUPPORTED_HINT)
    one_text_file = False
    if not any(ch in text for ch in "*?["):
        text = str(_existing(Path(text) if Path(text).is_absolute() else _resolve(Path(text))))
        one_text_file = suffix in SEPARATORS and Path(text).is_file()
        if one_text_file:
            files.check_text_header(Path(text))
    query = "SELECT * FROM " + _reader_sql(text)
    backend = files_backend()
    try:
        relation = backend.con.sql(query)
    except duckdb.Error as error:
        explained = files.explain_unparseable(Path(text)) if one_text_file else None
        first_line = str(error).strip().splitlines()[0]
        raise explained or input_error(
            text, f"cannot be read ({first_line})", "a readable parquet or CSV file"
        ) from None
    types = zip(relation.columns, relation.types, strict=True)
    schema = ibis.schema({name: DuckDBType.from_string(str(dtype)) for name, dtype in types})
    return backend.sql(query, schema=schema)


@functools.cache
def files_backend() -> BaseBackend:
    """The embedded DuckDB session every file input shares, opened on first use (about 30 ms)."""
    return _duckdb(None, read_only=False)


def as_table(data: DataLike, table: str = "events") -> ibis.Table:
    """Turn what a user passed into an ibis table expression.

    An ibis table is returned as is; a DataFrame is wrapped with :func:`ibis.memtable`
    (so the same code path runs on it); a parquet or CSV file is that table
    (:func:`read_file`, ``table`` is not used); a backend or a source URI/path is opened
    and its ``table`` is used.
    """
    if isinstance(data, ibis.Table):
        return data
    if isinstance(data, pd.DataFrame):
        return ibis.memtable(data)
    if is_file(data):
        return read_file(data)
    backend = data if isinstance(data, BaseBackend) else connect(data)
    tables = backend.list_tables()
    if table not in tables:
        raise input_error(f"table {table!r}", "not found in the data source", f"one of {quote_list(tables)}")
    return backend.table(table)


def store_arrow(backend: BaseBackend, name: str, data: Any, *, temp: bool = False) -> ibis.Table:
    """Copy an Arrow table (or anything DuckDB can scan: a DataFrame, a record batch reader)
    into a native table of a DuckDB ``backend``, through a short-lived registered view.

    Native rather than ``ibis.memtable``: DuckDB keeps its own statistics for it, and its
    filter push-down into a registered Arrow dataset converts timestamp literals through
    pytz, which is not a dependency.
    """
    raw = backend.con
    view = f"_journey_arrow_{name}"
    raw.register(view, data)
    try:
        raw.execute(f'CREATE {"TEMP " if temp else ""}TABLE "{name}" AS SELECT * FROM "{view}"')
    finally:
        raw.unregister(view)
    return backend.table(name)


def backend_of(table: ibis.Table) -> BaseBackend:
    """The backend that will execute ``table`` (DuckDB for memtables)."""
    try:
        return table._find_backend(use_default=True)
    except Exception:  # noqa: BLE001 - ibis raises several types here; default is fine
        return ibis.get_backend()
