"""Shared fixtures: an isolated set of pipeline paths per test, and a fresh dbt manifest."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED_ARTICLES = REPO / "seeds" / "articles"
DBT_DIR = REPO / "dbt_project"

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def _manifest_stale() -> bool:
    manifest = DBT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    watched = [p for pattern in ("*.yml", "models/**/*", "seeds/*", "macros/**/*", "tests/**/*")
               for p in DBT_DIR.glob(pattern) if p.is_file()]
    return any(p.stat().st_mtime > built for p in watched)


def pytest_configure(config):
    # `make test` parses first; this covers a bare `pytest` after a dbt edit. Must happen before
    # orchestration.definitions is imported (it reads the manifest at import time).
    if (DBT_DIR / "dbt_project.yml").exists() and _manifest_stale():
        subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "parse", "--quiet",
             "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)],
            check=True,
        )


@pytest.fixture
def pipeline_env(tmp_path, monkeypatch):
    """Point every pipeline path at tmp_path; returns a dict of the paths."""
    paths = {
        "ARTICLES_DIR": tmp_path / "inbox",
        "WAREHOUSE_PATH": tmp_path / "data" / "warehouse.duckdb",
        "ANALYST_DB_PATH": tmp_path / "data" / "analyst.duckdb",
        "EXPORTS_DIR": tmp_path / "data" / "exports",
        "GX_DOCS_DIR": tmp_path / "data" / "gx_docs",
        "BRIEFS_DIR": tmp_path / "data" / "briefs",
    }
    paths["ARTICLES_DIR"].mkdir()
    for var, p in paths.items():
        monkeypatch.setenv(var, str(p))
    return paths


@pytest.fixture
def seeded_inbox(pipeline_env):
    """The bundled demo articles copied into the tmp inbox."""
    for f in sorted(SEED_ARTICLES.iterdir()):
        if f.is_file():
            (pipeline_env["ARTICLES_DIR"] / f.name).write_bytes(f.read_bytes())
    return pipeline_env
