"""Ctrl+C (SIGINT) during a long CLI command cancels it cleanly (temp files removed, multipart upload aborted, docker
process reaped) instead of killing the process mid-write. SIGTERM (a session ending, a service manager, ``kill``)
pauses it, as closing the GUI does: temp files holding plaintext are removed the same way, but what a later run
resumes from (an upload's journal, staged parts and multipart upload, a download's ``.big.part``) is kept. The
previous handlers are restored afterwards. The token is also made the thread's current one
(core/cancel.py), so a socket read blocked anywhere inside the command ends within a second of the signal."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

from cli.progress import TerminalProgress
from core.cancel import CancelToken


def cancel_on_sigint() -> tuple[CancelToken, object]:
    """A token that SIGINT cancels and SIGTERM pauses; returns it with what ``restore_sigint`` needs."""
    token = CancelToken()
    if threading.current_thread() is not threading.main_thread():
        return token, None
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, lambda *_: token.cancel())
    signal.signal(signal.SIGTERM, lambda *_: token.pause("terminated (SIGTERM)"))
    return token, previous


def restore_sigint(previous: object) -> None:
    if isinstance(previous, dict):
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def long_running(label: str) -> Iterator[tuple[TerminalProgress, CancelToken]]:
    """What every long command needs: a progress line on stderr and a cancel token wired to Ctrl+C and SIGTERM."""
    progress = TerminalProgress(label)
    token, previous = cancel_on_sigint()
    try:
        with token.active():
            yield progress, token
    finally:
        restore_sigint(previous)
        progress.close()
