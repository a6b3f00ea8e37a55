"""Feedback pipeline benchmark: masking, sentiment, embeddings and BERTopic on n texts, cold then warm.

Usage: ``python benchmarks/bench_feedback.py --n 10000 [--repeat 3]``. Each run is a fresh process
(as a scheduled rerun would be). The first starts with empty caches; the second finds them warm
(embeddings, UMAP's compiled numba code, the memoised themes of these same texts); the third
refits the themes with the memo off (``JOURNEY_THEMES_MEMO=0``), as a rerun over new texts would.
``--repeat R`` runs R such triples, each in a fresh cache folder, and judges the targets on the
medians (cores are shared). Prints each phase's wall time and the process's peak resident memory
during that phase (sampled every 20 ms from /proc, so torch's native allocations count), then the
targets: first run ≤ 90 s, warm rerun ≤ 30% of the first, peak ≤ 2 GB (2 cores).

Texts come from ``journey.datasets.feedback.make_feedback`` (seeded); templated texts repeat,
so the number of distinct texts (what is actually embedded) is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median


class PeakRSS:
    """Peak resident set size of this process while the block runs (MiB)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()

    @staticmethod
    def current() -> float:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.current())
            time.sleep(0.02)

    def __enter__(self) -> PeakRSS:
        self.peak = self.current()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.current())


def run_once(n: int, seed: int, cache_dir: str) -> dict:
    """One pipeline run in this process; returns phase → (seconds, peak MiB)."""
    started = time.perf_counter()
    phases: dict[str, tuple[float, float]] = {}

    def phase(name: str, func):
        t0 = time.perf_counter()
        with PeakRSS() as rss:
            value = func()
        phases[name] = (time.perf_counter() - t0, rss.peak)
        return value

    from journey.datasets.feedback import make_feedback

    texts = phase("generate texts", lambda: make_feedback(n, seed=seed)["feedback"]["text"])
    from journey import feedback

    masked = phase("mask PII", lambda: feedback.mask_pii_series(texts))
    phase("sentiment (VADER)", lambda: feedback.sentiment(masked.texts))
    from journey.feedback.embeddings import embed

    # Loads torch and the model only when some text is not cached yet.
    phase("embeddings", lambda: embed(masked.texts.tolist(), cache_dir=cache_dir))
    result = phase("themes (BERTopic)", lambda: feedback.themes(masked.texts, seed=0, cache_dir=cache_dir))
    return {
        "n": n,
        "distinct": int(masked.texts.nunique()),
        "themes": int((result.to_frame()["theme_id"] >= 0).sum()),
        "outlier_share": float((result.document_themes == -1).mean()),
        "masked": masked.counts,
        "phases": phases,
        "total_s": time.perf_counter() - started,
        "peak_mib": max(p[1] for p in phases.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of texts")
    parser.add_argument("--seed", type=int, default=7, help="seed of the text generator")
    parser.add_argument("--cache-dir", default="", help="embedding cache (default: a fresh temporary folder)")
    parser.add_argument("--repeat", type=int, default=1, help="cold/warm runs; medians are reported (shared cores)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(run_once(args.n, args.seed, args.cache_dir)))
        return
    triples = [_runs(args) for _ in range(args.repeat)]
    pairs = [(f, w) for f, w, _ in triples]
    first, warm, refit = triples[0]
    print(f"feedback benchmark: n={args.n:,} texts ({first['distinct']:,} distinct), cores={os.cpu_count()}")
    labels = ("first (cold caches)", "rerun (warm caches, same texts: memoised themes)",
              "rerun (warm caches, themes refitted: JOURNEY_THEMES_MEMO=0)")  # fmt: skip
    for label, run in zip(labels, (first, warm, refit), strict=True):
        print(f"\n{label}: {run['process_s']:.1f} s wall incl. interpreter and imports "
              f"({run['total_s']:.1f} s in the pipeline), peak {run['peak_mib']:.0f} MiB")  # fmt: skip
        for name, (seconds, peak) in run["phases"].items():
            print(f"  {name:<20} {seconds:7.1f} s   peak {peak:6.0f} MiB")
        print(f"  themes: {run['themes']}, outliers: {run['outlier_share']:.1%}")
    firsts = [f["process_s"] for f, _ in pairs]
    warms = [w["process_s"] for _, w in pairs]
    ratios = [w / f for f, w in zip(firsts, warms, strict=True)]
    refits = [r["process_s"] / f["process_s"] for f, _, r in triples]
    peak = max(max(f["peak_mib"], w["peak_mib"]) for f, w in pairs)
    if args.repeat > 1:
        print(f"\n{args.repeat} cold/warm runs (each in a fresh cache folder), median [min, max]:")
        rows = (
            ("first run", firsts, "s"),
            ("warm rerun", warms, "s"),
            ("ratio", ratios, ""),
            ("refit ratio", refits, ""),
        )
        for name, values, unit in rows:
            shown = [f"{v:.0%}" if not unit else f"{v:.1f} s" for v in (median(values), min(values), max(values))]
            print(f"  {name:<11} {shown[0]}  [{shown[1]}, {shown[2]}]")
    first_s, ratio = median(firsts), median(ratios)
    print("\ntargets (2 cores)" + (", medians:" if args.repeat > 1 else ":"))
    print(f"  first run {first_s:.1f} s  (target <= 90 s): {'ok' if first_s <= 90 else 'MISSED'}")
    print(f"  warm rerun {ratio:.0%} of first  (target <= 30%): {'ok' if ratio <= 0.30 else 'MISSED'}")
    refit = median(refits)
    verdict = "ok" if refit <= 0.30 else "MISSED"
    print(f"  warm rerun with themes refitted {refit:.0%} of first  (target <= 30%): {verdict}")
    print(f"  peak memory {peak:.0f} MiB  (target <= 2048 MiB): {'ok' if peak <= 2048 else 'MISSED'}")
    print(f"  PII masked in run 1: {first['masked']}")


def _runs(args: argparse.Namespace) -> tuple[dict, dict, dict]:
    """A cold run, a warm rerun, and a warm rerun that refits the themes (memo off).

    Each is a fresh process; they share one new cache folder (embeddings, numba code, themes memo).
    """
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as tmp:
        cache = args.cache_dir or tmp
        runs = []
        for memo in ("1", "1", "0"):
            env = os.environ | {"PYTHONWARNINGS": "ignore", "JOURNEY_THEMES_MEMO": memo}
            t0 = time.perf_counter()
            out = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child", "--n", str(args.n),
                 "--seed", str(args.seed), "--cache-dir", cache],
                capture_output=True, text=True, check=True, env=env,
            )  # fmt: skip
            line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
            runs.append(json.loads(line[len("RESULT ") :]) | {"process_s": time.perf_counter() - t0})
    return runs[0], runs[1], runs[2]


if __name__ == "__main__":
    main()
