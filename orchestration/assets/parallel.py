"""Spread a stage's per-article work over both cores (the machines have 2).

Dagster-free on purpose: spawned workers import only the module of the function they run.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Sequence

N_WORKERS = 2


def map_chunks(work: Callable[[list], list], items: Sequence, *, threshold: int, chunk_size: int,
               initializer: Callable | None = None, initargs: tuple = ()) -> tuple[list, str]:
    """`work` over `items` in chunks: (concatenated results in input order, mode).

    Above `threshold` items the chunks go to a pool of N_WORKERS processes; below it, process
    start-up (a Python interpreter and the stage's imports) costs more than it saves and the
    work runs here. `work` and `initializer` must be module-level functions (or partials of them).
    """
    if len(items) > threshold:
        chunks = [list(items[i:i + chunk_size]) for i in range(0, len(items), chunk_size)]
        # spawn, not fork: the Dagster process has threads, and forking those can deadlock.
        with ProcessPoolExecutor(max_workers=N_WORKERS, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=initializer, initargs=initargs) as pool:
            return [r for part in pool.map(work, chunks) for r in part], f"process_pool[{N_WORKERS}]"
    if initializer is not None:
        initializer(*initargs)
    return work(list(items)), "sequential"
