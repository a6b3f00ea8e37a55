"""Paths from / to an anchor event on a hand-built log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journey.stages import paths
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


def test_collapse_repeats_merges_consecutive_runs_only():
    frame = log(
        [
            (1, 0, "view"), (1, 1, "view"), (1, 2, "view"), (1, 3, "cart"), (1, 4, "view"), (1, 5, "buy"),
            (2, 0, "view"), (2, 1, "cart"), (2, 2, "cart"), (2, 3, "buy"),
        ]
    )  # fmt: skip
    plain = paths.paths(frame, "view", steps=2).to_frame()
    assert set(plain["path"]) == {"view → view → view", "view → cart → cart"}
    collapsed = paths.paths(frame, "view", steps=2, collapse_repeats=True)
    assert collapsed.collapse_repeats
    got = dict(zip(collapsed.to_frame()["path"], collapsed.to_frame()["users"], strict=True))
    assert got == {"view → cart → view": 1, "view → cart → buy": 1}
    back = paths.paths(frame, "buy", direction="to", steps=3, collapse_repeats=True).to_frame()
    assert set(back["path"]) == {"view → cart → view → buy", "(start) → view → cart → buy"}


def _reference(frame: pd.DataFrame, anchor: str, direction: str, steps: int, collapse: bool) -> dict[str, int]:
    """Per user in plain Python: sort by (time, event), merge runs, cut the window around the first anchor."""
    counts: dict[str, int] = {}
    for _, rows in frame.groupby("user_id"):
        seq = [e for _, e in sorted(zip(rows["ts"], rows["event"], strict=True))]
        if collapse:
            seq = [e for i, e in enumerate(seq) if i == 0 or seq[i - 1] != e]
        if anchor not in seq:
            continue
        i = seq.index(anchor)
        if direction == "from":
            items = seq[i : i + steps + 1]
            items = [*items, "(end)"] if len(items) < steps + 1 else items
        else:
            items = seq[max(0, i - steps) : i + 1]
            items = ["(start)", *items] if len(items) < steps + 1 else items
        key = " → ".join(items)
        counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("direction", ["from", "to"])
def test_random_logs_match_a_plain_python_reference(direction: str, collapse: bool):
    rng = np.random.default_rng(11)
    rows = [
        (int(u), int(t), str(e))
        for u, t, e in zip(
            rng.integers(0, 60, 900), rng.integers(0, 40, 900), rng.choice(list("abcd"), 900), strict=True
        )
    ]
    frame = log(rows)
    got = paths.paths(frame, "b", direction=direction, steps=3, top=10_000, collapse_repeats=collapse).to_frame()
    assert dict(zip(got["path"], got["users"], strict=True)) == _reference(frame, "b", direction, 3, collapse)
