"""The `azaion` CLI as a user runs it: a real subprocess against the sandbox, exact command forms."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.models import RoleEnum
from tests.conftest import USED_SECRETS


def azaion(sandbox, *args, password=None, email=None, stdin=None, timeout=120):
    env = dict(os.environ)
    if password is not None:
        env["AZAION_PASSWORD"] = password
    if email is not None:
        env["AZAION_EMAIL"] = email
    return subprocess.run(
        [sys.executable, "-m", "core.cli.main", "--api", sandbox.api_url, *args],
        capture_output=True, text=True, env=env, input=stdin, timeout=timeout,
    )


def test_upload_ls_download_round_trip(sandbox, make_account, tmp_path):
    creds = make_account(RoleEnum.ResourceUploader)
    src = tmp_path / "weights.onnx"
    src.write_bytes(os.urandom(200_000))
    up = azaion(sandbox, "--email", creds.email, "upload", str(src), "--folder", "models", password=creds.password)
    assert up.returncode == 0, up.stderr
    assert "uploaded models/weights.onnx" in up.stdout and up.stderr == ""  # no progress when not a terminal
    ls = azaion(sandbox, "ls", "models", "--search", "WEIGHTS", password=creds.password, email=creds.email)
    assert ls.returncode == 0 and "weights.onnx.small" in ls.stdout.splitlines()
    out = tmp_path / "got.onnx"
    down = azaion(sandbox, "download", "weights.onnx", "--folder", "models", "-o", str(out),
                  password=creds.password, email=creds.email)
    assert down.returncode == 0, down.stderr
    assert out.read_bytes() == src.read_bytes()


def test_upload_with_name_and_password_stdin(sandbox, make_account, tmp_path):
    creds = make_account()
    src = tmp_path / "a.txt"
    src.write_bytes(b"hello")
    res = azaion(sandbox, "--email", creds.email, "--password-stdin", "upload", str(src), "--folder", "suite",
                 "--name", "renamed.txt", stdin=creds.password + "\n")
    assert res.returncode == 0, res.stderr
    assert sandbox.state.get_file("suite", "renamed.txt.small") is not None


def test_whoami_and_check(sandbox, make_account):
    creds = make_account(RoleEnum.Operator)
    who = azaion(sandbox, "whoami", password=creds.password, email=creds.email)
    assert who.returncode == 0 and who.stdout.split("\t")[:2] == [creds.email, "Operator"]
    chk = azaion(sandbox, "check", password=creds.password, email=creds.email)
    assert chk.returncode == 0 and sandbox.state.get_user(creds.email).hardware


@pytest.mark.parametrize(
    "args,password,message",
    [
        (["ls", "models"], "wrong", "error: Wrong email or password."),
        (["download", "../x", "--folder", "models", "-o", "x"], None, "error: resource name '../x' contains"),
        (["download", "absent.bin", "--folder", "models", "-o", "x"], None, "error: "),
        (["upload", "/no/such/file", "--folder", "models"], None, "error: no such file: /no/such/file"),
    ],
)
def test_errors_are_one_clear_line(sandbox, make_account, tmp_path, args, password, message):
    creds = make_account()
    res = azaion(sandbox, *args, password=password or creds.password, email=creds.email)
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), res.stderr
    assert "Traceback" not in res.stderr


def test_unreachable_server_message(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "--api", f"http://127.0.0.1:{port}", "--email", "a@b.c", "ls", "x"],
        capture_output=True, text=True, env={**os.environ, "AZAION_PASSWORD": "x-pw"}, timeout=120,
    )
    assert res.returncode == 1 and res.stderr.startswith("error: cannot reach the server")


def test_plain_http_to_remote_is_refused():
    res = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "--api", "http://api.example.com", "--email", "a@b.c", "ls", "x"],
        capture_output=True, text=True, env={**os.environ, "AZAION_PASSWORD": "x-pw"}, timeout=60,
    )
    assert res.returncode == 1 and "only https is allowed" in res.stderr


def test_missing_password_says_how_to_provide_it(sandbox, make_account):
    creds = make_account()
    res = azaion(sandbox, "--email", creds.email, "ls", "models")
    assert res.returncode == 1 and "AZAION_PASSWORD" in res.stderr


def test_login_stores_in_keyring_then_works_without_password(sandbox, make_account):
    """Uses the session's real keyring (gnome-keyring under `make test`); skipped only when none is usable."""
    from core.credential_store import CredentialStore

    if not CredentialStore().is_usable():
        assert not os.environ.get("AZAION_REQUIRE_KEYRING"), "make test must provide a usable keyring"
        pytest.skip("no usable keyring in this environment (make test provides gnome-keyring)")
    creds = make_account()
    login = azaion(sandbox, "--email", creds.email, "login", password=creds.password)
    assert login.returncode == 0, login.stderr
    ls = azaion(sandbox, "ls", "models")  # email remembered in settings, password from the keyring
    assert ls.returncode == 0, ls.stderr
    USED_SECRETS.add(creds.password)
