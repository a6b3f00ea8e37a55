"""ibis's SQL compilers load one dialect at a time once journey is imported, and behave as shipped."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from journey.data.ibis_compilers import PACKAGE, dialect_table


def _run(code: str, **env: str) -> str:
    """``code`` in a fresh interpreter (the hook acts on the first import of the package)."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, **env}
    )
    return done.stdout.strip()


def _shipped_init() -> str:
    spec = importlib.util.find_spec(PACKAGE)
    return Path(spec.origin).read_text(encoding="utf-8")


def test_the_pinned_ibis_package_is_only_imports_so_the_hook_applies():
    table = dialect_table(_shipped_init())
    assert table is not None and table["DuckDBCompiler"] == "duckdb" and len(table) >= 15
    shipped_all = next(
        node.value for node in ast.parse(_shipped_init()).body if isinstance(node, ast.Assign)
    )  # the package's own __all__
    assert sorted(ast.literal_eval(shipped_all)) == sorted(table)


def test_a_duckdb_session_imports_only_the_duckdb_compiler():
    code = (
        "import journey, ibis, sys\n"
        "con = ibis.duckdb.connect()\n"
        "print(con.sql('SELECT 41 + 1 AS x').x.sum().execute())\n"
        f"print(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('{PACKAGE}.')))"
    )
    result, loaded = _run(code).splitlines()
    assert result == "42"
    assert eval(loaded) == ["_compat", "base", "duckdb"]  # not athena, bigquery, ..., trino
    everything = _run(code, JOURNEY_LAZY_IBIS_COMPILERS="0").splitlines()[1]
    assert {"trino", "snowflake", "athena"} <= set(eval(everything))  # the switch restores ibis's own import


def test_other_dialects_classes_and_unknown_names_behave_as_the_shipped_package():
    code = (
        "import journey, ibis\n"
        "import ibis.backends.sql.compilers as sc\n"
        "from ibis.backends.sql.compilers import TrinoCompiler\n"
        "t = ibis.table({'a': 'int64'}, name='t')\n"
        "print(ibis.to_sql(t.a.sum(), dialect='postgres').split()[0])\n"
        "print(TrinoCompiler.__name__, sc.pyspark.compiler.__class__.__name__)\n"
        "try:\n"
        "    getattr(sc, 'no_such_dialect')\n"
        "except AttributeError as e:\n"
        "    print('AttributeError')\n"
        "print(len(sc.__all__))"
    )
    lines = _run(code).splitlines()
    assert lines[0] == "SELECT"
    assert lines[1] == "TrinoCompiler PySparkCompiler"
    assert lines[2] == "AttributeError"  # ibis.to_sql(dialect=unknown) relies on it for its ValueError
    assert int(lines[3]) == len(dialect_table(_shipped_init()))


def test_a_package_that_does_more_than_import_is_left_to_run_as_shipped():
    assert dialect_table("from ibis.backends.sql.compilers.duckdb import DuckDBCompiler as D") is None
    assert dialect_table("from ibis.backends.sql.compilers.duckdb import DuckDBCompiler\nX = 1") is None
    assert dialect_table("import os") is None
