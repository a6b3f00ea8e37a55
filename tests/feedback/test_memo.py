"""Memoised theme results: keyed by every input that changes a fit, stored atomically, pruned, optional."""

from __future__ import annotations

import os

from journey.feedback import memo

PARAMS = {"n_themes": None, "seed_themes": {}, "merge_distance": 0.2}


def test_key_changes_with_texts_order_seed_and_parameters() -> None:
    base = memo.key(["late parcel", "rude staff"], 0, PARAMS)
    assert base == memo.key(["late parcel", "rude staff"], 0, dict(PARAMS))
    assert base != memo.key(["rude staff", "late parcel"], 0, PARAMS)  # order matters: results are aligned
    assert base != memo.key(["late parcel", "rude staff", "x"], 0, PARAMS)
    assert base != memo.key(["late parcelrude staff"], 0, PARAMS)  # texts are hashed one by one
    assert base != memo.key(["late parcel", "rude staff"], 1, PARAMS)
    assert base != memo.key(["late parcel", "rude staff"], 0, PARAMS | {"merge_distance": 0.3})


def test_round_trip_damaged_entry_and_pruning(tmp_path) -> None:
    memo.save("a", {"themes": [1, 2]}, tmp_path)
    assert memo.load("a", tmp_path) == {"themes": [1, 2]}
    assert memo.load("missing", tmp_path) is None
    (tmp_path / "themes" / "b.pkl").write_bytes(b"not a pickle")
    assert memo.load("b", tmp_path) is None
    for i in range(memo.KEEP + 2):
        memo.save(f"k{i}", i, tmp_path)
        path = tmp_path / "themes" / f"k{i}.pkl"
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # distinct mtimes, newest last
    kept = sorted(p.stem for p in (tmp_path / "themes").glob("*.pkl"))
    assert len(kept) == memo.KEEP and "k0" not in kept and f"k{memo.KEEP + 1}" in kept
    assert not list((tmp_path / "themes").glob(".*"))  # no temporary files left behind


def test_switched_off_by_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JOURNEY_THEMES_MEMO", "0")
    memo.save("a", 1, tmp_path)
    assert memo.load("a", tmp_path) is None and not (tmp_path / "themes").exists()


def test_key_changes_with_the_method_and_the_code_of_every_module_that_fits(tmp_path) -> None:
    """A result stored by another method (one level of 64 word-bag themes) must not come back after the
    method changed: the key names the method and hashes each module in memo.SOURCES."""
    from pathlib import Path

    from journey.feedback.themes import METHOD

    docs = ["late parcel", "rude staff"]
    assert memo.key(docs, 0, PARAMS, method=METHOD) != memo.key(docs, 0, PARAMS, method="one level")
    module = tmp_path / "labels.py"
    module.write_text("LABEL = 'words'\n")
    before = memo.key(docs, 0, PARAMS, sources=[module])
    module.write_text("LABEL = 'phrases'\n")
    assert memo.key(docs, 0, PARAMS, sources=[module]) != before
    package = Path(memo.__file__).parent
    assert "themes.py" in memo.SOURCES and all((package / name).exists() for name in memo.SOURCES)
