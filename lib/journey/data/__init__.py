"""Getting data in: sources (DuckDB, parquet folders, ibis URIs), table files, data contracts,
the checks every event-reading function applies (:mod:`journey.data.event_input`), the report's
date window, and the DuckDB/ibis compatibility shim.

Kept free of imports so that ``import journey`` (which loads :mod:`duckdb_compat`) stays cheap.
"""
