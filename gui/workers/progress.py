"""The one place where core callbacks meet Qt: a probe that stores the latest progress and stage.

Core code calls ``probe.progress(done, total)`` from worker threads (boto3 does so every 256 KiB, in bursts)
and ``probe.on_stage(name)``; both only assign attributes. The GUI thread samples ``probe.snapshot()`` from a
~10 Hz QTimer (see ``TransferQueue``), so the number of signals and repaints does not depend on how often the
core calls back.
"""

from __future__ import annotations

import threading


class ProgressProbe:
    __slots__ = ("_lock", "done", "total", "stage", "calls", "version")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self.total: int | None = None
        self.stage = ""
        self.calls = 0
        self.version = 0

    def progress(self, done: int, total: int | None) -> None:
        # Attribute stores are atomic under the GIL; the lock only keeps (done, total) a consistent pair.
        with self._lock:
            self.done = done
            self.total = total
            self.calls += 1
            self.version += 1

    def on_stage(self, stage: str) -> None:
        with self._lock:
            self.stage = stage
            self.version += 1

    def reset(self) -> None:
        with self._lock:
            self.done, self.total, self.stage = 0, None, ""
            self.version += 1

    def snapshot(self) -> tuple[int, int | None, str, int]:
        with self._lock:
            return self.done, self.total, self.stage, self.version
