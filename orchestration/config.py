"""Filesystem locations of the pipeline, read from the environment at call time.

Every path may be given relative to the repository root (the directory holding
pyproject.toml); relative values are resolved against it, not against the current
working directory, so `dagster dev`, `dagster job execute` and pytest agree.
Functions rather than module constants so tests can monkeypatch the environment.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

DEFAULTS = {
    "ARTICLES_DIR": "seeds/articles",
    "WAREHOUSE_PATH": "data/warehouse.duckdb",
    "ANALYST_DB_PATH": "data/analyst.duckdb",
    "EXPORTS_DIR": "data/exports",
    "GX_DOCS_DIR": "data/gx_docs",
    "BRIEFS_DIR": "data/briefs",
}


def env_number(var: str, default, kind=int):
    """The number in environment variable `var` (`kind` int or float), or `default` when the
    variable is unset or not such a number."""
    try:
        return kind(os.environ.get(var, default))
    except ValueError:
        return default


def duckdb_memory_limit() -> str:
    """DuckDB cache cap of the pipeline's own connections (warehouse, publish): WAREHOUSE_MEMORY_LIMIT.
    They run in the Dagster process; at 1 GB it reached 1.9 GB during a 100,000-article backlog."""
    return os.environ.get("WAREHOUSE_MEMORY_LIMIT", "512MB")


def _resolve(var: str) -> Path:
    raw = os.environ.get(var) or DEFAULTS[var]
    p = Path(raw).expanduser()
    return p if p.is_absolute() else (REPO_ROOT / p).resolve()


def articles_dir() -> Path:
    return _resolve("ARTICLES_DIR")


def warehouse_path() -> Path:
    return _resolve("WAREHOUSE_PATH")


def analyst_db_path() -> Path:
    return _resolve("ANALYST_DB_PATH")


def exports_dir() -> Path:
    return _resolve("EXPORTS_DIR")


def gx_docs_dir() -> Path:
    return _resolve("GX_DOCS_DIR")


def briefs_dir() -> Path:
    """Where the morning brief is written (<run date>.html, latest.html)."""
    return _resolve("BRIEFS_DIR")


def gx_context_dir() -> Path:
    """File-backed GX context (stores validation results) beside the docs site, e.g. data/gx."""
    return gx_docs_dir().parent
