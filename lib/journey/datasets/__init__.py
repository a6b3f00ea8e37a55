"""Seeded sample data: the embedded data set every notebook, test and doc runs on.

``make_sample(users, seed)`` returns every table as pandas frames (small sizes, for tests);
``build_sample(out_dir, users, seed)`` streams chunks to parquet and loads them into
``journey.duckdb``, writing under a temporary name and renaming so a failed run never
leaves a half-written data set. The same seed gives the same bytes in the parquet files.

The customer success tables (``order_history``, ``subscriptions``, ``support_tickets``,
``usage``, ``plays``; :mod:`journey.datasets.customers` documents their columns and planted
truths) come last, from their own seeded streams, so the event tables before them keep the
bytes they had before those tables existed. ``build_sample`` also writes the history of 60 past
experiments with known true effects (``experiment_history.parquet``, :mod:`journey.datasets.history`)
that the experiment portfolio learns from.

>>> tables = make_sample(users=300, seed=1)
>>> sorted(tables)  # doctest: +NORMALIZE_WHITESPACE
['assignments', 'customers', 'events', 'feedback', 'feedback_labels', 'order_history', 'orders', 'plays',
 'subscriptions', 'support_tickets', 'usage']
>>> bool((tables["events"]["ts"].dt.tz is not None))
True
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from journey.datasets import customers as customer_success
from journey.datasets.customers import customer_truth, make_customer_tables
from journey.datasets.feedback import make_feedback
from journey.datasets.history import history_path, make_history, write_history
from journey.datasets.journeys import CHUNK_USERS, EXPERIMENTS, generate_chunk

TABLES = ("events", "orders", "customers", "feedback", "feedback_labels", "assignments", *customer_success.TABLES)
DEFAULT_USERS = 20_000
DEFAULT_SEED = 7


def _feedback_size(users: int) -> int:
    """Several thousand texts at the default size; fewer for tiny test sets."""
    return int(min(6000, max(200, users // 4)))


def _chunks(users: int, seed: int):
    for chunk, first in enumerate(range(0, users, CHUNK_USERS)):
        size = min(CHUNK_USERS, users - first)
        yield generate_chunk(chunk, size, seed, first_user_id=first + 1)


def _orders(events: pd.DataFrame, first_order_id: int, rng: np.random.Generator) -> pd.DataFrame:
    bought = events[events["event"].isin(["purchase", "repeat_purchase"])]
    return pd.DataFrame(
        {
            "order_id": np.arange(first_order_id, first_order_id + len(bought), dtype=np.int64),
            "user_id": bought["user_id"].to_numpy(),
            "ts": bought["ts"].to_numpy(),
            "revenue": bought["revenue"].to_numpy(),
            "items": (1 + rng.poisson(0.6, len(bought))).astype(np.int32),
            "is_repeat": (bought["event"] == "repeat_purchase").to_numpy(),
        }
    )


def _customers(events: pd.DataFrame, users: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Customers are users who started a checkout (they created an account there)."""
    started = events[events["event"] == "checkout_start"].groupby("user_id", sort=True)["ts"].min()
    buyers = set(events.loc[events["event"] == "purchase", "user_id"])
    info = users.set_index("user_id").loc[started.index]
    paid_plan = rng.choice(["basic", "plus", "premium"], size=len(started), p=[0.5, 0.3, 0.2])
    plan = np.where(started.index.isin(list(buyers)), paid_plan, "free")
    return pd.DataFrame(
        {
            "customer_id": started.index.to_numpy(),
            "signup_ts": started.to_numpy(),
            "plan": plan,
            "country": info["country"].to_numpy(),
            "device": info["device"].to_numpy(),
            "first_touch_channel": info["first_touch_channel"].to_numpy(),
        }
    )


def iter_sample(users: int = DEFAULT_USERS, seed: int = DEFAULT_SEED):
    """Yield ``{table: frame}`` per chunk of users, then feedback (it needs the customer ids), then
    the customer success tables per chunk of customers (they need the customers and feedback)."""
    order_id = 1
    customer_ids: list[np.ndarray] = []
    customer_frames: list[pd.DataFrame] = []
    for k, chunk in enumerate(_chunks(users, seed)):
        rng = np.random.default_rng([seed, k, 7])
        events = chunk["events"].sort_values(["user_id", "ts"], kind="stable", ignore_index=True)
        orders = _orders(events, order_id, rng)
        order_id += len(orders)
        customers = _customers(events, chunk["users"], rng)
        customer_ids.append(customers["customer_id"].to_numpy())
        customer_frames.append(customers)
        yield {"events": events, "orders": orders, "customers": customers, "assignments": chunk["assignments"]}
    ids = np.concatenate(customer_ids) if customer_ids else np.array([], dtype=np.int64)
    feedback = make_feedback(_feedback_size(users), seed, ids)
    yield feedback
    everyone = pd.concat(customer_frames, ignore_index=True)
    yield from customer_success.iter_customer_tables(everyone, feedback["feedback"], feedback["feedback_labels"], seed)


def make_sample(users: int = 2000, seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Every sample table in memory (use for tests and docs; large sizes go to :func:`build_sample`)."""
    parts: dict[str, list[pd.DataFrame]] = {}
    for piece in iter_sample(users, seed):
        for name, frame in piece.items():
            parts.setdefault(name, []).append(frame)
    return {name: pd.concat(parts[name], ignore_index=True) for name in sorted(parts)}


def make_events(users: int = 2000, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Just the ``events`` table, for examples and tests of journey functions."""
    return pd.concat([c["events"] for c in _chunks(users, seed)], ignore_index=True)


def build_sample(
    out_dir: Path,
    users: int = DEFAULT_USERS,
    seed: int = DEFAULT_SEED,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write parquet files and ``journey.duckdb`` into ``out_dir`` atomically; return the database path.

    Chunks stream to parquet (memory stays flat at a million users and beyond), then DuckDB
    loads the parquet files, so the database is built by the engine, not by pandas.
    """
    if users < 1:
        raise ValueError(f"--users: {users} is not a positive number of users")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        parquet_dir = tmp / "parquet"
        parquet_dir.mkdir()
        writers: dict[str, pq.ParquetWriter] = {}
        total_chunks = -(-users // CHUNK_USERS) + 2  # and feedback, and (at least) one customer chunk
        for done, piece in enumerate(iter_sample(users, seed), start=1):
            for name, frame in piece.items():
                schema = customer_success.SCHEMAS.get(name)  # the old tables keep their inferred types
                table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
                if name not in writers:
                    writers[name] = pq.ParquetWriter(parquet_dir / f"{name}.parquet", table.schema, compression="zstd")
                writers[name].write_table(table)
            if progress:
                total_chunks = max(total_chunks, done)
                progress(done, total_chunks)
        for writer in writers.values():
            writer.close()
        database = tmp / "journey.duckdb"
        with duckdb.connect(str(database)) as con:
            con.execute("SET TimeZone = 'UTC'")
            for name in TABLES:
                con.execute(
                    f"CREATE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(parquet_dir / f"{name}.parquet")]
                )
        write_history(tmp, seed)  # the past experiments the portfolio learns from (datasets.history)
        tmp.chmod(0o755)  # mkdtemp makes it private; the data set is meant to be shared
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir / "journey.duckdb"


def is_current(database: Path) -> bool:
    """Whether ``database`` holds every sample table and its folder the experiment history: a sample
    built by an older version (before the customer tables, say) is rebuilt rather than failing the
    reports that read the new ones."""
    if not Path(database).exists():
        return False
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            present = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    except duckdb.Error:
        return False
    return set(TABLES) <= present and history_path(Path(database).parent).exists()


def fingerprint(out_dir: Path) -> str:
    """SHA-256 over the sample's parquet files: identifies the data a report ran on."""
    digest = hashlib.sha256()
    for path in sorted((Path(out_dir) / "parquet").glob("*.parquet")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_USERS",
    "EXPERIMENTS",
    "TABLES",
    "build_sample",
    "customer_truth",
    "fingerprint",
    "is_current",
    "iter_sample",
    "make_customer_tables",
    "make_events",
    "make_feedback",
    "make_history",
    "make_sample",
]
