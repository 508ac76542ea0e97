"""The one place where core callbacks meet Qt: a probe that stores the latest progress and stage.

The probe is a transfer's observer (core/observer.py): core code calls ``probe.progress(done, total)`` from
worker threads (boto3 does so every 256 KiB, in bursts), ``probe.on_stage(name)`` and the rest; each only
assigns attributes. The GUI thread samples ``probe.snapshot()`` from a ~10 Hz QTimer (see ``TransferQueue``), so
the number of signals and repaints does not depend on how often the core calls back.
"""

from __future__ import annotations

import math
import threading
import time

from core.observer import TransferObserver


class ProgressProbe(TransferObserver):
    """A transfer's observer (core/observer.py) that keeps only the latest report of each kind."""

    __slots__ = ("_lock", "done", "total", "stage", "calls", "version", "retry", "note")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self.total: int | None = None
        self.stage = ""
        self.calls = 0
        self.version = 0
        self.retry: tuple[int, int, float, str] | None = None  # attempt, attempts, monotonic deadline, error
        self.note = ""  # the latest thing the user should be told (resumed, started over, cache replaced)

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

    def on_retry(self, attempt: int, attempts: int, delay: float, error: Exception) -> None:
        with self._lock:
            self.retry = (attempt, attempts, time.monotonic() + delay, str(error))
            self.version += 1

    def on_event(self, message: str) -> None:
        with self._lock:
            self.note = message
            self.version += 1

    def retry_text(self, now: float | None = None) -> str | None:
        """"Retrying in 8 s (attempt 3 of 6)" (in the interface language) while a retry wait is running, else None.
        One short phrase for the State column: it was "Retrying: retrying in 8 s, attempt 3/6", cut to
        "Retrying: retrying i…"."""
        with self._lock:
            retry = self.retry
        if retry is None:
            return None
        attempt, attempts, deadline, _error = retry
        left = deadline - (time.monotonic() if now is None else now)
        if left <= 0:
            return None
        from PySide6.QtCore import QCoreApplication

        return QCoreApplication.translate("Transfers", "Retrying in {0} s (attempt {1} of {2})").format(
            math.ceil(left), attempt, attempts)

    def reset(self) -> None:
        with self._lock:
            self.done, self.total, self.stage = 0, None, ""
            self.version += 1

    def snapshot(self) -> tuple[int, int | None, str, int]:
        with self._lock:
            return self.done, self.total, self.stage, self.version
