"""Loads ibis's SQL compilers on first use: a DuckDB session no longer imports all twenty dialects.

``ibis.backends.sql.compilers``'s ``__init__`` imports every dialect's compiler (Athena, BigQuery,
ClickHouse, ..., Trino), and every backend, DuckDB included, imports that package. Measured on this
2-core machine: 0.17 s of each process that opens a DuckDB source goes to the 19 compilers it never
uses, about a tenth of a whole ``funnel`` run on 20M events and of every notebook kernel's start.

The hook below replaces only how that one package is executed: its ``__init__`` is read (not run),
its ``from <package>.<dialect> import <Name>`` lines become a table, and the package module answers
``sc.duckdb``, ``sc.DuckDBCompiler`` or ``getattr(sc, "pyspark")`` by importing that dialect then.
Submodules import as usual (the package keeps its ``__path__``). If the ``__init__`` holds anything
but those imports, ``__all__`` and a docstring (a future ibis), the package is executed as ibis ships
it. ``JOURNEY_LAZY_IBIS_COMPILERS=0`` turns the hook off.

Like :mod:`journey.data.duckdb_compat`, importing this module imports nothing heavy: the hook waits
in ``sys.meta_path`` until ibis first imports the package, and leaves after that one import.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

PACKAGE = "ibis.backends.sql.compilers"


def dialect_table(source: str) -> dict[str, str] | None:
    """``{name: dialect module}`` from the package's ``__init__`` source, or ``None`` when it does more
    than import its dialects' compilers (then laziness could change what the package does).

    >>> dialect_table('__all__ = ["A"]\\nfrom ibis.backends.sql.compilers.athena import AthenaCompiler')
    {'AthenaCompiler': 'athena'}
    >>> dialect_table("import os\\nos.environ['X'] = '1'") is None
    True
    """
    table: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            continue  # a docstring
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["__all__"]:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith(PACKAGE + "."):
            dialect = node.module[len(PACKAGE) + 1 :]
            if "." in dialect or any(alias.asname for alias in node.names):
                return None
            table.update({alias.name: dialect for alias in node.names})
            continue
        return None
    return table or None


def _lazy_getattr(module: ModuleType, table: dict[str, str]):
    """The package's PEP 562 ``__getattr__``: a compiler class or a dialect submodule, imported now."""
    dialects = set(table.values())

    def __getattr__(name: str) -> Any:
        if name in table:
            value = getattr(importlib.import_module(f"{PACKAGE}.{table[name]}"), name)
        elif name in dialects:
            value = importlib.import_module(f"{PACKAGE}.{name}")
        else:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")
        setattr(module, name, value)
        return value

    return __getattr__


class _LazyLoader(importlib.abc.Loader):
    """Executes the package as its table of dialects instead of running its ``__init__``."""

    def __init__(self, real: importlib.machinery.ModuleSpec, table: dict[str, str]) -> None:
        self.real, self.table = real, table

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        module.__file__ = self.real.origin
        module.__all__ = sorted(self.table)
        module.__getattr__ = _lazy_getattr(module, self.table)  # type: ignore[method-assign]


class _LazyCompilers(importlib.abc.MetaPathFinder):
    """Finds only ``ibis.backends.sql.compilers``, once, and leaves ``sys.meta_path`` afterwards."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != PACKAGE:
            return None
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        real = importlib.machinery.PathFinder.find_spec(fullname, path)
        if real is None or not real.origin or not real.submodule_search_locations:
            return real
        table = dialect_table(Path(real.origin).read_text(encoding="utf-8"))
        if table is None:
            return real
        spec = importlib.util.spec_from_loader(fullname, _LazyLoader(real, table), origin=real.origin, is_package=True)
        spec.submodule_search_locations = list(real.submodule_search_locations)
        return spec


def install() -> None:
    """Put the hook in place unless turned off or too late (the package already imported); idempotent."""
    if os.environ.get("JOURNEY_LAZY_IBIS_COMPILERS", "1") == "0" or PACKAGE in sys.modules:
        return
    if not any(type(finder).__name__ == "_LazyCompilers" for finder in sys.meta_path):
        sys.meta_path.insert(0, _LazyCompilers())


install()
