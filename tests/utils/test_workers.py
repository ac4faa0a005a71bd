"""The one worker pool of the parallel stages (orchestration/utils/workers.py)."""

import os
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from orchestration.utils import workers
from orchestration.utils.workers import WorkerPool, batches

_LOADED: list[str] = []


def _load(tag: str) -> None:
    _LOADED.append(tag)


def _double(chunk: list) -> list:
    return [(x * 2, os.getpid()) for x in chunk]


def test_below_the_threshold_the_work_runs_here_after_the_initializer():
    _LOADED.clear()
    with WorkerPool(3, threshold=10, initializer=_load, initargs=("here",)) as pool:
        out = pool.map(_double, [1, 2, 3], chunk_size=2)
    assert [x for x, _ in out] == [2, 4, 6]
    assert {pid for _, pid in out} == {os.getpid()}
    assert _LOADED == ["here"] and pool.mode == "sequential"


def test_nothing_to_do_loads_nothing():
    _LOADED.clear()
    with WorkerPool(0, threshold=10, initializer=_load, initargs=("x",)) as pool:
        assert pool.map(_double, [], chunk_size=5) == []
    assert _LOADED == []


def test_above_the_threshold_chunks_go_to_other_processes_in_order():
    items = list(range(40))
    with WorkerPool(len(items), threshold=5) as pool:
        out = pool.map(_double, items, chunk_size=7)
    assert [x for x, _ in out] == [2 * i for i in items]
    assert os.getpid() not in {pid for _, pid in out}
    assert pool.mode == "process_pool[2]"


class _DyingPool:
    """A pool whose every worker dies (an OOM kill) before returning its chunk."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, fn, chunk):
        future = Future()
        future.set_exception(BrokenProcessPool("worker died"))
        return future

    def shutdown(self, wait=True):
        pass


def test_chunks_of_a_dead_worker_are_done_here(monkeypatch):
    monkeypatch.setattr(workers, "ProcessPoolExecutor", _DyingPool)
    _LOADED.clear()
    with WorkerPool(10, threshold=0, initializer=_load, initargs=("redo",)) as pool:
        out = pool.map(_double, list(range(10)), chunk_size=4)
    assert [x for x, _ in out] == [2 * i for i in range(10)]
    assert pool.redone == 3 and "3 chunk(s) redone in-process" in pool.mode
    assert _LOADED == ["redo"]  # loaded once here, for the first redone chunk


def test_a_pool_that_cannot_start_leaves_the_work_here(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(workers, "ProcessPoolExecutor", refuse)
    with WorkerPool(10, threshold=0) as pool:
        assert [x for x, _ in pool.map(_double, [1, 2], chunk_size=1)] == [2, 4]
    assert pool.mode == "sequential"


def test_batches_cover_every_item_once_in_order():
    assert [list(b) for b in batches(list(range(7)), 3)] == [[0, 1, 2], [3, 4, 5], [6]]
