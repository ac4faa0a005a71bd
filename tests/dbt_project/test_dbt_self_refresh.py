"""A plain `dbt build` run by hand never leaves stale rows (dbt_project/macros/self_refresh.sql).

Each test builds a COPY of the project (tests/dbt_project/test_dbt_models.make_scratch: fixture lexicons and a
small warehouse, here with a dense synthetic archive so that clustering matters), changes what
decides the rows of the incremental models (a var, a seed row), runs a plain `dbt build` (no
--full-refresh) and checks that every intermediate and mart table equals what
`dbt build --full-refresh` of the same state builds, and that the change did reach the marts.
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_dbt_models import (  # noqa: E402  (the scratch warehouse and helpers of the dbt model tests)
    DBT_BIN,
    _assert_equals_full_refresh,
    _synthetic_articles,
    make_scratch,
    run_dbt,
)

pytestmark = pytest.mark.integration

REFRESHED = re.compile(r"self-refresh: (\w+) is rebuilt whole")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A project copy and a warehouse built once with a plain `dbt build` (copied by each test)."""
    if not DBT_BIN.exists():
        pytest.skip(f"dbt not installed next to {sys.executable}")
    root = tmp_path_factory.mktemp("self_refresh")
    project, warehouse = make_scratch(root / "scratch")
    con = duckdb.connect(str(warehouse))
    try:
        _synthetic_articles(con, random.Random(7), "dense", 60, date(2024, 1, 1), 30, datetime(2024, 6, 2, 12))
    finally:
        con.close()
    build(project, warehouse, _target(root))
    return project, warehouse


@pytest.fixture
def scratch(template, tmp_path):
    """A copy of the template project and of its built warehouse."""
    project = tmp_path / "dbt_project"
    shutil.copytree(template[0], project, ignore=shutil.ignore_patterns("target", "logs"))
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(template[1], warehouse)
    return project, warehouse, _target(tmp_path), tmp_path


def _target(root: Path) -> tuple:
    return ("--target-path", str(root / "target"), "--log-path", str(root / "logs"))


def build(project: Path, warehouse: Path, target: tuple, *args: str) -> set[str]:
    """Run `dbt build` (plus args); return the models that rebuilt themselves whole."""
    result = run_dbt(project, warehouse, "build", *args, *target)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return set(REFRESHED.findall(result.stdout))


def mart_rows(warehouse: Path, sql: str) -> list:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def recorded(warehouse: Path) -> dict[str, str]:
    return dict(mart_rows(warehouse, "select unique_id, fingerprint from ops.dbt_model_fingerprints"))


def test_a_changed_var_rebuilds_the_models_it_decides(scratch):
    project, warehouse, target, tmp_path = scratch
    before = recorded(warehouse)
    assert {"model.conflict_events.int_event_clusters", "model.conflict_events.fct_events"} <= set(before)
    # nothing changed: a plain build stays incremental and records the same fingerprints
    assert build(project, warehouse, target) == set()
    assert recorded(warehouse) == before
    events_before = mart_rows(warehouse, "select count(*) from marts.fct_events")[0][0]
    config = project / "dbt_project.yml"
    text = config.read_text(encoding="utf-8")
    assert "dedup_max_day_gap: 1\n" in text
    config.write_text(text.replace("dedup_max_day_gap: 1\n", "dedup_max_day_gap: 3\n"), encoding="utf-8")

    refreshed = build(project, warehouse, target)
    # the stored clusters depend on the gap: an incremental run alone would keep them all
    assert "int_event_clusters" in refreshed
    # is_incremental() follows the override too: the model was compiled as a full build
    compiled = tmp_path / "target" / "compiled" / "conflict_events" / "models" / "intermediate"
    assert "changed_reports" not in (compiled / "int_event_clusters.sql").read_text(encoding="utf-8")
    # only the models the var decides: int_article_countries and report_review_queue never read it
    assert "int_article_countries" not in refreshed and "report_review_queue" not in refreshed
    assert {"fct_events", "fct_event_reports", "dim_articles"} <= refreshed
    _assert_equals_full_refresh(project, warehouse, tmp_path, target)
    # the change reached the marts: a 3-day gap merges more reports into fewer events
    assert mart_rows(warehouse, "select count(*) from marts.fct_events")[0][0] < events_before
    # recorded: the next plain build is incremental again
    assert build(project, warehouse, target) == set()
    assert "changed_reports" in (compiled / "int_event_clusters.sql").read_text(encoding="utf-8")


def test_a_changed_seed_row_rebuilds_the_models_that_read_it(scratch):
    project, warehouse, target, tmp_path = scratch
    actors = project / "seeds" / "actors.csv"
    text = actors.read_text(encoding="utf-8")
    assert "\nisis,ISIS," in text
    actors.write_text(text.replace("\nisis,ISIS,", "\nisis,Islamic State,"), encoding="utf-8")

    refreshed = build(project, warehouse, target)
    # int_event_reports_enriched stores actor names per report; the per-article inputs did not change
    assert "int_event_reports_enriched" in refreshed
    assert "int_article_countries" not in refreshed  # it reads the countries, not the actors
    _assert_equals_full_refresh(project, warehouse, tmp_path, target)
    names = {row[0] for row in mart_rows(warehouse, "select distinct actor1 from marts.fct_event_reports")}
    assert "Islamic State" in names and "ISIS" not in names


def test_a_failed_run_records_nothing(scratch):
    project, warehouse, target, tmp_path = scratch
    before = recorded(warehouse)
    config = project / "dbt_project.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("dedup_max_day_gap: 1\n", "dedup_max_day_gap: 2\n"), encoding="utf-8"
    )
    # a singular test that always fails: the run is not a success, so no fingerprint is stored
    (project / "tests" / "assert_always_fails.sql").write_text("select 1 as failure\n", encoding="utf-8")
    result = run_dbt(project, warehouse, "build", *target)
    assert result.returncode != 0
    assert "int_event_clusters" in REFRESHED.findall(result.stdout)
    assert recorded(warehouse) == before
    # so the next run rebuilds it whole again
    (project / "tests" / "assert_always_fails.sql").unlink()
    assert "int_event_clusters" in build(project, warehouse, target)


def test_the_dagster_step_relies_on_it_after_a_project_change():
    """The dbt asset no longer forces --full-refresh on a project change: a plain build (seeds,
    unit tests, every test) where each changed model rebuilds itself; unchanged: the routine run."""
    from orchestration.warehouse import dbt_state as dbt_asset

    manifest = {"nodes": {}}
    args, mode = dbt_asset.dbt_build_args({"fingerprint": "old"}, "new", manifest)
    assert args == ["build"] and mode == "project_changed"
    assert dbt_asset.dbt_build_args(None, "new", manifest)[0] == ["build"]
    args, mode = dbt_asset.dbt_build_args({"fingerprint": "new"}, "new", manifest)
    assert mode == "incremental" and args == dbt_asset.routine_build_args(manifest)
