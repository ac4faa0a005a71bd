"""The one worker pool of every parallel stage (inbox reading, cleaning, extraction).

Dagster-free on purpose: spawned workers import only the module of the function they run.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

N_WORKERS = 2
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Make this worker process end when its parent does, even by kill -9 (the parent then never
    shuts the pool down, and each orphaned worker would keep its memory). Linux: the kernel sends
    SIGKILL when the parent goes (prctl PR_SET_PDEATHSIG); a parent already gone ends us now."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux/glibc: the pool's own shutdown only
        pass
    if os.getppid() != parent_pid:
        os._exit(1)


def _init_worker(parent_pid: int, initializer: Callable | None, initargs: tuple) -> None:
    die_with_parent(parent_pid)
    if initializer is not None:
        initializer(*initargs)


def start_pool(n_workers: int, initializer: Callable | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """A pool of `n_workers` spawned processes that die with this one."""
    # spawn, not fork: the Dagster process has threads, and forking those can deadlock.
    return ProcessPoolExecutor(
        max_workers=n_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(os.getpid(), initializer, initargs),
    )


class WorkerPool:
    """Applies a stage's per-item work to chunks of items, on N_WORKERS spawned processes or here.

        with WorkerPool(len(ids), threshold=400, initializer=load, initargs=(path,)) as pool:
            for batch in batches(ids, 2000):
                results = pool.map(work, rows_of(batch), chunk_size=50)

    Above `threshold` items in all, the chunks go to a pool of processes that die with this one,
    started once for every batch; below it, process start-up (an interpreter and the stage's
    imports) costs more than it saves and the work runs here. A chunk whose worker died (an OOM
    kill, a crash in C code) is done again here, and if the pool cannot start at all everything
    is done here: a broken pool costs time, never items. `work(chunk) -> list` and `initializer`
    must be module-level functions (or partials of them); the initializer also runs here before
    any work is done here.
    """

    def __init__(
        self,
        n_items: int,
        *,
        threshold: int,
        initializer: Callable | None = None,
        initargs: tuple = (),
        use_pool: bool | None = None,
        n_workers: int = N_WORKERS,
    ) -> None:
        self.n_items, self.n_workers = n_items, n_workers
        self.use_pool = (n_items > threshold) if use_pool is None else use_pool
        self.initializer, self.initargs = initializer, initargs
        self.pool: ProcessPoolExecutor | None = None
        self.redone = 0
        self._ready_here = False

    def __enter__(self) -> WorkerPool:
        if self.use_pool and self.n_items and self.n_workers > 0:
            try:
                self.pool = start_pool(self.n_workers, self.initializer, self.initargs)
            except Exception:  # noqa: BLE001 - no pool: everything is done here
                self.pool = None
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            try:
                self.pool.shutdown(wait=True)
            except Exception:  # noqa: BLE001 - a dead pool must not fail the stage
                pass

    @property
    def mode(self) -> str:
        if self.pool is None:
            return "sequential"
        redone = f", {self.redone} chunk(s) redone in-process" if self.redone else ""
        return f"process_pool[{self.n_workers}]{redone}"

    def _here(self, work: Callable, chunk: list) -> list:
        if not self._ready_here:
            if self.initializer is not None:
                self.initializer(*self.initargs)
            self._ready_here = True
        return work(chunk)

    def map(self, work: Callable[[list], list], items: Sequence, chunk_size: int) -> list:
        """work applied to `items` in chunks of `chunk_size`: the concatenated results, in order."""
        items = list(items)
        if not items:
            return []
        if self.pool is None:
            return self._here(work, items)
        chunks = [items[i : i + chunk_size] for i in range(0, len(items), chunk_size)]
        try:
            futures = [self.pool.submit(work, c) for c in chunks]
        except Exception:  # noqa: BLE001 - the pool broke: done here below
            futures = [None] * len(chunks)
        out = []
        for chunk, future in zip(chunks, futures):
            try:
                part = future.result() if future is not None else None
            except Exception:  # noqa: BLE001 - a dead worker: its chunk is done here
                part = None
            if part is None:
                part = self._here(work, chunk)
                self.redone += 1
            out.extend(part)
        return out


def batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
