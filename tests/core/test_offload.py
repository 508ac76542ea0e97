"""OffloadedSink: the second thread that hashes/decrypts/writes while the caller reads or encrypts the next chunk."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from core.offload import OffloadedSink
from core.threadprio import BACKGROUND_NICE, current_thread_nice


def test_chunks_arrive_in_order_even_when_the_caller_reuses_its_buffer():
    out = bytearray()
    buf = bytearray(1000)
    with OffloadedSink(out.extend) as sink:
        for i in range(200):
            buf[:] = bytes([i % 256]) * len(buf)  # overwritten right after the call, like update_into's buffer
            sink(memoryview(buf))
        sink(memoryview(b"tail"))  # immutable bytes are handed over without a copy
    assert bytes(out) == b"".join(bytes([i % 256]) * 1000 for i in range(200)) + b"tail"


def test_an_error_in_the_sink_reaches_the_caller_and_stops_the_feeding():
    seen = []

    def sink(view: memoryview) -> None:
        seen.append(bytes(view))
        if len(seen) == 2:
            raise OSError(28, "No space left on device")

    offloaded = OffloadedSink(sink)
    with pytest.raises(OSError, match="No space left"):
        for i in range(1000):
            offloaded(memoryview(bytes([i % 256]) * 10))
            time.sleep(0.001)
        offloaded.close()
    offloaded.abandon()
    assert len(seen) == 2  # nothing was fed after the failure


def test_close_reraises_an_error_raised_on_the_last_chunk():
    def sink(view: memoryview) -> None:
        if bytes(view) == b"last":
            raise ValueError("bad last chunk")

    with pytest.raises(ValueError, match="bad last chunk"), OffloadedSink(sink) as offloaded:
        offloaded(memoryview(b"first"))
        offloaded(memoryview(b"last"))


def test_leaving_by_exception_skips_the_queued_chunks():
    release = threading.Event()
    fed = []

    def sink(view: memoryview) -> None:
        release.wait(5)
        fed.append(bytes(view))

    with pytest.raises(RuntimeError), OffloadedSink(sink, depth=8) as offloaded:
        for i in range(5):
            offloaded(memoryview(bytes([i])))
        release.set()
        raise RuntimeError("the stream failed")
    assert len(fed) <= 1  # at most the chunk already in the sink when the stream failed


def test_memory_is_bounded_the_caller_waits_for_a_slow_sink():
    release = threading.Event()
    accepted = []
    offloaded = OffloadedSink(lambda _v: release.wait(10), depth=3)

    def produce() -> None:
        for i in range(10):
            offloaded(memoryview(bytearray(1 << 20)))
            accepted.append(i)

    producer = threading.Thread(target=produce)
    producer.start()
    deadline = time.monotonic() + 5
    while len(accepted) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert len(accepted) == 3  # three chunks in flight, the fourth call waits
    release.set()
    producer.join(10)
    offloaded.close()
    assert len(accepted) == 10


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread nice values are Linux-only")
def test_background_sink_runs_at_low_priority_and_leaves_the_caller_alone() -> None:
    """Downloads hash in a background sink: that thread must be at nice 19 so it never delays the GUI thread,
    while the calling (network) thread keeps its priority."""
    seen: list[int | None] = []
    before = current_thread_nice()
    with OffloadedSink(lambda _v: seen.append(current_thread_nice()), background=True) as sink:
        sink(memoryview(b"chunk"))
    assert seen == [BACKGROUND_NICE]
    assert current_thread_nice() == before
    with OffloadedSink(lambda _v: seen.append(current_thread_nice())) as sink:
        sink(memoryview(b"chunk"))
    assert seen[-1] == before
