"""Benchmark: a whole experiment readout vs the floor of reading the parquet file.

Writes a seeded 2-arm per-user parquet file (``--users`` rows in total, default 10M) into
a temporary folder, then times each phase the same way: ``--repeat`` fresh subprocesses per
phase (interleaved, so peak memory is per phase and all see the same machine load), each
running the timed body ``--inner`` times on one warm connection (set-up and imports untimed):

* floor: DuckDB reads the parquet file and computes n and Σ per arm for the same columns;
* moments: the floor plus Σ of the three products CUPED needs, in hand-written DuckDB SQL
  (what the engine must do at least; separates engine cost from library overhead);
* readout: ``ab.analyze`` on the parquet file's path with one proportion and one mean metric
  with CUPED (pre-period covariate) plus the SRM check, from the file to the frame;
* readout from ibis: the same, on the table ``ibis.duckdb.connect().read_parquet`` makes (an
  analyst's other way in; ibis's view plus DESCRIBE add about 4 ms).

Prints best, median, max and first-run wall times and the median process CPU time (all
threads) per phase, the ratio readout / floor (target ≤ 1.3×) and each phase's peak
resident memory (target ≤ 1.5 GB). Wall times on shared cores are noisy, and phases in
separate processes see different load; so a last process alternates floor and readout
(``2 × repeat × inner`` pairs) and prints the median and quartiles of the per-pair ratios,
the steadiest comparison. Run: ``.venv/bin/python benchmarks/bench_experiments.py``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
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


FLOOR_SQL = (
    "SELECT variant, count(*) AS n, sum(converted) AS s1, sum(revenue) AS s2, sum(pre_revenue) AS s3 "
    "FROM read_parquet('{path}') GROUP BY variant"
)
# the sufficient statistics the readout needs, written by hand: the floor plus Σ of the three products
MOMENTS_SQL = (
    "SELECT variant, count(*), sum(converted), sum(revenue), sum(pre_revenue), sum(revenue * revenue), "
    "sum(revenue * pre_revenue), sum(pre_revenue * pre_revenue) FROM read_parquet('{path}') GROUP BY variant"
)


def _floor_body(sql: str, path: str):
    """A timed body running ``sql`` (the floor or the hand-written moments) on its own DuckDB."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    query = sql.format(path=path.replace("'", "''"))
    return lambda: (len(con.sql(query).fetchall()), {})


def _readout_body(path: str, via_ibis: bool):
    """A timed body running the whole readout through the library (imports and connection untimed)."""
    import ibis

    from journey import experiments as ab
    from journey.data.sources import files_backend

    con = ibis.duckdb.connect()
    files_backend()  # the library's DuckDB session for file inputs: opened untimed, as the floor's connection is

    def body() -> tuple[int, dict]:
        data = con.read_parquet(path) if via_ibis else path
        res = ab.analyze(
            data,
            variant="variant",
            control="control",
            metrics=[ab.Proportion("converted"), ab.Mean("revenue", covariates=["pre_revenue"])],
            correction="holm",
        )
        frame = res.to_frame()
        return len(frame), {"srm_flagged": res.srm.flagged, "vr": float(frame.variance_reduction[1])}

    return body


def _body(phase: str, path: str):
    if phase.startswith("readout"):
        return _readout_body(path, via_ibis=phase == "readout_ibis")
    return _floor_body(FLOOR_SQL if phase == "floor" else MOMENTS_SQL, path)


def _timed(body) -> tuple[float, float, int, dict]:
    t, c = time.perf_counter(), time.process_time()
    rows, extra = body()
    return time.perf_counter() - t, time.process_time() - c, rows, extra


def run_phase(phase: str, path: str, inner: int) -> None:
    body = _body(phase, path)
    runs = [_timed(body) for _ in range(inner)]
    _emit([r[0] for r in runs], [r[1] for r in runs], runs[-1][2], extra=runs[-1][3])


def run_paired(path: str, pairs: int) -> None:
    """Floor and readout alternately in one process (order flipped every pair): each pair sees the
    same machine load, so the median of per-pair ratios is the steadiest ratio on shared cores."""
    floor, readout = _body("floor", path), _body("readout", path)
    floor(), readout()  # warm both (first-query costs are reported by the per-phase runs)
    ratios = []
    for i in range(pairs):
        order = (floor, readout) if i % 2 else (readout, floor)
        times = {f: _timed(f)[0] for f in order}
        ratios.append(times[readout] / times[floor])
    print(json.dumps({"ratios": ratios}))


def _emit(times: list[float], cpu: list[float], rows: int, extra: dict | None = None) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"times": times, "cpu": cpu, "rows": rows, "peak_bytes": peak, **(extra or {})}))


def _run(phase: str, path: Path, inner: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--path", str(path), "--inner", str(inner)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


PHASES = {
    "floor": "floor   (DuckDB: read parquet + n/Σ per arm)",
    "moments": "moments (DuckDB: floor + Σ of the 3 products, by hand)",
    "readout": "readout (ab.analyze(path): proportion + CUPED mean + SRM)",
    "readout_ibis": "readout from ibis (the same on con.read_parquet(path))",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000_000, help="rows in total (both arms)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per phase (interleaved)")
    parser.add_argument("--inner", type=int, default=5, help="timed runs inside each process")
    parser.add_argument("--path", help="use this parquet file instead of generating one")
    parser.add_argument("--phase", choices=[*PHASES, "paired"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        if args.phase == "paired":
            run_paired(args.path, args.inner)
        else:
            run_phase(args.phase, args.path, args.inner)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.path) if args.path else Path(tmp) / "experiment.parquet"
        if not args.path:
            t = time.perf_counter()
            generate(path, args.users, args.seed)
            print(f"generated {args.users:,} users in {time.perf_counter() - t:.1f} s", end=" ")
        print(f"({path.stat().st_size / 1e6:.0f} MB parquet)")
        runs: dict[str, list[dict]] = {p: [] for p in PHASES}
        for _ in range(args.repeat):
            for phase in PHASES:  # interleaved so all phases see the same machine load
                runs[phase].append(_run(phase, path, args.inner))
        best, med, first, cpu = {}, {}, {}, {}
        print(f"best of {args.repeat} processes x {args.inner} runs; first = first run in a fresh process")
        for phase, label in PHASES.items():
            times = [t for r in runs[phase] for t in r["times"]]
            best[phase], med[phase] = min(times), statistics.median(times)
            first[phase] = min(r["times"][0] for r in runs[phase])
            cpu[phase] = statistics.median([c for r in runs[phase] for c in r["cpu"]])
            peak = max(r["peak_bytes"] for r in runs[phase])
            print(
                f"{label}: best {best[phase]:.3f} s, median {med[phase]:.3f} s, max {max(times):.3f} s, "
                f"first {first[phase]:.3f} s, median CPU {cpu[phase]:.3f} s, peak RSS {peak / 1e9:.2f} GB"
            )
        print(
            f"ratio readout / floor (target <= 1.3x): best {best['readout'] / best['floor']:.2f}x, median "
            f"{med['readout'] / med['floor']:.2f}x, first {first['readout'] / first['floor']:.2f}x, "
            f"CPU {cpu['readout'] / cpu['floor']:.2f}x (CPU time is the steadiest figure on shared cores)"
        )
        print(
            f"of which engine (moments / floor): median {med['moments'] / med['floor']:.2f}x, CPU "
            f"{cpu['moments'] / cpu['floor']:.2f}x; the rest (readout / moments): median "
            f"{med['readout'] / med['moments']:.2f}x, CPU {cpu['readout'] / cpu['moments']:.2f}x"
        )
        print(
            f"readout from an ibis table / floor: median {med['readout_ibis'] / med['floor']:.2f}x, "
            f"CPU {cpu['readout_ibis'] / cpu['floor']:.2f}x"
        )
        ratios = _run("paired", path, 2 * args.repeat * args.inner)["ratios"]
        q1, q2, q3 = statistics.quantiles(ratios, n=4)
        print(
            f"paired ratio readout / floor (target <= 1.3x; {len(ratios)} alternating pairs in one process, the "
            f"steadiest figure): median {q2:.2f}x, quartiles {q1:.2f}x-{q3:.2f}x"
        )
        print(f"variance reduction from CUPED on revenue: {runs['readout'][0]['vr']:.1%}")


if __name__ == "__main__":
    main()
