"""Authentication and session behaviour against the sandbox: messages come from the server, re-login is silent."""

from __future__ import annotations

import time

import pytest

from core.api_client import ApiClient
from core.errors import (
    HardwareMismatchError,
    PermissionDeniedError,
    UnreachableError,
    UserDisabledError,
    WrongCredentialsError,
)
from core.models import Credentials, RoleEnum


def test_wrong_password_shows_server_message(sandbox, make_account, make_client):
    creds = make_account()
    with pytest.raises(WrongCredentialsError) as info:
        make_client(Credentials(creds.email, "wrong-password"))
    assert info.value.error_code == 10
    assert str(info.value) == "Wrong email or password."


def test_disabled_user(make_account, make_client):
    creds = make_account(enabled=False)
    with pytest.raises(UserDisabledError, match="disabled"):
        make_client(creds)


def test_current_user_and_role(make_client, make_account):
    creds = make_account(RoleEnum.Validator)
    client = make_client(creds)
    user = client.get_user()
    assert user.email == creds.email and user.role is RoleEnum.Validator and user.is_enabled
    assert client.role is RoleEnum.Validator and client.token.email == creds.email


def test_expired_token_relogs_transparently(make_account, tmp_path):
    """A 1-second token: the reactive path (401 -> login -> retry) with no proactive margin."""
    from sandbox.server import Sandbox

    with Sandbox(seed=False, token_lifetime=1) as sb:
        sb.state.add_user("short@test.local", "pw-short-1", RoleEnum.Operator)
        client = ApiClient(sb.api_url, cache_dir=tmp_path, hardware="hw", token_margin=0)
        client.set_credentials(Credentials("short@test.local", "pw-short-1"))
        first = client.login()
        time.sleep(2.1)
        assert client.list_files("models") is not None
        assert client.token.raw != first.raw


def test_proactive_relogin_before_expiry(make_account, tmp_path):
    from sandbox.server import Sandbox

    with Sandbox(seed=False, token_lifetime=30) as sb:
        sb.state.add_user("soon@test.local", "pw-soon-1", RoleEnum.Operator)
        client = ApiClient(sb.api_url, cache_dir=tmp_path, hardware="hw", token_margin=60)
        client.set_credentials(Credentials("soon@test.local", "pw-soon-1"))
        first = client.login()
        time.sleep(1.1)  # JWT iat/exp have 1-second resolution
        client.get_user()
        assert client.token.raw != first.raw  # exp within the 60 s margin: logged in again before the call


def test_revoked_token_mid_session_retries_once(sandbox, make_client):
    client = make_client()
    before = client.token.raw
    sandbox.state.revoke_tokens()
    assert client.get_user().email == client.credentials.email
    assert client.token.raw != before


def test_refused_role_after_relogin_is_permission_error(make_client):
    client = make_client(role=RoleEnum.Operator)
    with pytest.raises(PermissionDeniedError):
        client.upload_file("x.small", b"abc", "models")


def test_hardware_binding_and_mismatch(make_account, make_client):
    creds = make_account(RoleEnum.Operator)
    make_client(creds, hardware="CPU: A. GPU: A. Memory: 1. DriveSerial: A").check_resource()
    other = make_client(creds, hardware="CPU: B. GPU: B. Memory: 2. DriveSerial: B")
    with pytest.raises(HardwareMismatchError) as info:
        other.check_resource()
    assert info.value.error_code == 30 and "another machine" in str(info.value)
    with pytest.raises(HardwareMismatchError):
        other.list_files("models") and other.load_bytes("cdn.yaml", "config")


def test_server_errors_are_typed(sandbox, make_client):
    from core.errors import ServerError

    client = make_client()
    sandbox.state.fail_next(500, 1, "database on fire")
    with pytest.raises(ServerError, match="database on fire"):
        client.upload_file("x.small", b"abc", "models")


def test_transient_503_on_get_is_retried(sandbox, make_client):
    client = make_client()
    sandbox.state.fail_next(503, 2, "busy")
    assert isinstance(client.list_files("models"), list)


def test_unreachable_server(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ApiClient(f"http://127.0.0.1:{port}", cache_dir=tmp_path, hardware="hw", retries=0)
    client.set_credentials(Credentials("a@b.c", "pw"))
    with pytest.raises(UnreachableError, match="cannot reach the server"):
        client.login()


def test_email_case_does_not_break_the_per_user_key(sandbox, make_account, make_client):
    """The server keys by its stored email; a user typing other capitals must still decrypt (JWT email is used)."""
    creds = make_account()
    client = make_client(Credentials(creds.email.upper(), creds.password))
    client.upload_big_small_resource(b"case" * 10, "case.bin", "models")
    assert client.load_big_small_resource("case.bin", "models") == b"case" * 10


def test_facade_is_thread_safe_across_relogin(sandbox, make_client):
    """Eight threads share one client while every token is revoked: all calls succeed, and the threads that
    hit 401 together do not each log in (a replaced token is reused, not refreshed again)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    client = make_client()
    client.upload_big_small_resource(b"shared" * 100, "threads.bin", "models")
    logins = []
    original = client.login

    def counting_login():
        logins.append(threading.get_ident())
        return original()

    client.login = counting_login
    sandbox.state.revoke_tokens()
    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        if i % 2:
            return client.load_big_small_resource("threads.bin", "models")
        return [e.name for e in client.list_files("models")]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    assert all(r == b"shared" * 100 for r in results[1::2])
    assert all("threads.bin.small" in r for r in results[0::2])
    assert 1 <= len(logins) <= 2
