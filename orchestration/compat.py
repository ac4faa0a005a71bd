"""Every use of a private (or undocumented) Dagster / dagster-dbt API, behind one door.

Each entry says why it exists and the version it was written for (WRITTEN_FOR). `problems()` checks,
once at start-up (the definitions loader logs it), that the installed packages still have what each
entry relies on; an entry whose check fails falls back to Dagster's stock behaviour, so an upgrade
costs speed, never correctness. Upgrading: README > "Upgrading Dagster or dagster-dbt".

1. `PooledSqliteEventLogStorage` (dagster.yaml `event_log_storage`): subclasses the private
   `SqliteEventLogStorage` and overrides its private `_connect` to keep one engine per run database
   instead of a new engine per event (see the class docstring). Falls back to the stock storage.
2. `disable_telemetry_in_process()`: Dagster reads its telemetry switch only from
   $DAGSTER_HOME/dagster.yaml; a process started with a bare DAGSTER_HOME would report. Overrides the
   `telemetry_enabled` property of `DagsterInstance`. Falls back to the dagster.yaml setting.
3. `DbtCliBase`: dagster-dbt's `DbtCliResource` with two private members overridden:
   `_initialize_dbt_core_adapter` (builds an in-process dbt adapter before every invocation, only for
   fetch_row_counts() / fetch_column_metadata(), which this project does not call; it loads the project and profile a second time) and
   `_cli_version` (runs `dbt --version`, a subprocess that also asks the package index for the
   latest release; the dbt run is this environment's dbt-core). Falls back to `DbtCliResource`.
4. Pool slots and check history on the event log storage (`free_pool_slots`, `runs_holding_pool_slots`,
   `asset_check_history`): undocumented storage methods, used to free the pool slot of a run killed
   with kill -9 and to read the previous GX check evaluations. Fall back to doing nothing / no history.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import dagster as dg
from dagster import Field, StringSource
from dagster_dbt import DbtCliResource
from packaging import version
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

WRITTEN_FOR = {"dagster": "1.13.27", "dagster-dbt": "0.29.27"}


def _installed(package: str) -> str:
    return importlib.metadata.version(package)


def _version_problem(package: str) -> str | None:
    if _installed(package) != WRITTEN_FOR[package]:
        return f"written for {package} {WRITTEN_FOR[package]}, installed {_installed(package)}"
    return None


# 1. The event log storage ------------------------------------------------------------------------

try:
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
except ImportError as exc:  # moved or gone: dagster.yaml must name the stock storage
    raise ImportError(
        f"orchestration.compat: Dagster's SqliteEventLogStorage is gone ({exc}); remove "
        f"event_log_storage from dagster.yaml (the stock storage is then used)"
    ) from exc


def _storage_problem() -> str | None:
    missing = [
        name
        for name in ("_connect", "_initdb", "conn_string_for_shard", "dispose", "wipe")
        if not callable(getattr(SqliteEventLogStorage, name, None))
    ]
    if missing:
        return f"SqliteEventLogStorage has no {', '.join(missing)}"
    if list(inspect.signature(SqliteEventLogStorage._connect).parameters) != ["self", "shard"]:
        return "SqliteEventLogStorage._connect(self, shard) changed its signature"
    return _version_problem("dagster")


MAX_OPEN_DATABASES = 8
BUSY_TIMEOUT_S = 15  # as the stock storage: wait for a writer in another process


def default_base_dir() -> str:
    """Where Dagster's default SQLite storage keeps run event logs under DAGSTER_HOME."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise RuntimeError(
            "DAGSTER_HOME is not set: the event log storage of this dagster.yaml lives "
            "under $DAGSTER_HOME/history/runs (or give event_log_storage.config.base_dir)"
        )
    return os.path.join(home, "history", "runs", "")


def _relax_sync(dbapi_connection, _record) -> None:
    # The databases are in WAL mode (Dagster sets it): with synchronous=NORMAL a commit appends
    # to the WAL without waiting for the disk. An application crash loses nothing; a power cut
    # can lose the last events, never the database's consistency (SQLite's recommended setting
    # for WAL); waiting for the disk on every event is a large share of a run's bookkeeping.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` whose per-database engines outlive one event.

    The stock storage builds a SQLAlchemy engine, opens the file, commits and disposes the engine
    for every event, and a run of this job stores about a thousand (each dbt test is a planned and
    an evaluated asset check, mirrored into the index database). Same files, same schema, same
    locking (the storage's own lock around every use): only the engines are reused, a bounded
    number of them, so a webserver that reads thousands of run databases keeps a few files open.
    The files stay where Dagster puts them ($DAGSTER_HOME/history/runs/), so run history is kept.
    """

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        base_dir = config_value.get("base_dir") or default_base_dir()
        problem = _storage_problem()
        if problem:
            log.warning(f"compat: stock SqliteEventLogStorage used ({problem})")
            return SqliteEventLogStorage(base_dir, inst_data=inst_data)
        return cls(base_dir=base_dir, inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = create_engine(
            self.conn_string_for_shard(shard),
            pool_size=1,
            max_overflow=2,  # creating a database opens a second connection
            # handed from thread to thread, one at a time, under self._db_lock
            connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        event.listen(engine, "connect", _relax_sync)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > MAX_OPEN_DATABASES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_engines()  # the run databases are deleted: no handle may stay on them
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()


# 2. Telemetry ------------------------------------------------------------------------------------


def _telemetry_problem() -> str | None:
    if not isinstance(inspect.getattr_static(dg.DagsterInstance, "telemetry_enabled", None), property):
        return "DagsterInstance.telemetry_enabled is no longer a property"
    return _version_problem("dagster")


def disable_telemetry_in_process() -> bool:
    """Telemetry off for every instance of this process; False when the fallback applies."""
    if _telemetry_problem():
        return False
    dg.DagsterInstance.telemetry_enabled = property(lambda self: False)
    return True


# 3. The dbt CLI resource -------------------------------------------------------------------------


def _dbt_cli_problem() -> str | None:
    adapter = getattr(DbtCliResource, "_initialize_dbt_core_adapter", None)
    if not callable(adapter) or list(inspect.signature(adapter).parameters) != ["self", "args"]:
        return "DbtCliResource._initialize_dbt_core_adapter(self, args) is gone or changed"
    if not isinstance(inspect.getattr_static(DbtCliResource, "_cli_version", None), cached_property):
        return "DbtCliResource._cli_version is no longer a cached property"
    return _version_problem("dagster-dbt")


class _LeanDbtCliResource(DbtCliResource):
    def _initialize_dbt_core_adapter(self, args):
        # dagster-dbt accepts no adapter: the invocation runs exactly as with one
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        # the executable is the dbt beside sys.executable, i.e. this environment's dbt-core
        return version.parse(importlib.metadata.version("dbt-core"))


DbtCliBase: type[DbtCliResource] = DbtCliResource if _dbt_cli_problem() else _LeanDbtCliResource


# 4. Pool slots and check history -----------------------------------------------------------------


def _storage_method(instance, name: str):
    storage = getattr(instance, "event_log_storage", None)
    return getattr(storage, name, None)


def free_pool_slots(instance, run_id: str) -> bool:
    """Free the pool slots a run still holds; False when the storage cannot."""
    free = _storage_method(instance, "free_concurrency_slots_for_run")
    if free is None:
        return False
    free(run_id)
    return True


def runs_holding_pool_slots(instance) -> set[str]:
    runs = _storage_method(instance, "get_concurrency_run_ids")
    return set(runs()) if runs is not None else set()


def asset_check_history(instance, check_key: dg.AssetCheckKey, limit: int) -> list:
    history = _storage_method(instance, "get_asset_check_execution_history")
    return list(history(check_key, limit=limit)) if history is not None else []


def _pool_problem() -> str | None:
    from dagster._core.storage.event_log.base import EventLogStorage

    missing = [
        m
        for m in ("free_concurrency_slots_for_run", "get_concurrency_run_ids", "get_asset_check_execution_history")
        if not hasattr(EventLogStorage, m)
    ]
    return f"EventLogStorage has no {', '.join(missing)}" if missing else None


def problems() -> dict[str, str]:
    """Entry -> why it falls back to the stock behaviour; empty when every entry applies."""
    checks = {
        "event log storage": _storage_problem,
        "telemetry": _telemetry_problem,
        "dbt CLI resource": _dbt_cli_problem,
        "pool slots and check history": _pool_problem,
    }
    return {name: problem for name, check in checks.items() if (problem := check())}
