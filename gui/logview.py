"""Live log records for the Log panel: a logging.Handler that hands each record to the GUI thread by a signal."""

from __future__ import annotations

import collections
import logging

from PySide6.QtCore import QObject, Signal

from core.logs import LOG_FORMAT, RedactingFilter

BUFFER = 5000


class _Emitter(QObject):
    record = Signal(int, str)  # level, formatted text


class QtLogHandler(logging.Handler):
    """Formats (redacted) records and emits ``emitter.record``; keeps the last records for late viewers."""

    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level)
        self.emitter = _Emitter()
        self.buffer: collections.deque[tuple[int, str]] = collections.deque(maxlen=BUFFER)
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.addFilter(RedactingFilter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.buffer.append((record.levelno, text))
        try:
            self.emitter.record.emit(record.levelno, text)
        except RuntimeError:  # the emitter was deleted during shutdown
            pass

    def install(self, logger_name: str = "azaion") -> None:
        logging.getLogger(logger_name).addHandler(self)

    def uninstall(self, logger_name: str = "azaion") -> None:
        logging.getLogger(logger_name).removeHandler(self)
