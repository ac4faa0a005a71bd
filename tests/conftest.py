"""Shared fixtures: an isolated set of pipeline paths per test, and a fresh dbt manifest."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import paths_under

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
    watched = [
        p
        for pattern in ("*.yml", "models/**/*", "seeds/*", "macros/**/*", "tests/**/*")
        for p in DBT_DIR.glob(pattern)
        if p.is_file()
    ]
    return any(p.stat().st_mtime > built for p in watched)


def pytest_configure(config):
    # `make test` parses first; this covers a bare `pytest` after a dbt edit. Must happen before
    # orchestration.definitions is imported (it reads the manifest at import time).
    if (DBT_DIR / "dbt_project.yml").exists() and _manifest_stale():
        subprocess.run(
            [
                str(Path(sys.executable).parent / "dbt"),
                "parse",
                "--quiet",
                "--project-dir",
                str(DBT_DIR),
                "--profiles-dir",
                str(DBT_DIR),
            ],
            check=True,
        )


@pytest.fixture(autouse=True)
def no_dagster_instance_left_current():
    """Each test starts and ends with no current Dagster defs-state storage. An instance some test's
    run entered can stay current in this thread after the instance is gone, and the next test that
    resolves Definitions fails with 'Attempted to resolve undefined DagsterInstance weakref'
    (seen after the tests of tests/defs/ ran). A process that runs the pipeline has one
    instance for its life, so this only separates the tests from one another."""
    from dagster._core.storage.defs_state.base import set_defs_state_storage

    with set_defs_state_storage(None):
        yield


@pytest.fixture
def pipeline_env(tmp_path, monkeypatch):
    """Point every pipeline path at tmp_path; returns a dict of the paths."""
    paths = paths_under(tmp_path)
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


@pytest.fixture(scope="session")
def bundled_pipeline_run(tmp_path_factory):
    """The real pipeline (every asset and check, brief included) on the bundled articles, once per
    session for the tests that only read what it wrote (the brief, the GX Data Docs, the dbt docs).
    Returns (paths, result); the paths are in the environment only while it runs."""
    import dagster as dg

    base = tmp_path_factory.mktemp("bundled")
    env = paths_under(base)
    env["ARTICLES_DIR"].mkdir()
    for f in sorted(SEED_ARTICLES.iterdir()):
        if f.is_file():
            (env["ARTICLES_DIR"] / f.name).write_bytes(f.read_bytes())
    with pytest.MonkeyPatch.context() as mp:
        for var, p in env.items():
            mp.setenv(var, str(p))
        from orchestration.definitions import defs
        from orchestration.defs.resources import build_resources

        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(
            [*defs.assets, *defs.asset_checks], resources=build_resources(), instance=instance, raise_on_error=False
        )
    return env, result


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver on 127.0.0.1 (an ephemeral port): the collector's tests never leave loopback."""
    return ("127.0.0.1", 0)
