"""The dbt project as dagster-dbt sees it, and its manifest (what @dbt_assets are built from)."""

from __future__ import annotations

import os
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration import config
from orchestration.runtime import DBT_EXECUTABLE

dbt_project = DbtProject(
    project_dir=config.DBT_PROJECT_DIR,
    profiles_dir=config.DBT_PROJECT_DIR,
)


def dbt_project_exists() -> bool:
    return (config.DBT_PROJECT_DIR / "dbt_project.yml").exists()


def ensure_dbt_manifest(reparse: bool = False) -> Path | None:
    """Make sure target/manifest.json exists (`dbt parse`), for runs started outside make.

    `make run` / `make test` always parse first so the manifest is fresh; this only covers a
    bare `dagster job execute` on a clean checkout. reparse=True: parse even though the file is
    there (it is damaged). Returns None while there is no dbt project.
    """
    if not dbt_project_exists():
        return None
    manifest = Path(dbt_project.manifest_path)
    if reparse or not manifest.exists():
        manifest.unlink(missing_ok=True)
        os.environ["WAREHOUSE_PATH"] = str(config.warehouse_path())  # profiles.yml reads it
        (
            DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
            .cli(["--quiet", "parse"], target_path=Path(dbt_project.target_path))
            .wait()
        )
    return manifest if manifest.exists() else None
