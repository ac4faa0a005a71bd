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


def _dbt_project_settings(project_dir: Path = DBT_PROJECT_DIR) -> dict:
    import yaml

    return yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}


def dbt_var(name: str):
    """A var of dbt_project.yml that the Python stages apply too (the one place it is written)."""
    variables = _dbt_project_settings().get("vars") or {}
    if name not in variables:
        raise ConfigError(f"dbt_project.yml has no var {name!r}, which the Python stages read")
    return variables[name]


# The seeds folder as dbt_project.yml names it (`seed-paths`): Python and dbt read the same lexicons.
DBT_SEEDS_DIR = DBT_PROJECT_DIR / (_dbt_project_settings().get("seed-paths") or ["seeds"])[0]
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

DEFAULTS = {
    "ARTICLES_DIR": "seeds/articles",
    "WAREHOUSE_PATH": "data/warehouse.duckdb",
    "ANALYST_DB_PATH": "data/analyst.duckdb",
    "EXPORTS_DIR": "data/exports",
    "GX_DOCS_DIR": "data/gx_docs",
    "BRIEFS_DIR": "data/briefs",
}


class ConfigError(ValueError):
    """A setting in the environment that the pipeline cannot use; the message names the
    variable, its value and what to set instead."""


def env_number(var: str, default, kind=int):
    """The number in environment variable `var` (`kind` int or float), or `default` when the
    variable is unset or empty. A value that is not such a number is an error (a typo must not
    silently run with the default)."""
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(
            f"{var}={raw!r} is not {what}: set it like {var}={default}, or unset it for the default ({default})"
        ) from None


_CHECKED_MEMORY_LIMITS: set[str] = set()


def duckdb_memory_limit() -> str:
    """DuckDB cache cap of the pipeline's own connections (warehouse, publish): WAREHOUSE_MEMORY_LIMIT.
    They run in the Dagster process; at 1 GB it reached 1.9 GB during a 100,000-article backlog.
    A value DuckDB does not accept is an error naming the variable (checked once per value)."""
    value = os.environ.get("WAREHOUSE_MEMORY_LIMIT", "").strip() or "512MB"
    if value not in _CHECKED_MEMORY_LIMITS:
        import duckdb

        try:
            duckdb.connect(":memory:", config={"memory_limit": value}).close()
        except duckdb.Error as exc:
            raise ConfigError(
                f"WAREHOUSE_MEMORY_LIMIT={value!r} is not a memory size DuckDB accepts "
                f"({exc}): set it like WAREHOUSE_MEMORY_LIMIT=512MB or 2GB, or unset it "
                f"for the default (512MB)"
            ) from None
        _CHECKED_MEMORY_LIMITS.add(value)
    return value


def _resolve(var: str) -> Path:
    raw = os.environ.get(var) or DEFAULTS[var]
    p = Path(raw).expanduser()
    return p if p.is_absolute() else (REPO_ROOT / p).resolve()


def articles_dir() -> Path:
    return _resolve("ARTICLES_DIR")


def existing_articles_dir() -> Path:
    """ARTICLES_DIR, which must be a directory: a typo must not pass as an empty inbox."""
    path = articles_dir()
    if not path.is_dir():
        state = "is not a directory" if path.exists() else "does not exist"
        raise ConfigError(
            f"the inbox {path} (ARTICLES_DIR={os.environ.get('ARTICLES_DIR') or DEFAULTS['ARTICLES_DIR']!r}) "
            f"{state}: set ARTICLES_DIR to the folder the articles arrive in (a relative path "
            f"is taken from the repository root {REPO_ROOT})"
        )
    return path


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
