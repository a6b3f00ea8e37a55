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
