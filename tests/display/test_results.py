"""The shared rendering of results: formatting follows the column name, and HTML is escaped."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from journey.display.results import ResultMixin, display_frame, format_number


@dataclass(frozen=True, slots=True)
class _Demo(ResultMixin):
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.frame


def _demo() -> _Demo:
    return _Demo(
        pd.DataFrame(
            {
                "metric": ["<b>revenue</b>", "converted"],
                "n_obs": [12000, 345],
                "effect_size": [1.23456, -0.000123],
                "rel_effect_size": [0.0512, -0.2],
                "rel_ci_lower": [0.01, -0.3],
                "rel_ci_upper": [0.09, -0.1],
                "pvalue": [3e-9, 0.04567],
            }
        )
    )


def test_rendered_text_is_pinned():
    # Regression pin of the documented formatting rules (rel_* in %, CI pairs merged, p-values floor).
    assert str(_demo()) == (
        "_Demo\n"
        "        metric  n_obs effect_size rel_effect_size       rel_ci  pvalue\n"
        "<b>revenue</b> 12,000        1.23           5.12%     [1%, 9%] <0.0001\n"
        "     converted    345   -0.000123            -20% [-30%, -10%]  0.0457"
    )


def test_html_escapes_customer_text():
    html = _demo()._repr_html_()
    assert "<b>revenue</b>" not in html
    assert "&lt;b&gt;revenue&lt;/b&gt;" in html


def test_percentages_never_use_scientific_notation():
    assert format_number(2.1e-7, "variance_reduction") == "<0.01%"
    assert format_number(-3e-6, "rel_effect_size") == ">-0.01%"
    assert format_number(0.00054, "share") == "0.054%"
    assert format_number(0.0, "share") == "0%"


def test_a_stated_unit_overrides_the_column_name_and_missing_is_blank():
    assert format_number(-0.184, "effect_size", unit="points") == "-18.4 pp"
    assert format_number(0.0584, "value", unit="percent") == "5.84%"
    assert format_number(pd.NA, "3") == "" and format_number(None) == ""  # not observed: blank, never 0
    frame = pd.DataFrame({"d": [0.1], "d_ci_lower": [0.05], "d_ci_upper": [0.2]})
    assert display_frame(frame, {"d": "points"}).iloc[0].tolist() == ["+10 pp", "[+5 pp, +20 pp]"]


def test_nan_is_shown_as_nan_never_as_zero():
    assert format_number(float("nan"), "pvalue") == "NaN"
    assert format_number(0.0, "pvalue") == "0.0000"


def test_ci_columns_merge_into_one_bracketed_column():
    frame = display_frame(pd.DataFrame({"effect_ci_lower": [0.1], "effect_ci_upper": [0.3]}))
    assert list(frame.columns) == ["effect_ci"] and frame.iloc[0, 0] == "[0.1, 0.3]"


def test_to_dicts_matches_to_frame():
    assert _demo().to_dicts()[1]["n_obs"] == 345


def test_table_results_return_a_copy_of_their_table():
    from journey.display.results import TableResult

    @dataclass(frozen=True, slots=True)
    class _Rows(TableResult):
        table: pd.DataFrame

    rows = _Rows(pd.DataFrame({"users": [3]}))
    frame = rows.to_frame()
    frame.loc[0, "users"] = 99
    assert rows.table.loc[0, "users"] == 3


def _library_results() -> list[type]:
    """Every result class in the library (all modules imported, then the mixin's subclasses walked)."""
    import importlib
    import pkgutil

    import journey

    for info in pkgutil.walk_packages(journey.__path__, "journey."):
        if not info.name.startswith(("journey.datasets", "journey.templates")):
            importlib.import_module(info.name)
    seen, todo = [], list(ResultMixin.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("journey.") and cls.__name__ != "TableResult":
            seen.append(cls)
    return seen


def test_every_library_result_has_a_readers_caption():
    """Reports put the caption above each table: leadership must never read a class name like SRMResult."""
    classes = _library_results()
    assert len(classes) > 20
    missing = [c.__qualname__ for c in classes if not c.caption and c.report_caption is ResultMixin.report_caption]
    assert missing == []


def test_caption_heads_the_html_and_text():
    @dataclass(frozen=True, slots=True)
    class Named(_Demo):
        caption = "Effects <by> metric"

    result = Named(_demo().frame)
    assert result._repr_html_().startswith('<div class="journey-result"><strong>Effects &lt;by&gt; metric</strong>')
    assert str(result).splitlines()[0] == "Effects <by> metric"


def test_html_headers_have_spaces_so_wide_tables_wrap_instead_of_scrolling():
    html = _demo()._repr_html_()
    assert "<th>rel effect size</th>" in html and "<th>rel ci</th>" in html
    assert "rel_effect_size" not in html
    assert str(_demo()).splitlines()[1].split()[:2] == ["metric", "n_obs"]  # text keeps the column names


def test_an_interval_with_both_ends_missing_is_blank_not_brackets():
    import pandas as pd

    from journey.display.results import display_frame

    frame = pd.DataFrame({"effect_ci_lower": pd.array([0.1, None], dtype="Float64"),
                          "effect_ci_upper": pd.array([0.3, None], dtype="Float64")})  # fmt: skip
    assert display_frame(frame)["effect_ci"].tolist() == ["[0.1, 0.3]", ""]
