"""The published CDNOW summary, shared by the CLV model tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data" / "cdnow_summary.csv"


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    frame = pd.read_csv(DATA, index_col="ID")
    return frame.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
