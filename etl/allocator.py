"""Keeping freed memory in the process during a load, instead of returning it to the kernel at once.

glibc serves every allocation above its mmap threshold (128 KB to 32 MB, adjusted as it goes) with a fresh
mapping and unmaps it on free, and trims the heap's top beyond twice that. A case load allocates and frees
thousands of arrays of one to a few megabytes per chunk (numpy and pandas temporaries), so each one is faulted
in and zeroed by the kernel again: measured on the GCJ-02 shift of 250k points, 105 ms with glibc's defaults
against 49 ms with both thresholds raised (docs/performance.md). The memory stays bounded by the largest
working set a chunk needs, which ``settings.etl_chunk_rows`` bounds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import platform

#: mallopt parameters (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap; the heap's top is returned to the kernel beyond twice it.
KEEP_BYTES = 256 << 20


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    return None if name is None else ctypes.CDLL(name)


def keep_freed_memory(keep_bytes: int = KEEP_BYTES) -> bool:
    """Set glibc's mmap threshold to ``keep_bytes`` and its trim threshold to twice it for this process (a
    memory-bounded load keeps less: ``etl.membound``); False where libc is not glibc."""
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, keep_bytes)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, 2 * keep_bytes))
