"""Opening the DuckDB warehouse: the memory cap, and a clear error for a damaged file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration import config
from orchestration.warehouse.lock import duckdb_lock_conflict, unusable_warehouse


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse at `path` (created, with its folder, unless read_only).

    DuckDB caches table blocks up to 80% of RAM by default, so a long run over a large warehouse
    grew the process by gigabytes; capped (DUCKDB_MEMORY_LIMIT), it evicts blocks and spills big
    operators to disk instead.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only, config={"memory_limit": config.duckdb_memory_limit()})
    except duckdb.Error as exc:
        if duckdb_lock_conflict(exc) or not path.exists():
            raise
        raise unusable_warehouse(path, exc) from exc
