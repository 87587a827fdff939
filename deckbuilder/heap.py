"""The C heap of a one-shot command and of its worker processes: glibc's malloc, told to
keep the memory it frees.

A build reads, inflates, hashes and writes one image after another: buffers of 0.3 to
25 MB, each freed before the next is made. By default glibc gives buffers from 128 kB up
their own mappings and hands freed heap back to the system, so every image's buffers
are new pages, each faulted in and zeroed by the kernel: some 20,000 page faults and
0.1 s of system time per 200 images in each process. Told to serve buffers up to 32 MB
from the heap and to keep what is freed, the next image reuses the last one's pages
(benchmarks/README.md has the figures).

What it costs: the process keeps its peak heap until it exits. Fine for `build` and
`export`, which end within seconds, and for their workers, which live for one call;
not applied to `serve`. Other C libraries (musl, macOS) are left as they are.
"""

from __future__ import annotations

import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # mallopt's parameter numbers (malloc.h)
MMAP_FROM = 32 << 20    # glibc's largest threshold on 64-bit: a 3000×2000 RGBA image fits
TRIM_FROM = 256 << 20   # free memory kept at the top of the heap before any is given back
# The same settings for a process started with them (glibc reads these at start-up).
ENV = {"MALLOC_MMAP_THRESHOLD_": str(MMAP_FROM), "MALLOC_TRIM_THRESHOLD_": str(TRIM_FROM)}


def keep_freed_memory() -> bool:
    """Tune this process's malloc as `ENV` tunes a child's; return whether it took.

    Nothing is changed where the user set either variable (their choice stands) or
    where the C library is not glibc."""
    if _user_set() or not sys.platform.startswith("linux"):
        return False
    import ctypes   # ~4 ms; only here

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):   # not glibc (musl has no mallopt)
        return False
    # The trim threshold first: setting the mmap threshold also stops glibc's own
    # adjustment of both, and a failed setting leaves the default in place.
    return bool(mallopt(M_TRIM_THRESHOLD, TRIM_FROM)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_FROM))


def child_env() -> dict[str, str] | None:
    """Return the environment a worker process is started with: this one's, its malloc
    tuned as `keep_freed_memory` tunes this process (None: this one's, unchanged)."""
    return None if _user_set() else {**os.environ, **ENV}


def _user_set() -> bool:
    """Return whether the user set either of `ENV`'s variables (their choice stands)."""
    return any(name in os.environ for name in ENV)
