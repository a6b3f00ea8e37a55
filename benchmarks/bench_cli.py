"""Benchmark: how long the ``journey`` command takes to start, as a user waits for it.

Times whole processes (interpreter start, imports, typer building the help page):
``journey --help``, ``journey data --help`` and ``journey experiment --help`` (the last loads the
experiments engine on purpose), plus ``python -c pass`` as the floor no CLI can beat. Prints the
median and the range of N runs of each; nothing is asserted (tests/test_cli.py checks, robustly,
that ``--help`` imports none of the heavy libraries). The target for ``journey --help`` is
under 0.5 s; before the lazy imports it took about 1.4 s on the 2-core CI box.

    .venv/bin/python benchmarks/bench_cli.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (median reported)")
    args = parser.parse_args()
    journey = str(BIN / "journey")
    cases = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "journey --help": [journey, "--help"],
        "journey data --help": [journey, "data", "--help"],
        "journey experiment --help": [journey, "experiment", "--help"],
    }
    print(f"{'command':<28} {'median':>8} {'min':>8} {'max':>8}   ({args.runs} runs each)")
    for name, argv in cases.items():
        wall(argv)  # warm the file cache and .pyc files
        times = [wall(argv) for _ in range(args.runs)]
        print(f"{name:<28} {statistics.median(times):>7.3f}s {min(times):>7.3f}s {max(times):>7.3f}s")


if __name__ == "__main__":
    main()
