"""The warehouse resource, and the run lock it holds from resource set-up to teardown.

The lock itself (orchestration.warehouse.lock) knows nothing of Dagster; here it is tied to a run:
taken when the run initialises its resources (once per run with the in-process executor), released
at teardown, and the runs a kill -9 left STARTED are marked failed and their pool slots freed.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from orchestration import compat, config
from orchestration.warehouse.connections import connect
from orchestration.warehouse.lock import WAREHOUSE_LOCKS, pid_alive

# Every asset that writes to the warehouse file runs in this pool (DuckDB allows one
# writer process per file). `make dev` sets its limit to 1 in dagster.yaml.
DUCKDB_POOL = "duckdb_warehouse"

HOLDER_PID_TAG = "warehouse_lock/pid"
HOLDER_HOST_TAG = "warehouse_lock/host"


def _mark_crashed(instance, run_id: str, pid, log=None) -> bool:
    try:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return False
        if run.is_finished:  # it ended (normally, or marked since): no alarm, any slot left is freed
            compat.free_pool_slots(instance, run_id)
            return False
        instance.report_run_failed(
            run,
            message=f"Marked failed by a later run: its process (pid {pid}) died without "
            f"finishing (killed?) while holding the warehouse lock.",
        )
        compat.free_pool_slots(instance, run_id)
    except Exception as exc:  # noqa: BLE001 - recovery is best effort, never blocks the new run
        if log is not None:
            log.warning(f"could not clean up crashed run {run_id}: {exc}")
        return False
    if log is not None:
        log.warning(
            f"run {run_id} (pid {pid}) died while holding the warehouse lock: marked failed and its pool slots freed"
        )
    return True


def recover_crashed_runs(instance, current_run_id: str | None, previous: dict | None = None, log=None) -> list[str]:
    """Mark runs killed while holding the warehouse lock failed and free their pool slots.

    A run killed with kill -9 never reports its end: the instance keeps it STARTED and keeps
    its `duckdb_warehouse` pool slot claimed, so every later run of that DAGSTER_HOME would
    wait for the slot forever. Called once we hold the lock: candidates are the previous holder
    named in the lock file and every run occupying a pool slot that carries our holder tags;
    one whose process is gone (same host) crashed. Returns the run ids cleaned up.
    """
    if instance is None:
        return []
    host = socket.gethostname()
    candidates: dict[str, object] = {}
    if previous and previous.get("run_id") and previous.get("host") == host:
        candidates[previous["run_id"]] = previous.get("pid")
    try:
        slot_runs = compat.runs_holding_pool_slots(instance)
    except Exception:  # noqa: BLE001 - storages without pools
        slot_runs = set()
    for rid in slot_runs:
        if rid in candidates or rid == current_run_id:
            continue
        try:
            run = instance.get_run_by_id(rid)
        except Exception:  # noqa: BLE001
            continue
        tags = run.tags if run is not None else {}
        if tags.get(HOLDER_HOST_TAG) == host and tags.get(HOLDER_PID_TAG):
            candidates[rid] = tags[HOLDER_PID_TAG]
    cleaned = []
    for rid, pid in candidates.items():
        if rid == current_run_id or pid is None or pid_alive(pid):
            continue
        if _mark_crashed(instance, rid, pid, log):
            cleaned.append(rid)
    return cleaned


def _tag_holder(instance, run_id: str | None, log=None) -> None:
    if instance is None or not run_id:
        return
    try:
        instance.add_run_tags(run_id, {HOLDER_PID_TAG: str(os.getpid()), HOLDER_HOST_TAG: socket.gethostname()})
    except Exception as exc:  # noqa: BLE001 - e.g. the run is not in this instance's storage
        if log is not None:
            log.debug(f"could not tag run {run_id} as warehouse lock holder: {exc}")


def _context_run_id(context) -> str | None:
    run = getattr(context, "run", None)
    return getattr(run, "run_id", None) if run is not None else None


class RunLockMixin:
    """Hold the warehouse lock from resource setup to teardown (= the whole in-process run)."""

    def _warehouse_for_lock(self) -> Path:
        return config.warehouse_path()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        super().setup_for_execution(context)
        run_id = _context_run_id(context)
        if run_id and run_id in WAREHOUSE_LOCKS.finished_runs:
            return
        path = self._warehouse_for_lock()
        previous = WAREHOUSE_LOCKS.acquire(path, run_id=run_id, log=context.log)
        self._locked_path = str(path)
        if previous is not None:  # this resource took the lock (not a re-entrant acquire)
            instance = getattr(context, "instance", None)
            _tag_holder(instance, run_id, context.log)
            recover_crashed_runs(instance, run_id, previous, context.log)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        super().teardown_after_execution(context)
        if self._locked_path:
            WAREHOUSE_LOCKS.release(Path(self._locked_path))
            self._locked_path = None
            run_id = _context_run_id(context)
            if run_id:
                WAREHOUSE_LOCKS.finished_runs.add(run_id)


class WarehouseResource(RunLockMixin, dg.ConfigurableResource):
    """Connections to the DuckDB warehouse. `path` overrides WAREHOUSE_PATH when set.

    In a run it holds the warehouse lock (see the module docstring); `connect()` used
    outside a run (tests, scripts) does not lock.
    """

    path: str | None = None
    _locked_path: str | None = PrivateAttr(default=None)

    def resolved_path(self) -> Path:
        return Path(self.path).resolve() if self.path else config.warehouse_path()

    def _warehouse_for_lock(self) -> Path:
        return self.resolved_path()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.resolved_path(), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
