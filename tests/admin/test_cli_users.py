"""``azaion users …`` and ``azaion installer`` as a user runs them: real subprocesses against the sandbox."""

from __future__ import annotations

import uuid

import pytest

from core.models import RoleEnum
from sandbox.api import MSG_APIADMIN, MSG_SELF
from tests.conftest import USED_SECRETS
from tests.core.test_cli import azaion

USED_SECRETS.update({"pw-new-user-1", "pw-second-line"})


def _email(tag: str = "cli") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@cli.test"


@pytest.fixture
def admin(make_account):
    return make_account(RoleEnum.Admin)


def run(sandbox, creds, *args, stdin=None):
    return azaion(sandbox, "--email", creds.email, *args, password=creds.password, stdin=stdin)


def test_users_ls_one_user_a_line(sandbox, admin, add_users):
    domain, emails = add_users([None, None])
    sandbox.state.set_enabled(emails[1], False)
    res = run(sandbox, admin, "users", "ls")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    me = next(line for line in lines if line.startswith(admin.email + "\t")).split("\t")
    assert me[:3] == [admin.email, "Admin", "enabled"] and me[3].endswith("Z") and len(me) == 4
    assert "apiadmin@sandbox.local\tApiAdmin\tenabled\t" in res.stdout

    found = run(sandbox, admin, "users", "ls", "--search", domain.upper())
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == [f"{emails[0]}\tOperator\tenabled\tnever",
                                         f"{emails[1]}\tOperator\tdisabled\tnever"]


def test_users_add_reads_the_password_from_stdin(sandbox, admin):
    email = _email()
    res = run(sandbox, admin, "users", "add", email, "--role", "validator", stdin="pw-new-user-1\n")
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"created {email} (Validator)\n"
    assert sandbox.state.get_user(email).role == RoleEnum.Validator
    assert sandbox.state.check_password(email, "pw-new-user-1") is not None


def test_users_add_with_password_stdin_takes_two_lines(sandbox, admin):
    email = _email()
    res = azaion(sandbox, "--email", admin.email, "--password-stdin", "users", "add", email, "--role", "50",
                 stdin=f"{admin.password}\npw-second-line\n")
    assert res.returncode == 0, res.stderr
    assert sandbox.state.get_user(email).role == RoleEnum.ResourceUploader
    assert sandbox.state.check_password(email, "pw-second-line") is not None
    missing = azaion(sandbox, "--email", admin.email, "--password-stdin", "users", "add", _email(), "--role",
                     "Operator", stdin=f"{admin.password}\n")
    assert missing.returncode == 1
    assert missing.stderr == "error: no password for the new user on line 2 of stdin (line 1 is your own " \
                             "password)\n"


@pytest.mark.parametrize("role", ["boss", "7"])
def test_users_add_bad_role_is_one_line_before_anything(sandbox, admin, role):
    email = _email()
    res = run(sandbox, admin, "users", "add", email, "--role", role, stdin="pw\n")
    assert res.returncode == 1
    assert res.stderr.startswith("error: unknown role") and len(res.stderr.splitlines()) == 1
    assert sandbox.state.get_user(email) is None


def test_enable_disable_role_reset_rm(sandbox, admin, add_users):
    _, (email,) = add_users(["CPU: X. GPU: Y. Memory: 8192. DriveSerial: Z"])
    steps = [
        (("users", "disable", email), f"disabled {email}", lambda u: not u.is_enabled),
        (("users", "enable", email), f"enabled {email}", lambda u: u.is_enabled),
        (("users", "role", email, "CompanionPC"), f"{email} is now CompanionPC",
         lambda u: u.role == RoleEnum.CompanionPC),
        (("users", "role", email, "20"), f"{email} is now Validator", lambda u: u.role == RoleEnum.Validator),
        (("users", "role", email, "resourceuploader"), f"{email} is now ResourceUploader",
         lambda u: u.role == RoleEnum.ResourceUploader),
        (("users", "reset-hw", email), f"reset the hardware binding of {email}", lambda u: u.hardware is None),
    ]
    for args, line, check in steps:
        res = run(sandbox, admin, *args)
        assert res.returncode == 0, (args, res.stderr)
        assert res.stdout == line + "\n"
        assert check(sandbox.state.get_user(email)), args
    res = run(sandbox, admin, "users", "rm", email)
    assert res.returncode == 0 and res.stdout == f"deleted {email}\n"
    assert sandbox.state.get_user(email) is None


@pytest.mark.parametrize(
    "args,message",
    [
        (("users", "rm", "{me}"), MSG_SELF),
        (("users", "disable", "{me}"), MSG_SELF),
        (("users", "role", "{me}", "Operator"), MSG_SELF),
        (("users", "role", "apiadmin@sandbox.local", "Operator"), MSG_APIADMIN),
        (("users", "enable", "nobody-{me}"), "No user nobody-{me}."),
    ],
)
def test_refusals_print_the_servers_message(sandbox, admin, args, message):
    args = [a.format(me=admin.email) for a in args]
    res = run(sandbox, admin, *args)
    assert res.returncode == 1
    assert res.stderr == f"error: {message.format(me=admin.email)}\n"
    me = sandbox.state.get_user(admin.email)
    assert me.role == RoleEnum.Admin and me.is_enabled
    assert sandbox.state.get_user("apiadmin@sandbox.local").role == RoleEnum.ApiAdmin


def test_an_operator_may_not_manage_users(sandbox, make_account):
    operator = make_account(RoleEnum.Operator)
    res = run(sandbox, operator, "users", "ls")
    assert res.returncode == 1 and res.stderr == "error: Your role (Operator) may not manage users.\n"


def test_installer_to_a_folder_and_to_a_file(sandbox, make_account, tmp_path):
    operator = make_account(RoleEnum.Operator)
    prod = sandbox.state.get_installer(False)
    res = run(sandbox, operator, "installer", "-o", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert (tmp_path / prod.filename).read_bytes() == prod.data
    assert res.stdout == f"downloaded the installer to {tmp_path / prod.filename} ({len(prod.data)} bytes)\n"

    stage = sandbox.state.get_installer(True)
    target = tmp_path / "out" / "stage-setup.exe"
    res = run(sandbox, operator, "installer", "--stage", "-o", str(target))
    assert res.returncode == 0, res.stderr
    assert target.read_bytes() == stage.data
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted([prod.filename, "stage-setup.exe"])
