"""Persistent numba cache for UMAP: written where asked, hit by the next process, can be switched off."""

from __future__ import annotations

import subprocess
import sys

from journey.feedback import jitcache

# A fresh process: enables the cache in the folder given as argv[1], runs umap's smallest jitted function
# and prints its numba cache statistics (Dispatcher.stats: hits and misses per signature).
_CHILD = """
import sys
from journey.feedback.jitcache import enable_umap_cache
enable_umap_cache(sys.argv[1])
from umap.layouts import clip
assert clip(5.0) == 4.0 and clip(-0.5) == -0.5
print(sum(clip.stats.cache_hits.values()), sum(clip.stats.cache_misses.values()))
"""


def _child(folder) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], capture_output=True, text=True, check=True)
    hits, misses = out.stdout.split()
    return int(hits), int(misses)


def test_second_process_loads_compiled_umap_code_from_the_cache(tmp_path) -> None:
    assert _child(tmp_path) == (0, 1)  # compiled and written
    assert list((tmp_path / "numba").rglob("layouts.clip-*.nbi"))
    assert _child(tmp_path) == (1, 0)  # loaded, not compiled


def test_cache_can_be_switched_off(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(jitcache, "_state", {})
    monkeypatch.setenv("JOURNEY_NUMBA_CACHE", "0")
    assert jitcache.enable_umap_cache(tmp_path) is None
    assert not (tmp_path / "numba").exists()


def test_directory_is_chosen_once_per_process(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(jitcache, "_state", {})
    first = jitcache.enable_umap_cache(tmp_path / "a")
    assert first == tmp_path / "a" / "numba" and first.is_dir()
    assert jitcache.enable_umap_cache(tmp_path / "b") == first


def test_enabling_leaves_numba_config_as_it_was(tmp_path, monkeypatch) -> None:
    import numba

    monkeypatch.setattr(jitcache, "_state", {})
    before = numba.config.CACHE_DIR
    jitcache.enable_umap_cache(tmp_path)
    assert before == numba.config.CACHE_DIR  # other libraries' caches stay where they were
