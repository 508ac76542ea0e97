"""POST /login, token claims, expiry, revocation and the fault hooks."""

from __future__ import annotations

import time

import jwt
import pytest
import requests

from core.crypto import ciphertext_size, decrypt_bytes
from core.errors import IntegrityError
from core.keys import user_key
from core.models import RoleEnum
from sandbox.api import MSG_DISABLED, MSG_WRONG_CREDENTIALS
from sandbox.server import Sandbox
from tests.sandbox.conftest import HW, Api, login


def test_login_returns_jwt_with_claims(sb: Sandbox) -> None:
    before = int(time.time())
    api = login(sb, "admin@sandbox.local")
    claims = jwt.decode(api.token, sb.secret, algorithms=["HS256"])
    user = sb.state.get_user("admin@sandbox.local")
    assert claims["sub"] == user.id
    assert claims["email"] == "admin@sandbox.local"
    assert claims["role"] == int(RoleEnum.Admin) == 40
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] == claims["iat"] + sb.token_lifetime
    assert isinstance(claims["gen"], int)
    assert sb.state.get_user("admin@sandbox.local").last_login is not None


def test_wrong_password_and_unknown_email_are_409_10(sb: Sandbox) -> None:
    for email, password in (("admin@sandbox.local", "nope"), ("ghost@sandbox.local", "sandbox")):
        resp = requests.post(f"{sb.api_url}/login", json={"email": email, "password": password}, timeout=10)
        assert resp.status_code == 409
        assert resp.json() == {"ErrorCode": 10, "Message": MSG_WRONG_CREDENTIALS}


def test_disabled_account_is_409_20(sb: Sandbox, new_account) -> None:
    email, password = new_account()
    sb.state.set_enabled(email, False)
    resp = requests.post(f"{sb.api_url}/login", json={"email": email, "password": password}, timeout=10)
    assert resp.status_code == 409
    assert resp.json() == {"ErrorCode": 20, "Message": MSG_DISABLED}


def test_disabled_after_login_refuses_requests_with_409_20(sb: Sandbox, new_account) -> None:
    email, password = new_account()
    api = login(sb, email, password)
    sb.state.set_enabled(email, False)
    assert api.get("/users/current").json()["ErrorCode"] == 20


def test_malformed_login_is_400_90(sb: Sandbox) -> None:
    resp = requests.post(f"{sb.api_url}/login", json={"email": "admin@sandbox.local"}, timeout=10)
    assert resp.status_code == 400 and resp.json()["ErrorCode"] == 90
    resp = requests.post(f"{sb.api_url}/login", data=b"not json", timeout=10)
    assert resp.status_code == 400 and resp.json()["ErrorCode"] == 90


def test_missing_and_invalid_tokens_are_401_json(sb: Sandbox) -> None:
    for token in (None, "garbage", jwt.encode({"sub": "x", "exp": 2**31, "gen": 99}, "wrong-secret" * 4)):
        resp = Api(sb.api_url, token).get("/users/current")
        assert resp.status_code == 401
        body = resp.json()
        assert body["ErrorCode"] == 401 and body["Message"]


def test_token_of_deleted_user_is_401(sb: Sandbox, new_account) -> None:
    email, password = new_account()
    api = login(sb, email, password)
    sb.state.delete_user(email)
    assert api.get("/users/current").status_code == 401


def test_expired_token_is_401() -> None:
    with Sandbox(seed=False, token_lifetime=1) as short:
        api = login(short, "operator@sandbox.local")
        assert api.get("/users/current").status_code == 200
        time.sleep(2)
        resp = api.get("/users/current")
        assert resp.status_code == 401
        assert "expired" in resp.json()["Message"]


def test_revoke_tokens_invalidates_earlier_tokens_only(sb: Sandbox) -> None:
    old = login(sb, "operator@sandbox.local")
    sb.state.revoke_tokens()
    resp = old.get("/users/current")
    assert resp.status_code == 401 and "revoked" in resp.json()["Message"]
    assert login(sb, "operator@sandbox.local").get("/users/current").status_code == 200


def test_fail_next_skips_login_and_counts_down(sb: Sandbox) -> None:
    sb.state.fail_next(503, 2, "upstream unavailable")
    api = login(sb, "operator@sandbox.local")  # /login is exempt
    for _ in range(2):
        resp = api.get("/users/current")
        assert resp.status_code == 503 and resp.text == "upstream unavailable"
    assert api.get("/users/current").status_code == 200


def test_fail_next_json_body_is_sent_as_json(sb: Sandbox) -> None:
    sb.state.fail_next(500, 1, '{"ErrorCode": 500, "Message": "boom"}')
    resp = login(sb, "operator@sandbox.local").get("/resources/list/models")
    assert resp.status_code == 500
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json()["Message"] == "boom"


def test_garbage_next_get_has_plausible_length_but_does_not_decrypt(sb: Sandbox, new_account) -> None:
    email, password = new_account()
    sb.state.put_file("models", "garbage-test.bin", b"x" * 1000)
    api = login(sb, email, password)
    body = {"password": password, "hardware": HW, "fileName": "garbage-test.bin"}
    sb.state.garbage_next_get()
    resp = api.post("/resources/get/models", json=body)
    assert resp.status_code == 200 and len(resp.content) == ciphertext_size(1000)
    key = user_key(email, password, HW)
    with pytest.raises(IntegrityError):
        decrypt_bytes(resp.content, key)
    assert decrypt_bytes(api.post("/resources/get/models", json=body).content, key) == b"x" * 1000
