"""Speed and ETA from a rolling window, and a throttle, shared by the CLI and the GUI.

Progress callbacks arrive in bursts (boto3 calls back every 256 KiB, from several threads); consumers sample
the latest value at ~10 Hz instead of reacting to each callback.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateMeter:
    """Speed and time left as a person reads them: a rolling window that starts at the first report with data.

    After a resume the first report is the offset already on disk (60 MB "in 0.1 s": 59.9 MiB/s and 2 s left on a
    10 MB/s link), and uploads report a part at a time (a window of two or three samples jumped between 1.1 and
    13 MiB/s): so the first report is only the baseline, a report of fewer bytes (a retry) starts the window again,
    and no speed is given until the window spans ``min_span`` seconds (qutebrowser's DownloadItemStats is the
    model). ``update(done)`` on every tick (also when nothing moved); ``speed()`` in bytes/s and
    ``eta(done, total)`` in seconds, or None while not known yet."""

    def __init__(self, window: float = 5.0, min_span: float = 2.0,
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


class Throttle:
    """True at most ``rate`` times a second (plus always for the final update)."""

    def __init__(self, rate: float = 10.0, clock=time.monotonic) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._last = -1e9

    def ready(self, final: bool = False) -> bool:
        now = self._clock()
        if final or now - self._last >= self.interval:
            self._last = now
            return True
        return False


def human_bytes(n: float | None) -> str:
    if n is None:
        return "?"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
