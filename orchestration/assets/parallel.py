"""Spread a stage's per-article work over both cores (the machines have 2), batch by batch.

Dagster-free on purpose: spawned workers import only the module of the function they run.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

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
    except (OSError, AttributeError):   # not Linux/glibc: the pool's own shutdown only
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
    return ProcessPoolExecutor(max_workers=n_workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(os.getpid(), initializer, initargs))


@contextmanager
def worker_pool(n_items: int, *, threshold: int, chunk_size: int, initializer: Callable | None = None,
                initargs: tuple = ()) -> Iterator[tuple[Callable[[Callable, Sequence], list], str]]:
    """Yields (run, mode): run(work, items) applies `work` to `items` in chunks and returns the
    concatenated results in input order; it can be called once per batch, the workers stay up.

    Above `threshold` items in all, the chunks go to a pool of N_WORKERS processes; below it,
    process start-up (a Python interpreter and the stage's imports) costs more than it saves
    and the work runs here. `work` and `initializer` must be module-level functions (or
    partials of them).
    """
    if n_items <= threshold:
        if n_items and initializer is not None:   # nothing to do: nothing to load
            initializer(*initargs)
        yield (lambda work, items: work(list(items))), "sequential"
        return
    with start_pool(N_WORKERS, initializer, initargs) as pool:
        def run(work: Callable, items: Sequence) -> list:
            chunks = [list(items[i:i + chunk_size]) for i in range(0, len(items), chunk_size)]
            return [r for part in pool.map(work, chunks) for r in part]

        yield run, f"process_pool[{N_WORKERS}]"


def batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
