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

Importing this module does not import DuckDB (about 0.1 s, which ``journey --help`` and a
notebook's ``import journey`` need not pay): if DuckDB is already loaded the aliases are added
at once, otherwise an import hook adds them the moment anything (ibis, a notebook, the
library) first imports ``duckdb``, so they are in place before ibis can fetch.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

_COPY_WARNING = "Arrow output on a DB-API result makes an extra copy"


def _fetch_arrow_table(self: duckdb.DuckDBPyConnection):
    return self.to_arrow_table()


def _fetch_record_batch(self: duckdb.DuckDBPyConnection, rows_per_batch: int = 1_000_000):
    return self.to_arrow_reader(batch_size=rows_per_batch)


def install() -> None:
    """Add the old method names to DuckDB's connection class where they are missing (idempotent)."""
    import duckdb

    connection = duckdb.DuckDBPyConnection
    if hasattr(connection, "fetch_arrow_table") or not hasattr(connection, "to_arrow_table"):
        return
    connection.fetch_arrow_table = _fetch_arrow_table
    connection.fetch_record_batch = _fetch_record_batch
    warnings.filterwarnings("ignore", message=_COPY_WARNING, category=UserWarning)


class _InstallOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: when ``duckdb`` is first imported, lets the normal finders locate
    it and wraps the loader so that :func:`install` runs as soon as the module has executed.
    It leaves ``sys.meta_path`` after that one import."""

    searching = False

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "duckdb" or self.searching:
            return None
        self.searching = True  # the find_spec below walks sys.meta_path, this finder included
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self.searching = False
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            run = spec.loader.exec_module

            def exec_module(module: Any) -> None:
                run(module)
                install()

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if "duckdb" in sys.modules:
    install()
elif not any(type(finder).__name__ == "_InstallOnImport" for finder in sys.meta_path):
    sys.meta_path.insert(0, _InstallOnImport())
