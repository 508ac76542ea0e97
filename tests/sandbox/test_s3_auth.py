"""The sandbox's S3 enforces what real S3 enforces: unknown keys are refused, each served key pair may do what its
IAM policy says and nothing more, and cdn.yaml carries the uploader keys only for the roles that may upload.
Every call here is a real boto3 request to the sandbox's moto server over loopback."""

from __future__ import annotations

import uuid

import boto3
import pytest
import requests
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

from core.crypto import decrypt_bytes
from core.keys import user_key
from core.models import UPLOAD_ROLES, RoleEnum
from sandbox.server import Sandbox
from tests.sandbox.conftest import HW, login

UPLOADER_KEYS = {"uploader_access_key", "uploader_access_secret"}


def served_cdn_yaml(sb: Sandbox, new_account, role: RoleEnum) -> dict:
    email, password = new_account(role)
    resp = login(sb, email, password).post(
        "/resources/get/config", json={"password": password, "hardware": HW, "fileName": "cdn.yaml"}
    )
    assert resp.status_code == 200, resp.text
    return yaml.safe_load(decrypt_bytes(resp.content, user_key(email, password, HW)))


def client(sb: Sandbox, key: str, secret: str):
    return boto3.client(
        "s3", endpoint_url=sb.s3_url, region_name="us-east-1", aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def code_of(call) -> str:
    with pytest.raises(ClientError) as err:
        call()
    return err.value.response["Error"]["Code"]


@pytest.mark.parametrize("role", list(RoleEnum))
def test_cdn_yaml_is_role_scoped_and_never_carries_the_admin_key(sb: Sandbox, new_account, role: RoleEnum) -> None:
    config = served_cdn_yaml(sb, new_account, role)
    assert config["downloader_access_key"] == sb.s3_users.downloader.access_key
    if role in UPLOAD_ROLES:
        assert config["uploader_access_key"] == sb.s3_users.uploader.access_key
    else:
        assert UPLOADER_KEYS.isdisjoint(config), f"{role.label} was served the uploader keys"
    served = {str(v) for v in config.values()}
    assert sb.s3_users.admin.access_key not in served and sb.s3_users.admin.secret not in served


def test_unknown_keys_and_wrong_secrets_are_refused(sb: Sandbox) -> None:
    assert code_of(lambda: client(sb, "any", "any").list_buckets()) == "InvalidAccessKeyId"
    assert code_of(lambda: client(sb, "any", "any").get_object(Bucket="models", Key="x")) == "InvalidAccessKeyId"
    bad = client(sb, sb.s3_users.uploader.access_key, "not-the-secret")
    assert code_of(lambda: bad.put_object(Bucket="models", Key="x", Body=b"1")) == "SignatureDoesNotMatch"


def test_an_operators_served_keys_may_read_but_not_write(sb: Sandbox, new_account) -> None:
    key = f"op-{uuid.uuid4().hex[:8]}.big"
    sb.s3_client().put_object(Bucket="models", Key=key, Body=b"original")
    config = served_cdn_yaml(sb, new_account, RoleEnum.Operator)
    s3 = client(sb, config["downloader_access_key"], config["downloader_access_secret"])
    assert key in [o["Key"] for o in s3.list_objects_v2(Bucket="models").get("Contents", [])]
    assert s3.get_object(Bucket="models", Key=key)["Body"].read() == b"original"
    assert code_of(lambda: s3.put_object(Bucket="models", Key=key, Body=b"attacker")) == "AccessDenied"
    assert code_of(lambda: s3.create_multipart_upload(Bucket="models", Key=key)) == "AccessDenied"
    assert code_of(lambda: s3.delete_object(Bucket="models", Key=key)) == "AccessDenied"
    assert code_of(lambda: s3.list_multipart_uploads(Bucket="models")) == "AccessDenied"
    assert sb.s3_client().get_object(Bucket="models", Key=key)["Body"].read() == b"original"


def test_an_uploaders_keys_may_write_multipart_and_delete_but_not_manage_buckets(sb: Sandbox, new_account) -> None:
    key = f"up-{uuid.uuid4().hex[:8]}.big"
    config = served_cdn_yaml(sb, new_account, RoleEnum.ResourceUploader)
    s3 = client(sb, config["uploader_access_key"], config["uploader_access_secret"])
    s3.put_object(Bucket="models", Key=key, Body=b"v1")
    upload = s3.create_multipart_upload(Bucket="models", Key=key)["UploadId"]
    etag = s3.upload_part(Bucket="models", Key=key, UploadId=upload, PartNumber=1, Body=b"v2")["ETag"]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="models", Prefix=key)["Uploads"]] == [upload]
    assert [p["PartNumber"] for p in s3.list_parts(Bucket="models", Key=key, UploadId=upload)["Parts"]] == [1]
    s3.complete_multipart_upload(Bucket="models", Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket="models", Key=key)["Body"].read() == b"v2"
    s3.delete_object(Bucket="models", Key=key)
    assert code_of(lambda: s3.create_bucket(Bucket=f"b-{uuid.uuid4().hex[:8]}")) == "AccessDenied"
    assert code_of(lambda: s3.delete_bucket(Bucket="models")) == "AccessDenied"


def test_motos_control_api_cannot_turn_authentication_off(sb: Sandbox) -> None:
    for path in ("/moto-api/reset-auth", "/moto-api/reset", "/moto-api/data.json"):
        resp = requests.post(sb.s3_url + path, data=b"inf", timeout=10)
        assert resp.status_code == 403, path
    assert code_of(lambda: client(sb, "any", "any").list_buckets()) == "InvalidAccessKeyId"
    assert "models" in [b["Name"] for b in sb.s3_client().list_buckets()["Buckets"]]
