"""A download pinned to an ETag whose object is re-uploaded meanwhile starts over with the NEW object and says so:
between an interrupted download and its resume, and in the middle of one download call."""

from __future__ import annotations

import random

import pytest

from core.crypto import ciphertext_size
from tests.faults.conftest import SUMMARY, assert_clean

MiB = 1 << 20
SIZE = 12 * MiB


def content(seed: int) -> bytes:
    return random.Random(seed).randbytes(SIZE)


def test_object_reuploaded_between_interrupted_download_and_resume(rig, field_client, tmp_path):
    from core.cancel import CancelToken
    from core.errors import PausedError

    src = tmp_path / "src.bin"
    src.write_bytes(content(1))
    uploader = field_client(cache=tmp_path / "up")
    uploader.upload_big_small_resource(src, "chg-a.bin", "models")
    etag = rig.sandbox.s3_client().head_object(Bucket="models", Key="chg-a.bin.big")["ETag"]
    cache, out = tmp_path / "down", tmp_path / "out.bin"
    token = CancelToken()
    with pytest.raises(PausedError):
        field_client(cache=cache).download_big_small_resource(
            "chg-a.bin", "models", out, progress=lambda d, t: d > 5 * MiB and token.pause(), cancel=token)
    parts = list(cache.rglob("*.big.part"))
    assert len(parts) == 1 and parts[0].stat().st_size > 4 * MiB and not out.exists()

    src.write_bytes(content(2))  # the resource is replaced on the server while the download is paused
    uploader.upload_big_small_resource(src, "chg-a.bin", "models")
    assert rig.sandbox.s3_client().head_object(Bucket="models", Key="chg-a.bin.big")["ETag"] != etag

    rig.s3.reset_counters()
    events = []
    client = field_client(cache=cache)  # a new process: only the .part and its record on disk
    report = client.download_big_small_resource("chg-a.bin", "models", out, on_event=events.append)
    assert out.read_bytes() == content(2)
    changed = [e for e in events if "changed on the CDN" in e]
    assert changed == ["models/chg-a.bin changed on the CDN since the interrupted download; starting over"]
    assert not any("resuming" in e for e in events), events
    assert report.size == ciphertext_size(SIZE) and report.source == "cdn"
    assert rig.s3.bytes_down >= report.size - 3072  # restarted from zero, nothing of the old part reused
    assert_clean(rig, client, "chg-a.bin", out)
    SUMMARY.append({"case": "object replaced while a download was paused", "faults": 1, "completed": True,
                    "resent": 0, "loss": 0})


def test_object_replaced_mid_stream_restarts_in_the_same_call(rig, field_client, tmp_path):
    """From the progress callback the resource is re-uploaded (big part on the CDN, small part on the API) and
    the link dropped: the retry's ranged GET pinned to the old ETag gets 412, and the same call starts over with
    the new object (a new small part too) instead of retrying the old ETag until it gives up."""
    src = tmp_path / "src.bin"
    src.write_bytes(content(3))
    uploader = field_client(cache=tmp_path / "up")
    uploader.upload_big_small_resource(src, "chg-b.bin", "models")
    client = field_client(cache=tmp_path / "down")
    replaced, events, retries, stages = [], [], [], []

    def progress(done: int, total: int) -> None:
        if not replaced and stages[-1] == "downloading" and done > 6 * MiB:
            replaced.append(done)
            # The link goes first (the rate stays): while this thread re-uploads, the old stream cannot go on
            # filling the socket buffers with the rest of the old object, which would end the download early.
            rig.s3.drop_connections()
            src.write_bytes(content(4))
            uploader.upload_big_small_resource(src, "chg-b.bin", "models")

    out = tmp_path / "out.bin"
    rig.s3.rate = 16 * MiB  # so the rest of the old object is not already in the socket buffers at the drop
    report = client.download_big_small_resource("chg-b.bin", "models", out, progress=progress,
                                                on_stage=stages.append, on_event=events.append,
                                                on_retry=lambda *a: retries.append(a))
    assert replaced, "the object was never replaced mid-stream"
    assert out.read_bytes() == content(4)
    changed = [e for e in events if "changed on the CDN" in e]
    assert changed == ["models/chg-b.bin changed on the CDN during the download; starting over"], events
    assert len(retries) == 1, "the 412 itself must not be retried, only the dropped link"
    assert report.size == ciphertext_size(SIZE) and report.source == "cdn"
    cached = client.cache.lookup("models", "chg-b.bin")
    meta = rig.sandbox.s3_client().head_object(Bucket="models", Key="chg-b.bin.big")["Metadata"]
    record = client.load_part("chg-b.bin.small", "models")[1]  # the big part's SHA-256 (multipart: not in meta)
    assert cached is not None and cached.sha256 == record.sha256 == report.big_sha256
    assert cached.small_sha256 == meta["small-sha256"]  # the new small part, checked against the new big part
    assert_clean(rig, client, "chg-b.bin", out)
    SUMMARY.append({"case": "object replaced mid-download", "faults": 1, "completed": True,
                    "resent": 0, "loss": 0})
