"""Run an upload or a download in a process of its own (core/transfer_worker.py) and follow it as if it ran here:
its reports reach the caller's observer, the caller's cancel token pauses or cancels it, the bandwidth cap is
shared with the other transfers of this application, and its result or error comes back as the same object
(core/worker_messages.py).

The GUI runs its large transfers this way so their Python never competes with its event loop for the interpreter
lock. The credentials and the token go to the child on stdin, never in its argv or environment; its environment
is ours without any variable whose name looks like a secret (core/child_env.py).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.bandwidth import LIMITER
from core.cancel import CancelToken
from core.child_env import looks_secret
from core.errors import AzaionError, PausedError
from core.logs import ROOT_LOGGER
from core.observer import TransferObserver
from core.worker_messages import MAX_LINE, decode, encode, exception_from_data, report_from_data

log = logging.getLogger("azaion.worker")

WORKER_FLAG = "--transfer-worker"
"""The frozen app's option that makes it a transfer process (gui/launcher.py answers it before anything else)."""

POLL = 0.1
"""Seconds between looks at the cancel token and the bandwidth cap while the child works."""

STOP_GRACE = 30.0
"""Seconds a paused or cancelled child has to save its state and answer before it is killed."""

EXIT_GRACE = 5.0
"""Seconds a child that has answered has to exit before it is killed (its answer stands)."""

ACTIVE_WINDOW = 1.0
"""This process counts as moving bytes under the cap (a transfer in a thread) if it did within this many seconds."""

_running: set[int] = set()
_running_lock = threading.Lock()


def worker_command() -> list[str]:
    """This program as a transfer process: the frozen executable with its flag, else this Python with the module
    (run in ``_code_root()``, so ``-m`` finds our ``core`` before any other in the user's current folder)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, WORKER_FLAG]
    return [sys.executable, "-m", "core.transfer_worker"]


def _code_root() -> str | None:
    if getattr(sys, "frozen", False):
        return None
    import core

    return str(Path(core.__file__).resolve().parent.parent)


def worker_env() -> dict[str, str]:
    """Ours, less every variable whose name looks like a secret (``AZAION_PASSWORD``, ``*_TOKEN``...). The child is
    this program, so it keeps the rest: the limits, the folders, the CA bundle, the frozen app's library paths."""
    env = {name: value for name, value in os.environ.items() if not looks_secret(name)}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def _rebalance() -> float | None:
    """Split the application's cap evenly between the running children and, while it moves bytes under the cap
    (transfers in threads), this process, whose own limiter then takes only its share (``Limiter.set_fraction``);
    returns a child's share."""
    rate = LIMITER.limit.rate_now()
    with _running_lock:
        children = len(_running)
    here = time.monotonic() - LIMITER.last_grant < ACTIVE_WINDOW
    parties = max(1, children + (1 if here else 0))
    LIMITER.set_fraction(1 / parties if children and here else 1.0)
    return None if rate is None else rate / parties


def _lines(stream, sink: queue.SimpleQueue) -> None:
    try:
        while True:
            line = stream.readline(MAX_LINE)
            if not line:
                break
            sink.put(line)
    except (OSError, ValueError):
        pass
    finally:
        sink.put(None)


def _tail(stream, keep: collections.deque) -> None:
    try:
        for line in iter(lambda: stream.readline(MAX_LINE), b""):
            keep.append(line.decode("utf-8", "replace").rstrip())
    except (OSError, ValueError):
        pass


class _Child:
    """One running transfer process: its pipes, what it has said, and how to stop it."""

    def __init__(self, request: dict[str, Any]) -> None:
        kwargs: dict[str, Any] = {"cwd": _code_root()}
        if sys.platform == "win32":  # pragma: no cover - Windows only
            kwargs["creationflags"] = (subprocess.CREATE_NO_WINDOW | subprocess.CREATE_NEW_PROCESS_GROUP
                                       | subprocess.BELOW_NORMAL_PRIORITY_CLASS)
            startup = subprocess.STARTUPINFO()
            startup.dwFlags |= 0x00000080  # STARTF_FORCEOFFFEEDBACK: no "app starting" cursor for each transfer
            kwargs["startupinfo"] = startup
        # Not a session of its own on POSIX: Linux's autogroup would then weigh it as much as the whole application
        # and its lowered priority (core/transfer_worker.py) would count for nothing against the GUI.
        self.proc = subprocess.Popen(
            worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=worker_env(), **kwargs,
        )
        self.messages: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.stderr: collections.deque[str] = collections.deque(maxlen=20)
        threading.Thread(target=_lines, args=(self.proc.stdout, self.messages), daemon=True,
                         name=f"worker-{self.proc.pid}-out").start()
        threading.Thread(target=_tail, args=(self.proc.stderr, self.stderr), daemon=True,
                         name=f"worker-{self.proc.pid}-err").start()
        self.send(request)

    def send(self, message: dict[str, Any]) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(encode(message))
            self.proc.stdin.flush()
        except (OSError, ValueError):  # it ended; what it said (or its exit) is the answer
            pass

    def received(self) -> Iterator[dict[str, Any] | None]:
        """Its messages as they come; None every ``POLL`` seconds when there is none, ends with its stdout."""
        while True:
            try:
                line = self.messages.get(timeout=POLL)
            except queue.Empty:
                yield None
                continue
            if line is None:
                return
            try:
                yield decode(line)
            except ValueError:
                log.warning("transfer process %d wrote a line that is not a message", self.proc.pid)

    def close(self, grace: float) -> None:
        with contextlib.suppress(OSError, ValueError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            log.warning("transfer process %d did not end; killing it", self.proc.pid)
            self.proc.kill()
            self.proc.wait()


def _relay(message: dict[str, Any], observer: TransferObserver) -> None:
    if "progress" in message:
        done, total = message["progress"]
        observer.progress(int(done), None if total is None else int(total))
    elif "stage" in message:
        observer.on_stage(str(message["stage"]))
    elif "event" in message:
        observer.on_event(str(message["event"]))
    elif "retry" in message:
        attempt, attempts, delay, data = message["retry"]
        error = exception_from_data(data)
        observer.on_retry(int(attempt), int(attempts), float(delay),
                          error if isinstance(error, AzaionError) else AzaionError(str(error)))
    elif "log" in message:
        level, name, text = message["log"]
        logging.getLogger(str(name)).log(int(level), "%s", text)


def run_in_process(spec: dict[str, Any], op: str, args: dict[str, Any], *, observer: TransferObserver,
                   cancel: CancelToken) -> Any:
    """Run ``op`` ("upload" or "download", with ``args`` as core/transfer_worker.py reads them) in a transfer
    process built from ``spec`` (``ApiClient.process_spec()``); returns its report or raises its error.

    Pause and Cancel on ``cancel`` are passed on and the call returns once the child has saved what it keeps
    (its ``PausedError`` or ``CancelledError`` is raised here). If this thread is interrupted, the child is
    killed: the journal or partial download it leaves is what a killed process leaves, resumable."""
    client = dict(spec["client"])
    for key in ("cache_dir", "journal_dir"):  # the child runs in another folder
        if client.get(key) is not None:
            client[key] = str(Path(client[key]).absolute())
    request = dict(spec, client=client, op=op, rate=_rebalance(),
                   args={k: str(Path(v).absolute()) if isinstance(v, Path) else v for k, v in args.items()},
                   log_level=logging.getLogger(ROOT_LOGGER).getEffectiveLevel())
    child = _Child(request)
    with _running_lock:
        _running.add(child.proc.pid)
    answer: dict[str, Any] | None = None
    told: float | None = None
    rate = request["rate"]
    try:
        for message in child.received():
            if cancel.cancelled and told is None:
                told = time.monotonic()
                child.send({"pause" if cancel.paused else "cancel": cancel.reason or ""})
            elif told is not None and time.monotonic() - told > STOP_GRACE and child.proc.poll() is None:
                log.warning("transfer process %d did not stop within %.0f s; killing it", child.proc.pid, STOP_GRACE)
                child.proc.kill()  # its stdout closes, which ends this loop
            share = _rebalance()
            if share != rate:
                rate = share
                child.send({"rate": share or 0})
            if message is None:
                continue
            if "result" in message or "error" in message:
                answer = message
                break  # its last word: what follows is its exit
            _relay(message, observer)
        child.close(EXIT_GRACE if answer is not None else STOP_GRACE)
    finally:
        with _running_lock:
            _running.discard(child.proc.pid)
        if child.proc.poll() is None:
            child.proc.kill()
            child.proc.wait()
        _rebalance()  # this process takes the whole cap again once no child runs
    if answer is None and told is not None:
        # Stopped as asked, but too late to say so: it was killed, and what it kept is what a kill keeps (a
        # journal, a partial download), so the job is paused, not cancelled, and Discard removes that.
        raise PausedError(f"the transfer did not stop within {STOP_GRACE:.0f} s and was ended; what it had sent "
                          "is kept (Resume, or Discard to remove it)")
    if answer is None:
        said = " | ".join(line for line in child.stderr if line)[-600:]
        raise AzaionError(f"the transfer process ended without an answer (exit status {child.proc.returncode})"
                          + (f": {said}" if said else ""))
    if "error" in answer:
        raise exception_from_data(answer["error"])
    return report_from_data(answer["result"])
