"""Reading a user's table file (CSV, TSV or parquet): one reader and one set of error messages
for the data contracts and for feedback ingestion, so a bad file reads the same everywhere."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from journey.validation import input_error

SEPARATORS = {".csv": ",", ".txt": ",", ".tsv": "\t"}
"""Delimited text files by suffix (lower case) and their separator; with ``.parquet``, the file
types users hand us, whether read into pandas here or scanned in the engine (:func:`journey.data.sources.read_file`)."""
TABLE_SUFFIXES = (".parquet", *SEPARATORS)
UNSUPPORTED_HINT = "a .csv, .tsv or .parquet file"


def read_table_file(path: str | Path, *, expected: str, dtype: Any = None) -> pd.DataFrame:
    """The file as a DataFrame. ``expected`` says what the file should hold (for the not-found
    message); ``dtype`` is passed to ``pandas.read_csv`` (parquet files keep their own types).
    Text files must be UTF-8 (a BOM is fine); empty cells read as missing."""
    path = Path(path)
    if not path.exists():
        raise input_error(str(path), "file not found", expected)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _read_parquet(path)
    if suffix not in SEPARATORS:
        raise input_error(path.name, f"unsupported file type {path.suffix!r}", UNSUPPORTED_HINT)
    return _read_text(path, SEPARATORS[suffix], dtype)


def _read_text(path: Path, sep: str, dtype: Any) -> pd.DataFrame:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise input_error(path.name, "looks like a binary file (NUL bytes)", "a UTF-8 text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise input_error(
            path.name,
            f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}, line {line})",
            "a UTF-8 encoded file (re-export it as UTF-8)",
        ) from None
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=dtype, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise input_error(path.name, "is empty", "a header line and at least one row") from None
    except pd.errors.ParserError as exc:
        raise input_error(path.name, f"is not valid delimited text ({exc})", f"values separated by {sep!r}") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for corrupt files
        raise input_error(path.name, f"is not a readable parquet file ({type(exc).__name__})", "parquet") from None
