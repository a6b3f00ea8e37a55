"""Benchmark: a whole experiment readout vs the floor of reading the parquet file.

Writes a seeded 2-arm per-user parquet file (``--users`` rows in total, default 10M) into
a temporary folder, then times in fresh subprocesses (so peak memory is per phase):

* floor: DuckDB reads the parquet file and computes n and Σ per arm for the same columns;
* readout: ``ab.analyze`` with one proportion and one mean metric with CUPED (pre-period
  covariate) plus the SRM check, from the parquet file through ibis/DuckDB.

Prints best-of-``--repeat`` wall times, their ratio (target ≤ 1.3×) and each phase's peak
resident memory (target ≤ 1.5 GB). Run: ``.venv/bin/python benchmarks/bench_experiments.py``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 1_000_000


def generate(path: Path, users: int, seed: int) -> None:
    """Seeded per-user rows: variant, converted (0/1), revenue, pre_revenue; written in chunks."""
    writer = None
    for i, start in enumerate(range(0, users, CHUNK)):
        n = min(CHUNK, users - start)
        rng = np.random.default_rng([seed, i])
        treated = rng.random(n) < 0.5
        engagement = rng.gamma(2.0, 1.0, n)
        converted = (rng.random(n) < 0.05 * engagement * np.where(treated, 1.02, 1.0)).astype(np.int8)
        pre = 10 * engagement + rng.gamma(2.0, 2.0, n)
        revenue = 0.8 * pre + rng.gamma(2.0, 2.0, n) * np.where(treated, 1.01, 1.0)
        table = pa.table(
            {
                "variant": pa.array(np.where(treated, "treatment", "control")).dictionary_encode(),
                "converted": converted,
                "revenue": revenue,
                "pre_revenue": pre,
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def floor(path: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    sql = (
        "SELECT variant, count(*) AS n, sum(converted) AS s1, sum(revenue) AS s2, sum(pre_revenue) AS s3 "
        f"FROM read_parquet('{path}') GROUP BY variant"
    )
    t = time.perf_counter()
    rows = con.sql(sql).fetchall()
    _emit(time.perf_counter() - t, len(rows))


def readout(path: str) -> None:
    import ibis

    from journey import experiments as ab

    con = ibis.duckdb.connect()
    t = time.perf_counter()
    table = con.read_parquet(path)
    res = ab.analyze(
        table,
        variant="variant",
        control="control",
        metrics=[ab.Proportion("converted"), ab.Mean("revenue", covariates=["pre_revenue"])],
        correction="holm",
    )
    frame = res.to_frame()
    flagged = res.srm.flagged
    _emit(time.perf_counter() - t, len(frame), extra={"srm_flagged": flagged, "vr": float(frame.variance_reduction[1])})


def _emit(seconds: float, rows: int, extra: dict | None = None) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_bytes": peak, **(extra or {})}))


def _run(phase: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--path", str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000_000, help="rows in total (both arms)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", choices=["floor", "readout"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        (floor if args.phase == "floor" else readout)(args.path)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "experiment.parquet"
        t = time.perf_counter()
        generate(path, args.users, args.seed)
        print(
            f"generated {args.users:,} users in {time.perf_counter() - t:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB parquet)"
        )
        runs = {"floor": [], "readout": []}
        for _ in range(args.repeat):
            for phase in runs:  # interleaved so both see the same machine load
                runs[phase].append(_run(phase, path))
        best = {p: min(r["seconds"] for r in rs) for p, rs in runs.items()}
        peak = {p: max(r["peak_bytes"] for r in rs) for p, rs in runs.items()}
        print(
            f"floor   (DuckDB read parquet + n/Σ per arm): {best['floor']:.3f} s, peak RSS {peak['floor'] / 1e9:.2f} GB"
        )
        print(
            f"readout (analyze: proportion + CUPED mean + SRM): {best['readout']:.3f} s, "
            f"peak RSS {peak['readout'] / 1e9:.2f} GB"
        )
        print(f"ratio readout / floor: {best['readout'] / best['floor']:.2f}x (target <= 1.3x; peak target <= 1.5 GB)")
        print(f"variance reduction from CUPED on revenue: {runs['readout'][0]['vr']:.1%}")


if __name__ == "__main__":
    main()
