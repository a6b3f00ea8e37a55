"""One validation helper so that every input error has the same shape.

Messages read ``<where>: <what> <value>; expected <expected>``, e.g.
``events.parquet: column 'ts' has timezone-naive values (first at row 17); expected UTC timestamps``.
The CLI turns :class:`JourneyInputError` into exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class JourneyInputError(ValueError):
    """Bad input from the user (a file, a column, a parameter), as opposed to a bug."""


def input_error(where: str, problem: str, expected: str | None = None) -> JourneyInputError:
    """Build the error with the project's one message shape."""
    message = f"{where}: {problem}"
    if expected:
        message += f"; expected {expected}"
    return JourneyInputError(message)


def quote_list(values: Iterable[Any], limit: int = 20) -> str:
    """``'a', 'b', 'c'`` (sorted, cut at ``limit`` with a count) for error messages."""
    items = sorted({str(v) for v in values})
    shown = ", ".join(repr(v) for v in items[:limit])
    if len(items) > limit:
        shown += f", ... ({len(items) - limit} more)"
    return shown or "(none)"


def check_option(name: str, value: Any, valid: Iterable[Any]) -> None:
    """Reject a ``Literal`` option that is not one of ``valid``, listing the valid ones."""
    valid = list(valid)
    if value not in valid:
        raise input_error(name, f"unknown value {value!r}", f"one of {quote_list(valid)}")


def require_columns(columns: Iterable[str], required: Iterable[str], where: str) -> None:
    """Raise when any of ``required`` is missing from ``columns``, naming all that are present."""
    present = list(columns)
    missing = [c for c in required if c not in present]
    if missing:
        raise input_error(
            where,
            f"missing column{'s' if len(missing) > 1 else ''} {quote_list(missing)}",
            f"columns present: {quote_list(present)}",
        )


def check_cron(value: str) -> str:
    """Validate a cron expression (UTC) for any schedule field: playbooks and experiment specs.

    Raises ``ValueError`` (not :class:`JourneyInputError`) because pydantic validators call it
    and turn it into the model's own error listing; croniter is imported here, on first use,
    so that modules validating other things stay light.
    """
    from croniter import croniter

    if not croniter.is_valid(value):
        raise ValueError(f"schedule {value!r} is not a valid cron expression (e.g. '0 7 * * MON')")
    return value
