"""The transfer process: one upload or download of a big/small resource, run for the application in a process of
its own (``python -m core.transfer_worker``, or the frozen app with ``--transfer-worker``).

Why a process: the transfer's own Python (botocore's part senders, the part bookkeeping, the progress) holds the
interpreter lock for stretches the GUI's event loop then waits out; measured, the largest stall during a 1 GiB
upload was 58-101 ms in ``make bench``. In a process of its own it competes for a core only.

It reads one request line on stdin (core/transfer_process.py writes it: the client's settings, the credentials
and token, the operation), then control lines (``pause``, ``cancel``, ``rate``) until it ends. It writes its
reports, forwarded log records and, last, the result or the error on stdout, one JSON object per line
(core/worker_messages.py). Secrets arrive only on stdin; they are registered for redaction before anything is
logged. stdin closing (the application gone, however it ended) pauses the transfer, so a resumable state is kept.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from core.cancel import CancelToken
from core.observer import TransferObserver
from core.worker_messages import MAX_LINE, decode, encode, exception_to_data, report_to_data

PROGRESS_INTERVAL = 0.1
"""Seconds between progress messages (the GUI samples at ~10/s; more would only cost both processes)."""

APP_CLOSED = "the application closed"

NICE = 10
"""The transfer process's nice value on POSIX. Measured with a 512 MiB upload from the GUI (2 cores, sandbox on the
same machine, 2 runs each): at the application's priority the event loop's largest stall was 50-128 ms, p99
19-24 ms, and the gaps were time the GUI thread spent runnable but waiting for a core; at nice 10 it was 12-35 ms,
p99 9 ms (nice 19 measured the same). Windows: BELOW_NORMAL_PRIORITY_CLASS."""

_TERM = CancelToken()
"""The transfer's token, paused on SIGTERM."""

_TERMINATED = threading.Event()
"""Set by the SIGTERM handler, which must not take the token's or the limiter's locks itself (the interrupted main
thread may hold them); a thread of its own turns it into the pause."""


class _Out:
    """The protocol's stdout: whole lines, one writer at a time (the transfer's threads report at once)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = encode(message)
        with self._lock:
            try:
                self._stream.write(data)
                self._stream.flush()
            except (OSError, ValueError):  # the application is gone; stdin's end pauses the transfer
                pass


class _Reporter(TransferObserver):
    """The transfer's observer: progress at most every ``PROGRESS_INTERVAL`` (the latest one held back is sent
    before anything else, so the application never keeps a stale count), everything else at once."""

    __slots__ = ("_last", "_lock", "_out", "_pending")

    def __init__(self, out: _Out) -> None:
        self._out = out
        self._last = 0.0
        self._lock = threading.Lock()
        self._pending: tuple[int, int | None] | None = None

    def progress(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < PROGRESS_INTERVAL and (total is None or done < total):
                self._pending = (done, total)
                return
            self._last, self._pending = now, None
        self._out.send({"progress": [done, total]})

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is not None:
            self._out.send({"progress": list(pending)})

    def on_stage(self, stage: str) -> None:
        self.flush()
        with self._lock:
            self._last = 0.0  # the new stage's first progress goes out at once
        self._out.send({"stage": stage})

    def on_retry(self, attempt: int, attempts: int, delay: float, error: Exception) -> None:
        self.flush()
        self._out.send({"retry": [attempt, attempts, delay, exception_to_data(error)]})

    def on_event(self, message: str) -> None:
        self.flush()
        self._out.send({"event": message})


class _LogForwarder(logging.Handler):
    """Log records go to the application, which writes them to its own log (one file, one writer)."""

    def __init__(self, out: _Out) -> None:
        super().__init__()
        self._out = out

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from core.redaction import redact

            text = redact(self.format(record))
        except Exception:
            self.handleError(record)
            return
        self._out.send({"log": [record.levelno, record.name, text]})


def _apply_rate(rate: object) -> None:
    """The application's share of its cap for this transfer, in bytes/s (0 or anything else: no cap)."""
    from core.bandwidth import LIMITER

    LIMITER.set_rate(float(rate) if isinstance(rate, int | float) and rate > 0 else None)


def _follow_controls(stream: BinaryIO, cancel: CancelToken) -> None:
    while True:
        line = stream.readline(MAX_LINE)
        if not line:
            cancel.pause(APP_CLOSED)
            return
        try:
            message = decode(line)
        except ValueError:
            continue
        if "rate" in message:
            _apply_rate(message["rate"])
        if "pause" in message:
            cancel.pause(message["pause"] or None)
        if "cancel" in message:
            cancel.cancel(message["cancel"] or None)


def _client(request: dict[str, Any]):
    from core.api_client import ApiClient
    from core.models import Credentials
    from core.proxy import ProxyConfig
    from core.redaction import register_secret

    for secret in (request.get("password"), request.get("token")):
        register_secret(secret)
    spec = dict(request["client"])
    proxy = spec.pop("proxy", None)
    client = ApiClient(**spec, proxy=ProxyConfig(**proxy) if proxy else None)
    client.set_credentials(Credentials(request["email"], request["password"]))
    if request.get("token"):
        client.set_token(request["token"])
    return client


def _run(request: dict[str, Any], reporter: _Reporter, cancel: CancelToken) -> Any:
    client = _client(request)
    args = request["args"]
    with cancel.active():
        if request["op"] == "upload":
            return client.transfers.upload(Path(args["path"]), args["name"], args["folder"], observer=reporter,
                                           cancel=cancel)
        if request["op"] == "download":
            return client.transfers.download_to_path(args["name"], args["folder"], Path(args["target"]),
                                                     observer=reporter, cancel=cancel,
                                                     replace=bool(args.get("replace", False)))
    raise ValueError(f"unknown operation {request['op']!r}")


def serve(stdin: BinaryIO, stdout: BinaryIO, cancel: CancelToken | None = None) -> int:
    """Run the one transfer ``stdin``'s first line asks for, stopped by ``cancel`` as well as by the control
    lines; returns the exit status (0 whenever the answer, a result or an error, was written)."""
    out = _Out(stdout)
    cancel = cancel or CancelToken()
    reporter = _Reporter(out)
    try:
        request = decode(stdin.readline(MAX_LINE))
        _forward_logs(out, request.get("log_level"))
        _apply_rate(request.get("rate"))
        threading.Thread(target=_follow_controls, args=(stdin, cancel), name="controls", daemon=True).start()
        answer = {"result": report_to_data(_run(request, reporter, cancel))}
    except BaseException as exc:  # every failure is an answer the application shows
        if not isinstance(exc, Exception) or type(exc).__module__.split(".")[0] != "core":
            logging.getLogger("azaion.worker").error("transfer process failed", exc_info=exc)
        answer = {"error": exception_to_data(exc)}
    reporter.flush()
    out.send(answer)
    return 0


def _forward_logs(out: _Out, level: object) -> None:
    """Records go to the application at the levels it logs (core/logs.py ``set_levels``: its own from
    ``level``, libraries' from WARNING); Python's warnings too."""
    from core.logs import set_levels

    logging.getLogger().handlers[:] = [_LogForwarder(out)]
    set_levels(level if isinstance(level, int) else logging.INFO)
    logging.captureWarnings(True)


def _background() -> None:
    """Below the application's priority (every thread started after this inherits it), and deaf to the
    terminal's Ctrl+C, which the application turns into a pause it sends on stdin; SIGTERM pauses too."""
    if os.name == "nt":  # pragma: no cover - the parent starts it at BELOW_NORMAL_PRIORITY_CLASS
        return
    import signal

    try:
        os.nice(NICE)
    except OSError:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda _s, _f: _TERMINATED.set())

    def pause_when_terminated() -> None:
        _TERMINATED.wait()
        _TERM.pause("terminated (SIGTERM)")

    threading.Thread(target=pause_when_terminated, name="sigterm", daemon=True).start()


def main() -> int:
    _background()
    # The protocol owns the stdout it was given; file descriptor 1 then points at stderr, so anything a library
    # prints (Python or C) lands there instead of inside a message.
    stdout = os.fdopen(os.dup(1), "wb", buffering=0)
    try:
        os.dup2(2, 1)
    except OSError:  # no stderr to point at; stray output then goes to the parent, which skips non-messages
        pass
    sys.stdout = sys.stderr
    stdin = os.fdopen(0, "rb")  # fd 0 itself: a windowed (frozen) app may have no sys.stdin object
    try:
        return serve(stdin, stdout, _TERM)
    except BaseException:  # never a traceback dialog in a hidden (windowed, frozen) process
        return 1
    finally:
        logging.shutdown()


if __name__ == "__main__":
    sys.exit(main())
