"""Where things live: every path the library uses is derived here from the project root.

Importing this module has no side effects (no logging set-up, no environment loading):
paths are computed by functions so that tests and notebooks can point the whole library
at another root through ``JOURNEY_ROOT`` without re-importing anything.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The repository root: ``$JOURNEY_ROOT`` if set, else the checkout that holds ``lib/``.

    Falls back to the current directory when the package is installed outside a checkout,
    because notebooks and playbooks are always run from a project folder.
    """
    override = os.environ.get("JOURNEY_ROOT")
    if override:
        return Path(override).resolve()
    candidate = _PACKAGE_DIR.parent.parent
    if (candidate / "pyproject.toml").exists() and (candidate / "lib").is_dir():
        return candidate
    return Path.cwd().resolve()


def data_dir() -> Path:
    """Embedded sample data, data contracts and the user's own data files."""
    return project_root() / "data"


def sample_dir() -> Path:
    """Generated sample data set (rebuilt by ``journey data sample``; not committed)."""
    return data_dir() / "sample"


def default_database() -> Path:
    """The DuckDB file that ``journey.data.sources.connect()`` opens when given no URI."""
    return sample_dir() / "journey.duckdb"


def cache_dir() -> Path:
    """Derived caches (embeddings); safe to delete."""
    return data_dir() / "cache"


def results_store() -> Path:
    """The experiment results store (one parquet file, append-only; not committed): every readout
    records its result here for the portfolio. ``$JOURNEY_RESULTS_STORE`` moves it (tests do, so
    they never write into the repository's ``data/``)."""
    override = os.environ.get("JOURNEY_RESULTS_STORE")
    return Path(override).resolve() if override else data_dir() / "results" / "experiments.parquet"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def playbooks_dir() -> Path:
    return project_root() / "playbooks"


def reports_dir() -> Path:
    """Rendered reports and their index (generated; not committed)."""
    override = os.environ.get("JOURNEY_REPORTS_DIR")
    return Path(override).resolve() if override else project_root() / "reports"


def resolve(path: str | Path) -> Path:
    """A user-given path: as given when it exists from the working directory, else from the project root.

    Notebooks run with their own folder as the working directory (papermill, nbval), while their
    parameters name files from the project root (``playbooks/...``, ``data/...``): both work.
    """
    given = Path(path)
    if given.is_absolute() or given.exists():
        return given
    return project_root() / given
