"""Files written whole: a reader sees the old text or the new one, and concurrent writers never
rename each other's half-written temporary file into place."""

from __future__ import annotations

import threading

import pytest

from journey.data.atomic import write_text


def test_writes_the_text_and_leaves_no_temporary_file(tmp_path):
    target = write_text(tmp_path / "sub" / "index.html", "<p>é</p>")
    assert target.read_text(encoding="utf-8") == "<p>é</p>"
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary_file(tmp_path):
    target = write_text(tmp_path / "index.html", "old")
    with pytest.raises(TypeError):
        write_text(target, None)  # type: ignore[arg-type]
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["index.html"]


def test_concurrent_writers_and_a_reader_never_meet_a_partial_file(tmp_path):
    # two writers of different texts (as two playbook runs writing the index) and one reader
    target = write_text(tmp_path / "index.html", "a" * 100_000)
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def writer(char: str) -> None:
        try:
            for _ in range(150):
                write_text(target, char * 100_000)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    def reader() -> None:
        while not stop.is_set():
            seen.add(len(target.read_text()))

    threads = [threading.Thread(target=writer, args=(c,)) for c in "ab"]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()
    assert not errors and seen == {100_000}
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]
