"""``journey experiment ...`` commands (the lead mounts ``app`` as the ``experiment`` sub-app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from journey.experiments.spec import new_experiment
from journey.validation import JourneyInputError

app = typer.Typer(help="Experiment playbooks: scaffold and check experiment specs.", no_args_is_help=True)


@app.callback()
def _main() -> None:
    """Experiment playbooks (playbooks/experiments/<name>.yml)."""


@app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="experiment slug, e.g. checkout-redesign")],
    variants: Annotated[str, typer.Option(help="comma-separated variants, control first")] = "control,treatment",
    baseline: Annotated[float, typer.Option(help="expected control conversion rate")] = 0.05,
    mde: Annotated[float, typer.Option(help="relative minimum detectable effect (0.05 = 5%)")] = 0.05,
    start_date: Annotated[str, typer.Option(help="first day (YYYY-MM-DD); default today")] = "",
    looks: Annotated[int, typer.Option(help="planned looks (interim analyses)")] = 4,
    schedule: Annotated[str, typer.Option(help="cron schedule of the readout (UTC)")] = "0 6 * * 1",
    directory: Annotated[Path | None, typer.Option(help="playbook folder; default playbooks/experiments")] = None,
    force: Annotated[bool, typer.Option(help="overwrite an existing playbook")] = False,
) -> None:
    """Scaffold playbooks/experiments/NAME.yml with a sample-size estimate."""
    try:
        path = new_experiment(
            name,
            variants=tuple(v.strip() for v in variants.split(",") if v.strip()),
            baseline=baseline,
            mde=mde,
            start_date=start_date or None,
            planned_looks=looks,
            schedule=schedule,
            directory=directory,
            overwrite=force,
        )
    except JourneyInputError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(str(path))
    for line in success_lines(path):
        typer.echo(line)


def success_lines(path: Path) -> list[str]:
    """The sample size the playbook plans and, beside it, its chance of success from the history of past
    tests (the sample's history and the results store; :mod:`journey.experiments.assurance`). With fewer
    than :data:`~journey.experiments.portfolio.MIN_HISTORY` finished tests it says so instead of a number."""
    from journey.display.text import percent
    from journey.experiments.assurance import spec_assurance
    from journey.experiments.portfolio import MIN_HISTORY, experiment_history, portfolio
    from journey.experiments.spec import load_spec

    spec = load_spec(path)
    baseline = percent(spec.baseline) if spec.baseline is not None else "the playbook's value"
    lines = [
        f"Sample size: {spec.sample_size_per_arm:,} users per arm to detect a {percent(spec.mde, 0)} relative "
        f"change from a baseline of {baseline} (alpha {spec.alpha:g}, power {spec.power:g})."
    ]
    try:
        past = portfolio(experiment_history())
    except JourneyInputError as err:  # a damaged store: the playbook stands, the estimate says why it is missing
        return [*lines, f"Success probability: not estimated ({err})."]
    if past.k < MIN_HISTORY:
        lines.append(
            f"Success probability: not estimated; the history has {past.k} finished test(s) and needs at least "
            f"{MIN_HISTORY} (readouts record theirs in the results store)."
        )
        return lines
    a = spec_assurance(spec, past)
    lines.append(
        f"Success probability: {percent(a.assurance, 0)} chance to end significant and positive; expected "
        f"shipped lift {percent(a.rel_expected_lift, 2, signed=True)} (relative; 0 when it does not ship), "
        f"from {past.k} past tests with true effects ~ N({percent(a.prior_mu, 1, signed=True)}, "
        f"{percent(a.prior_sd, 1)}²)."
    )
    return lines
