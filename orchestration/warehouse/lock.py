"""The run lock on the warehouse: one writer per warehouse file, held for the whole run.

Under `dagster dev` / the daemon, dagster.yaml's run queue (max_concurrent_runs: 1) and the
`duckdb_warehouse` pool already serialise runs. Two headless `dagster job execute` processes
bypass both, so every resource that touches the warehouse (`warehouse`, `dbt`) takes an
exclusive flock on WAREHOUSE_PATH + '.lock' when the run initialises its resources (once per
run with the in-process executor) and releases it at teardown. A second run waits up to
WAREHOUSE_LOCK_TIMEOUT seconds (default 900) and then fails before any step with a message
naming the holder (pid, run id, start time). The kernel drops the flock when the holder dies
(kill -9 included), so a stale lock file never blocks anybody; after acquiring it we also wait
until no other process (e.g. an orphaned `dbt` child of a killed run) still has the DuckDB
file open, so the next run never trips on DuckDB's own file lock.

No Dagster import: the resources in `orchestration.defs.resources` hold this lock for a run.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration import config

DEFAULT_LOCK_TIMEOUT_S = 900.0
_POLL_S = 0.5


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse (its run lock, or DuckDB's own file lock)."""


def lock_path_for(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".lock")


def lock_timeout() -> float:
    return max(0.0, config.env_number("WAREHOUSE_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT_S, float))


def _wait_for(attempt, deadline, log, give_up, waiting) -> None:
    """Poll `attempt` (None when done, else who or what is in the way) until it succeeds or the
    deadline passes; say once in the run log that the run is waiting."""
    announced = False
    while True:
        in_the_way = attempt()
        if in_the_way is None:
            return
        if time.monotonic() >= deadline:
            raise WarehouseBusyError(give_up(in_the_way))
        if log is not None and not announced:
            log.info(waiting(in_the_way))
            announced = True
        time.sleep(_POLL_S)


def _holder_info(lock_file: Path) -> str:
    try:
        info = json.loads(lock_file.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "unknown holder"
    if not info:
        return "unknown holder"
    return f"pid {info.get('pid')} on {info.get('host')}, run {info.get('run_id') or '?'}, since {info.get('since')}"


def unusable_warehouse(warehouse: Path, exc: Exception) -> RuntimeError:
    """The error for a warehouse file DuckDB cannot open (truncated, overwritten, not DuckDB)."""
    return RuntimeError(
        f"the warehouse {warehouse} (WAREHOUSE_PATH) cannot be opened: {exc}. It is damaged or not a "
        f"DuckDB file. Restore it from a backup, or move it (and {warehouse}.wal) away: the next run "
        f"builds a new warehouse from every file in the inbox. The analyst copy keeps the last good data."
    )


# How long a run waits for a process other than dbt (a reader) to close the warehouse file.
READER_WAIT_S = 20.0
_LOCK_PID = re.compile(r"\(PID (\d+)\)")


def _file_holder(message: str) -> dict:
    """{pid, what, is_dbt} of the process DuckDB names in its lock-conflict message."""
    m = _LOCK_PID.search(message)
    pid = int(m.group(1)) if m else None
    command = ""
    if pid is not None:
        try:
            import psutil

            command = " ".join(psutil.Process(pid).cmdline())
        except Exception:  # noqa: BLE001 - gone, or not ours to look at
            command = ""
    is_dbt = bool(re.search(r"(^|[/\s])dbt(\s|$)", command))
    what = f"process {pid}" + (f" ({command[:200]})" if command else "") if pid else "another process"
    return {"pid": pid, "what": what, "is_dbt": is_dbt}


def _reader_in_the_way(warehouse: Path, holder: dict) -> str:
    return (
        f"warehouse {warehouse} is held open by {holder['what']}, which is not a pipeline run nor "
        f"its dbt: DuckDB lets no run write while any other process has the file open, even "
        f"read-only. Close that connection (notebook, duckdb CLI, BI tool) and run again; to read "
        f"the data, open the analyst copy {config.analyst_db_path()} (ANALYST_DB_PATH) instead, which "
        f"never blocks a run. Nothing was written by this run."
    )


def duckdb_lock_conflict(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "lock" in msg and ("conflicting" in msg or "could not set" in msg)


class _WarehouseLocks:
    """Process-wide, re-entrant exclusive locks on <warehouse>.lock (one fd per path)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held: dict[str, list] = {}  # path -> [fd, refcount]
        # Runs whose resources were torn down. Dagster initialises the resources once more after
        # a run (to build its result, no step executes): that must not wait for the next run.
        self.finished_runs: set[str] = set()

    def held(self, warehouse: Path) -> bool:
        return str(lock_path_for(Path(warehouse))) in self._held

    def acquire(
        self, warehouse: Path, run_id: str | None = None, timeout: float | None = None, log=None
    ) -> dict | None:
        """Take the lock (re-entrant). Returns what the previous holder wrote in the lock file
        ({pid, host, run_id, since}) when this call took the lock, else None."""
        warehouse = Path(warehouse)
        lock_file = lock_path_for(warehouse)
        key = str(lock_file)
        with self._mutex:
            if key in self._held:
                self._held[key][1] += 1
                return None
            timeout = lock_timeout() if timeout is None else timeout
            deadline = time.monotonic() + timeout
            lock_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                self._flock(fd, lock_file, warehouse, deadline, timeout, log)
                try:
                    previous = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
                except (OSError, ValueError):
                    previous = {}
                info = {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "run_id": run_id,
                    "since": _dt.datetime.now().isoformat(timespec="seconds"),
                }
                os.ftruncate(fd, 0)
                os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
                self._wait_duckdb_free(warehouse, deadline, timeout, log)
            except BaseException:
                os.close(fd)  # closing the fd drops the flock if we had it
                raise
            self._held[key] = [fd, 1]
            return previous if isinstance(previous, dict) else {}

    @staticmethod
    def _flock(fd, lock_file, warehouse, deadline, timeout, log) -> None:
        def attempt():
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return None
            except BlockingIOError:
                return _holder_info(lock_file)

        _wait_for(
            attempt,
            deadline,
            log,
            give_up=lambda holder: (
                f"warehouse {warehouse} is in use by another pipeline run ({holder}); "
                f"gave up after waiting {timeout:g}s (WAREHOUSE_LOCK_TIMEOUT). Nothing was "
                f"written by this run; start it again when the other run has finished."
            ),
            waiting=lambda holder: f"waiting up to {timeout:g}s for the warehouse lock {lock_file} ({holder})",
        )

    @staticmethod
    def _wait_duckdb_free(warehouse, deadline, timeout, log) -> None:
        """Wait while another process has the DuckDB file open. An orphaned `dbt` of a killed run
        finishes on its own, so it is waited for (up to the lock timeout); any other process (a
        notebook, the duckdb CLI, a BI tool reading the warehouse) is waited for briefly, then the
        run fails naming it and saying what to open instead."""
        if not warehouse.exists():
            return
        reader_deadline = min(deadline, time.monotonic() + READER_WAIT_S)
        holder = {}

        def attempt():
            try:
                duckdb.connect(str(warehouse)).close()  # also replays a WAL left by a crash
                return None
            except duckdb.Error as exc:
                if not duckdb_lock_conflict(exc):
                    raise unusable_warehouse(warehouse, exc) from exc
                holder.update(_file_holder(str(exc)))
                if not holder["is_dbt"] and time.monotonic() >= reader_deadline:
                    raise WarehouseBusyError(_reader_in_the_way(warehouse, holder)) from None
                return holder["what"]

        _wait_for(
            attempt,
            deadline,
            log,
            give_up=lambda what: (
                f"warehouse {warehouse} is still open in {what} although no pipeline run "
                f"holds its lock (an orphaned dbt of a killed run); gave up after "
                f"{timeout:g}s (WAREHOUSE_LOCK_TIMEOUT): end that process and run again"
            ),
            waiting=lambda what: f"warehouse file {warehouse} is open in {what}, waiting",
        )

    def release(self, warehouse: Path) -> None:
        key = str(lock_path_for(Path(warehouse)))
        with self._mutex:
            entry = self._held.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] <= 0:
                del self._held[key]
                try:
                    # a clean end leaves no holder behind: only a holder that died is named next time
                    os.ftruncate(entry[0], 0)
                except OSError:
                    pass
                os.close(entry[0])


WAREHOUSE_LOCKS = _WarehouseLocks()


@contextmanager
def warehouse_lock(
    warehouse: Path, run_id: str | None = None, timeout: float | None = None, log=None
) -> Iterator[None]:
    WAREHOUSE_LOCKS.acquire(warehouse, run_id=run_id, timeout=timeout, log=log)
    try:
        yield
    finally:
        WAREHOUSE_LOCKS.release(warehouse)


def pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError, OverflowError):
        return True
    return True
