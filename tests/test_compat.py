"""orchestration/compat.py: the pooled run event log of the shipped dagster.yaml, and the start-up checks
that decide whether each private-API override applies."""

import shutil

import dagster as dg
import pytest

from orchestration import config
from orchestration.compat import MAX_OPEN_DATABASES, PooledSqliteEventLogStorage

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
        dg.AssetCheckKey(dg.AssetKey("counted_twice"), "positive"), limit=5
    )
    assert [r.run_id for r in history] == [run_id]


@pytest.mark.integration
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
    assert run_id not in storage._engines  # (the index database is reopened to be emptied)
    assert storage.get_logs_for_run(run_id) == []


# --- the checks that decide, at start-up, whether each override applies ---------------------------

from orchestration import compat  # noqa: E402


def test_on_the_pinned_versions_every_override_applies():
    assert compat.problems() == {}
    assert compat.DbtCliBase is not compat.DbtCliResource


def test_another_dagster_version_falls_back_to_the_stock_storage(monkeypatch, tmp_path):
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    monkeypatch.setitem(compat.WRITTEN_FOR, "dagster", "0.0.1")
    problems = compat.problems()
    assert "written for dagster 0.0.1" in problems["event log storage"]
    assert "written for dagster 0.0.1" in problems["telemetry"]
    storage = PooledSqliteEventLogStorage.from_config_value(None, {"base_dir": str(tmp_path)})
    try:
        assert type(storage) is SqliteEventLogStorage
    finally:
        storage.dispose()
    assert compat.disable_telemetry_in_process() is False


def test_another_dagster_dbt_version_is_reported_for_the_dbt_resource(monkeypatch):
    monkeypatch.setitem(compat.WRITTEN_FOR, "dagster-dbt", "0.0.1")
    assert "written for dagster-dbt 0.0.1" in compat.problems()["dbt CLI resource"]


def test_a_missing_private_member_is_named(monkeypatch):
    monkeypatch.delattr(compat.DbtCliResource, "_initialize_dbt_core_adapter")
    assert "_initialize_dbt_core_adapter" in compat.problems()["dbt CLI resource"]


def test_storage_helpers_without_the_methods_do_nothing():
    class Bare:
        event_log_storage = object()

    assert compat.free_pool_slots(Bare(), "run") is False
    assert compat.runs_holding_pool_slots(Bare()) == set()
    assert compat.asset_check_history(Bare(), dg.AssetCheckKey(dg.AssetKey("a"), "c"), 5) == []
