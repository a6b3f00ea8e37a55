"""One reader for users' table files: every bad file gets a message naming the file and the problem."""

from __future__ import annotations

import pandas as pd
import pytest

from journey.data import files
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
        (
            "ragged.csv",
            b"a,b\n1,2\n1,2,3,4\n",
            r"ragged.csv: line 3 \(row 2\) has 4 values but the header has 2; expected 2 values per line separated by ','",
        ),
        # one value too many on the first row used to shift every column left (user_id read the next column)
        ("shifted.csv", b"user_id,ts\n1,2026-09-07Z,extra\n", r"shifted.csv: line 2 \(row 1\) has 3 values but"),
        ("twice.csv", b"user_id,ts,user_id\n1,2,3\n", r"twice.csv: the header repeats column 'user_id' \(2 times\)"),
        ("bad.csv.gz", b"not gzip", r"bad.csv.gz: is not a readable gzip file"),
        ("notes.gz", b"x", r"notes.gz: unsupported file type '.gz'; expected a .csv, .tsv or .parquet file"),
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


def test_gzip_text_reads_like_the_plain_file(tmp_path):
    frame = pd.DataFrame({"user_id": [1, 2], "text": ["late, again", "ok"]})
    frame.to_csv(tmp_path / "a.csv.gz", index=False)  # pandas infers gzip from the suffix
    frame.to_csv(tmp_path / "a.TSV.GZ", index=False, sep="\t")
    for name in ("a.csv.gz", "a.TSV.GZ"):
        pd.testing.assert_frame_equal(read_table_file(tmp_path / name, expected="x"), frame)


def test_a_parquet_folder_is_one_table(tmp_path):
    """Spark/pyarrow layout: part files and a _SUCCESS marker that is not a part."""
    frame = pd.DataFrame({"user_id": [1, 2, 3, 4], "revenue": [1.5, 2.0, 0.0, 9.25]})
    folder = tmp_path / "orders.parquet"
    folder.mkdir()
    frame.iloc[:1].to_parquet(folder / "part-0.parquet", index=False)
    frame.iloc[1:].to_parquet(folder / "part-1.parquet", index=False)
    (folder / "_SUCCESS").write_bytes(b"")
    pd.testing.assert_frame_equal(read_table_file(folder, expected="x"), frame)


def test_hive_partition_folders_become_a_column(tmp_path):
    frame = pd.DataFrame({"user_id": [1, 2, 3], "revenue": [1.5, 2.0, 9.25]})
    folder = tmp_path / "orders"
    for day, rows in ((1, frame.iloc[:2]), (2, frame.iloc[2:])):
        (folder / f"day={day}").mkdir(parents=True)
        rows.to_parquet(folder / f"day={day}" / "part-0.parquet", index=False)
    got = read_table_file(folder, expected="x")
    assert got["user_id"].tolist() == [1, 2, 3] and got["day"].tolist() == [1, 1, 2]


def test_parquet_folder_parts_must_share_their_columns(tmp_path):
    folder = tmp_path / "orders.parquet"
    folder.mkdir()
    pd.DataFrame({"user_id": [1]}).to_parquet(folder / "part-0.parquet", index=False)
    pd.DataFrame({"user": [1]}).to_parquet(folder / "part-1.parquet", index=False)
    with pytest.raises(JourneyInputError, match=r"orders.parquet/part-1.parquet: has columns 'user' int64; expected"):
        read_table_file(folder, expected="x")


@pytest.mark.parametrize("name", ["x.csv", "x.parquet", "exports"])
def test_a_folder_without_parquet_files_is_a_one_line_error(tmp_path, name):
    (tmp_path / name).mkdir()
    (tmp_path / name / "notes.txt").write_text("a\n1\n")
    with pytest.raises(JourneyInputError, match=rf"{name}: is a folder holding no .parquet files; expected a .csv"):
        read_table_file(tmp_path / name, expected="x")


def test_table_suffix_knows_compression_and_case():
    assert files.table_suffix("a/b.Events.CSV.GZ") == (".csv", "gzip")
    assert files.table_suffix("x.tsv") == (".tsv", None) and files.table_suffix("folder") == ("", None)
