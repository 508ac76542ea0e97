"""Progress line on stderr for long transfers; silent when stderr is not a terminal."""

from __future__ import annotations

import sys
from typing import TextIO

from core.progress import RateMeter, Throttle, human_bytes, human_duration
from core.text import printable


class TerminalProgress:
    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = printable(label)
        self.stage = ""
        self.meter = RateMeter()
        self.throttle = Throttle(10)
        self._shown = False

    def on_stage(self, stage: str) -> None:
        self.stage = printable(stage)

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        self.meter.update(done)
        if not self.throttle.ready():
            return
        pct = f"{100 * done / total:5.1f}%" if total else "     "
        speed = self.meter.speed()
        line = (
            f"\r{self.label} {self.stage:<11} {pct} {human_bytes(done)}/{human_bytes(total)} "
            f"{human_bytes(speed)}/s ETA {human_duration(self.meter.eta(done, total))}"
        )
        self.stream.write(line.ljust(78)[:120])
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()
