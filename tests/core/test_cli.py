"""The `azaion` CLI as a user runs it: a real subprocess against the sandbox, exact command forms."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import uuid
from pathlib import Path

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
        [sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
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
    assert ls.returncode == 0 and "weights.onnx" in ls.stdout.splitlines()  # as download takes it
    assert not any(line.endswith(".small") for line in ls.stdout.splitlines())
    out = tmp_path / "got.onnx"
    down = azaion(sandbox, "download", "weights.onnx", "--folder", "models", "-o", str(out),
                  password=creds.password, email=creds.email)
    assert down.returncode == 0, down.stderr
    assert out.read_bytes() == src.read_bytes()


def test_ls_prints_names_download_takes(sandbox, make_account, tmp_path):
    """Each line of ``ls`` works as NAME for ``download``; a resource shows once, plain API files as they are."""
    creds = make_account(RoleEnum.Operator)
    ls = azaion(sandbox, "ls", "models", password=creds.password, email=creds.email)
    assert ls.returncode == 0, ls.stderr
    first = ls.stdout.splitlines()[0]
    out = tmp_path / "first.bin"
    down = azaion(sandbox, "download", first, "--folder", "models", "-o", str(out),
                  password=creds.password, email=creds.email)
    assert down.returncode == 0, down.stderr
    assert out.stat().st_size > 0

    folder = f"lsn-{uuid.uuid4().hex[:6]}"
    sandbox.state.put_file(folder, "pair.bin.small", b"s" * 10)
    sandbox.state.put_file(folder, "pair.bin", b"plain twin")  # same name as the resource: shown once
    sandbox.state.put_file(folder, "pair.bin.big", b"stray big part")  # part of the pair: not shown apart
    sandbox.state.put_file(folder, "notes.txt", b"plain")
    sandbox.state.put_file(folder, "other.big", b"plain, no pair")
    ls = azaion(sandbox, "ls", folder, password=creds.password, email=creds.email)
    assert ls.returncode == 0, ls.stderr
    assert sorted(ls.stdout.splitlines()) == ["notes.txt", "other.big", "pair.bin"]


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


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_message(tmp_path):
    port = closed_port()
    res = subprocess.run(
        [sys.executable, "-m", "cli.main", "--api", f"http://127.0.0.1:{port}", "--email", "a@b.c", "ls", "x"],
        capture_output=True, text=True, env={**os.environ, "AZAION_PASSWORD": "x-pw"}, timeout=120,
    )
    assert res.returncode == 1 and res.stderr.startswith("error: cannot reach the server")


@pytest.mark.parametrize(
    "args,message",
    [
        (["download", "../x", "--folder", "models", "-o", "out"], "error: resource name '../x' contains a path"),
        (["download", "ok.bin", "--folder", "a/b", "-o", "out"], "error: folder name 'a/b' contains a path"),
        (["download", "x\x85y", "--folder", "models", "-o", "out"], "error: resource name 'x\\x85y' contains control"),
        (["upload", "{src}", "--folder", "models", "--name", "../x"], "error: resource name '../x' contains a path"),
        (["upload", "{src}", "--folder", "..", "--name", "ok.bin"], "error: folder name '..' is not a file name"),
        (["upload", "{src}", "--folder", "models", "--name", "a\u2028b"], "error: resource name 'a\\u2028b'"),
        (["ls", "../models"], "error: folder name '../models' contains a path"),
        (["transfers", "ls", "--folder", "a\\b"], "error: folder name 'a\\\\b' contains a path"),
    ],
)
def test_bad_names_fail_before_any_network(tmp_path, args, message):
    """Against a closed port: if the CLI logged in (or did any other I/O) first, the error would be "cannot reach
    the server" instead of naming the bad name. Nothing is written either."""
    src = tmp_path / "src.bin"
    src.write_bytes(b"data")
    port = closed_port()
    work = tmp_path / "work"
    work.mkdir()
    res = subprocess.run(
        [sys.executable, "-m", "cli.main", "--api", f"http://127.0.0.1:{port}", "--email", "a@b.c",
         *[a.replace("{src}", str(src)) for a in args]],
        capture_output=True, text=True, env={**os.environ, "AZAION_PASSWORD": "x-pw"}, timeout=60, cwd=work,
    )
    assert res.returncode == 1, res.stderr
    assert res.stderr.splitlines() == [res.stderr.strip()] and res.stderr.startswith(message), res.stderr
    assert "cannot reach" not in res.stderr
    assert list(work.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        [],  # no command
        ["bogus"],
        ["download", "x"],  # --folder and -o missing
        ["upload"],
        ["ls", "models", "--nope"],
        ["sandbox", "--api-port", "eighty"],
        ["transfers", "rm"],
        ["users", "add", "e@x.y"],  # nested subparser: --role missing
        ["--api", "http://127.0.0.1:1", "--profile", "p", "ls", "models"],  # mutually exclusive
    ],
)
def test_usage_errors_are_one_line(args):
    res = subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert "usage:" not in res.stderr and "azaion" in lines[0]  # points at `azaion <cmd> --help`
    assert res.stdout == ""


def test_plain_http_to_remote_is_refused():
    res = subprocess.run(
        [sys.executable, "-m", "cli.main", "--api", "http://api.example.com", "--email", "a@b.c", "ls", "x"],
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


def test_unexpected_failure_has_its_own_exit_code(tmp_path, monkeypatch, capsys):
    """Exit 3, not 2: a script can tell a bug from its own usage error. One line on stderr, the traceback in the
    log. A bug cannot be produced on purpose in the real commands, so here one command's function is replaced by
    one that fails the way a bug would (the only stand-in in this file)."""
    from cli import main as cli

    for var in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    real = cli.build_parser

    def parser_with_a_bug():
        parser = real()
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))

        def whoami_with_a_bug(args):
            raise KeyError("a bug")

        subparsers.choices["whoami"].set_defaults(func=whoami_with_a_bug)
        return parser

    monkeypatch.setattr(cli, "build_parser", parser_with_a_bug)
    import logging

    from core import logs

    suite_logs = [Path(h.baseFilename) for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    try:
        assert cli.main(["whoami"]) == 3
    finally:  # main() pointed the log at this test's folder: back to the suite's log file
        logs.shutdown_logging()
        if suite_logs:
            logs.setup_logging(log_dir=suite_logs[0].parent)
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: unexpected KeyError: ") and line.endswith("(details in the log)"), line
    logs = [p.read_text("utf-8", "replace") for p in tmp_path.rglob("*.log*") if p.is_file()]
    assert any("Traceback" in text and "KeyError: 'a bug'" in text for text in logs), logs


def test_ports_outside_the_tcp_range_are_usage_errors():
    for args in (["sandbox", "--api-port", "99999"], ["sandbox", "--s3-port", "-1"], ["sandbox", "--api-port", "x"]):
        res = subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 2, res.stderr
        (line,) = res.stderr.splitlines()
        assert line.startswith("error: argument --") and "port" in line, line


