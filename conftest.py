"""Root conftest: make sure the sample data exists before tests and nbval notebooks run.

nbval executes notebooks in their own kernels with default parameters, which read
``data/sample/journey.duckdb``; building it here (once, in seconds) keeps ``make test`` a
single command on a clean clone.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# readouts run by the tests (the weekly playbook records its experiments) never write into data/results/
os.environ.setdefault(
    "JOURNEY_RESULTS_STORE", os.path.join(tempfile.mkdtemp(prefix="journey-results-"), "experiments.parquet")
)


def pytest_sessionstart(session) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from journey import config
    from journey.datasets import DEFAULT_SEED, DEFAULT_USERS, build_sample, is_current

    if not is_current(config.default_database()):  # missing, or built before a table was added
        build_sample(config.sample_dir(), DEFAULT_USERS, DEFAULT_SEED)
