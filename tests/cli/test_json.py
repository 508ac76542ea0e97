"""``--json`` (one JSON document on stdout, stable snake_case fields, errors as one line on stderr with a non-zero
exit) and ``ls -l`` (sizes and dates from the same source as the GUI's listing: core/resource_rows.py over ONE
CDN listing of the folder's bucket)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime

from core.models import RoleEnum

USER_FIELDS = {"id", "email", "role", "role_code", "enabled", "hardware_bound", "last_login"}


def fresh_folder(sandbox) -> str:
    name = f"js-{uuid.uuid4().hex[:8]}"
    sandbox.s3_client().create_bucket(Bucket=name)
    return name


def document(res):
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)  # exactly one document: json.loads refuses trailing text


def test_ls_long_and_json_show_sizes_and_dates_before_download(sandbox, make_account, run_cli, tmp_path):
    uploader = make_account(RoleEnum.ResourceUploader)
    operator = make_account(RoleEnum.Operator)
    folder = fresh_folder(sandbox)
    sizes = {"empty.bin": 0, "small.bin": 1000, "mid.bin": 100_000, "big.bin": 1_234_567}
    for name, size in sizes.items():
        src = tmp_path / name
        src.write_bytes(os.urandom(size))
        up = run_cli("--api", sandbox.api_url, "upload", str(src), "--folder", folder, creds=uploader,
                     env={"XDG_CACHE_HOME": str(tmp_path / "uploader-cache")})  # not the operator's cache
        assert up.returncode == 0, up.stderr
    when = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    sandbox.state.put_file(folder, "notes.txt", b"hello", modified=when)

    got = document(run_cli("ls", folder, "--json", "--api", sandbox.api_url, creds=operator))
    assert got["folder"] == folder
    rows = {r["name"]: r for r in got["resources"]}
    assert set(rows) == {*sizes, "notes.txt"}
    for row in rows.values():
        assert set(row) == {"name", "kind", "size", "size_approximate", "modified", "cached"}
    for name, size in sizes.items():
        row = rows[name]
        assert row["kind"] == "resource" and row["size_approximate"] is True and row["cached"] is False
        assert size <= row["size"] <= size + 15, (name, row)  # the padding leaves the size known to 15 bytes
        assert datetime.strptime(row["modified"], "%Y-%m-%dT%H:%M:%SZ")
    assert rows["notes.txt"] == {"name": "notes.txt", "kind": "file", "size": 5, "size_approximate": False,
                                 "modified": "2026-05-04T03:02:01Z", "cached": False}

    long = run_cli("--api", sandbox.api_url, "ls", folder, "-l", creds=operator)
    assert long.returncode == 0, long.stderr
    lines = {line.split("\t")[0]: line.split("\t") for line in long.stdout.splitlines()}
    assert set(lines) == set(rows)
    for name, fields in lines.items():
        row = rows[name]
        size = f"~{row['size']}" if row["size_approximate"] else str(row["size"])
        assert fields == [name, size, row["modified"], row["kind"], "-"]

    plain = run_cli("--api", sandbox.api_url, "ls", folder, creds=operator)  # unchanged: one name a line
    assert sorted(plain.stdout.splitlines()) == sorted(rows)

    down = run_cli("--api", sandbox.api_url, "download", "mid.bin", "--folder", folder, "-o", str(tmp_path / "m"),
                   creds=operator)
    assert down.returncode == 0, down.stderr
    again = {r["name"]: r for r in document(run_cli("--api", sandbox.api_url, "ls", folder, "--json",
                                                    creds=operator))["resources"]}
    assert again["mid.bin"]["cached"] is True and 100_000 <= again["mid.bin"]["size"] <= 100_015
    assert [name for name, r in again.items() if r["cached"]] == ["mid.bin"]


def test_whoami_check_users_documents(sandbox, make_account, run_cli):
    admin = make_account(RoleEnum.Admin)
    operator = make_account(RoleEnum.Operator)
    who = document(run_cli("--api", sandbox.api_url, "whoami", "--json", creds=operator))
    assert set(who) == USER_FIELDS | {"api_url", "profile"}
    assert (who["email"], who["role"], who["role_code"], who["enabled"]) == (operator.email, "Operator", 10, True)

    check = document(run_cli("--api", sandbox.api_url, "check", "--json", creds=operator))
    assert check == {"bound": True, "email": operator.email, "api_url": sandbox.api_url}
    assert sandbox.state.get_user(operator.email).hardware

    users = document(run_cli("--api", sandbox.api_url, "users", "ls", "--json", "--search", operator.email,
                             creds=admin))
    assert list(users) == ["users"] and len(users["users"]) == 1
    (user,) = users["users"]
    assert set(user) == USER_FIELDS
    assert user["email"] == operator.email and user["hardware_bound"] is True
    assert datetime.strptime(user["last_login"], "%Y-%m-%dT%H:%M:%SZ")


def test_errors_under_json_are_one_line_on_stderr_and_nothing_on_stdout(sandbox, make_account, run_cli):
    creds = make_account(RoleEnum.Operator)
    wrong = run_cli("--api", sandbox.api_url, "ls", "models", "--json", "--email", creds.email,
                    env={"AZAION_PASSWORD": "wrong"})
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert wrong.stderr.splitlines() == ["error: Wrong email or password."]

    bound_elsewhere = make_account(RoleEnum.Operator)
    sandbox.state.set_hardware(bound_elsewhere.email, "CPU: elsewhere")
    check = run_cli("--api", sandbox.api_url, "check", "--json", creds=bound_elsewhere)
    assert check.returncode == 1 and check.stdout == "" and len(check.stderr.splitlines()) == 1
    assert check.stderr.startswith("error: ")

    usage = run_cli("ls", "--json")  # no folder: a usage error, exit 2
    assert usage.returncode == 2 and usage.stdout == "" and usage.stderr.startswith("error: ")


def test_json_keeps_server_text_exact_and_terminal_safe(sandbox, make_account, run_cli):
    """A name with non-ASCII characters: escaped in the document (nothing reaches a terminal raw), the
    same string once parsed."""
    creds = make_account(RoleEnum.Operator)
    folder = fresh_folder(sandbox)
    name = "r\u00e9sum\u00e9 \u4e2d\u6587.txt"
    sandbox.state.put_file(folder, name, b"x" * 7)
    res = run_cli("--api", sandbox.api_url, "ls", folder, "--json", creds=creds)
    assert res.stdout.isascii()
    assert [r["name"] for r in document(res)["resources"]] == [name]
