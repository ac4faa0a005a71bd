"""The code location loads and wires what the pipeline needs."""

import dagster as dg
import pytest

from orchestration.definitions import defs
from orchestration.defs.assets.dbt_warehouse import load_manifest, mart_asset_keys
from orchestration.defs.resources import DUCKDB_POOL

MARTS = ["dim_articles", "fct_event_reports", "fct_events", "fct_casualties", "dim_actors", "dim_locations"]


def _graph():
    return defs.resolve_asset_graph()


def test_job_schedule_sensor():
    job = defs.resolve_job_def("daily_pipeline")
    assert job.executor_def is dg.in_process_executor
    schedule = defs.resolve_schedule_def("daily_pipeline_0600_baghdad")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Asia/Baghdad"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "daily_pipeline"
    sensor = defs.resolve_sensor_def("inbox_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == 60
    assert sensor.job_name == "daily_pipeline"


def test_job_selects_every_asset_and_check():
    job = defs.resolve_job_def("daily_pipeline")
    graph = _graph()
    selected = job.asset_layer.selected_asset_keys
    assert set(graph.get_all_asset_keys()) <= set(selected) | {
        k for k in graph.get_all_asset_keys() if not graph.get(k).is_materializable
    }
    assert set(graph.asset_check_keys) <= set(job.asset_layer.asset_graph.asset_check_keys)


def test_assets_and_groups():
    graph = _graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw_articles", "clean_articles", "extracted_reports", "analyst_copy"} <= keys
    groups = {
        k: graph.get(dg.AssetKey(k)).group_name
        for k in ["raw_articles", "clean_articles", "extracted_reports", "analyst_copy"]
    }
    assert groups == {
        "raw_articles": "ingest",
        "clean_articles": "clean",
        "extracted_reports": "extract",
        "analyst_copy": "publish",
    }


def test_marts_come_from_dbt_and_feed_the_analyst_copy():
    marts = mart_asset_keys(load_manifest()[1])
    assert set(MARTS) <= set(marts)
    graph = _graph()
    parents = graph.get(dg.AssetKey("analyst_copy")).parent_keys
    assert {marts[m] for m in MARTS} <= set(parents)
    # dbt sources are mapped onto the Python assets: the dbt graph hangs off them.
    stg_parents = set()
    for key in graph.get_all_asset_keys():
        if key.path[0] == "staging":
            stg_parents |= set(graph.get(key).parent_keys)
    assert {dg.AssetKey("raw_articles"), dg.AssetKey("clean_articles"), dg.AssetKey("extracted_reports")} <= stg_parents


def test_warehouse_writers_share_one_pool():
    from orchestration.defs.assets.collected_pages import COLLECT_POOL

    for ad in defs.assets:
        if isinstance(ad, dg.AssetsDefinition):
            # collection has its own pool (one collection at a time); the run's warehouse lock
            # keeps its writes apart from every other run's
            expected = COLLECT_POOL if ad.keys == {dg.AssetKey("collected_pages")} else DUCKDB_POOL
            assert ad.op.pool == expected, ad.keys
    assert COLLECT_POOL != DUCKDB_POOL


def test_collection_runs_first_and_has_its_own_job_and_checks():
    graph = _graph()
    assert graph.get(dg.AssetKey("raw_articles")).parent_keys == {dg.AssetKey("collected_pages")}
    assert graph.get(dg.AssetKey("collected_pages")).group_name == "collect"
    job = defs.resolve_job_def("collect_news")
    assert job.asset_layer.selected_asset_keys == {dg.AssetKey("collected_pages")}
    schedule = defs.resolve_schedule_def("collect_news_every_4h")
    assert schedule.job_name == "collect_news" and schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    checks = {
        spec.name: spec
        for cd in defs.asset_checks
        for spec in cd.check_specs
        if spec.asset_key == dg.AssetKey("collected_pages")
    }
    assert set(checks) == {"collect_sources_not_failing", "collect_sources_fresh"}
    assert not any(c.blocking for c in checks.values())  # a failing source never stops the pipeline


def test_gx_checks_are_blocking_and_cover_every_stage():
    marts = mart_asset_keys(load_manifest()[1])
    by_key = {}
    for checks_def in defs.asset_checks:
        for spec in checks_def.check_specs:
            by_key[(spec.asset_key, spec.name)] = spec
    expected = [
        (dg.AssetKey("raw_articles"), "gx_raw_articles"),
        (dg.AssetKey("clean_articles"), "gx_clean_articles"),
        (dg.AssetKey("extracted_reports"), "gx_extracted_reports"),
        (marts["fct_event_reports"], "gx_fct_event_reports"),
        (marts["fct_events"], "gx_fct_events"),
    ]
    for key in expected:
        assert key in by_key, key
        assert by_key[key].blocking
    # dbt tests are asset checks too
    dbt_checks = [k for k in _graph().asset_check_keys if not k.name.startswith("gx_")]
    assert dbt_checks


@pytest.mark.integration
def test_headless_cli_honours_env_paths(seeded_inbox):
    """`dagster ... -m orchestration.definitions` from the repo root writes where the env says."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import duckdb

    repo = Path(__file__).resolve().parents[2]
    dagster_cli = str(Path(sys.executable).parent / "dagster")
    env = {**os.environ, **{k: str(v) for k, v in seeded_inbox.items()}}
    env.pop("DAGSTER_HOME", None)
    proc = subprocess.run(
        [dagster_cli, "asset", "materialize", "-m", "orchestration.definitions", "--select", "raw_articles"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with duckdb.connect(str(seeded_inbox["WAREHOUSE_PATH"]), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.articles").fetchone() == (5,)


def test_numeric_settings_default_when_unset_and_refuse_malformed_values(monkeypatch):
    from orchestration.config import ConfigError, env_number

    monkeypatch.delenv("EXTRACT_PARALLEL_THRESHOLD", raising=False)
    assert env_number("EXTRACT_PARALLEL_THRESHOLD", 50) == 50
    monkeypatch.setenv("EXTRACT_PARALLEL_THRESHOLD", "0")
    assert env_number("EXTRACT_PARALLEL_THRESHOLD", 50) == 0
    monkeypatch.setenv("WAREHOUSE_LOCK_TIMEOUT", "2.5")
    assert env_number("WAREHOUSE_LOCK_TIMEOUT", 900.0, float) == 2.5
    monkeypatch.setenv("EXTRACT_PARALLEL_THRESHOLD", " ")
    assert env_number("EXTRACT_PARALLEL_THRESHOLD", 50) == 50
    for bad in ("ten", "1.5"):  # 1.5 is not an int
        monkeypatch.setenv("EXTRACT_PARALLEL_THRESHOLD", bad)
        with pytest.raises(ConfigError, match="EXTRACT_PARALLEL_THRESHOLD"):
            env_number("EXTRACT_PARALLEL_THRESHOLD", 50)


def test_freed_memory_is_handed_back_on_this_platform():
    import psutil

    from orchestration.utils.memory import release_memory

    process = psutil.Process()
    held = [bytearray(200) for _ in range(500_000)]  # ~100 MB of small blocks, from malloc's arenas
    del held[::2]  # half freed, in holes the allocator keeps unless asked to trim
    before = process.memory_info().rss
    assert release_memory() is True  # gc, Arrow's pool and glibc's malloc_trim, on this platform
    assert process.memory_info().rss <= before
    del held
