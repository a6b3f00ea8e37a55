"""CLV speed: per-customer summary + BG/NBD + Gamma-Gamma, whole process, against plain scipy and lifetimes.

Usage: ``python benchmarks/bench_clv.py --customers 1000000`` writes ``transactions.parquet``
(BG/NBD purchases with Gamma-Gamma spend, ``journey.datasets.clv.bgnbd_transactions``), then runs
each job in a fresh interpreter and prints its whole-process wall time, CPU time and peak memory:

* ``ours``: ``journey.clv.rfm_summary`` (DuckDB) + ``BetaGeo().fit`` + ``GammaGamma().fit``;
* ``scipy``: a plain implementation: pandas groupby for the summary and the same likelihoods
  written as one numpy expression, fitted by L-BFGS-B with finite-difference gradients;
* ``lifetimes``: lifetimes 0.11.3 (``summary_data_from_transaction_data(freq="D",
  freq_multiplier=7)``, ``BetaGeoFitter``, ``GammaGammaFitter``), when ``--lifetimes-python``
  names an interpreter that has it (lifetimes breaks on pandas 3, so it needs its own
  environment: ``python -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes "pandas<2.2" "numpy<2"``).

The fitted parameters of every job are printed side by side, so a fast wrong answer shows.
Prints figures only: never a timed assertion. Targets (issue #10): at most half of lifetimes'
time and under 10 s for 1M customers on 2 cores, peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

JOBS = ("ours", "scipy", "lifetimes")


def job_ours(parquet: str) -> dict:
    from journey.clv import BetaGeo, GammaGamma, rfm_summary

    summary = rfm_summary(parquet)
    bg = BetaGeo().fit(summary)
    gg = GammaGamma().fit(summary)
    return {"customers": len(summary), "bgnbd": bg.params.round(4).tolist(), "gg": gg.params.round(4).tolist()}


def job_scipy(parquet: str) -> dict:
    import numpy as np
    import pandas as pd
    from scipy import optimize, special

    tx = pd.read_parquet(parquet)
    tx["date"] = pd.to_datetime(tx["date"])
    days = tx.groupby(["customer_id", "date"], as_index=False)["amount"].sum()
    first = days.groupby("customer_id")["date"].transform("min")
    per = days.assign(repeat=np.where(days["date"] > first, days["amount"], 0.0)).groupby("customer_id")
    out = per.agg(n=("date", "size"), first=("date", "min"), last=("date", "max"), spend=("repeat", "sum"))
    end = days["date"].max()
    x = out["n"].to_numpy(float) - 1
    t_x = (out["last"] - out["first"]).dt.days.to_numpy(float) / 7
    T = (end - out["first"]).dt.days.to_numpy(float) / 7
    m = np.where(x > 0, out["spend"].to_numpy(float) / np.maximum(x, 1), 0.0)

    def bg_nll(log_theta):
        r, alpha, a, b = np.exp(log_theta)
        a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
        a3 = -(r + x) * np.log(alpha + T)
        a4 = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
        return -np.sum(a1 + a2 + np.logaddexp(a3, a4))

    rep = x > 0
    xr, mr = x[rep], m[rep]

    def gg_nll(log_theta):
        p, q, g = np.exp(log_theta)
        px = p * xr
        return -np.sum(
            special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(g)
            + (px - 1) * np.log(mr) + px * np.log(xr) - (px + q) * np.log(g + mr * xr)
        )  # fmt: skip

    bg = optimize.minimize(bg_nll, np.log([1.0, T.mean(), 1.0, 1.0]), method="L-BFGS-B")
    gg = optimize.minimize(gg_nll, np.log([2.0, 2.0, mr.mean()]), method="L-BFGS-B")
    return {"customers": len(x), "bgnbd": np.exp(bg.x).round(4).tolist(), "gg": np.exp(gg.x).round(4).tolist()}


def job_lifetimes(parquet: str) -> dict:
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    tx = pd.read_parquet(parquet)
    tx["date"] = pd.to_datetime(tx["date"])
    s = summary_data_from_transaction_data(tx, "customer_id", "date", "amount", freq="D", freq_multiplier=7)
    bg = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    rep = s[s["frequency"] > 0]
    gg = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    return {
        "customers": len(s),
        "bgnbd": [round(float(bg.params_[k]), 4) for k in ("r", "alpha", "a", "b")],
        "gg": [round(float(gg.params_[k]), 4) for k in ("p", "q", "v")],
    }


def measure(job: str, parquet: Path, python: str) -> dict:
    """Run ``job`` in a fresh interpreter: whole-process wall time, CPU time and peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [python, __file__, "--job", job, "--parquet", str(parquet)], stdout=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        return {"job": job, "error": f"exit status {status}"}
    record = json.loads(out.strip().splitlines()[-1])
    record.update(job=job, wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime, peak_mb=usage.ru_maxrss / 1024)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs per job; best and median are reported")
    parser.add_argument("--lifetimes-python", default=None, help="an interpreter with lifetimes installed")
    parser.add_argument("--out", type=Path, default=Path("/tmp/journey-bench-clv"))
    parser.add_argument("--job", choices=JOBS, help=argparse.SUPPRESS)
    parser.add_argument("--parquet", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:  # child process: one job, one JSON line
        start = time.perf_counter()
        result = {"ours": job_ours, "scipy": job_scipy, "lifetimes": job_lifetimes}[args.job](args.parquet)
        result["inside_s"] = time.perf_counter() - start
        print(json.dumps(result))
        return

    from journey.datasets.clv import bgnbd_transactions

    parquet = args.out / f"transactions-{args.customers}-{args.seed}.parquet"
    if not parquet.exists():
        args.out.mkdir(parents=True, exist_ok=True)
        frame = bgnbd_transactions(args.customers, seed=args.seed)
        tmp = parquet.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        tmp.rename(parquet)
        print(f"wrote {len(frame):,} transactions of {args.customers:,} customers to {parquet}")
    jobs = [("ours", sys.executable), ("scipy", sys.executable)]
    if args.lifetimes_python:
        jobs.append(("lifetimes", args.lifetimes_python))
    runs: dict[str, list[dict]] = {job: [] for job, _ in jobs}
    for _ in range(args.repeat):  # interleaved, so machine load hits every job alike
        for job, python in jobs:
            runs[job].append(measure(job, parquet, python))
    header = f"{'job':<10} {'best s':>8} {'median s':>9} {'CPU s':>7} {'peak MB':>8}"
    print(f"{header}  BG/NBD (r, alpha, a, b) | GG (p, q, gamma)")
    medians = {}
    for job, records in runs.items():
        ok = [r for r in records if "error" not in r]
        if not ok:
            print(f"{job:<10} failed: {records[0]['error']}")
            continue
        walls = [r["wall_s"] for r in ok]
        medians[job] = statistics.median(walls)
        last = ok[-1]
        print(
            f"{job:<10} {min(walls):8.2f} {medians[job]:9.2f} {statistics.median(r['cpu_s'] for r in ok):7.2f} "
            f"{max(r['peak_mb'] for r in ok):8.0f}  {last['bgnbd']} | {last['gg']}"
        )
    for other in ("scipy", "lifetimes"):
        if other in medians and "ours" in medians:
            print(f"ours / {other}: {medians['ours'] / medians[other]:.2f}x (medians, whole process)")


if __name__ == "__main__":
    main()
