"""Writing a file so that no reader ever sees half of it: the content goes to a temporary file of
its own in the same folder (same file system, so the rename is atomic), which is then renamed over
the target. A unique temporary name per writer matters: reports, the index, playbooks, stores and
caches are written by concurrent runs, `journey index` and `journey serve`, and two writers sharing
one temporary name could rename the other's half-written file into place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A unique temporary path beside ``path`` for any writer (parquet, pickle, CSV); renamed over
    ``path`` when the block ends, removed if it raises. Creates the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str, *, newline: str | None = None) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8), creating its folder; returns the path."""
    with replacing(path) as tmp, tmp.open("w", encoding="utf-8", newline=newline) as handle:
        handle.write(text)
    return Path(path)
