"""Lets ibis 12 drive DuckDB 2: the connection's two Arrow fetch methods get their old names back.

We run DuckDB 2 because its grouped aggregates are what the experiment readout and the
funnels spend their time on, and 2.0 computes them markedly faster than 1.5 (see
benchmarks/). ibis 12.0.0, the newest release, still calls ``DuckDBPyConnection.fetch_arrow_table()``
and ``fetch_record_batch(rows_per_batch=...)``, which DuckDB 1.5 deprecated and 2.0 removed
in favour of ``to_arrow_table()`` / ``to_arrow_reader(batch_size=...)`` (same results).
ibis already switched to the new names upstream (ibis-project/ibis#12001, merged after
12.0.0); delete this module once a release with that change is pinned.

Aliases are only added where the old names are missing, so on DuckDB 1.x this does nothing.
DuckDB 2 also warns that Arrow output of a DB-API result "makes an extra copy": that is
about ibis's calling pattern, not something a user of this library can act on, and the
results ibis fetches this way are aggregates, so the warning is silenced.
"""

from __future__ import annotations

import warnings

import duckdb

_COPY_WARNING = "Arrow output on a DB-API result makes an extra copy"


def _fetch_arrow_table(self: duckdb.DuckDBPyConnection):
    return self.to_arrow_table()


def _fetch_record_batch(self: duckdb.DuckDBPyConnection, rows_per_batch: int = 1_000_000):
    return self.to_arrow_reader(batch_size=rows_per_batch)


def install() -> None:
    """Add the old method names to DuckDB's connection class where they are missing (idempotent)."""
    connection = duckdb.DuckDBPyConnection
    if hasattr(connection, "fetch_arrow_table") or not hasattr(connection, "to_arrow_table"):
        return
    connection.fetch_arrow_table = _fetch_arrow_table
    connection.fetch_record_batch = _fetch_record_batch
    warnings.filterwarnings("ignore", message=_COPY_WARNING, category=UserWarning)


install()
