"""Role-scoped CDN keys (docs/protocol.md): roles that may not upload are served cdn.yaml without the uploader keys;
they list and download, S3 refuses their writes, and the client says clearly that they cannot upload."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from core.errors import PermissionDeniedError
from core.models import RoleEnum
from tests.core.test_cli import azaion

MiB = 1 << 20


def test_an_operator_reads_the_cdn_but_its_served_keys_cannot_write(sandbox, make_client, tmp_path):
    """The Operator's cdn.yaml has no uploader keys; with the key pair it was served, a real PutObject, a
    multipart upload and a delete are refused by S3 (the object stays as the uploader wrote it), while listing and
    downloads work. The uploader's own upload, 12 MiB in two parts, works."""
    name = f"roles-{uuid.uuid4().hex[:8]}.bin"
    data = bytes(range(256)) * (12 * MiB // 256)
    uploader = make_client(role=RoleEnum.ResourceUploader)
    assert uploader.cdn.can_upload
    uploader.upload_big_small_resource(data, name, "models")
    operator = make_client(role=RoleEnum.Operator)
    cdn = operator.cdn
    assert not cdn.can_upload and not cdn.config.can_upload
    with pytest.raises(PermissionDeniedError, match="cannot upload"):  # UploadNotAllowedError
        cdn.uploader  # noqa: B018
    key = f"{name}.big"
    for write in (
        lambda: cdn.downloader.put_object(Bucket="models", Key=key, Body=b"attacker's bytes"),
        lambda: cdn.downloader.create_multipart_upload(Bucket="models", Key=key),
        lambda: cdn.downloader.delete_object(Bucket="models", Key=key),
    ):
        with pytest.raises(ClientError) as err:
            write()
        assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert key in [o["Key"] for o in cdn.downloader.list_objects_v2(Bucket="models").get("Contents", [])]
    operator.download_big_small_resource(name, "models", tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == data


def test_core_upload_without_uploader_keys_is_a_clear_error_leaving_nothing(sandbox, make_client):
    """Through core (as the GUI calls it): a clear UploadNotAllowedError before any stage starts (no encrypting
    of what may be gigabytes); nothing on the CDN, no staged files."""
    name = f"roles-{uuid.uuid4().hex[:8]}.bin"
    operator = make_client(role=RoleEnum.Operator)
    stages: list[str] = []
    with pytest.raises(PermissionDeniedError, match="cannot upload"):
        operator.upload_big_small_resource(b"payload" * 1000, name, "models", on_stage=stages.append)
    assert stages == []
    with pytest.raises(ClientError):
        sandbox.s3_client().head_object(Bucket="models", Key=f"{name}.big")
    assert operator.cache.staged() == [] and operator.cache.leftovers() == []
    assert operator.journals.all() == []


def test_an_operators_cli_upload_says_it_cannot_before_any_work(sandbox, make_account, tmp_path):
    creds = make_account(RoleEnum.Operator)
    src = tmp_path / f"op-{uuid.uuid4().hex[:8]}.onnx"
    src.write_bytes(b"w" * 100_000)
    res = azaion(sandbox, "--email", creds.email, "upload", str(src), "--folder", "models",
                 password=creds.password)
    assert res.returncode == 1, res.stderr
    assert "this account (Operator) cannot upload" in res.stderr and res.stdout == ""
    with pytest.raises(ClientError):
        sandbox.s3_client().head_object(Bucket="models", Key=f"{src.name}.big")
