"""A sink that runs in a second thread, so the CPU work on one side of a stream overlaps the other side: staging
an upload hashes and writes the ciphertext while the next chunk is encrypted (1 GiB staged in ~1.35 s instead of
~2.2 s here). hashlib, ``cryptography``'s ``update_into`` and file writes release the GIL, so on two cores the two
halves really run at once. Downloads use it for the SHA-256 only, at background
priority (``background=True``, core/threadprio.py): at normal priority a second busy thread beside the network
thread stalled the GUI event loop by 40-156 ms in some runs of ``bench.gui``.

Memory stays flat: at most ``depth`` chunks are in flight; the caller blocks when the worker falls behind.
Views over reused buffers are copied into a small pool of buffers (a memcpy, ~0.1 s per GiB); views over
immutable ``bytes`` (what a socket read returns) are handed over as they are.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType

from core.threadprio import lower_current_thread

Sink = Callable[[memoryview], object]

DEPTH = 4


class OffloadedSink:
    """``sink(view)`` in a worker thread, in order. Use as a context manager: a clean exit waits for every chunk
    and re-raises the worker's error; an exit by exception stops the worker without feeding it the rest."""

    def __init__(
        self, sink: Sink, *, depth: int = DEPTH, name: str = "azaion-sink", background: bool = False
    ) -> None:
        self._sink = sink
        self._background = background
        self._slots = threading.Semaphore(depth)
        self._pool: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._work: queue.SimpleQueue[tuple[memoryview, bytearray | None] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._skip = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __call__(self, view: memoryview) -> None:
        if self._error is not None:
            raise self._error
        view = memoryview(view)
        if view.readonly and isinstance(view.obj, bytes):
            self._slots.acquire()
            self._work.put((view, None))
            return
        self._slots.acquire()
        try:
            buf = self._pool.get_nowait()
        except queue.Empty:
            buf = bytearray(len(view))
        if len(buf) < len(view):
            buf = bytearray(len(view))
        buf[: len(view)] = view
        self._work.put((memoryview(buf)[: len(view)], buf))

    def _run(self) -> None:
        if self._background:
            lower_current_thread()
        while True:
            item = self._work.get()
            if item is None:
                return
            view, buf = item
            try:
                if self._error is None and not self._skip:
                    self._sink(view)
            except BaseException as exc:  # re-raised in the caller's thread
                self._error = exc
            finally:
                view.release()
                if buf is not None:
                    self._pool.put(buf)
                self._slots.release()

    def close(self) -> None:
        """Wait until every chunk went through the sink; raise what the sink raised."""
        self._stop()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """Stop without feeding the chunks still queued (the stream failed; its output is discarded)."""
        self._skip = True
        self._stop()

    def _stop(self) -> None:
        if not self._closed:
            self._closed = True
            self._work.put(None)
            self._thread.join()

    def __enter__(self) -> OffloadedSink:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()
