"""Resources: the DuckDB warehouse and the dbt CLI, and the run lock on the warehouse.

dagster-duckdb is not among the pinned packages, so the warehouse resource is a small
ConfigurableResource of our own. Its path is resolved from WAREHOUSE_PATH when a
connection is opened (not when the module is imported), so tests can point it elsewhere.

One writer per warehouse, held for the whole run
------------------------------------------------
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
"""
from __future__ import annotations

import datetime as _dt
import fcntl
import importlib.metadata
import json
import os
import re
import socket
import sys
import threading
import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version
from pydantic import PrivateAttr

from orchestration import config

# Offline pipeline: no usage pings from dbt or GX (there is no network anyway, and a ping
# that waits for a time-out slows every run).
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

# Every asset that writes to the warehouse file runs in this pool (DuckDB allows one
# writer process per file). `make dev` sets its limit to 1 in dagster.yaml.
DUCKDB_POOL = "duckdb_warehouse"

DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
# What the runs invoke: the same dbt, through a wrapper that makes it die with the run's process.
os.environ["PIPELINE_DBT"] = DBT_EXECUTABLE
DBT_IN_RUN = str(Path(__file__).resolve().parent / "bin" / "dbt-in-run")
# dagster-dbt helpers that build their own DbtCliResource (DbtProject.prepare_if_dev under
# `dagster dev`) look for plain `dbt` on PATH; the venv is usually not activated, so put its
# bin directory (where dbt lives, beside sys.executable) first.
_venv_bin = str(Path(sys.executable).parent)
if _venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _venv_bin + os.pathsep + os.environ.get("PATH", "")


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
    return (f"pid {info.get('pid')} on {info.get('host')}, run {info.get('run_id') or '?'}, "
            f"since {info.get('since')}")


def unusable_warehouse(warehouse: Path, exc: Exception) -> RuntimeError:
    """The error for a warehouse file DuckDB cannot open (truncated, overwritten, not DuckDB)."""
    return RuntimeError(
        f"the warehouse {warehouse} (WAREHOUSE_PATH) cannot be opened: {exc}. It is damaged or not a "
        f"DuckDB file. Restore it from a backup, or move it (and {warehouse}.wal) away: the next run "
        f"builds a new warehouse from every file in the inbox. The analyst copy keeps the last good data.")


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
    return (f"warehouse {warehouse} is held open by {holder['what']}, which is not a pipeline run nor "
            f"its dbt: DuckDB lets no run write while any other process has the file open, even "
            f"read-only. Close that connection (notebook, duckdb CLI, BI tool) and run again; to read "
            f"the data, open the analyst copy {config.analyst_db_path()} (ANALYST_DB_PATH) instead, which "
            f"never blocks a run. Nothing was written by this run.")


def _duckdb_lock_conflict(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "lock" in msg and ("conflicting" in msg or "could not set" in msg)


class _WarehouseLocks:
    """Process-wide, re-entrant exclusive locks on <warehouse>.lock (one fd per path)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held: dict[str, list] = {}   # path -> [fd, refcount]
        # Runs whose resources were torn down. Dagster initialises the resources once more after
        # a run (to build its result, no step executes): that must not wait for the next run.
        self.finished_runs: set[str] = set()

    def held(self, warehouse: Path) -> bool:
        return str(lock_path_for(Path(warehouse))) in self._held

    def acquire(self, warehouse: Path, run_id: str | None = None, timeout: float | None = None,
                log=None) -> dict | None:
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
                info = {"pid": os.getpid(), "host": socket.gethostname(), "run_id": run_id,
                        "since": _dt.datetime.now().isoformat(timespec="seconds")}
                os.ftruncate(fd, 0)
                os.pwrite(fd, json.dumps(info).encode("utf-8"), 0)
                self._wait_duckdb_free(warehouse, deadline, timeout, log)
            except BaseException:
                os.close(fd)   # closing the fd drops the flock if we had it
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
            attempt, deadline, log,
            give_up=lambda holder: (
                f"warehouse {warehouse} is in use by another pipeline run ({holder}); "
                f"gave up after waiting {timeout:g}s (WAREHOUSE_LOCK_TIMEOUT). Nothing was "
                f"written by this run; start it again when the other run has finished."),
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
                duckdb.connect(str(warehouse)).close()   # also replays a WAL left by a crash
                return None
            except duckdb.Error as exc:
                if not _duckdb_lock_conflict(exc):
                    raise unusable_warehouse(warehouse, exc) from exc
                holder.update(_file_holder(str(exc)))
                if not holder["is_dbt"] and time.monotonic() >= reader_deadline:
                    raise WarehouseBusyError(_reader_in_the_way(warehouse, holder)) from None
                return holder["what"]

        _wait_for(
            attempt, deadline, log,
            give_up=lambda what: (f"warehouse {warehouse} is still open in {what} although no pipeline run "
                                  f"holds its lock (an orphaned dbt of a killed run); gave up after "
                                  f"{timeout:g}s (WAREHOUSE_LOCK_TIMEOUT): end that process and run again"),
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
def warehouse_lock(warehouse: Path, run_id: str | None = None, timeout: float | None = None,
                   log=None) -> Iterator[None]:
    WAREHOUSE_LOCKS.acquire(warehouse, run_id=run_id, timeout=timeout, log=log)
    try:
        yield
    finally:
        WAREHOUSE_LOCKS.release(warehouse)


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError, OverflowError):
        return True
    return True


HOLDER_PID_TAG = "warehouse_lock/pid"
HOLDER_HOST_TAG = "warehouse_lock/host"


def _mark_crashed(instance, run_id: str, pid, log=None) -> bool:
    try:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return False
        if run.is_finished:    # it ended (normally, or marked since): no alarm, any slot left is freed
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            return False
        instance.report_run_failed(
            run, message=f"Marked failed by a later run: its process (pid {pid}) died without "
                         f"finishing (killed?) while holding the warehouse lock.")
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    except Exception as exc:  # noqa: BLE001 - recovery is best effort, never blocks the new run
        if log is not None:
            log.warning(f"could not clean up crashed run {run_id}: {exc}")
        return False
    if log is not None:
        log.warning(f"run {run_id} (pid {pid}) died while holding the warehouse lock: "
                    f"marked failed and its pool slots freed")
    return True


def recover_crashed_runs(instance, current_run_id: str | None, previous: dict | None = None,
                         log=None) -> list[str]:
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
        slot_runs = instance.event_log_storage.get_concurrency_run_ids()
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
        if rid == current_run_id or pid is None or _pid_alive(pid):
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


class _RunLockMixin:
    """Hold the warehouse lock from resource setup to teardown (= the whole in-process run)."""

    def _warehouse_for_lock(self) -> Path:
        return config.warehouse_path()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run_id = _context_run_id(context)
        if run_id and run_id in WAREHOUSE_LOCKS.finished_runs:
            return
        path = self._warehouse_for_lock()
        previous = WAREHOUSE_LOCKS.acquire(path, run_id=run_id, log=context.log)
        self._locked_path = str(path)
        if previous is not None:   # this resource took the lock (not a re-entrant acquire)
            instance = getattr(context, "instance", None)
            _tag_holder(instance, run_id, context.log)
            recover_crashed_runs(instance, run_id, previous, context.log)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._locked_path:
            WAREHOUSE_LOCKS.release(Path(self._locked_path))
            self._locked_path = None
            run_id = _context_run_id(context)
            if run_id:
                WAREHOUSE_LOCKS.finished_runs.add(run_id)


class WarehouseResource(_RunLockMixin, dg.ConfigurableResource):
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
        p = self.resolved_path()
        if not read_only:
            p.parent.mkdir(parents=True, exist_ok=True)
        # DuckDB caches table blocks up to 80% of RAM by default, so a long run over a large
        # warehouse grew this process by GBs; capped, it evicts blocks and spills big operators.
        memory_limit = config.duckdb_memory_limit()
        try:
            con = duckdb.connect(str(p), read_only=read_only, config={"memory_limit": memory_limit})
        except duckdb.Error as exc:
            if _duckdb_lock_conflict(exc) or not p.exists():
                raise
            raise unusable_warehouse(p, exc) from exc
        try:
            yield con
        finally:
            con.close()


def release_memory() -> None:
    """Give the memory this process freed back to the operating system.

    The Python stages and the GX checks run in this process, and the dbt step then runs dbt in
    its own beside it: after a 100,000-article backlog (whose first validations cover whole
    tables) this process still held ~950 MB it no longer used while dbt built, and their sum was
    the run's peak. Freed memory stays with the allocators (glibc's arenas, Arrow's jemalloc pool)
    unless they are asked to return it. ~0.3 s on a large heap: called once, before dbt starts.
    """
    import ctypes
    import gc

    gc.collect()
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):   # not glibc
        pass


dbt_project = DbtProject(
    project_dir=config.DBT_PROJECT_DIR,
    profiles_dir=config.DBT_PROJECT_DIR,
)
# Under `dagster dev` this re-parses the project on load so model edits show up at once.
dbt_project.prepare_if_dev()


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
        os.environ["WAREHOUSE_PATH"] = str(config.warehouse_path())
        (
            DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
            .cli(["--quiet", "parse"], target_path=Path(dbt_project.target_path))
            .wait()
        )
    return manifest if manifest.exists() else None


class LockedDbtCliResource(_RunLockMixin, DbtCliResource):
    """The dbt CLI, holding the warehouse lock for the run like WarehouseResource (dbt writes it)."""

    _locked_path: str | None = PrivateAttr(default=None)

    def _initialize_dbt_core_adapter(self, args):
        # dagster-dbt builds an in-process dbt adapter before every invocation, only to serve
        # fetch_row_counts() / fetch_column_metadata(), which this project does not call; building
        # it loads the dbt project and profile a second time (~1 s of every run). Without it the
        # invocation runs exactly as before (dagster-dbt accepts no adapter).
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        # dagster-dbt runs `dbt --version` before every invocation (a 2 s subprocess that also
        # asks the package index for the latest release). The executable is the dbt beside
        # sys.executable (DBT_EXECUTABLE), i.e. this environment's dbt-core.
        return version.parse(importlib.metadata.version("dbt-core"))


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(),
        "dbt": LockedDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_IN_RUN),
    }
