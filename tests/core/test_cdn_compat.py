"""S3-compatible servers other than moto, as seen on the wire through a loopback relay (tests/sandbox/s3_front.py)
in front of the sandbox's S3: uploads over https send plain bodies with a Content-Length (Ceph RGW 16 refuses
botocore's aws-chunked trailer bodies with 411), answers without Content-Length, 403 for a missing object under a
GetObject-only policy, and a ListBuckets that shows nothing."""

from __future__ import annotations

import hashlib
import uuid
import zlib
from base64 import b64encode
from urllib.parse import parse_qs, urlsplit

import pytest

from core import pending_uploads
from core.errors import ConfigError, NotFoundError, PermissionDeniedError, ProtocolError
from core.models import RoleEnum
from tests.sandbox.s3_front import S3Front, make_ca

MiB = 1 << 20


@pytest.fixture
def front(sandbox, monkeypatch, tmp_path):
    """``make(**options)``: an S3Front that cdn.yaml names as the CDN for clients made (logged in) afterwards."""
    made: list[S3Front] = []

    def make(**options) -> S3Front:
        made.append(S3Front(sandbox.s3_url, **options))
        monkeypatch.setattr(sandbox, "cdn_url", made[-1].url)
        return made[-1]

    yield make
    for f in made:
        f.close()


def test_uploads_over_https_send_content_length_and_no_aws_chunked_trailer(sandbox, make_client, front, tmp_path):
    """A relay that refuses PUTs without Content-Length (as RGW 16 does) over https with a private CA trusted
    through the client's ca_bundle option: a multipart upload (2 parts) and a single PutObject both go through,
    every PUT carries Content-Length and its CRC32 as a plain header, none is aws-chunked or has a trailer."""
    ca, cert, key = make_ca(tmp_path)
    relay = front(tls=(cert, key), refuse_unsized_puts=True)
    assert relay.url.startswith("https://")
    client = make_client(cdn_options={"ca_bundle": str(ca), "part_size": 8 * MiB, "multipart_threshold": 8 * MiB})
    big = tmp_path / "big.bin"
    big.write_bytes(hashlib.sha256(b"seed").digest() * (12 * MiB // 32))
    name = f"wire-{uuid.uuid4().hex[:8]}"
    client.upload_big_small_resource(big, f"{name}.bin", "models")
    client.upload_big_small_resource(b"small payload" * 100, f"{name}-s.bin", "models")
    puts = [r for r in relay.requests if r.method == "PUT"]
    parts = [r for r in puts if "partNumber=" in r.path]
    assert len(parts) == 2 and len(puts) == 3, [r.path for r in puts]
    for r in puts:
        assert r.headers.get("content-length", "").isdigit(), r
        assert "aws-chunked" not in r.headers.get("content-encoding", ""), r
        assert "x-amz-trailer" not in r.headers and "x-amz-decoded-content-length" not in r.headers, r
        assert "x-amz-checksum-crc32" in r.headers, r
    # The round trip is whole, and the part checksums sent are the real ones (moto does not check them).
    reader = make_client(role=RoleEnum.Operator, cdn_options={"ca_bundle": str(ca)})
    reader.download_big_small_resource(f"{name}.bin", "models", tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == big.read_bytes()
    staged = (sandbox.s3_client().get_object(Bucket="models", Key=f"{name}.bin.big")["Body"].read())
    first = b64encode(zlib.crc32(staged[: 8 * MiB]).to_bytes(4, "big")).decode()
    (part1,) = [r for r in parts if parse_qs(urlsplit(r.path).query)["partNumber"] == ["1"]]
    assert part1.headers["x-amz-checksum-crc32"] == first


def test_https_cdn_with_an_untrusted_certificate_is_refused(sandbox, make_client, front, tmp_path):
    """No ca_bundle: the private CA is not trusted and nothing is sent (TLS is always verified); a clear
    ConfigError, not a transient failure to retry."""
    _ca, cert, key = make_ca(tmp_path)
    relay = front(tls=(cert, key))
    client = make_client(cdn_options={"max_attempts": 1})
    with pytest.raises(ConfigError, match="certificate is not trusted"):
        client.cdn.head("models", "x.big")
    assert relay.requests == []


def test_cdn_answers_without_content_length(sandbox, make_client, front, tmp_path):
    """A GET answered without Content-Length is streamed to its end (and checked against the SHA-256); a HEAD
    without one, whose size is then unknown, is a clear ProtocolError, not a KeyError."""
    name = f"nolen-{uuid.uuid4().hex[:8]}.bin"
    data = b"no length here " * 5000
    make_client().upload_big_small_resource(data, name, "models")
    front(strip_length=("GET",))
    reader = make_client(role=RoleEnum.Operator)
    reader.download_big_small_resource(name, "models", tmp_path / "out")
    assert (tmp_path / "out").read_bytes() == data
    front(strip_length=("HEAD",))
    with pytest.raises(ProtocolError, match="without a Content-Length"):
        make_client(role=RoleEnum.Operator).download_big_small_resource(name, "models", tmp_path / "out2")
    assert not (tmp_path / "out2").exists()


def test_missing_object_under_a_getobject_only_policy_says_not_uploaded(sandbox, make_client, front, tmp_path):
    """S3/RGW answer 403 for a missing object when the key may not list the bucket: the message must say the
    object may simply not be uploaded, not only that access was refused."""
    name = f"gone-{uuid.uuid4().hex[:8]}.bin"
    make_client().upload_big_small_resource(b"x" * 5000, name, "models")
    sandbox.s3_client().delete_object(Bucket="models", Key=f"{name}.big")
    front(deny_missing=True)
    with pytest.raises(PermissionDeniedError) as err:
        make_client(role=RoleEnum.Operator).download_big_small_resource(name, "models", tmp_path / "out")
    assert "not uploaded" in str(err.value) and "not found or no access" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_an_uploader_account_is_told_plainly_that_the_big_part_is_not_uploaded(sandbox, make_client, front, tmp_path):
    """Only the downloader key may not list (403 for a missing object): an account that also holds the uploader
    key, which may list, asks with it and is told the big part is missing, not that access was refused."""
    name = f"gone-{uuid.uuid4().hex[:8]}.bin"
    client = make_client()
    client.upload_big_small_resource(b"x" * 5000, name, "models")
    sandbox.s3_client().delete_object(Bucket="models", Key=f"{name}.big")
    front(deny_missing_for=(sandbox.s3_users.downloader.access_key,))
    uploader = make_client()
    with pytest.raises(NotFoundError, match=f"models/{name} has no big part on the CDN; it must be uploaded again"):
        uploader.download_big_small_resource(name, "models", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert uploader.cdn.exists("models", f"{name}.big") is False


def test_pending_uploads_are_found_when_listbuckets_shows_nothing(sandbox, make_client, front):
    """RGW lists only the buckets the key's own user owns; an empty ListBuckets must not hide the orphans in the
    usual folders."""
    key = f"orphan-{uuid.uuid4().hex[:8]}.big"
    upload = sandbox.s3_client().create_multipart_upload(Bucket="models", Key=key)["UploadId"]
    try:
        front(no_buckets=True)
        client = make_client()
        assert client.cdn.uploader.list_buckets()["Buckets"] == []
        notes: list[str] = []
        found = {(p.folder, p.key, p.upload_id) for p in pending_uploads.pending_uploads(client, on_note=notes.append)}
        assert ("models", key, upload) in found
        assert len(notes) == 1 and notes[0].startswith("the CDN lists no buckets for the uploader key")
        assert "searched models, suite, suite-stage" in notes[0]
    finally:
        sandbox.s3_client().abort_multipart_upload(Bucket="models", Key=key, UploadId=upload)
