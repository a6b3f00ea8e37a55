"""Stage KPIs on hand-built logs; CIs checked against Newcombe's formula built from Wilson intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from journey.stages import kpis as stages
from tests.helpers import event_log


def log(rows: list[tuple]) -> pd.DataFrame:
    """(user, second, event, channel, session, page_load_ms)."""
    return event_log(rows, columns={"channel": "organic", "session_id": lambda r: r[0], "page_load_ms": None})


def test_mapping_declared_once_and_overridable():
    assert stages.stage_of("faq_view") == "consideration"
    custom = {"awareness": ("landing_view",), "decision": ("purchase",)}
    assert stages.stage_of("purchase", custom) == "decision" and stages.stage_of("faq_view", custom) is None
    frame = log([(1, 0, "landing_view"), (1, 1, "purchase"), (2, 0, "landing_view")])
    table = stages.stage_reach(frame, custom).to_frame()
    assert table.set_index("stage")["users"].to_dict() == {"awareness": 2, "decision": 1}


def test_awareness_reach_new_users_bounce_and_engagement():
    frame = log(
        [
            (1, 0, "ad_impression", "paid", 10), (1, 1, "landing_view", "paid", 10),  # bounce (impression ignored)
            (1, 99, "landing_view", "email", 11), (1, 100, "article_view", "email", 11),
            (2, 0, "landing_view", "email", 20), (2, 5, "article_view", "email", 20),
            (2, 6, "article_view", "email", 20),
        ]
    )  # fmt: skip
    table = stages.awareness(frame).to_frame().set_index("channel")
    assert table.loc["email", "reach"] == 2 and table.loc["paid", "reach"] == 1
    assert table.loc["paid", "new_users"] == 1 and table.loc["email", "new_users"] == 1
    assert table.loc["paid", "bounce_rate"] == 1.0 and table.loc["email", "bounce_rate"] == 0.0
    assert table.loc["email", "article_views_per_visitor"] == pytest.approx(3 / 2)


def newcombe(x1, n1, x0, n0, alpha=0.05):
    """Newcombe (1998) method 10 from two Wilson intervals (independent of statsmodels' 2-sample code)."""
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = proportion_confint(x1, n1, alpha=alpha, method="wilson")
    l0, u0 = proportion_confint(x0, n0, alpha=alpha, method="wilson")
    d = p1 - p0
    return d, d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)


def test_exposure_conversion_counts_and_newcombe_interval():
    rows = []
    # 10 product viewers: 4 read reviews (3 buy), 6 did not (1 buys); user 99 never viewed a product
    for u in range(10):
        rows.append((u, 0, "product_view"))
        if u < 4:
            rows.append((u, 1, "review_read"))
        if u in (0, 1, 2, 5):
            rows.append((u, 2, "purchase"))
    rows += [(99, 0, "review_read"), (99, 1, "purchase"), (50, 0, "compare")]
    result = stages.consideration(log(rows))
    row = result.to_frame().set_index("exposure").loc["review_read"]
    assert (row["exposed_users"], row["unexposed_users"]) == (4, 6)
    assert row["exposed_conversion"] == pytest.approx(0.75) and row["unexposed_conversion"] == pytest.approx(1 / 6)
    d, low, high = newcombe(3, 4, 1, 6)
    assert row["effect_size"] == pytest.approx(d)
    assert row["effect_size_ci_lower"] == pytest.approx(low, abs=1e-9)
    assert row["effect_size_ci_upper"] == pytest.approx(high, abs=1e-9)
    assert row["note"] == "association, not cause"
    shown = result._shown().set_index("exposure").loc["review_read"]  # a difference of rates reads in points
    assert shown["effect_size"] == f"{d * 100:+.3g} pp"
    assert shown["effect_size_ci"] == f"[{low * 100:+.3g} pp, {high * 100:+.3g} pp]"
    demo = result.to_frame().set_index("exposure").loc["demo_view"]
    assert demo["exposed_users"] == 0 and np.isnan(demo["effect_size"])


def test_conversion_by_page_load_bucket():
    frame = log(
        [
            (1, 0, "landing_view", "o", 1, 500.0), (1, 5, "purchase", "o", 1),
            (2, 0, "landing_view", "o", 2, 800.0),
            (3, 0, "landing_view", "o", 3, 6000.0),
        ]
    )  # fmt: skip
    table = stages.conversion_by_page_load(frame).to_frame()
    assert table["page_load"].tolist() == ["0-1 s", ">= 5 s"]
    assert table["sessions"].tolist() == [2, 1] and table["conversion"].tolist() == [0.5, 0.0]


def test_repeat_purchase_rate():
    frame = log([(1, 0, "purchase"), (1, 9, "repeat_purchase"), (2, 0, "purchase"), (2, 3, "support_ticket")])
    row = stages.repeat_purchase(frame).to_frame().iloc[0]
    assert (row["buyers"], row["repeat_buyers"]) == (2, 1) and row["repeat_rate"] == 0.5
    assert row["support_tickets_per_buyer"] == 0.5


def test_conversion_by_page_load_rejects_load_times_stored_as_text() -> None:
    from journey.validation import JourneyInputError

    log = event_log([(1, 0, "landing_view", "s1", "850")], columns={"session_id": "s", "page_load_ms": "0"})
    with pytest.raises(JourneyInputError, match=r"column 'page_load_ms' has type string; expected numbers"):
        stages.conversion_by_page_load(log)


def test_counting_a_funnel_does_not_load_the_stage_kpis_or_scipy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, journey.stages.funnels\n"
        "print('journey.stages.kpis' in sys.modules, 'scipy' in sys.modules)\n"
        "from journey import stages\n"
        "print(callable(stages.awareness))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "True"]
