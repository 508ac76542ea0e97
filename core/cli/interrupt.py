"""Ctrl+C during a long CLI command cancels it cleanly (temp files removed, multipart upload aborted, docker
process reaped) instead of killing the process mid-write; the previous handler is restored afterwards."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

from core.cancel import CancelToken
from core.cli.progress import TerminalProgress


def cancel_on_sigint() -> tuple[CancelToken, object]:
    token = CancelToken()
    if threading.current_thread() is not threading.main_thread():
        return token, None
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda *_: token.cancel())
    return token, previous


def restore_sigint(previous: object) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def long_running(label: str) -> Iterator[tuple[TerminalProgress, CancelToken]]:
    """What every long command needs: a progress line on stderr and a cancel token wired to Ctrl+C."""
    progress = TerminalProgress(label)
    token, previous = cancel_on_sigint()
    try:
        yield progress, token
    finally:
        restore_sigint(previous)
        progress.close()
