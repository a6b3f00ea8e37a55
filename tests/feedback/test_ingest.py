"""Ingestion: vendor mapping, validation errors that name file/column/value, normalisation counts."""

from __future__ import annotations

import pandas as pd
import pytest

from journey.feedback.ingest import is_non_answer, load_feedback, normalize_feedback, normalize_text, read_feedback
from journey.validation import JourneyInputError


def _frame(**overrides) -> pd.DataFrame:
    base = {
        "feedback_id": [1, 2, 3, 4, 5, 6],
        "customer_id": [10, 11, 12, 13, 10, 14],
        "ts": ["2026-11-01T10:00:00Z"] * 6,
        "channel": ["survey", "review", "social", "support", "survey", "review"],
        "text": ["Great  app &amp; fast", "n/a", "  ", "Call me on +44 20 7946 0958", "Great  app &amp; fast", "-"],
        "rating": [5, 4, None, 1, 5, 3],
        "nps": [10, None, None, 0, 10, None],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_normalize_text_decodes_entities_and_collapses_whitespace() -> None:
    assert normalize_text("  Late&nbsp;delivery &amp;\n  rude   staff ") == "Late delivery & rude staff"
    assert normalize_text("&lt;script&gt;") == "<script>"  # decoded here, escaped again when rendered


@pytest.mark.parametrize("text", ["n/a", "N/A", "-", "None", "none.", "nothing", "No comment", "..."])
def test_non_answers_are_recognised(text: str) -> None:
    assert is_non_answer(text)


@pytest.mark.parametrize("text", ["no delivery", "None of the staff helped", "ok"])
def test_real_answers_are_kept(text: str) -> None:
    assert not is_non_answer(text)


def test_normalize_feedback_drops_and_counts_empty_non_answers_and_duplicates() -> None:
    frame = _frame(feedback_id=[1, 2, 3, 4, 1, 6])  # row 5 repeats id 1 (a re-sent record)
    data = normalize_feedback(frame)
    assert data.n_input == 6
    assert data.dropped == {"empty": 1, "non_answer": 2, "duplicate": 1}
    assert data.frame["text"].tolist() == ["Great app & fast", "Call me on [PHONE]"]
    assert data.pii_counts["phone"] == 1
    assert str(data.frame["ts"].dt.tz) == "UTC"
    log = data.to_frame().set_index("step")["rows"]
    assert log["input rows"] == 6 and log["kept"] == 2 and log["masked: phone"] == 1


def test_mapping_and_single_channel_exports(tmp_path) -> None:
    vendor = pd.DataFrame(
        {"Comment": ["Slow refund", "Love it"], "Stars": [1, 5], "When": ["2026-11-01", "2026-11-02"]}
    )
    path = tmp_path / "reviews.csv"
    vendor.to_csv(path, index=False)
    data = load_feedback(path, mapping={"Comment": "text", "Stars": "rating", "When": "ts"}, channel="review")
    assert data.frame["channel"].tolist() == ["review", "review"]
    assert data.frame["rating"].tolist() == [1.0, 5.0]
    assert data.frame["feedback_id"].tolist() == [1, 2]
    assert data.source == "reviews.csv"


def test_parquet_round_trip(tmp_path) -> None:
    path = tmp_path / "feedback.parquet"
    _frame().to_parquet(path)
    assert len(load_feedback(path).frame) == 2


def test_read_feedback_filters_channels_in_the_engine() -> None:
    data = read_feedback(_frame(), channels=["survey"])
    assert data.frame["channel"].unique().tolist() == ["survey"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": [None] * 6}, "column 'text' is empty in all 6 rows"),
        ({"text": ["", " ", "", "", "", ""]}, "column 'text' is empty in all 6 rows"),
        ({"text": ["ok", 42, "fine", "x", "y", "z"]}, "non-string value 42 (int, first at row 2"),
        ({"text": [1, 2, 3, 4, 5, 6]}, "column 'text' holds int64 values"),
        ({"rating": [5, 4, 7, 1, 5, 3]}, "column 'rating' has value 7 out of range at row 3"),
        ({"nps": [10, 11, None, 0, 10, None]}, "column 'nps' has value 11 out of range at row 2"),
        ({"rating": [5, "five", None, 1, 5, 3]}, "column 'rating' has non-numeric value 'five' at row 2"),
        ({"channel": ["survey", "email", "social", "support", "survey", "review"]}, "unknown value 'email'"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(overrides, message) -> None:
    with pytest.raises(JourneyInputError) as info:
        normalize_feedback(_frame(**overrides), where="export.csv")
    assert str(info.value).startswith("export.csv: ")
    assert message in str(info.value)


def test_missing_text_column_lists_present_columns() -> None:
    with pytest.raises(JourneyInputError, match=r"missing column 'text'.*'channel'"):
        normalize_feedback(_frame().drop(columns="text"))


def test_non_utf8_file_names_file_and_position(tmp_path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("channel,text\nreview,ok\nreview,très bien\n".encode("latin-1"))
    with pytest.raises(JourneyInputError, match=r"latin1.csv: is not valid UTF-8 \(byte 0xe8 .*line 3\)"):
        load_feedback(path)


def test_unmapped_vendor_column_is_named(tmp_path) -> None:
    path = tmp_path / "export.csv"
    pd.DataFrame({"Body": ["x"], "channel": ["review"]}).to_csv(path, index=False)
    with pytest.raises(JourneyInputError, match="mapped column 'Comment' not in file"):
        load_feedback(path, mapping={"Comment": "text"})


def test_unknown_file_type(tmp_path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"")
    with pytest.raises(JourneyInputError, match="unsupported file type"):
        load_feedback(path)


def test_unparseable_timestamp_is_an_input_error() -> None:
    with pytest.raises(JourneyInputError, match="column 'ts' has an unparseable timestamp"):
        normalize_feedback(_frame(ts=["yesterday"] * 6))


def test_naive_timestamps_in_a_vendor_export_are_read_as_utc_with_a_warning():
    frame = pd.DataFrame({"text": ["late parcel", "great app"], "channel": ["review", "social"],
                          "ts": ["2026-11-02 09:15:00", "2026-11-03T10:00:00Z"]})  # fmt: skip
    with pytest.warns(
        UserWarning, match=r"feedback: column 'ts' has 1 timezone-naive values \(first at row 1\); read as UTC"
    ):
        data = normalize_feedback(frame)
    assert str(data.frame["ts"].dt.tz) == "UTC"
    assert data.frame["ts"].iloc[0] == pd.Timestamp("2026-11-02T09:15:00Z")
