"""Resources: the DuckDB warehouse and the dbt CLI.

dagster-duckdb is not among the pinned packages, so the warehouse resource is a small
ConfigurableResource of our own. Its path is resolved from WAREHOUSE_PATH when a
connection is opened (not when the module is imported), so tests can point it elsewhere.
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from orchestration import config

# Offline pipeline: no usage pings from dbt or GX (there is no network anyway, and a ping
# that waits for a time-out slows every run).
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

# Every asset that writes to the warehouse file runs in this pool (DuckDB allows one
# writer process per file). `make dev` sets its limit to 1 in dagster.yaml.
DUCKDB_POOL = "duckdb_warehouse"

DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
# dagster-dbt helpers that build their own DbtCliResource (DbtProject.prepare_if_dev under
# `dagster dev`) look for plain `dbt` on PATH; the venv is usually not activated, so put its
# bin directory (where dbt lives, beside sys.executable) first.
_venv_bin = str(Path(sys.executable).parent)
if _venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _venv_bin + os.pathsep + os.environ.get("PATH", "")


class WarehouseResource(dg.ConfigurableResource):
    """Connections to the DuckDB warehouse. `path` overrides WAREHOUSE_PATH when set."""

    path: str | None = None

    def resolved_path(self) -> Path:
        return Path(self.path).resolve() if self.path else config.warehouse_path()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        p = self.resolved_path()
        if not read_only:
            p.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(p), read_only=read_only)
        try:
            yield con
        finally:
            con.close()


dbt_project = DbtProject(
    project_dir=config.DBT_PROJECT_DIR,
    profiles_dir=config.DBT_PROJECT_DIR,
)
# Under `dagster dev` this re-parses the project on load so model edits show up at once.
dbt_project.prepare_if_dev()


def dbt_project_exists() -> bool:
    return (config.DBT_PROJECT_DIR / "dbt_project.yml").exists()


def ensure_dbt_manifest() -> Path | None:
    """Make sure target/manifest.json exists (`dbt parse`), for runs started outside make.

    `make run` / `make test` always parse first so the manifest is fresh; this only covers a
    bare `dagster job execute` on a clean checkout. Returns None while there is no dbt project.
    """
    if not dbt_project_exists():
        return None
    manifest = Path(dbt_project.manifest_path)
    if not manifest.exists():
        os.environ["WAREHOUSE_PATH"] = str(config.warehouse_path())
        (
            DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
            .cli(["--quiet", "parse"], target_path=Path(dbt_project.target_path))
            .wait()
        )
    return manifest if manifest.exists() else None


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
