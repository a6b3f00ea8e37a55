"""One reader for users' table files: every bad file gets a message naming the file and the problem."""

from __future__ import annotations

import pandas as pd
import pytest

from journey.data.files import read_table_file
from journey.validation import JourneyInputError


def test_csv_tsv_and_parquet_read_the_same_table(tmp_path):
    frame = pd.DataFrame({"user_id": [1, 2], "text": ["late, again", ""]})
    frame.to_csv(tmp_path / "a.csv", index=False)
    frame.to_csv(tmp_path / "a.tsv", index=False, sep="\t")
    frame.to_parquet(tmp_path / "a.parquet")
    for name in ("a.csv", "a.tsv"):
        got = read_table_file(tmp_path / name, expected="x", dtype={"text": object})
        assert got["user_id"].tolist() == [1, 2] and got["text"].iloc[0] == "late, again"
        assert pd.isna(got["text"].iloc[1])  # an empty cell is missing, not ""
    pd.testing.assert_frame_equal(read_table_file(tmp_path / "a.parquet", expected="x"), frame)


def test_utf8_bom_is_accepted(tmp_path):
    (tmp_path / "bom.csv").write_bytes("\ufeffuser_id\n7\n".encode())
    assert read_table_file(tmp_path / "bom.csv", expected="x").columns.tolist() == ["user_id"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "latin1.csv",
            "a\nb\ncaf\xe9\n".encode("latin-1"),
            r"latin1.csv: is not valid UTF-8 \(byte 0xe9 at offset 7, line 3\)",
        ),
        ("binary.csv", b"PK\x03\x04\x00\x00", r"binary.csv: looks like a binary file \(NUL bytes\)"),
        ("empty.csv", b"", r"empty.csv: is empty"),
        ("ragged.csv", b"a,b\n1,2\n1,2,3,4\n", r"ragged.csv: is not valid delimited text"),
        ("broken.parquet", b"not parquet at all", r"broken.parquet: is not a readable parquet file"),
        ("data.xlsx", b"whatever", r"data.xlsx: unsupported file type '.xlsx'"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(JourneyInputError, match=message):
        read_table_file(tmp_path / name, expected="x")


def test_missing_file_says_what_was_expected(tmp_path):
    with pytest.raises(JourneyInputError, match=r"none.csv: file not found; expected the orders table"):
        read_table_file(tmp_path / "none.csv", expected="the orders table")
