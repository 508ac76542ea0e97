"""Multipart uploads carry per-part CRC32 checksums (as boto3's upload_file does); resumes complete them even when
the server's part list or the journal lacks a part's checksum, and uploads begun without checksums still finish."""

from __future__ import annotations

import base64
import json
import os
import zlib

import pytest

from core.bandwidth import LIMITER, OFF
from core.cancel import CancelToken
from core.errors import LocalIOError, PausedError
from core.multipart import part_crc32

MiB = 1 << 20
PART = 8 * MiB


def _crc(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _composite(big: bytes) -> str:
    """S3's COMPOSITE CRC32 of a multipart object: the CRC32 of the parts' raw CRC32s (S3 appends -<parts> in
    HeadObject; moto leaves the suffix out, so callers compare the value before it)."""
    parts = [big[i:i + PART] for i in range(0, len(big), PART)]
    return _crc(b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts))


def _object(sandbox, folder: str, name: str) -> tuple[bytes, dict]:
    s3 = sandbox.s3_client()
    head = s3.head_object(Bucket=folder, Key=f"{name}.big", ChecksumMode="ENABLED")
    body = s3.get_object(Bucket=folder, Key=f"{name}.big")["Body"].read()
    return body, head


def _paused_upload(client, src, name: str) -> None:
    token = CancelToken()
    stages: list[str] = []

    def progress(done: int, _total: int) -> None:
        if stages and stages[-1] == "uploading" and done > 2 * PART + MiB:
            token.pause()

    # One sender (``_client``) under a 16 MiB/s cap: unbounded on loopback, the last parts can reach the CDN
    # between two progress reports, and the upload completes instead of pausing
    LIMITER.set_rate("16M")
    try:
        with pytest.raises(PausedError):
            client.upload_big_small_resource(src, name, "models", progress=progress, on_stage=stages.append,
                                             cancel=token)
    finally:
        LIMITER.set_limit(OFF)


def _client(make_client, tmp_path):
    return make_client(journal_dir=tmp_path / "journal", cdn_options={"max_concurrency": 1})


def test_part_crc32_matches_zlib(tmp_path):
    data = os.urandom(3 * MiB + 123)
    path = tmp_path / "staged"
    path.write_bytes(data)
    assert part_crc32(path, MiB + 7, 2 * MiB) == _crc(data[MiB + 7: 3 * MiB + 7])
    with pytest.raises(LocalIOError, match="shorter than its journal says"):
        part_crc32(path, 3 * MiB, 2 * MiB)  # the journal says more bytes than the staged file has
    with pytest.raises(LocalIOError, match="no such file or folder: .*gone"):
        part_crc32(tmp_path / "gone", 0, MiB)  # the staged file was removed


def test_upload_carries_part_checksums(make_client, sandbox, tmp_path):
    src = tmp_path / "model.bin"
    src.write_bytes(os.urandom(3 * PART + 5000))
    client = _client(make_client, tmp_path)
    client.upload_big_small_resource(src, "crc.bin", "models")
    big, head = _object(sandbox, "models", "crc.bin")
    assert head["ChecksumCRC32"].split("-")[0] == _composite(big)
    assert client.journals.all() == []


def test_resume_fills_in_checksums_the_journal_lost(make_client, sandbox, tmp_path):
    src = tmp_path / "model.bin"
    src.write_bytes(os.urandom(4 * PART))
    client = _client(make_client, tmp_path)
    _paused_upload(client, src, "lost.bin")
    [journal] = client.journals.all()
    assert journal.checksum_algorithm == "CRC32" and len(journal.checksums) == len(journal.parts) >= 2
    path = client.journals.path(journal.id)
    data = json.loads(path.read_text())
    data["checksums"] = {}  # e.g. killed between the server's answer and the journal write
    path.write_text(json.dumps(data))
    report = client.upload_big_small_resource(src, "lost.bin", "models")
    assert report.resumed
    big, head = _object(sandbox, "models", "lost.bin")
    assert head["ChecksumCRC32"].split("-")[0] == _composite(big)
    out = tmp_path / "out.bin"
    make_client().download_big_small_resource("lost.bin", "models", out)
    assert out.read_bytes() == src.read_bytes()


def test_upload_begun_without_checksums_resumes_without_them(make_client, sandbox, tmp_path):
    """A journal written before uploads carried checksums (no checksum_algorithm): the resume keeps that mode."""
    src = tmp_path / "model.bin"
    src.write_bytes(os.urandom(3 * PART))
    client = _client(make_client, tmp_path)
    _paused_upload(client, src, "old.bin")
    [journal] = client.journals.all()
    s3 = sandbox.s3_client()
    s3.abort_multipart_upload(Bucket="models", Key="old.bin.big", UploadId=journal.upload_id)
    # Recreate the upload the way the previous version did: no checksum algorithm, part 1 sent.
    upload_id = s3.create_multipart_upload(Bucket="models", Key="old.bin.big",
                                           Metadata={"sha256": journal.staged_sha256})["UploadId"]
    with open(journal.staged_big, "rb") as fh:
        etag = s3.upload_part(Bucket="models", Key="old.bin.big", UploadId=upload_id, PartNumber=1,
                              Body=fh.read(PART))["ETag"]
    data = json.loads(client.journals.path(journal.id).read_text())
    data.update(upload_id=upload_id, parts={"1": etag})
    del data["checksum_algorithm"], data["checksums"]
    client.journals.path(journal.id).write_text(json.dumps(data))
    report = client.upload_big_small_resource(src, "old.bin", "models")
    assert report.resumed and report.bytes_sent <= 2 * PART
    out = tmp_path / "out.bin"
    make_client().download_big_small_resource("old.bin", "models", out)
    assert out.read_bytes() == src.read_bytes()
