"""Speed and time left of a transfer, as a person reads them: from a rolling window that starts when the transfer
(re)starts, after its first report (qutebrowser's DownloadItemStats is the model).

core.progress.RateMeter averages whatever samples it has. After a resume the first report is the offset already
on disk (60 MB "in 0.1 s"), so the speed showed 59.9 MiB/s and 2 s left on a 10 MB/s link; uploads report a part
at a time, so a window of two or three samples jumped between 1.1 and 13 MiB/s. Here the first report with data
is only the baseline, and no speed is given until the window spans ``min_span`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class TransferRate:
    """``update(done)`` on every tick of the queue's timer (also when nothing moved); ``speed()`` in bytes/s and
    ``eta(done, total)`` in seconds, or None while not known yet."""

    def __init__(self, window: float = 10.0, min_span: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.min_span = min_span
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()
        self._baseline: int | None = None
        self._lock = threading.Lock()

    def reset(self) -> None:
        """A new start (resume, retry): the window starts again at the next report."""
        with self._lock:
            self._samples.clear()
            self._baseline = None

    def update(self, done: int) -> None:
        now = self._clock()
        with self._lock:
            if self._baseline is None or (self._samples and done < self._samples[-1][1]):
                # The first report (the resume offset, or the first part) or a restart from fewer bytes: the
                # window starts here, whatever came before.
                if done > 0 or self._baseline is None:
                    self._samples.clear()
                    self._samples.append((now, done))
                    self._baseline = done if done > 0 else None
                return
            self._samples.append((now, done))
            while len(self._samples) > 2 and now - self._samples[1][0] >= self.window:
                self._samples.popleft()

    def speed(self) -> float | None:
        with self._lock:
            if len(self._samples) < 2:
                return None
            (t0, d0), (t1, d1) = self._samples[0], self._samples[-1]
        if t1 - t0 < self.min_span:
            return None
        return max(0.0, (d1 - d0) / (t1 - t0))

    def eta(self, done: int, total: int | None) -> float | None:
        speed = self.speed()
        if not total or speed is None or speed <= 0:
            return None
        return max(0.0, (total - done) / speed)
