"""One observer hears a whole transfer (core/observer.py): its stages, its progress, its retries and its events.

Before, an upload, a download and a sync took four callbacks side by side (progress, on_stage, on_retry,
on_event) and passed them down through every layer; now they take one observer, which the GUI's job probe is and
the CLI wraps its progress line in. Against the sandbox (real API, real moto S3); the CDN is cut off with a real
refused connection on loopback.
"""

from __future__ import annotations

import dataclasses
import socket

import pytest

from core import sync
from core.cdn import CDNManager
from core.crypto import ciphertext_size
from core.errors import UnreachableError
from core.observer import SILENT, Callbacks, TransferObserver
from core.retry import RetryPolicy
from gui.workers.progress import ProgressProbe

FOLDER = "models"
FAST = RetryPolicy(attempts=3, base=0.01, cap=0.02)


class Recorder(TransferObserver):
    def __init__(self) -> None:
        self.heard: list[tuple] = []

    def progress(self, done: int, total: int | None) -> None:
        self.heard.append(("progress", done, total))

    def on_stage(self, stage: str) -> None:
        self.heard.append(("stage", stage))

    def on_retry(self, attempt: int, attempts: int, delay: float, error) -> None:
        self.heard.append(("retry", attempt, attempts))

    def on_event(self, message: str) -> None:
        self.heard.append(("event", message))

    def kinds(self, kind: str) -> list[tuple]:
        return [h[1:] for h in self.heard if h[0] == kind]


def test_one_observer_hears_an_upload_and_downloads(make_client, tmp_path):
    src = tmp_path / "obs.bin"
    src.write_bytes(b"observed " * 40_000)
    size = src.stat().st_size
    writer, reader = make_client(), make_client()

    up = Recorder()
    report = writer.transfers.upload(src, "obs.bin", FOLDER, observer=up)
    assert [s for (s,) in up.kinds("stage")] == ["encrypting", "uploading", "finalizing"]
    assert up.kinds("progress")[-1][0] >= report.big_size and up.kinds("event") == []

    first = Recorder()
    got = reader.transfers.download_to_path("obs.bin", FOLDER, tmp_path / "out", observer=first)
    assert got.source == "cdn" and (tmp_path / "out").read_bytes() == src.read_bytes()
    assert [s for (s,) in first.kinds("stage")] == ["connecting", "downloading"]
    assert first.kinds("progress")[-1] == (ciphertext_size(size), ciphertext_size(size))

    # a new version: the reader's cached copy is stale, which the same observer is told
    src.write_bytes(b"changed! " * 40_000)
    writer.transfers.upload(src, "obs.bin", FOLDER)  # no observer: SILENT
    second = Recorder()
    got = reader.transfers.download_to_path("obs.bin", FOLDER, tmp_path / "out", observer=second)
    assert got.cache_event == "stale" and (tmp_path / "out").read_bytes() == src.read_bytes()
    assert second.kinds("event") == [("cached copy of models/obs.bin was stale; replaced from the CDN",)]


def test_retries_reach_the_observer_and_the_gui_probe(make_client, tmp_path):
    """A CDN that refuses connections: each retry of the download is reported to the observer (here the GUI's
    probe, which is one), and the download then fails clearly with nothing written."""
    make_client().upload_big_small_resource(b"x" * 20_000, "retry.bin", FOLDER)
    client = make_client(retry_policy=FAST)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    client._cdn = CDNManager(dataclasses.replace(client.cdn.config, host=f"http://127.0.0.1:{dead}"),
                             max_attempts=1, connect_timeout=1)
    probe = ProgressProbe()
    assert isinstance(probe, TransferObserver)
    with pytest.raises(UnreachableError, match="not in the local cache"):
        client.transfers.download_to_path("retry.bin", FOLDER, tmp_path / "o", observer=probe)
    assert probe.retry is not None and probe.retry[:2] == (3, 3) and probe.stage == "connecting"
    assert not (tmp_path / "o").exists()


def test_sync_takes_the_observer(make_client, tmp_path):
    make_client().upload_big_small_resource(b"s" * 50_000, "synced.bin", FOLDER)
    rec = Recorder()
    result = sync.sync(make_client(), FOLDER, tmp_path / "mirror", observer=rec)
    assert "synced.bin" in result.downloaded
    assert ("downloading",) in rec.kinds("stage") and rec.kinds("progress")


def test_callbacks_adapt_loose_functions_and_silent_says_nothing():
    seen: list[tuple] = []
    obs = Callbacks(lambda d, t: seen.append((d, t)), on_event=lambda m: seen.append((m,)))
    obs.progress(1, 2)
    obs.on_stage("ignored")  # not given: does nothing
    obs.on_retry(2, 3, 0.0, UnreachableError("x"))
    obs.on_event("note")
    assert seen == [(1, 2), ("note",)]
    for call in (lambda: SILENT.progress(1, None), lambda: SILENT.on_stage("s"), lambda: SILENT.on_event("e")):
        assert call() is None
