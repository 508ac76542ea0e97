"""Cancellation and progress plumbing shared by every long call; no Qt, so the GUI adapts these to signals."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from core.errors import CancelledError, PausedError

ProgressCallback = Callable[[int, int | None], None]
"""``progress(done_bytes, total_bytes_or_None)``; called from the worker thread, must be cheap."""


RESUME_HINT = "; run it again to resume"
"""What a pause's message adds when a reason (SIGTERM, Ctrl+C) stopped the transfer and its state was kept."""


class CancelToken:
    """Thread-safe flag that long calls poll between chunks; ``on_cancel`` hooks let blocking waits wake up."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self.paused = False
        self.reason: str | None = None

    def pause(self, reason: str | None = None) -> None:
        """Stop like cancel, but keep what is needed to resume (journal, uploaded parts, partial download)."""
        self.paused = True
        self.cancel(reason)

    def cancel(self, reason: str | None = None) -> None:
        """``reason`` replaces "cancelled by the user" in the error (e.g. "terminated (SIGTERM)")."""
        with self._lock:
            if self._event.is_set():
                return
            if reason:
                self.reason = reason
            self._event.set()
            hooks = list(self._hooks)
        for hook in hooks:
            with contextlib.suppress(Exception):  # a failing hook must not stop the others
                hook()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise self.error()

    def error(self) -> CancelledError:
        if self.paused:
            return PausedError(f"{self.reason}{RESUME_HINT}" if self.reason else "paused by the user")
        return CancelledError(self.reason or "cancelled by the user")

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; True if cancelled meanwhile."""
        return self._event.wait(timeout)

    def on_cancel(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Run ``hook`` on cancel (at once if already cancelled); returns a function that unregisters it."""
        with self._lock:
            already = self._event.is_set()
            if not already:
                self._hooks.append(hook)
        if already:
            hook()

        def remove() -> None:
            with self._lock:
                if hook in self._hooks:
                    self._hooks.remove(hook)

        return remove


    @contextlib.contextmanager
    def active(self) -> Iterator[CancelToken]:
        """Make this the calling thread's current token (``current_cancel``) for the block: calls deep inside
        (an HTTP read, core/http_limits.py) then end on cancel without every layer passing the token down."""
        stack = _stack()
        stack.append(self)
        try:
            yield self
        finally:
            stack.pop()


_local = threading.local()


def _stack() -> list[CancelToken]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def current_cancel() -> CancelToken:
    """The innermost token made active in this thread (``with token.active():``), else NEVER."""
    stack = _stack()
    return stack[-1] if stack else NEVER


NEVER = CancelToken()
"""A token nobody cancels, for callers that do not need cancellation. Never call ``cancel()`` on it."""


def no_progress(done: int, total: int | None) -> None:
    """Default progress callback."""
