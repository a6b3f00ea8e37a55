"""A persistent numba cache for UMAP, so that a scheduled rerun does not compile UMAP again.

umap-learn declares its numba functions without ``cache=True``, so every fresh process compiles
``smooth_knn_dist``, ``compute_membership_strengths`` and the layout optimiser again: about 8-11 s
on 2 cores, more than UMAP itself needs for 10,000 texts. :func:`enable_umap_cache` switches numba's
own on-disk cache on for them (``Dispatcher.enable_caching``, which is what ``cache=True`` does) in
``<cache_dir>/numba``. A cache hit loads the machine code numba would otherwise compile again, so the
results are bit-identical. Numba keys each entry by the source file's timestamp and size, the
argument types and the CPU, so an upgraded umap or another machine only misses the cache.

The directory is chosen once per process (numba keeps one cache per function); later calls with
another directory are no-ops. ``JOURNEY_NUMBA_CACHE=0`` switches the cache off.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from journey import config

_UMAP_MODULES = ("umap.umap_", "umap.layouts", "umap.utils", "umap.distances", "umap.sparse", "umap.spectral")
_state: dict[str, Path | None] = {}


def enable_umap_cache(cache_dir: str | Path | None = None) -> Path | None:
    """Cache UMAP's compiled numba functions under ``cache_dir/numba`` (default: ``config.cache_dir()``).

    Returns the numba cache folder, or None when caching is off or the folder cannot be created
    (then UMAP simply compiles as before). Call it before UMAP's first fit in the process.
    """
    if "dir" in _state:
        return _state["dir"]
    if os.environ.get("JOURNEY_NUMBA_CACHE", "1") == "0":
        _state["dir"] = None
        return None
    import importlib

    import numba
    from numba.core.dispatcher import Dispatcher

    folder = (Path(cache_dir) if cache_dir is not None else config.cache_dir()) / "numba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        _state["dir"] = None
        return None
    # Imported first, outside the override: pynndescent (imported by umap) declares cache=True and
    # must keep finding its cache where it always has, not start compiling again in our folder.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # umap's own import-time warnings are not ours to show
        modules = [importlib.import_module(name) for name in _UMAP_MODULES]
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = str(folder)  # read once, when each function's cache locator is made
    try:
        for module in modules:
            for value in vars(module).values():
                if isinstance(value, Dispatcher) and value.py_func.__module__.startswith("umap."):
                    value.enable_caching()
    finally:
        numba.config.CACHE_DIR = previous
    _state["dir"] = folder
    return folder
