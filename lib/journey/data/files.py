"""Reading a user's table file (CSV, TSV or parquet): one reader and one set of error messages
for the data contracts and for feedback ingestion, so a bad file reads the same everywhere.

What counts as a table file is decided here once (:func:`table_suffix`, :func:`parquet_parts`)
and :func:`journey.data.sources.read_file` scans the same files in the engine: delimited text
(optionally gzip-compressed, ``events.csv.gz``), a parquet file, or a *parquet folder* (a
directory of parquet files, as Spark, pyarrow and DuckDB write a partitioned table), read as
one table.
"""

from __future__ import annotations

import collections
import csv
import gzip
import io
import warnings
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from journey.validation import input_error

SEPARATORS = {".csv": ",", ".txt": ",", ".tsv": "\t"}
"""Delimited text files by suffix (lower case) and their separator; with ``.parquet``, the file
types users hand us, whether read into pandas here or scanned in the engine (:func:`journey.data.sources.read_file`)."""
TABLE_SUFFIXES = (".parquet", *SEPARATORS)
COMPRESSIONS = {".gz": "gzip"}
"""Compression suffixes a delimited text file may add (``events.csv.gz``). Only gzip: DuckDB also
reads zstd, but pandas needs the ``zstandard`` package for it, and DuckDB reads no bz2 or xz."""
UNSUPPORTED_HINT = "a .csv, .tsv or .parquet file (.csv.gz and .tsv.gz too) or a folder of .parquet files"


def table_suffix(path: str | Path) -> tuple[str, str | None]:
    """The table suffix of a file name (lower case) and its compression, if any.

    >>> table_suffix("exports/Events.CSV.gz"), table_suffix("a.parquet"), table_suffix("notes.gz")
    (('.csv', 'gzip'), ('.parquet', None), ('.gz', None))
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in COMPRESSIONS and suffixes[-2] in SEPARATORS:
        return suffixes[-2], COMPRESSIONS[suffixes[-1]]
    return (suffixes[-1] if suffixes else ""), None


def parquet_parts(folder: Path) -> list[Path]:
    """The parquet files of a parquet folder (subfolders too, e.g. ``country=DE/part-0.parquet``);
    an input error if there are none (Spark's ``_SUCCESS`` and ``.crc`` files are not parts)."""
    parts = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".parquet")
    if not parts:
        raise input_error(str(folder), "is a folder holding no .parquet files", UNSUPPORTED_HINT)
    return parts


def read_table_file(path: str | Path, *, expected: str, dtype: Any = None) -> pd.DataFrame:
    """The file (or parquet folder) as a DataFrame. ``expected`` says what the file should hold
    (for the not-found message); ``dtype`` is passed to ``pandas.read_csv`` (parquet files keep
    their own types). Text files must be UTF-8 (a BOM is fine), have unique column names and no
    line with more values than the header; empty cells read as missing."""
    path = Path(path)
    if not path.exists():
        raise input_error(str(path), "file not found", expected)
    if path.is_dir():
        return _unique_columns(_read_parquet_folder(path), path.name)
    suffix, compression = table_suffix(path)
    if suffix == ".parquet":
        return _unique_columns(_read_parquet(path), path.name)
    if suffix not in SEPARATORS:
        raise input_error(path.name, f"unsupported file type {path.suffix!r}", UNSUPPORTED_HINT)
    return _read_text(path, SEPARATORS[suffix], dtype, compression)


def _read_text(path: Path, sep: str, dtype: Any, compression: str | None) -> pd.DataFrame:
    raw = path.read_bytes()
    if compression == "gzip":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise input_error(
                path.name, f"is not a readable gzip file ({exc})", "a gzip-compressed text file"
            ) from None
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
    header = next(csv.reader(io.StringIO(text), delimiter=sep), None)
    if header is None:
        raise input_error(path.name, "is empty", "a header line and at least one row")
    _check_header(header, path.name)
    try:
        # index_col=False: a first row with one value too many must not turn the first column into
        # the index (every value would shift one column left); pandas warns and drops the extra instead
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                io.StringIO(text), sep=sep, dtype=dtype, keep_default_na=False, na_values=[""], index_col=False
            )
    except pd.errors.EmptyDataError:
        raise input_error(path.name, "is empty", "a header line and at least one row") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise _ragged(io.StringIO(text), sep, len(header), path.name) or input_error(
            path.name, f"is not valid delimited text ({exc})", f"values separated by {sep!r}"
        ) from None


def check_text_header(path: Path) -> None:
    """For an engine about to scan a delimited text file (gzip too): its header must not repeat a
    column (DuckDB would read the second one as ``name_1``). Reads the first line only."""
    suffix, compression = table_suffix(path)
    with _open_text(path, compression) as lines:
        header = next(csv.reader(lines, delimiter=SEPARATORS[suffix]), None)
    if header:
        _check_header(header, path.name)


def explain_unparseable(path: Path) -> Exception | None:
    """Why an engine could not parse a delimited text file, when the reason is a line with more
    values than the header (the input error :func:`read_table_file` gives); None otherwise."""
    suffix, compression = table_suffix(path)
    sep = SEPARATORS[suffix]
    try:
        with _open_text(path, compression) as lines:
            header = next(csv.reader(lines, delimiter=sep), None)
            if header is None:
                return None
        with _open_text(path, compression) as lines:
            return _ragged(lines, sep, len(header), path.name)
    except (OSError, EOFError, zlib.error, csv.Error):
        return None


def _open_text(path: Path, compression: str | None) -> TextIO:
    if compression == "gzip":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")
    return path.open(encoding="utf-8-sig", errors="replace", newline="")


def _check_header(header: list[str], where: str) -> None:
    """Duplicated column names are an error: pandas would rename the second one ``name.1``."""
    counts = collections.Counter(name.strip() for name in header)
    twice = {name: n for name, n in counts.items() if n > 1}
    if twice:
        listed = ", ".join(f"{name!r} ({n} times)" for name, n in twice.items())
        raise input_error(where, f"the header repeats column{'s' if len(twice) > 1 else ''} {listed}", "unique names")


def _ragged(lines: Iterable[str], sep: str, width: int, where: str) -> Exception | None:
    """The first line holding more values than the header, as an input error (None if none)."""
    for number, fields in enumerate(csv.reader(lines, delimiter=sep), start=1):
        if len(fields) > width:
            return input_error(
                where,
                f"line {number} (row {number - 1}) has {len(fields)} values but the header has {width}",
                f"{width} values per line separated by {sep!r}",
            )
    return None


def _unique_columns(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    _check_header([str(c) for c in frame.columns], where)
    return frame


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for corrupt files
        raise input_error(path.name, f"is not a readable parquet file ({type(exc).__name__})", "parquet") from None


def _read_parquet_folder(folder: Path) -> pd.DataFrame:
    """All parts as one table; ``key=value`` subfolders (hive partitions, as Spark writes them)
    become columns, as DuckDB's ``read_parquet`` makes them in the engine."""
    parts = parquet_parts(folder)
    schemas = []
    for part in parts:
        try:
            schemas.append(pq.read_schema(part))
        except Exception as exc:  # noqa: BLE001 - as in _read_parquet
            raise input_error(
                f"{folder.name}/{part.relative_to(folder)}",
                f"is not a readable parquet file ({type(exc).__name__})",
                "parquet",
            ) from None
    for part, schema in zip(parts[1:], schemas[1:], strict=True):
        if not schema.equals(schemas[0]):
            raise input_error(
                f"{folder.name}/{part.relative_to(folder)}",
                f"has columns {_columns(schema)}",
                f"the columns of {parts[0].relative_to(folder)}: {_columns(schemas[0])}",
            )
    import pyarrow.dataset as ds  # ~0.15 s to import; only parquet folders need it

    files = [str(p) for p in parts]
    dataset = ds.dataset(files, format="parquet", partitioning="hive", partition_base_dir=str(folder))
    return dataset.to_table().to_pandas()


def _columns(schema: pa.Schema) -> str:
    return ", ".join(f"{name!r} {kind}" for name, kind in zip(schema.names, schema.types, strict=True))
