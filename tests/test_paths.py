"""Paths from / to an anchor event on a hand-built log."""

from __future__ import annotations

import pandas as pd
import pytest

from journey import paths
from journey.validation import JourneyInputError
from tests.helpers import event_log


def log(rows: list[tuple]) -> pd.DataFrame:
    """(user, second, event)."""
    return event_log(rows)


FRAME = log(
    [
        (1, 0, "land"), (1, 1, "view"), (1, 2, "cart"), (1, 3, "buy"), (1, 9, "land"),
        (2, 0, "land"), (2, 1, "view"), (2, 2, "cart"), (2, 5, "faq"),
        (3, 0, "land"), (3, 5, "view"),  # short path
        (4, 0, "view"), (4, 1, "cart"),  # never lands
    ]
)  # fmt: skip


def test_paths_from_first_occurrence_with_share():
    table = paths.paths(FRAME, "land", steps=2).to_frame()
    got = dict(zip(table["path"], table["users"], strict=True))
    assert got == {"land → view → cart": 2, "land → view → (end)": 1}
    assert table["share"].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_paths_to_event():
    table = paths.paths(FRAME, "cart", direction="to", steps=2).to_frame()
    got = dict(zip(table["path"], table["users"], strict=True))
    assert got == {"land → view → cart": 2, "(start) → view → cart": 1}


def test_ties_ordered_by_event_name():
    frame = log([(1, 0, "b"), (1, 0, "a"), (1, 1, "c")])
    assert paths.paths(frame, "a", steps=2).to_frame()["path"].tolist() == ["a → b → c"]


def test_bad_inputs_and_empty():
    with pytest.raises(JourneyInputError, match="'from', 'to'"):
        paths.paths(FRAME, "land", direction="up")
    with pytest.raises(JourneyInputError, match="unknown event 'nope'"):
        paths.paths(FRAME, "nope")
    assert "no events" in paths.paths(FRAME.iloc[:0], "land").status
