"""Notebook parameters: checked against a notebook's typed ``parameters`` cell, and turned into inputs.

papermill only warns about parameters a notebook does not declare and never checks types,
so a typo runs a report silently on defaults. Here unknown names and wrong types are
rejected up front, naming the playbook, report, parameter, value and what was expected.

Inside a notebook, :func:`load_window` turns the four standard parameters (``source``,
``start_date``, ``end_date``, ``window_days``) into the connection, the events table, the
window and the events of this window and the previous one, and :func:`comma_list` reads a
comma-separated parameter: the stage notebooks repeated both as a 7-line block each.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

from journey.data.sources import connect
from journey.data.window import Window, resolve_window
from journey.validation import JourneyInputError, input_error, quote_list

# papermill's inferred type names → the Python types a value may have.
_ACCEPTS: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (float, int),
    "str": (str,),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
}


@functools.cache
def _declared_cached(path: str, mtime: float) -> dict[str, dict[str, Any]]:
    import papermill  # only the runner checks declarations; a notebook kernel importing load_window does not

    return dict(papermill.inspect_notebook(path))


def declared(path: Path) -> dict[str, dict[str, Any]]:
    """``{name: {inferred_type_name, default, help}}`` from the notebook's parameters cell; a file
    that is not a notebook is an input error naming it."""
    try:
        return _declared_cached(str(path), path.stat().st_mtime)
    except Exception as exc:  # nbformat raises several kinds for a damaged file
        if isinstance(exc, JourneyInputError):
            raise
        problem = f"is not a readable notebook ({type(exc).__name__}: {exc})"
        raise input_error(str(path), problem, "a .ipynb file") from None


def default(declaration: dict[str, Any]) -> list[Any]:
    """The declared default value as ``[value]``, or ``[]`` when it is not a plain literal
    (papermill gives the default as source text, e.g. ``'28'`` or ``'""'``)."""
    import ast

    try:
        return [ast.literal_eval(str(declaration.get("default")))]
    except (ValueError, SyntaxError):
        return []


def coerce(text: str, type_name: str, where: str) -> Any:
    """Turn a ``--param k=v`` string into the declared type."""
    try:
        if type_name == "int":
            return int(text)
        if type_name == "float":
            return float(text)
        if type_name == "bool":
            lowered = text.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return lowered in ("true", "1", "yes")
        if type_name in ("list", "dict"):
            import yaml

            try:
                value = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise ValueError(text) from exc
            if not isinstance(value, _ACCEPTS[type_name]):
                raise ValueError(text)
            return value
    except ValueError:
        raise input_error(where, f"value {text!r} is not a valid {type_name}", f"a {type_name}") from None
    return text


def check(parameters: dict[str, Any], path: Path, where: str) -> dict[str, Any]:
    """Validate ``parameters`` against ``path``'s declarations; return them unchanged when valid."""
    spec = declared(path)
    if not spec:
        if parameters:
            raise input_error(where, f"{path.name} has no cell tagged 'parameters'", "a parameters cell")
        return parameters
    for name, value in parameters.items():
        if name not in spec:
            raise input_error(
                where,
                f"unknown parameter {name!r} for {path.name}",
                f"one of {quote_list(spec)}",
            )
        type_name = spec[name].get("inferred_type_name", "None")
        accepted = _ACCEPTS.get(type_name)
        if accepted is None:
            continue  # untyped declaration: papermill passes anything
        is_bool_for_number = isinstance(value, bool) and type_name in ("int", "float")
        if not isinstance(value, accepted) or is_bool_for_number:
            raise input_error(
                where,
                f"parameter {name!r} = {value!r} is a {type(value).__name__}",
                f"{type_name} (as declared in {path.name})",
            )
    return parameters


def comma_list(text: str) -> list[str]:
    """A comma-separated parameter as a list: items stripped, empty ones dropped.

    >>> comma_list(" landing_view, product_view,, "), comma_list("")
    (['landing_view', 'product_view'], [])
    """
    return [item.strip() for item in str(text).split(",") if item.strip()]


@dataclass(frozen=True, slots=True)
class StageInputs:
    """What a report reads, resolved once from its standard parameters.

    ``con``: the source's ibis backend; ``events``: its events table; ``window``: the report's
    days; ``current`` and ``previous``: ``events`` within the window and within the window of
    the same length just before it (for "vs the previous window" comparisons).
    """

    con: BaseBackend
    events: ibis.Table
    window: Window
    current: ibis.Table
    previous: ibis.Table


def load_window(
    source: str | Path | None, start_date: str = "", end_date: str = "", window_days: int = 28
) -> StageInputs:
    """Connect to ``source`` and resolve the report window from the notebook's standard parameters.

    An empty ``end_date`` means the latest day in the events; an empty ``start_date`` means
    ``window_days`` days up to ``end_date`` (see :func:`journey.data.window.resolve_window`).
    """
    con = connect(source)
    events = con.table("events")
    window = resolve_window(events, start_date, end_date, window_days)
    return StageInputs(con, events, window, window.filter(events), window.previous().filter(events))
