"""Resources: hardware binding, encrypted downloads, listings, uploads, names, clear-folder, installers,
key fragments and cdn.yaml."""

from __future__ import annotations

import base64
import hashlib
import uuid

import pytest
import yaml

from core.crypto import decrypt_bytes
from core.keys import user_key
from core.models import RoleEnum
from sandbox.api import MSG_DISABLED, MSG_HARDWARE, MSG_WRONG_CREDENTIALS
from sandbox.server import Sandbox
from tests.sandbox.conftest import HW, login

OTHER_HW = "CPU: Other CPU. GPU: Unknown. Memory: 8000000. DriveSerial: OTHER"
CDN_KEYS = {
    "host",
    "region",
    "downloader_access_key",
    "downloader_access_secret",
    "uploader_access_key",
    "uploader_access_secret",
}
UPLOADER_KEYS = {"uploader_access_key", "uploader_access_secret"}


def folder() -> str:
    return f"f-{uuid.uuid4().hex[:8]}"


def get_body(password: str, name: str, hardware: str = HW) -> dict[str, str]:
    return {"password": password, "hardware": hardware, "fileName": name}


def test_check_binds_then_refuses_other_hardware(sb: Sandbox, new_account) -> None:
    email, password = new_account()
    api = login(sb, email, password)
    assert api.post("/resources/check", json={"hardware": HW}).json() == {}
    assert sb.state.get_user(email).hardware == HW
    assert api.post("/resources/check", json={"hardware": HW}).status_code == 200
    resp = api.post("/resources/check", json={"hardware": OTHER_HW})
    assert resp.status_code == 409 and resp.json() == {"ErrorCode": 30, "Message": MSG_HARDWARE}
    assert api.post("/resources/check", json={}).status_code == 400


def test_get_decrypts_with_user_key(sb: Sandbox, new_account) -> None:
    email, password = new_account()
    stored = bytes(range(256)) * 5 + b"tail"
    sb.state.put_file("models", "decrypt-me.bin", stored)
    resp = login(sb, email, password).post("/resources/get/models", json=get_body(password, "decrypt-me.bin"))
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/octet-stream"
    assert decrypt_bytes(resp.content, user_key(email, password, HW)) == stored
    assert sb.state.get_user(email).hardware == HW  # bound on first use


def test_get_refusals(sb: Sandbox, new_account) -> None:
    email, password = new_account()
    sb.state.put_file("models", "refuse.bin", b"data")
    api = login(sb, email, password)
    resp = api.post("/resources/get/models", json=get_body("wrong", "refuse.bin"))
    assert resp.status_code == 409 and resp.json() == {"ErrorCode": 10, "Message": MSG_WRONG_CREDENTIALS}
    assert api.post("/resources/get/models", json=get_body(password, "refuse.bin")).status_code == 200
    resp = api.post("/resources/get/models", json=get_body(password, "refuse.bin", OTHER_HW))
    assert resp.status_code == 409 and resp.json() == {"ErrorCode": 30, "Message": MSG_HARDWARE}
    resp = api.post("/resources/get/models", json=get_body(password, "missing.bin"))
    assert resp.status_code == 404 and resp.json()["ErrorCode"] == 404
    resp = api.post("/resources/get/models", json={"password": password, "hardware": HW})
    assert resp.status_code == 400 and resp.json()["ErrorCode"] == 90
    sb.state.set_enabled(email, False)
    resp = api.post("/resources/get/models", json=get_body(password, "refuse.bin"))
    assert resp.status_code == 409 and resp.json() == {"ErrorCode": 20, "Message": MSG_DISABLED}


def test_role_none_may_read_only_cdn_yaml(sb: Sandbox, new_account) -> None:
    email, password = new_account(RoleEnum.NONE)
    api = login(sb, email, password)
    assert api.get("/resources/list/models").status_code == 403
    assert api.post("/resources/get/models", json=get_body(password, "x.bin")).status_code == 403
    assert api.post("/resources/get/config", json=get_body(password, "cdn.yaml")).status_code == 200


def test_list_with_and_without_search(sb: Sandbox) -> None:
    name = folder()
    sb.state.put_file(name, "Alpha.small", b"12345")
    sb.state.put_file(name, "beta.small", b"")
    api = login(sb, "operator@sandbox.local")
    rows = api.get(f"/resources/list/{name}").json()
    assert [r["name"] for r in rows] == ["Alpha.small", "beta.small"]
    assert rows[0]["size"] == 5 and rows[0]["modified"].endswith("Z")
    assert [r["name"] for r in api.get(f"/resources/list/{name}", params={"search": "ALPHA"}).json()] == ["Alpha.small"]
    assert len(api.get(f"/resources/list/{name}", params={"search": ""}).json()) == 2
    assert api.get(f"/resources/list/{folder()}").json() == []
    suite = api.get("/resources/list/suite").json()
    assert [r["name"] for r in suite] == ["readme.txt"]


def test_upload_then_list_and_overwrite(sb: Sandbox) -> None:
    name = folder()
    api = login(sb, "uploader@sandbox.local")
    resp = api.post(f"/resources/{name}", files={"data": ("model.small", b"first", "application/octet-stream")})
    assert resp.status_code == 200 and resp.json() == {}
    assert api.post(f"/resources/{name}", files={"data": ("model.small", b"second!")}).status_code == 200
    rows = api.get(f"/resources/list/{name}").json()
    assert [(r["name"], r["size"]) for r in rows] == [("model.small", 7)]
    assert sb.state.get_file(name, "model.small") == b"second!"
    assert api.post(f"/resources/{name}", data={"other": "x"}).status_code == 400


def test_operator_upload_is_403(sb: Sandbox) -> None:
    api = login(sb, "operator@sandbox.local")
    resp = api.post("/resources/models", files={"data": ("x.small", b"x")})
    assert resp.status_code == 403 and resp.json()["ErrorCode"] == 403
    assert sb.state.get_file("models", "x.small") is None


@pytest.mark.parametrize("bad", ["..", "a\\b", ".", " lead", "c:d", "x\x01y"])
def test_invalid_upload_file_names_are_409_80(sb: Sandbox, bad: str) -> None:
    resp = login(sb, "uploader@sandbox.local").post("/resources/models", files={"data": (bad, b"x")})
    assert resp.status_code == 409, resp.text
    assert resp.json()["ErrorCode"] == 80 and resp.json()["Message"].startswith("Invalid name: ")


@pytest.mark.parametrize("segment", ["%2E%2E", "a%5Cb", "a%2Fb", "c%3A"])
def test_invalid_folder_names_are_409_80(sb: Sandbox, segment: str) -> None:
    api = login(sb, "admin@sandbox.local")
    assert api.get(f"/resources/list/{segment}").json()["ErrorCode"] == 80
    resp = api.post(f"/resources/{segment}", files={"data": ("ok.small", b"x")})
    assert resp.status_code == 409 and resp.json()["ErrorCode"] == 80
    resp = api.post(f"/resources/get/{segment}", json=get_body("sandbox", "ok.small"))
    assert resp.status_code == 409 and resp.json()["ErrorCode"] == 80


def test_invalid_names_in_json_are_409_80(sb: Sandbox, new_account) -> None:
    email, password = new_account(RoleEnum.Admin)
    api = login(sb, email, password)
    for bad in ("..", "a\\b", "a/b"):
        assert api.post("/resources/get/models", json=get_body(password, bad)).json()["ErrorCode"] == 80
        assert api.post("/clear-folder", json={"folderPath": bad}).json()["ErrorCode"] == 80
    assert api.get("/binary-split/key-fragment/%2E%2E").json()["ErrorCode"] == 80


def test_clear_folder(sb: Sandbox) -> None:
    name = folder()
    sb.state.put_file(name, "a.small", b"a")
    sb.state.put_file(name, "b.small", b"b")
    assert login(sb, "operator@sandbox.local").post("/clear-folder", json={"folderPath": name}).status_code == 403
    api = login(sb, "uploader@sandbox.local")
    assert api.post("/clear-folder", json={"folderPath": name}).json() == {}
    assert api.get(f"/resources/list/{name}").json() == []
    assert api.post("/clear-folder", json={}).status_code == 400


@pytest.mark.parametrize(
    ("path", "filename"),
    [
        ("/resources/get-installer", "AzaionSuite-1.4.2.exe"),
        ("/resources/get-installer/stage", "AzaionSuite-stage-1.5.0-rc1.exe"),
    ],
)
def test_installers(sb: Sandbox, path: str, filename: str) -> None:
    resp = login(sb, "operator@sandbox.local").get(path)
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert resp.content.startswith(b"MZ") and len(resp.content) > 1000


def test_key_fragments(sb: Sandbox) -> None:
    version = f"v-{uuid.uuid4().hex[:6]}"
    fragment = b"\x00fragment-bytes\xff"
    digest = hashlib.sha256(b"archive").hexdigest()
    body = {"fragment": base64.b64encode(fragment).decode(), "sha256": digest}
    operator = login(sb, "operator@sandbox.local")
    resp = operator.get(f"/binary-split/key-fragment/{version}")
    assert resp.status_code == 404 and resp.json()["ErrorCode"] == 404
    assert operator.post(f"/binary-split/key-fragment/{version}", json=body).status_code == 403
    admin = login(sb, "admin@sandbox.local")
    assert admin.post(f"/binary-split/key-fragment/{version}", json=body).json() == {}
    got = operator.get(f"/binary-split/key-fragment/{version}").json()
    assert got == body and base64.b64decode(got["fragment"]) == fragment
    bad = admin.post(f"/binary-split/key-fragment/{version}", json={"fragment": "!!", "sha256": digest})
    assert bad.status_code == 400 and bad.json()["ErrorCode"] == 90
    bad = admin.post(f"/binary-split/key-fragment/{version}", json={**body, "sha256": "abc"})
    assert bad.status_code == 400


@pytest.mark.parametrize("role", [RoleEnum.ResourceUploader, RoleEnum.CompanionPC])
def test_cdn_yaml_decrypts_and_parses(sb: Sandbox, new_account, role: RoleEnum) -> None:
    email, password = new_account(role)
    api = login(sb, email, password)
    resp = api.post("/resources/get/config", json=get_body(password, "cdn.yaml"))
    assert resp.status_code == 200
    config = yaml.safe_load(decrypt_bytes(resp.content, user_key(email, password, HW)))
    uploads = role is RoleEnum.ResourceUploader  # only upload roles get the uploader keys (test_s3_auth.py)
    assert set(config) == (CDN_KEYS if uploads else CDN_KEYS - UPLOADER_KEYS)
    assert all(isinstance(v, str) and v for v in config.values())
    assert config["host"] == sb.s3_url == sb.cdn_url and config["region"] == "us-east-1"
    if uploads:
        assert config["downloader_access_key"] != config["uploader_access_key"]
        assert config["downloader_access_secret"] != config["uploader_access_secret"]
    listed = {r["name"]: r["size"] for r in api.get("/resources/list/config").json()}
    assert listed["cdn.yaml"] == len(decrypt_bytes(resp.content, user_key(email, password, HW)))


def test_stored_cdn_yaml_overrides_the_generated_one(sb: Sandbox, new_account) -> None:
    email, password = new_account()
    sb.state.put_file("config", "cdn.yaml", b"not: [valid")
    try:
        resp = login(sb, email, password).post("/resources/get/config", json=get_body(password, "cdn.yaml"))
        assert decrypt_bytes(resp.content, user_key(email, password, HW)) == b"not: [valid"
    finally:
        sb.state.clear_folder("config")
