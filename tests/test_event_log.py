"""The run event log storage configured in the shipped dagster.yaml (kept-open SQLite engines)."""
import shutil

import dagster as dg
import pytest

from orchestration import config
from orchestration.event_log import MAX_OPEN_DATABASES, PooledSqliteEventLogStorage

DAGSTER_YAML = config.REPO_ROOT / "orchestration" / "dagster_home" / "dagster.yaml"


@pytest.fixture
def instance(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DAGSTER_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    inst = dg.DagsterInstance.get()
    yield inst
    inst.dispose()


@dg.asset
def counted() -> int:
    return 3


@dg.asset(check_specs=[dg.AssetCheckSpec("positive", asset="counted_twice")])
def counted_twice(counted: int):
    yield dg.Output(counted * 2)
    yield dg.AssetCheckResult(passed=counted > 0)


def test_shipped_config_uses_the_pooled_storage_in_the_default_place(instance):
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    assert storage._base_dir.startswith(str(instance.root_directory))
    assert storage._base_dir.rstrip("/").endswith("history/runs")


def test_runs_events_and_asset_checks_are_stored_and_read_back(instance):
    result = dg.materialize([counted, counted_twice], instance=instance)
    assert result.success
    run_id = result.run_id
    logs = instance.all_logs(run_id)
    assert any(e.dagster_event and e.dagster_event.event_type == dg.DagsterEventType.RUN_SUCCESS for e in logs)
    # mirrored into the index database: cross-run queries see the materialisation and the check
    assert instance.get_latest_materialization_event(dg.AssetKey("counted_twice")).run_id == run_id
    history = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("counted_twice"), "positive"), limit=5)
    assert [r.run_id for r in history] == [run_id]


def test_open_databases_stay_bounded_across_many_runs(instance):
    run_ids = [dg.materialize([counted], instance=instance).run_id for _ in range(MAX_OPEN_DATABASES + 3)]
    storage = instance.event_log_storage
    assert len(storage._engines) <= MAX_OPEN_DATABASES
    # a run whose engine was closed is still readable (reopened on demand)
    assert instance.all_logs(run_ids[0])


def test_wipe_closes_handles_and_deletes_run_databases(instance):
    run_id = dg.materialize([counted], instance=instance).run_id
    storage = instance.event_log_storage
    storage.wipe()
    assert run_id not in storage._engines   # (the index database is reopened to be emptied)
    assert storage.get_logs_for_run(run_id) == []
