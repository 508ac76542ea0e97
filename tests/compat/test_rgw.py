"""The client against a real Ceph RADOS Gateway 16 (Debian's packages, tests/compat/ceph.py), over http and https:
uploads (one PutObject, and multipart), downloads with downloader keys that may only GetObject, resume of a
download killed half way and of a paused upload, pending multipart uploads (``azaion transfers ls/abort/clean``)
and their paging, and three ways RGW differs from AWS and moto: ListBuckets shows only the buckets the key's user
owns, a missing object is a 403 under a GetObject-only policy, and part checksums are not checked."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import zlib

import pytest
from botocore.exceptions import ClientError

from core import pending_uploads
from core.cancel import CancelToken
from core.errors import NotFoundError, PausedError, PermissionDeniedError
from core.models import RoleEnum
from core.multipart import iter_parts
from tests.killed_child import run_killed

MiB = 1 << 20


def data_of(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def key_client(sandbox, user):
    """A plain boto3 client with one gateway user's keys, to see the gateway's own answers."""
    return sandbox.s3_client((user.access_key, user.secret))


def test_small_and_multipart_uploads_download_with_read_only_keys(make_client, folder, tmp_path, sandbox, gateway):
    """An uploader's single-PUT and 3-part uploads; an Operator (downloader keys, GetObject only) downloads both
    whole. The single-PUT big part carries the protocol's SHA-256 metadata as RGW stores it; the multipart one,
    sent while it was encrypted, only the small part's (its SHA-256 is in the API's record: docs/protocol.md)."""
    uploader = make_client(role=RoleEnum.ResourceUploader)
    small = data_of(200_000, 1)
    big = tmp_path / "big.bin"
    big.write_bytes(data_of(12 * MiB + 12345, 2))
    uploader.upload_big_small_resource(small, "small.bin", folder)
    report = uploader.upload_big_small_resource(big, "big.bin", folder)
    assert report.outcome == "uploaded"
    head = key_client(sandbox, gateway.owner).head_object(Bucket=folder, Key="big.bin.big")
    assert head["ETag"].strip('"').endswith("-3")  # multipart: 5 + 5 + 2 MiB
    assert "sha256" not in head["Metadata"] and head["Metadata"]["small-sha256"]
    small_head = key_client(sandbox, gateway.owner).head_object(Bucket=folder, Key="small.bin.big")
    assert small_head["Metadata"]["sha256"]

    reader = make_client(role=RoleEnum.Operator)
    assert not reader.cdn.can_upload
    reader.download_big_small_resource("small.bin", folder, tmp_path / "small.out")
    got = reader.download_big_small_resource("big.bin", folder, tmp_path / "big.out")
    assert (tmp_path / "small.out").read_bytes() == small
    assert (tmp_path / "big.out").read_bytes() == big.read_bytes()
    assert got.source == "cdn" and got.big_sha256 == report.big_sha256



def run_killed_on_rgw(client, ca_bundle: str | None, script: str, stage: str) -> None:
    """``tests/killed_child.run_killed`` with RGW's 5 MiB parts and one sender at 8 MiB/s: half way is never
    after the last part (parts go out while the file is encrypted; uncapped on loopback all five could be sent
    before the first progress report)."""
    run_killed(client, script, stage, cdn_options={"part_size": 5 << 20, "multipart_threshold": 5 << 20,
                                                    "max_concurrency": 1}, rate="8M", ca_bundle=ca_bundle)


def test_download_killed_half_way_resumes_with_a_ranged_if_match_get(make_client, folder, tmp_path, sandbox):
    """A download SIGKILLed half way leaves its ``.big.part``; the next one continues from there (Range +
    If-Match on RGW's multipart ETag) and the file is whole."""
    data = data_of(14 * MiB, 3)
    make_client().upload_big_small_resource(data, "resume.bin", folder)
    reader = make_client(role=RoleEnum.Operator)
    out = tmp_path / "resume.out"
    run_killed_on_rgw(reader, sandbox.ca_bundle,
                      f"c.download_big_small_resource('resume.bin', {folder!r}, {str(out)!r}, "
                      "progress=die_half_way, on_stage=stages.append)", "downloading")
    assert not out.exists()
    events: list[str] = []
    report = reader.download_big_small_resource("resume.bin", folder, out, on_event=events.append)
    assert any(e.startswith(f"resuming the interrupted download of {folder}/resume.bin at ") for e in events), events
    offset = int(next(e for e in events if e.startswith("resuming")).rsplit(" at ", 1)[1].split()[0])
    assert offset > 0
    assert report.source == "cdn" and out.read_bytes() == data


def test_upload_killed_half_way_resumes_from_the_parts_on_the_gateway(make_client, folder, tmp_path, sandbox,
                                                                      gateway):
    """An upload SIGKILLed while sending its parts leaves a journal and a multipart upload on RGW; the same
    upload again asks RGW (ListParts) what it has and sends only the rest; an Operator downloads it whole."""
    src = tmp_path / "up.bin"
    src.write_bytes(data_of(21 * MiB, 4))  # 5 parts of 5 MiB
    uploader = make_client()
    run_killed_on_rgw(uploader, sandbox.ca_bundle,
                      f"c.upload_big_small_resource(Path({str(src)!r}), 'up.bin', {folder!r}, "
                      "progress=die_half_way, on_stage=stages.append)", "uploading")
    (journal,) = uploader.journals.all()
    on_cdn = {p["PartNumber"]: p["Size"] for p in iter_parts(uploader.cdn, folder, "up.bin.big", journal.upload_id)}
    assert on_cdn and len(on_cdn) < 5
    events: list[str] = []
    report = uploader.upload_big_small_resource(src, "up.bin", folder, on_event=events.append)
    assert report.resumed and report.outcome == "uploaded"
    assert events == [f"resuming the interrupted upload of {folder}/up.bin"]
    assert report.bytes_sent == report.big_size - sum(on_cdn.values())  # only what RGW did not have
    assert uploader.journals.all() == []
    make_client(role=RoleEnum.Operator).download_big_small_resource("up.bin", folder, tmp_path / "up.out")
    assert (tmp_path / "up.out").read_bytes() == src.read_bytes()
    assert key_client(sandbox, gateway.uploader).list_multipart_uploads(Bucket=folder).get("Uploads", []) == []


def make_orphan(sandbox, gateway, folder: str, key: str) -> str:
    """What a crashed client elsewhere leaves: a multipart upload (by the uploader user) with one part."""
    s3 = key_client(sandbox, gateway.uploader)
    upload_id = s3.create_multipart_upload(Bucket=folder, Key=key)["UploadId"]
    s3.upload_part(Bucket=folder, Key=key, UploadId=upload_id, PartNumber=1, Body=b"x" * 1024)
    return upload_id


def test_transfers_ls_abort_clean_find_uploads_in_buckets_the_uploader_does_not_own(
    sandbox, gateway, make_account, make_client, cli, tmp_path
):
    """RGW's ListBuckets shows the uploader nothing (the buckets are the owner's), yet ``azaion transfers`` without
    --folder finds a journaled (paused) upload and an orphan in ``models``, says which folders it searched, aborts
    the orphan by upload id and cleans the journaled one, leaving nothing pending."""
    from core.hardware import get_hardware_string

    assert key_client(sandbox, gateway.uploader).list_buckets()["Buckets"] == []
    assert "models" in {b["Name"] for b in key_client(sandbox, gateway.owner).list_buckets()["Buckets"]}
    creds = make_account(RoleEnum.ResourceUploader)
    client = make_client(creds, journal_dir=cli.journal_dir, cache_dir=tmp_path / "staging",
                         hardware=get_hardware_string())  # the machine the CLI binds the account to
    name = f"tr-{os.urandom(4).hex()}.bin"
    src = tmp_path / name
    src.write_bytes(data_of(12 * MiB, 5))
    token = CancelToken()
    stages: list[str] = []

    def pause_half_way(done: int, total: int) -> None:
        if stages and stages[-1] == "uploading" and done > 6 * MiB:
            token.pause()

    with pytest.raises(PausedError):
        client.upload_big_small_resource(src, name, "models", progress=pause_half_way, on_stage=stages.append,
                                         cancel=token)
    (journal,) = client.journals.all()
    orphan = make_orphan(sandbox, gateway, "models", f"orphan-{name}.big")

    res = cli(creds, "transfers", "ls")
    assert res.returncode == 0, res.stderr
    rows = [line.split("\t") for line in res.stdout.splitlines()]
    assert ["local", journal.id, f"models/{name}"] == rows[0][:3]
    cdn = {r[1]: r for r in rows if r[0] == "cdn"}
    assert cdn[f"models/{name}.big"][2] == journal.upload_id and cdn[f"models/{name}.big"][4] == journal.id
    assert cdn[f"models/orphan-{name}.big"][2] == orphan and cdn[f"models/orphan-{name}.big"][4] == "orphan"
    assert "note: the CDN lists no buckets for the uploader key" in res.stderr
    assert "searched models, suite, suite-stage" in res.stderr

    res = cli(creds, "transfers", "abort", orphan[:12])
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"aborted models/orphan-{name}.big (upload {orphan})\n"

    res = cli(creds, "transfers", "clean", "--older-than-days", "0")
    assert res.returncode == 0, res.stderr
    assert f"cleaned models/{name} (journal {journal.id})" in res.stdout
    pending = key_client(sandbox, gateway.uploader).list_multipart_uploads(Bucket="models").get("Uploads", [])
    assert not [u for u in pending if name in u["Key"]]
    assert client.journals.all() == []


def test_pending_uploads_are_read_page_after_page(sandbox, gateway, make_client, folder):
    """Seven orphans read two per ListMultipartUploads page (RGW's NextKeyMarker/NextUploadIdMarker), two of
    them of the same key; all are found, and ``transfers clean`` logic aborts each."""
    made = {make_orphan(sandbox, gateway, folder, f"o{i % 6}.big") for i in range(7)}
    client = make_client()
    paged = client.cdn.pending_uploads(folder, page_size=2)
    assert {u["UploadId"] for u in paged} == made and len(paged) == 7
    result = pending_uploads.clean_orphans(client, 0, [folder])
    assert {p.upload_id for p in result.cleaned} == made and result.failed == []
    assert client.cdn.pending_uploads(folder) == []


def test_missing_object_under_a_getobject_only_policy(sandbox, gateway, make_client, folder, tmp_path):
    """RGW answers 403, not 404, for a missing object to the downloader key (GetObject only, no ListBucket). An
    Operator is told the big part is not uploaded or not readable (the two cannot be told apart with its keys);
    an uploader account, whose key may list, is told plainly that it is not uploaded. Nothing is written."""
    uploader = make_client()
    uploader.upload_big_small_resource(b"gone" * 2000, "gone.bin", folder)
    key_client(sandbox, gateway.uploader).delete_object(Bucket=folder, Key="gone.bin.big")
    with pytest.raises(ClientError) as raw:
        key_client(sandbox, gateway.downloader).head_object(Bucket=folder, Key="gone.bin.big")
    assert raw.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403

    with pytest.raises(PermissionDeniedError) as refused:
        make_client(role=RoleEnum.Operator).download_big_small_resource("gone.bin", folder, tmp_path / "a")
    assert "not uploaded" in str(refused.value) and "refused access" not in str(refused.value)
    with pytest.raises(NotFoundError) as missing:
        uploader.download_big_small_resource("gone.bin", folder, tmp_path / "b")
    assert str(missing.value) == f"{folder}/gone.bin has no big part on the CDN; it must be uploaded again"
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_gateway_does_not_check_part_checksums(sandbox, gateway, make_client, folder):
    """What core/multipart.py's docstring says of RGW 16: a part sent with a wrong CRC32 (as a plain header,
    the way the client sends it) is accepted, so integrity rests on SigV4 and the protocol's SHA-256."""
    s3 = make_client().cdn.uploader
    upload_id = s3.create_multipart_upload(Bucket=folder, Key="crc.big", ChecksumAlgorithm="CRC32")["UploadId"]
    body = b"y" * (5 * MiB)
    wrong = base64.b64encode((zlib.crc32(body) ^ 1).to_bytes(4, "big")).decode()
    part = s3.upload_part(Bucket=folder, Key="crc.big", UploadId=upload_id, PartNumber=1, Body=body,
                          ChecksumCRC32=wrong)
    s3.complete_multipart_upload(Bucket=folder, Key="crc.big", UploadId=upload_id, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32": wrong}]})
    got = key_client(sandbox, gateway.owner).get_object(Bucket=folder, Key="crc.big")["Body"].read()
    assert hashlib.sha256(got).digest() == hashlib.sha256(body).digest()
