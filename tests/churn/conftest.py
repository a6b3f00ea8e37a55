"""The Rossi recidivism data (tests/churn/data/README.md), shared by the survival tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data" / "rossi.csv"
COVARIATES = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="session")
def rossi() -> pd.DataFrame:
    return pd.read_csv(DATA)
