"""The one aggregate query behind :func:`~journey.experiments.stats.reduce_moments`.

A :class:`Plan` lists the aggregates (count, per-column NULL counts, sums, the cross sums
that are needed, 0/1 checks, minima); it is rendered either as an ibis expression (any
backend) or, on DuckDB tables, as one SQL text run on the backend's connection. The text
path skips ibis compilation and the pandas conversion of the result, which at ~0.1 s per
scan of ten million rows is a large share of the whole readout. Both renderings compute
the same aggregates in the same order, so their results agree to rounding.

Cost model (DuckDB, measured on 10M rows): each per-row arithmetic operation costs about as
much as one plain ``SUM``, so the plan avoids any it can: ``COUNT(col)`` checks NULLs
(folded to ``COUNT(*)`` when the file statistics prove there are none), integer 0/1
columns are range-checked with comparisons the statistics fold away, integer sums skip the
cast to double, and values are shifted (``z − c``) only when the caller asks for it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.operations as ops

from journey.validation import input_error


@dataclass(frozen=True, slots=True)
class Plan:
    """What to aggregate per group of ``keys``.

    ``columns``: the value columns (index ``i`` in the output names); ``kinds``: ``"bool"``,
    ``"int"``, ``"float"`` or ``"decimal"`` per column (cast to double); ``pairs``: ``(i, j)`` with
    ``i <= j`` whose ``Σ z_i z_j`` is summed (``(i, i)`` of a 0/1 column is left out: it
    equals ``Σ z_i``); ``binary``: 0/1 columns to check; ``minimum``: columns whose minimum
    is returned; ``clip``: ``(low, high)`` applied first; ``shift``: ``c_i`` subtracted
    before summing (0 means none).

    Output names: ``n``; ``k{i}`` non-NULL count; ``s{i}`` = ``Σ z_i``; ``c{i}_{j}`` =
    ``Σ z_i z_j``; ``nb{i}`` units whose value is not 0 or 1; ``lo{i}`` minimum (unshifted).
    """

    keys: tuple[str, ...]
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    pairs: tuple[tuple[int, int], ...]
    binary: tuple[int, ...]
    minimum: tuple[int, ...]
    clip: Mapping[str, tuple[float, float]]
    shift: tuple[float, ...]

    def names(self) -> list[str]:
        """Output column names in order: the keys, then the aggregates."""
        p = range(len(self.columns))
        return [
            *self.keys,
            "n",
            *[f"k{i}" for i in p],
            *[f"s{i}" for i in p],
            *[f"c{i}_{j}" for i, j in self.pairs],
            *[f"nb{i}" for i in self.binary],
            *[f"lo{i}" for i in self.minimum],
        ]


def kind_of(table: ibis.Table, column: str) -> str:
    """``bool``, ``int``, ``float`` or ``decimal`` (summed as double); other types are an input error."""
    dtype = table[column].type()
    if dtype.is_boolean():
        return "bool"
    if dtype.is_integer():
        return "int"
    if dtype.is_floating():
        return "float"
    if dtype.is_numeric():
        return "decimal"
    raise input_error(f"column {column!r}", f"has type {dtype}", "a numeric or boolean column")


# ---------------------------------------------------------------- ibis rendering


def run_ibis(table: ibis.Table, plan: Plan) -> list[tuple]:
    """Execute the plan through ibis; rows as tuples in :meth:`Plan.names` order."""
    base = {c: _ibis_value(table, plan, i, c) for i, c in enumerate(plan.columns)}

    def z(i: int, as_float: bool = False) -> ibis.Value:
        v = base[plan.columns[i]]
        if plan.shift[i]:
            return v - plan.shift[i]
        return v.cast("float64") if as_float and plan.kinds[i] in ("bool", "int") else v

    aggs: dict[str, ibis.Value] = {"n": table.count()}
    for i, c in enumerate(plan.columns):
        aggs[f"k{i}"] = table[c].count()
    for i in range(len(plan.columns)):
        aggs[f"s{i}"] = z(i).sum()
    for i, j in plan.pairs:
        aggs[f"c{i}_{j}"] = (z(i, True) * z(j, True)).sum()
    for i in plan.binary:
        raw = table[plan.columns[i]]
        if plan.kinds[i] == "bool":
            aggs[f"nb{i}"] = table.count(where=ibis.literal(False))
        elif plan.kinds[i] == "int":
            aggs[f"nb{i}"] = table.count(where=(raw < 0) | (raw > 1))
        else:
            aggs[f"nb{i}"] = table.count(where=(base[plan.columns[i]] != 0) & (base[plan.columns[i]] != 1))
    for i in plan.minimum:
        aggs[f"lo{i}"] = base[plan.columns[i]].min()
    expr = table.group_by(list(plan.keys)).aggregate(**aggs) if plan.keys else table.aggregate(**aggs)
    frame = expr.execute()
    return list(frame[plan.names()].itertuples(index=False, name=None))


def _ibis_value(table: ibis.Table, plan: Plan, i: int, column: str) -> ibis.Value:
    v = table[column]
    if plan.kinds[i] == "bool":
        v = v.cast("int64")
    elif plan.kinds[i] == "decimal":
        v = v.cast("float64")
    if column in plan.clip:
        lo, hi = plan.clip[column]
        v = v.cast("float64").clip(lower=lo, upper=hi)
    return v


# ---------------------------------------------------------------- DuckDB SQL text


def duckdb_source(table: ibis.Table):
    """``(connection, FROM-clause SQL)`` when ``table`` runs on DuckDB and needs no
    in-memory registration (memtables keep the ibis path), else ``None``."""
    from journey.data.sources import backend_of

    backend = backend_of(table)
    if getattr(backend, "name", "") != "duckdb" or list(table.op().find(ops.InMemoryTable)):
        return None
    return backend.con, backend.compile(table)


def run_duckdb(con, source_sql: str, plan: Plan) -> list[tuple]:
    """Execute the plan as one SQL statement; rows as tuples in :meth:`Plan.names` order."""
    return con.execute(plan_sql(source_sql, plan)).fetchall()


def plan_sql(source_sql: str, plan: Plan) -> str:
    """The SQL text of the plan over ``(source_sql)``; identifiers quoted, numbers as literals."""
    raw = [quote(c) for c in plan.columns]
    base = [_sql_value(plan, i, r) for i, r in enumerate(raw)]

    def z(i: int, as_float: bool = False) -> str:
        if plan.shift[i]:
            return f"({base[i]} - {number(plan.shift[i])})"
        return f"CAST({base[i]} AS DOUBLE)" if as_float and plan.kinds[i] in ("bool", "int") else base[i]

    aggs = ["COUNT(*)"]
    aggs += [f"COUNT({r})" for r in raw]
    aggs += [f"SUM({z(i)})" for i in range(len(raw))]
    aggs += [f"SUM({z(i, True)} * {z(j, True)})" for i, j in plan.pairs]
    for i in plan.binary:
        if plan.kinds[i] == "bool":
            aggs.append("COUNT_IF(false)")
        elif plan.kinds[i] == "int":
            aggs.append(f"COUNT_IF({raw[i]} < 0 OR {raw[i]} > 1)")
        else:
            aggs.append(f"COUNT_IF({base[i]} <> 0 AND {base[i]} <> 1)")
    aggs += [f"MIN({base[i]})" for i in plan.minimum]
    keys = [quote(k) for k in plan.keys]
    group = f" GROUP BY {', '.join(str(k + 1) for k in range(len(keys)))}" if keys else ""
    return f"SELECT {', '.join([*keys, *aggs])} FROM ({source_sql}) AS _t{group}"


def _sql_value(plan: Plan, i: int, raw: str) -> str:
    kind = plan.kinds[i]
    v = {"bool": f"CAST({raw} AS INTEGER)", "decimal": f"CAST({raw} AS DOUBLE)"}.get(kind, raw)
    column = plan.columns[i]
    if column in plan.clip:
        lo, hi = plan.clip[column]
        x = f"CAST({v} AS DOUBLE)"
        v = f"(CASE WHEN {raw} IS NULL THEN NULL ELSE GREATEST({number(lo)}, LEAST({number(hi)}, {x})) END)"
    return v


def quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes (embedded quotes doubled)."""
    return '"' + str(identifier).replace('"', '""') + '"'


def number(value: float) -> str:
    """A DOUBLE literal that round-trips exactly (``repr``), NaN/inf spelled as DuckDB casts."""
    value = float(value)
    if math.isfinite(value):
        return f"{value!r}::DOUBLE"
    return f"'{value}'::DOUBLE"


def plan_for(
    table: ibis.Table,
    keys: Sequence[str],
    columns: Sequence[str],
    pairs: Sequence[tuple[int, int]],
    binary: Sequence[int],
    minimum: Sequence[int],
    clip: Mapping[str, tuple[float, float]] | None,
    shift: Sequence[float],
) -> Plan:
    kinds = tuple(kind_of(table, c) for c in columns)
    binary_set = set(binary)
    pairs = tuple(sorted((i, j) for i, j in set(pairs) if not (i == j and i in binary_set)))
    return Plan(
        tuple(keys), tuple(columns), kinds, pairs, tuple(sorted(binary_set)), tuple(minimum), dict(clip or {}),
        tuple(float(s) for s in shift),
    )  # fmt: skip
