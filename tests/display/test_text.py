"""Numbers in prose: one wording for percentages, signs, points and changes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from journey.display import text


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0.0584, {}, "5.8%"),
        (0.0584, {"digits": 2}, "5.84%"),
        (0.031, {"signed": True}, "+3.1%"),
        (-0.031, {"signed": True}, "−3.1%"),
        (1.0, {"digits": 0}, "100%"),
        (math.nan, {}, "n/a"),
        (None, {}, "n/a"),
        (pd.NA, {}, "n/a"),
    ],
)
def test_percent_reads_a_share_as_a_percentage(value, kwargs, expected) -> None:
    assert text.percent(value, **kwargs) == expected


def test_points_are_signed_percentage_points() -> None:
    assert text.points(0.012) == "+1.2 percentage points"
    assert text.points(-0.0345) == "−3.5 percentage points"
    assert text.points(math.nan) == "n/a"


def test_change_says_direction_and_relative_size() -> None:
    assert text.change(103, 100) == "up 3.0% vs the previous window"
    assert text.change(90, 100, versus="last week") == "down 10.0% vs last week"
    assert text.change(5, 5) == "flat"


@pytest.mark.parametrize("previous", [0, math.nan, None])
def test_change_without_a_usable_baseline_says_so(previous) -> None:
    assert text.change(5, previous) == "no comparison with the previous window"


def test_join_words_lists_with_a_conjunction() -> None:
    assert text.join_words([]) == ""
    assert text.join_words(["a"]) == "a"
    assert text.join_words(["a", "b"], "or") == "a or b"
    assert text.join_words(["a", "b", "c"]) == "a, b and c"


def test_significant_keeps_small_effects_readable_with_a_minus_sign() -> None:
    """Experiment effects range from 1e-4 (a rate) to 1e2 (revenue): fixed decimals would print 0.00."""
    assert text.significant(0.023137, signed=True) == "+0.0231"
    assert text.significant(-0.000121, signed=True) == "\N{MINUS SIGN}0.000121"
    assert text.significant(12.345, 2) == "12"
    assert text.significant(None) == text.significant(float("nan")) == "n/a"


def test_a_recorded_kpi_travels_in_output_metadata_and_reads_back() -> None:
    from journey.display.report import declared_kpis, kpi, kpi_text

    data, metadata = kpi("conversion", 0.0584, "%")._repr_mimebundle_()
    assert metadata == {"journey": {"kpi": {"name": "conversion", "value": 0.0584, "unit": "%"}}}
    assert "Tracked: conversion 5.84%" in data["text/html"]
    cells = [{"outputs": [{"metadata": metadata}, {"metadata": kpi("conversion", 0.06, "%")._repr_mimebundle_()[1]}]}]
    assert declared_kpis(cells) == [{"name": "conversion", "value": 0.06, "unit": "%"}]  # the last value wins
    assert kpi_text(6286.0, "people") == "6,286 people" and kpi_text(float("nan")) == "n/a"
