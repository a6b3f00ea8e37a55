"""Benchmark: the in-process runner vs the papermill CLI + jupyter nbconvert CLI, per notebook.

Runs the weekly playbook twice on the same notebooks and parameters:

1. ``journey run`` (process pool, warm kernels, one import of papermill/nbconvert per worker);
2. for each notebook, one after another, ``papermill IN OUT -p ...`` then
   ``jupyter nbconvert --to html --no-input OUT`` as separate processes.

Prints both wall times, their ratio, and each notebook's overhead: its wall time minus the
time its own cells took (papermill records each cell's duration in the output notebook).
Targets on 2 cores: overhead <= 1 s per notebook, and the runner >= 2x faster than the CLI pair.

    .venv/bin/python benchmarks/bench_runner.py [--playbook playbooks/weekly-journey-review.yml] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from journey import config
from journey.runs.playbooks import load_playbook
from journey.runs.runner import plan, run_playbook

BIN = Path(sys.executable).parent


def cells_seconds(path: Path) -> float:
    node = nbformat.read(str(path), as_version=4)
    return sum(float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0) for c in node.cells)


def run_cli_pair(book, planned, out_dir: Path) -> tuple[float, list[tuple[str, float, float]]]:
    rows = []
    t_all = time.perf_counter()
    for report, params in planned:
        out = out_dir / f"{report.name}.ipynb"
        args = [str(BIN / "papermill"), str(report.path), str(out), "--cwd", str(config.project_root())]
        for key, value in params.items():
            args += ["-y", json.dumps({key: value})]
        t0 = time.perf_counter()
        subprocess.run(args, check=False, capture_output=True)
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
            check=False,
            capture_output=True,
        )
        seconds = time.perf_counter() - t0
        rows.append((report.name, seconds, cells_seconds(out) if out.exists() else float("nan")))
    return time.perf_counter() - t_all, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--playbook", default="playbooks/weekly-journey-review.yml")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    book = load_playbook(args.playbook)
    planned = plan(book, None, {}, args.playbook)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["JOURNEY_REPORTS_DIR"] = str(Path(tmp) / "reports")
        t0 = time.perf_counter()
        result = run_playbook(book, where=args.playbook, jobs=args.jobs)
        runner_wall = time.perf_counter() - t0
        cli_dir = Path(tmp) / "cli"
        cli_dir.mkdir()
        cli_wall, cli_rows = run_cli_pair(book, planned, cli_dir)

    print(f"playbook {book.name}: {len(planned)} notebooks, runner with {args.jobs} workers\n")
    print(f"{'notebook':<28}{'runner s':>10}{'cells s':>9}{'overhead':>10}{'CLI s':>9}{'cells s':>9}{'overhead':>10}")
    cli = {name: (secs, cells) for name, secs, cells in cli_rows}
    for outcome in result.reports:
        secs, cells = cli[outcome.name]
        print(
            f"{outcome.name:<28}{outcome.seconds:>10.1f}{outcome.cells_seconds:>9.1f}{outcome.overhead_seconds:>10.2f}"
            f"{secs:>9.1f}{cells:>9.1f}{secs - cells:>10.2f}"
        )
    overheads = [o.overhead_seconds for o in result.reports]
    print(f"\nrunner wall time   {runner_wall:8.1f} s  (status {result.status})")
    print(f"CLI pair wall time {cli_wall:8.1f} s")
    print(f"speed-up           {cli_wall / runner_wall:8.2f}x   (target >= 2x)")
    print(f"mean overhead      {sum(overheads) / len(overheads):8.2f} s per notebook (target <= 1 s)")
    print(f"max overhead       {max(overheads):8.2f} s")


if __name__ == "__main__":
    main()
