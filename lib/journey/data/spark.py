"""Spark as a data source: the same funnels, cohorts and experiment statistics on a cluster.

``journey.data.sources.connect("spark+parquet://data/sample/parquet")`` opens a Spark session
(local mode unless ``?master=`` names a cluster) and registers every parquet file or parquet
folder of that folder as a view named after it, as :func:`journey.data.sources.connect` does
for DuckDB. ibis's pyspark backend then compiles the library's queries to Spark SQL. On an
existing session (Databricks, a notebook with ``spark`` defined) use :func:`from_session`.

What changes on Spark, and why the numbers do not:

* Spark SQL has no ASOF join. The funnel chain and the drop-off's next event take the
  window-function formulation (:func:`journey.stages.funnels_sql.has_asof_join`), which gives
  the same users and levels (the ``spark`` tests compare both engines row for row).
* Spark's ``TIMESTAMP`` holds instants shown in the session time zone, which this module sets
  to UTC, so calendar days and weeks are UTC ones as on DuckDB.
* The DuckDB-only paths (the sorted-array funnel kernel, the one-statement moment query) are
  never taken: they are chosen only when the backend is DuckDB.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import ibis

from journey.data.files import table_suffix
from journey.validation import input_error

if TYPE_CHECKING:
    from ibis.backends import BaseBackend
    from pyspark.sql import SparkSession

SCHEME = "spark+parquet://"
"""The URI prefix :func:`journey.data.sources.connect` hands to :func:`connect_uri`."""

DEFAULT_MASTER = "local[*]"

_VIEW_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def connect_uri(uri: str, *, resolve=lambda p: p) -> BaseBackend:
    """``spark+parquet://FOLDER[?master=URL]``: a Spark session over FOLDER's parquet tables."""
    rest = uri[len(SCHEME) :]
    folder, _, query = rest.partition("?")
    options = {key: values[-1] for key, values in parse_qs(query).items()}
    unknown = sorted(set(options) - {"master"})
    if unknown:
        raise input_error(uri, f"unknown option(s) {', '.join(unknown)}", "only ?master=URL")
    return connect(resolve(Path(folder)), master=options.get("master", DEFAULT_MASTER))


def connect(folder: str | Path, *, master: str = DEFAULT_MASTER) -> BaseBackend:
    """A Spark session (``master``: ``local[*]``, ``local[2]`` or a cluster URL) with each
    ``*.parquet`` file or parquet folder in ``folder`` registered as a view."""
    path = Path(folder)
    if not path.is_dir():
        raise input_error(str(path), "Spark source folder not found", "a folder of parquet files")
    entries = sorted(p for p in path.iterdir() if table_suffix(p)[0] == ".parquet" and p.name[0] not in "._")
    if not entries:
        raise input_error(str(path), "folder holds no .parquet files", "one parquet file or folder per table")
    session = _session(master)
    for entry in entries:
        name = entry.name.split(".", 1)[0]
        if not _VIEW_NAME.match(name):
            raise input_error(str(entry), f"table name {name!r} is not a Spark identifier", "letters, digits, _")
        session.read.parquet(str(entry)).createOrReplaceTempView(name)
    return from_session(session)


def from_session(session: SparkSession) -> BaseBackend:
    """The ibis backend on an existing Spark session, with the session time zone set to UTC."""
    session.conf.set("spark.sql.session.timeZone", "UTC")
    return ibis.pyspark.connect(session)


def _session(master: str) -> SparkSession:
    """A quiet session: no web UI, no console progress bars in notebooks, few shuffle partitions
    in local mode (Spark's default of 200 makes each small aggregate 200 tasks)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is in the dev dependencies
        raise input_error("spark", "pyspark is not installed", "pip install 'pyspark>=3.5,<4.1'") from exc
    builder = (
        SparkSession.builder.master(master)
        .appName("journey")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    if master.startswith("local"):
        builder = builder.config("spark.sql.shuffle.partitions", "4")
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
