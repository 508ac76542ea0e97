"""Global options before or after the command (none silently dropped), ``--version`` meaning the program's version
everywhere, ``--tag`` for the image tag with ``--version V`` as a deprecated alias, and ``logout``."""

from __future__ import annotations

import argparse
import json
import os

import pytest

from cli.args import GLOBAL_OPTIONS, subparsers
from cli.main import build_parser
from core.models import RoleEnum
from tests.conftest import USED_SECRETS


def all_parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.append((path + (name,), child))
                found.extend(all_parsers(child, path + (name,)))
    return found


def test_every_command_takes_the_global_options_and_version():
    parsers = all_parsers(build_parser())
    assert len(parsers) > 20
    for path, parser in parsers:
        for option in (*GLOBAL_OPTIONS, "--version"):
            assert option in parser._option_string_actions, (path, option)
    assert {p for p, _ in parsers} >= {("logout",), ("completion",), ("fetch-archive",), ("images", "ls"),
                                        ("images", "rm"), ("images", "prune"), ("users", "ls")}
    assert subparsers(build_parser())  # the walk finds the commands


@pytest.mark.parametrize("argv,expected", [
    (["--email", "a@x", "ls", "models"], {"email": "a@x"}),  # before: not replaced by the command's default
    (["ls", "models", "--email", "b@x"], {"email": "b@x"}),
    (["--email", "a@x", "ls", "models", "--email", "b@x"], {"email": "b@x"}),  # the later one wins
    (["users", "ls", "--api", "https://h", "--password-stdin", "-v"],
     {"api": "https://h", "password_stdin": True, "verbose": True}),
    (["--profile", "p", "users", "--email", "c@x", "ls"], {"profile": "p", "email": "c@x"}),
    (["images", "--docker", "podman", "ls", "--prefix", "x/"], {"docker": "podman", "prefix": "x/"}),
    (["images", "--tag", "1.2", "rm"], {"image_version": "1.2"}),
    (["images", "rm", "--tag", "1.2"], {"image_version": "1.2"}),
    (["unlock", "a.enc", "--tag", "1.2", "--email", "d@x"], {"image_version": "1.2", "email": "d@x"}),
])
def test_options_before_and_after_the_command(argv, expected):
    args = build_parser().parse_args(argv)
    assert {key: getattr(args, key) for key in expected} == expected


def test_usage_errors(run_cli):
    for argv, message in (
        (["--api", "https://a", "ls", "models", "--profile", "p"], "--api and --profile exclude each other"),
        (["ls", "models", "--bogus"], "unrecognized arguments: --bogus"),
        (["images", "rm"], "the image tag is required: --tag V"),
        (["unlock", "a.enc"], "the image tag is required: --tag V"),
        (["images", "prune", "--keep", "-1"], "must be 0 or more"),
    ):
        res = run_cli(*argv)
        assert res.returncode == 2 and res.stdout == "", argv
        assert res.stderr.startswith("error: ") and message in res.stderr and len(res.stderr.splitlines()) == 1


def test_version_is_the_programs_everywhere(run_cli):
    from core import __version__

    for argv in (["--version"], ["ls", "--version"], ["users", "ls", "--version"], ["images", "--version"],
                 ["unlock", "--version"], ["lock", "--version"], ["images", "ls", "--version"],
                 ["logout", "--version"]):
        res = run_cli(*argv)
        assert res.returncode == 0 and res.stdout == f"azaion {__version__}\n", (argv, res.stderr)


def test_deprecated_version_alias_still_sets_the_tag_and_warns(run_cli, tmp_path):
    """``images --version V`` checks version V as before (an empty store: every service missing, exit 1), with
    a warning on stderr; ``--tag V`` gives the same answer and no warning."""
    no_images = tmp_path / "docker"
    no_images.write_text("#!/bin/sh\nexit 0\n")  # a docker that lists no image
    no_images.chmod(0o755)
    old = run_cli("images", "--version", "7.7", "--docker", str(no_images), "--services", "a,b")
    new = run_cli("images", "--tag", "7.7", "--docker", str(no_images), "--services", "a,b")
    assert old.returncode == new.returncode == 1
    assert old.stdout == new.stdout == "missing azaion/a:7.7\nmissing azaion/b:7.7\n"
    assert "deprecated" in old.stderr and "--tag 7.7" in old.stderr
    assert "deprecated" not in new.stderr


def test_logout_forgets_the_stored_password(sandbox, make_account, run_cli):
    """Real keyring (gnome-keyring under scripts/with-keyring.sh); idempotent; says what it removed."""
    from core.credential_store import CredentialStore

    if not CredentialStore().is_usable():
        assert not os.environ.get("AZAION_REQUIRE_KEYRING"), "make test must provide a usable keyring"
        pytest.skip("no usable keyring in this environment (scripts/with-keyring.sh provides gnome-keyring)")
    creds = make_account(RoleEnum.Operator)
    USED_SECRETS.add(creds.password)
    login = run_cli("--api", sandbox.api_url, "login", creds=creds)
    assert login.returncode == 0, login.stderr
    assert run_cli("ls", "models", "--api", sandbox.api_url).returncode == 0  # email in settings, password kept

    out = run_cli("logout", "--api", sandbox.api_url)  # the account remembered for that server
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"removed the stored password for {creds.email} (profile ")
    after = run_cli("ls", "models", "--api", sandbox.api_url)
    assert after.returncode == 1 and "no password for" in after.stderr

    again = run_cli("--api", sandbox.api_url, "logout", "--json")
    assert again.returncode == 0
    doc = json.loads(again.stdout)
    assert doc["email"] == creds.email and doc["password_removed"] is False and doc["token_removed"] is False
    assert set(doc) == {"profile", "api_url", "email", "password_removed", "token_removed"}

    no_keyring = run_cli("logout", "--api", sandbox.api_url, "--email", creds.email,
                         env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert no_keyring.returncode == 1 and no_keyring.stdout == ""
    assert "cannot use the system keyring" in no_keyring.stderr and "nothing was removed" in no_keyring.stderr

    nobody = run_cli("logout", "--api", "https://nowhere.example")
    assert nobody.returncode == 1 and nobody.stdout == "" and "no account to log out" in nobody.stderr
