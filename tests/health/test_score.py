"""Health scores recomputed by hand from the recipe, drivers, bands and missing data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from journey.health import NO_DATA, HealthConfig, health_scores, load_config
from journey.validation import JourneyInputError

RECIPE = HealthConfig.model_validate(
    {
        "components": {
            "engagement": {"column": "logins", "weight": 2, "worst": 0, "best": 10},
            "support_load": {"column": "open_tickets", "weight": 1, "worst": 4, "best": 0, "label": "support load"},
        },
        "bands": [{"name": "at risk", "min_score": 0}, {"name": "healthy", "min_score": 60}],
    }
)


def _features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5],
            "logins": [10.0, 5.0, 0.0, 20.0, None],
            "open_tickets": [0.0, 2.0, 4.0, None, None],
        }
    )


def test_scores_are_the_weighted_mean_of_clipped_linear_components() -> None:
    table = health_scores(_features(), RECIPE).to_frame().set_index("customer_id")
    # customer 2: engagement 50, support 50 -> (2*50 + 1*50) / 3 = 50
    assert table.loc[2, "engagement_score"] == 50.0 and table.loc[2, "support_load_score"] == 50.0
    assert table.loc[2, "score"] == pytest.approx(50.0)
    # customer 1: 100 and 100; customer 3: 0 and 0
    assert table.loc[1, "score"] == 100.0 and table.loc[3, "score"] == 0.0
    # customer 4: 20 logins clip to 100; no ticket data -> scored on engagement alone (weights renormalized)
    assert table.loc[4, "engagement_score"] == 100.0 and math.isnan(table.loc[4, "support_load_score"])
    assert table.loc[4, "score"] == 100.0
    # customer 5: no data at all -> NaN and "no data", never a score that looks real
    assert math.isnan(table.loc[5, "score"]) and table.loc[5, "band"] == NO_DATA
    assert table["band"].tolist() == ["healthy", "at risk", "at risk", "healthy", NO_DATA]


def test_pulls_are_weighted_differences_from_the_median_customer() -> None:
    table = health_scores(_features(), RECIPE).to_frame().set_index("customer_id")
    eng = pd.Series([100.0, 50.0, 0.0, 100.0, np.nan], index=[1, 2, 3, 4, 5])
    sup = pd.Series([100.0, 50.0, 0.0, np.nan, np.nan], index=[1, 2, 3, 4, 5])
    # customer 3: engagement 0 vs median 75, weight 2 of 3 -> -50; support 0 vs median 50, weight 1 of 3 -> -16.7
    assert table.loc[3, "engagement_pull"] == pytest.approx(2 * (0 - eng.median()) / 3)
    assert table.loc[3, "support_load_pull"] == pytest.approx(1 * (0 - sup.median()) / 3)
    assert table.loc[3, "drivers"] == "engagement (−50), support load (−17)"
    assert table.loc[1, "drivers"] == ""  # nothing pulls a perfect customer down


def test_band_counts_follow_the_recipe_order() -> None:
    counts = health_scores(_features(), RECIPE).band_counts()
    assert counts["band"].tolist() == ["at risk", "healthy", NO_DATA]
    assert counts["customers"].tolist() == [2, 2, 1]
    assert counts["share"].sum() == pytest.approx(1.0)


def test_the_shipped_recipe_loads_and_its_bands_start_at_zero() -> None:
    recipe = load_config()
    assert recipe.bands[0].min_score == 0 and len(recipe.components) == 5


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"colour": "red"}, r"colour: unknown key"),
        (
            {"bands": [{"name": "a", "min_score": 10}, {"name": "b", "min_score": 50}]},
            r"the first band must start at 0",
        ),
        ({"bands": [{"name": "a", "min_score": 0}, {"name": "b", "min_score": 0}]}, r"band minimums must increase"),
        (
            {"components": {"x": {"column": "c", "weight": 1, "worst": 2, "best": 2}}},
            r"components\.x: worst and best are both 2\.0",
        ),
        ({"components": {"x": {"column": "c", "weight": 0, "worst": 0, "best": 1}}}, r"components\.x\.weight"),
    ],
)
def test_bad_recipes_get_one_line_errors(tmp_path, patch, message) -> None:
    import yaml

    raw = {
        "components": {"x": {"column": "c", "weight": 1, "worst": 0, "best": 1}},
        "bands": [{"name": "a", "min_score": 0}, {"name": "b", "min_score": 50}],
    }
    raw.update(patch)
    path = tmp_path / "score.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(JourneyInputError, match=message):
        load_config(path)


def test_bad_features_get_one_line_errors() -> None:
    with pytest.raises(JourneyInputError, match=r"health features: missing column 'open_tickets'"):
        health_scores(_features().drop(columns="open_tickets"), RECIPE)
    doubled = pd.concat([_features(), _features().iloc[:1]])
    with pytest.raises(JourneyInputError, match=r"customer 1 appears more than once"):
        health_scores(doubled, RECIPE)
