"""Short background calls (log in, list a folder, clear a folder): a QThread per call, results back as signals.

Workers own no widgets. ``TaskRunner`` lives in the GUI thread; its slots receive the worker's signals through
queued connections and then call the plain Python callbacks the caller gave, in the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.errors import AzaionError

log = logging.getLogger("azaion.gui.task")

_LINGERING: list[QThread] = []
"""Threads still blocked in a network call at shutdown: kept referenced so Qt never destroys a running QThread."""


def keep_lingering(thread: QThread) -> None:
    """Keep a thread that did not stop at shutdown referenced for the rest of the process (``_LINGERING``)."""
    _LINGERING.append(thread)


def describe_exception(exc: BaseException) -> str:
    """The message a user sees, in the interface language (the known kinds of failure: gui/errors_text.py).

    A failure whose own text is technical (the server unreachable: a connection pool's repr; a 5xx; an answer not
    understood) is one sentence saying what happened and what to do; its technical text goes to the log here (and
    behind Details where the panel has one, gui/details.py)."""
    from core.errors import ProtocolError, ServerError, UnreachableError
    from gui.errors_text import error_summary, error_text

    if isinstance(exc, UnreachableError | ServerError | ProtocolError):
        summary, details = error_summary(exc)
        log.info("%s (details: %s)", summary, details.replace("\n", " | "))
        return summary
    return error_text(exc)


class _TaskThread(QThread):
    outcome = Signal(object, bool, object)  # thread, ok, result-or-exception

    def __init__(self, fn: Callable[[], Any], name: str) -> None:
        super().__init__()
        self._fn = fn
        self.setObjectName(name)

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # a worker must never die silently
            if not isinstance(exc, AzaionError):
                log.error("Unexpected error in %s", self.objectName(), exc_info=exc)
            self.outcome.emit(self, False, exc)
            return
        self.outcome.emit(self, True, result)


class TaskRunner(QObject):
    busy_changed = Signal(int)
    failed = Signal(object)  # every call's exception, before its own callback (the connection indicator)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._callbacks: dict[_TaskThread, tuple[Callable | None, Callable | None]] = {}
        self._latest: dict[Hashable, int] = {}

    def run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "task",
    ) -> QThread:
        thread = _TaskThread(fn, name)
        thread.outcome.connect(self._on_outcome)
        self._callbacks[thread] = (on_success, on_error)
        thread.start()
        self.busy_changed.emit(len(self._callbacks))
        return thread

    def run_latest(
        self,
        key: Hashable,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        name: str = "task",
    ) -> QThread:
        """Like ``run``, for refreshes: a later call with the same key supersedes this one, whose answer is then
        dropped. Calls cannot be interrupted mid-request, and an older listing can answer last; it must not
        replace the newer one the user asked for."""
        seq = self._latest[key] = self._latest.get(key, 0) + 1

        def if_latest(callback: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
            if callback is None:
                return None
            return lambda value: callback(value) if self._latest.get(key) == seq else None

        return self.run(fn, if_latest(on_success), if_latest(on_error), name=name)

    def calls(self, key: Hashable) -> int:
        """How many ``run_latest`` calls were made with this key (a refresh counter)."""
        return self._latest.get(key, 0)

    @property
    def busy(self) -> int:
        return len(self._callbacks)

    @Slot(object, bool, object)
    def _on_outcome(self, thread: _TaskThread, ok: bool, value: Any) -> None:
        on_success, on_error = self._callbacks.pop(thread, (None, None))
        thread.wait()
        thread.deleteLater()
        self.busy_changed.emit(len(self._callbacks))
        if not ok:
            self.failed.emit(value)
        try:
            if ok and on_success is not None:
                on_success(value)
            elif not ok and on_error is not None:
                on_error(value)
        except Exception:
            log.exception("Error while handling the result of %s", thread.objectName())

    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Wait for running calls (they cannot be interrupted mid-request); callbacks are dropped."""
        for thread in list(self._callbacks):
            try:
                thread.outcome.disconnect(self._on_outcome)
            except (RuntimeError, TypeError):
                pass
            if not thread.wait(timeout_ms):
                log.warning("%s still running at shutdown; leaving it to finish", thread.objectName())
                keep_lingering(thread)
        self._callbacks.clear()
