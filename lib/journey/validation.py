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


def check_level(alpha: float, name: str = "alpha") -> None:
    """Reject a significance level outside (0, 1): every interval and test takes one."""
    if not 0 < alpha < 1:
        raise input_error(f"parameter {name!r}", f"is {alpha!r}", "a level between 0 and 1 (exclusive)")


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


def load_yaml_model(path: Any, model: Any, expected: str, context: dict[str, Any] | None = None) -> Any:
    """Read a YAML mapping from ``path`` and validate it with the pydantic ``model``.

    Every YAML file a user writes (playbooks, experiment specs, health weights, personalization
    rules) fails the same way: one line naming the file and every problem at once, with
    unknown keys called "unknown key" and pydantic's "Value error, " prefix dropped, then what
    was ``expected``. ``context`` is passed to pydantic's validators (e.g. the known segment names).
    """
    import yaml
    from pydantic import ValidationError

    from journey import config  # paths as config resolves them (working directory, then project root)

    path = config.resolve(path)
    if not path.is_file():
        raise input_error(str(path), "not found", expected)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise input_error(str(path), f"is not valid YAML ({exc})", "a YAML mapping") from None
    if not isinstance(raw, dict):
        raise input_error(str(path), "is not a YAML mapping", expected)
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        raise pydantic_error(str(path), exc, expected) from None


def pydantic_error(where: str, exc: Any, expected: str) -> JourneyInputError:
    """A pydantic ``ValidationError`` as the house's one-line error listing every problem."""
    problems = []
    for err in exc.errors():
        location = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        problems.append(f"{location}: {message}")
    return input_error(where, "; ".join(problems), expected)
