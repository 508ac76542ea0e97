"""Run Python's cycle collector only in the GUI thread.

Qt objects must be destroyed in the thread that owns them. Python's automatic collector runs in whichever thread
happens to allocate when a threshold is crossed — a transfer worker or the in-process sandbox — and if it frees a
cycle holding a Qt wrapper there, Qt crashes (seen as rare segfaults in the test suite). So automatic collection
is switched off and a GUI-thread timer collects with the same thresholds instead."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    def check(self) -> int:
        """Collect the oldest generation whose threshold is exceeded, as the automatic collector would."""
        counts = gc.get_count()
        generation = -1
        for gen in range(3):
            if counts[gen] > self._thresholds[gen]:
                generation = gen
        return gc.collect(generation) if generation >= 0 else 0

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """Once per application (idempotent): the collector lives as long as ``app``."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
