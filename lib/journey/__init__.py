"""Journey Lab's helper library: journeys, experiments and customer feedback.

Submodules are imported on demand (``from journey import funnels``) so that importing
``journey`` stays fast in notebooks and worker processes. The one exception is
:mod:`journey.duckdb_compat`: it must run before ibis first fetches from DuckDB, wherever
that happens (DuckDB itself imports in about 0.1 s).
"""

from journey import duckdb_compat  # noqa: F401  (installs its aliases on import)

__version__ = "0.1.0"
