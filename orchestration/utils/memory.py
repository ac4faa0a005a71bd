"""Giving freed memory back to the operating system."""

from __future__ import annotations

import sys


def release_memory() -> bool:
    """Give the memory this process freed back to the operating system.

    The Python stages and the GX checks run in this process, and the dbt step then runs dbt in
    its own beside it: after a large backlog this process still held hundreds of MB it no longer
    used while dbt built, and their sum was the run's peak. Freed memory stays with the allocators
    (glibc's arenas, Arrow's jemalloc pool) unless they are asked to return it. Not free on a large
    heap, so it is called once per run, before dbt starts. Returns whether the C allocator (glibc)
    could be asked.
    """
    import ctypes
    import gc

    gc.collect()
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        return False
    return True
