"""Ctrl+C during a long CLI command cancels it cleanly (temp files removed, multipart upload aborted, docker
process reaped) instead of killing the process mid-write; the previous handler is restored afterwards."""

from __future__ import annotations

import signal
import threading

from core.cancel import CancelToken


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
