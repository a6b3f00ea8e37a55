"""Writing a file so that no reader ever sees half of it: the text goes to a temporary file of its
own in the same folder (same file system, so the rename is atomic), which is then renamed over the
target. A unique temporary name per writer matters: reports, the index, playbooks and activation
files are written by concurrent runs, `journey index` and `journey serve`, and two writers sharing
one temporary name could rename the other's half-written file into place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text(path: str | Path, text: str, *, newline: str | None = None) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8), creating its folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
