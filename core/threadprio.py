"""Low CPU priority for helper threads, so our own hashing never keeps the GUI thread waiting for a core.

Measured with ``bench.gui``'s stall child on 2 cores (sandbox in its own process): hashing a 1 GiB download in a
second thread at normal priority stalled the event loop over 50 ms in 8 of 20 runs (up to 156 ms), nice 5 and 10
did not help; at nice 19 the largest stall was 8.5-9.5 ms, the same as with no second thread. nice 19 rather than
SCHED_IDLE (which measured the same): a SCHED_IDLE thread gets almost nothing while any other program keeps the
CPU busy, and the download would stop behind it; at nice 19 it still gets a share.

Linux: the calling thread's nice value (``setpriority`` on its thread id changes that thread only). Windows:
THREAD_PRIORITY_LOWEST. macOS: unchanged."""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger("azaion.threadprio")

BACKGROUND_NICE = 19


def lower_current_thread() -> bool:
    """Give the calling thread background priority; True if the platform took it."""
    try:
        if sys.platform.startswith("linux"):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
            return True
        if sys.platform == "win32":  # pragma: no cover - Windows only; not exercised by this CI
            import ctypes

            kernel32 = ctypes.windll.kernel32
            thread_priority_lowest = -2
            return bool(kernel32.SetThreadPriority(kernel32.GetCurrentThread(), thread_priority_lowest))
    except (OSError, AttributeError) as exc:
        log.debug("could not lower the thread priority: %s", exc)
    return False


def current_thread_nice() -> int | None:
    """The calling thread's nice value on Linux (None elsewhere): for tests and diagnostics."""
    if not sys.platform.startswith("linux"):
        return None
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
