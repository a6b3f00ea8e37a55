"""Theme quality and time on the sample: theme count, outlier share, ARI and NMI against the planted topics.

Usage: ``python benchmarks/bench_themes.py [--runs warm,cold] [--repeat 3] [--show-labels]``.

Texts and their planted topics come from the sample (``feedback`` joined to ``feedback_labels`` in
``data/sample/journey.duckdb``, or the parquet folder beside it when the file is locked by a
writer). ``journey.feedback.themes.themes`` runs at its default settings, each run in a fresh
process (as a scheduled report would) with the theme memo off (``JOURNEY_THEMES_MEMO=0``), so the
fit itself is timed:

* ``warm``: the project's cache folder, so every embedding and UMAP's compiled numba code are found;
* ``cold``: an empty temporary cache folder, so every text is embedded and numba compiles UMAP.

``--repeat R`` runs each kind R times (a fresh process and, for ``cold``, a fresh folder each time)
and prints the median time with the range: the cores are shared, one run's time is noise.

Scores compare each text's theme with its planted topic (scikit-learn ``adjusted_rand_score`` and
``normalized_mutual_info_score``). Outliers (theme −1) count as one more cluster, labelled −1, so
a method cannot raise its score by calling the hard texts outliers; the outlier share is printed
beside. Time is the wall time of the ``themes`` call alone (imports and loading excluded).
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
from statistics import median

ROOT = Path(__file__).resolve().parents[1]


def load_sample():
    """(texts, planted topic per text) of the sample, in ``feedback_id`` order."""
    import duckdb

    query = ("select f.text, l.theme from feedback f join feedback_labels l using (feedback_id) "
             "order by f.feedback_id")  # fmt: skip
    try:
        with duckdb.connect(str(ROOT / "data/sample/journey.duckdb"), read_only=True) as con:
            frame = con.sql(query).df()
    except duckdb.Error:  # another process holds the write lock: read the parquet copy
        folder = ROOT / "data/sample/parquet"
        with duckdb.connect() as con:
            for table in ("feedback", "feedback_labels"):
                con.sql(f"create view {table} as select * from read_parquet('{folder / f'{table}.parquet'}')")
            frame = con.sql(query).df()
    return frame["text"], frame["theme"]


def run_once(cache_dir: str | None, show_labels: bool) -> dict:
    """One default fit in this process; returns the measurements as a dict."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from journey.feedback.themes import themes

    texts, planted = load_sample()
    started = time.perf_counter()
    result = themes(texts, cache_dir=cache_dir)
    seconds = time.perf_counter() - started
    found = result.document_themes.to_numpy()  # -1 (outliers) is one more cluster label
    out = {
        "texts": len(texts),
        "themes": int(result.themes["theme_id"].ne(-1).sum()),
        "outlier_share": float((found == -1).mean()),
        "ari": float(adjusted_rand_score(planted, found)),
        "nmi": float(normalized_mutual_info_score(planted, found)),
        "seconds": seconds,
    }
    sub = getattr(result, "document_sub_themes", None)  # the finer level, where the method has one
    if sub is not None:
        out["sub_themes"] = len(set(sub.tolist()) - {-1})
        out["sub_ari"] = float(adjusted_rand_score(planted, sub.to_numpy()))
    if show_labels:
        out["labels"] = result.themes[["label", "size"]].values.tolist()
    return out


def _child(run: str, env: dict, show_labels: bool) -> dict:
    """One measurement in a fresh process (``cold``: in an empty cache folder, removed afterwards)."""
    with tempfile.TemporaryDirectory(prefix="bench_themes_") as tmp:
        command = [sys.executable, __file__, "--child", run]
        if run == "cold":
            command += ["--cache-dir", tmp]
        if show_labels:
            command.append("--show-labels")
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        raise SystemExit(f"{run} run failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="warm,cold", help="comma-separated: warm, cold")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each kind; the median time is printed")
    parser.add_argument("--show-labels", action="store_true", help="print each theme's label and size")
    parser.add_argument("--child", choices=["warm", "cold"], help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(args.cache_dir, args.show_labels)))
        return
    env = {**os.environ, "JOURNEY_THEMES_MEMO": "0"}
    for run in [r.strip() for r in args.runs.split(",") if r.strip()]:
        measured = [_child(run, env, args.show_labels) for _ in range(max(1, args.repeat))]
        m, seconds = measured[0], sorted(x["seconds"] for x in measured)
        line = (f"{run:>4}: {m['texts']:,} texts, {m['themes']} themes, outliers {m['outlier_share']:.1%}, "
                f"ARI {m['ari']:.3f}, NMI {m['nmi']:.3f}, {median(seconds):.1f} s")  # fmt: skip
        if len(seconds) > 1:
            line += f" (median of {len(seconds)}: {seconds[0]:.1f}-{seconds[-1]:.1f} s)"
        if "sub_themes" in m:
            line += f"; {m['sub_themes']} sub-themes, their ARI {m['sub_ari']:.3f}"
        print(line, flush=True)
        for label, size in m.get("labels", []):
            print(f"        {size:>5}  {label}")
    print("ARI/NMI: each text's theme vs its planted topic; outliers (-1) count as one more cluster.")


if __name__ == "__main__":
    main()
