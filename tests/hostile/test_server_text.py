"""Server text is data, never terminal output (issue 11, "Secrets never leave"): the real ``azaion`` CLI against
the hostile fronts, which answer with ESC/OSC sequences, carriage returns, new lines, tabs and bidi overrides in
a 409 ``Message``, a 500 body, a status line's reason, an S3 error and user emails; and with 500 bodies that echo
the password and the token the client sent. What the CLI prints must hold no control or format character, keep
one line per error and one tab-separated row per user, and mask the echoed secrets like the log does."""

from __future__ import annotations

import re
import unicodedata

from core.models import RoleEnum
from tests.hostile.server import json_reply, reply

TITLE = "\x1b]0;pwned\x07"  # OSC 0: retitles the terminal
FORGED = "\r\x1b[2Kok: this machine is bound to the account\n"  # wipes the line, forges a success line
HOSTILE = f"{TITLE}refused{FORGED}\tcol\u202etxt.exe\u2028\x9b31m\x7f"


def _unsafe(text: str) -> list[str]:
    """Characters a terminal acts on (besides the one new line ending each printed line and the tabs of rows)."""
    return [c for c in text if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]


def _one_error_line(res) -> str:
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert _unsafe(res.stderr) == [], res.stderr
    assert "\r" not in res.stderr and res.stdout == ""
    return lines[0]


def test_409_message_cannot_retitle_the_terminal_or_forge_a_line(hostile):
    creds = hostile.account(RoleEnum.Operator)
    hostile.api.on("POST", "/resources/check", json_reply({"ErrorCode": 30, "Message": HOSTILE}, 409))
    res = hostile.cli(creds, "check")
    assert res.returncode == 1
    line = _one_error_line(res)
    assert "\\x1b]0;pwned\\x07refused" in line  # what the server sent stays readable, as escapes
    assert "\\u202etxt.exe" in line and "\\x9b31m" in line


def test_500_body_and_reason_are_one_printable_line_of_bounded_length(hostile):
    """A non-JSON 500 body (a whole page) is capped; an empty body shows the status line's reason, made safe."""
    creds = hostile.account(RoleEnum.Operator)
    hostile.api.on("POST", "/resources/check", reply(500, (HOSTILE + "<p>x</p>\n") * 2000, "text/html"))
    res = hostile.cli(creds, "check", timeout=180)
    assert res.returncode == 1
    line = _one_error_line(res)
    assert len(line) < 1000 and "more characters]" in line

    def reason_only(ex):
        ex.head(500, [("Content-Length", "0"), ("Connection", "close")], reason=f"{TITLE}Oops\x1b[2J")
        ex.close()

    hostile.api.on("POST", "/resources/check", reason_only)
    res = hostile.cli(creds, "check", timeout=180)
    assert res.returncode == 1
    assert "\\x1b]0;pwned\\x07Oops" in _one_error_line(res)


def test_500_echoing_the_password_and_the_token_is_redacted_on_the_error_line(hostile):
    """The server echoes what it got: the login body (``"password": ...``), a ``password=`` field, the bare
    password, and the check's ``Authorization: Bearer <jwt>``. None of it reaches the terminal."""
    creds = hostile.account(RoleEnum.Operator)

    def echo(ex):
        body = (f"failed on {ex.seen.text()} password={creds.password}&x=1 plain {creds.password} "
                f"auth {ex.seen.headers.get('authorization', '')}")
        ex.reply(500, body.encode(), "text/plain")

    hostile.api.on("POST", "/login", echo)
    res = hostile.cli(creds, "whoami", timeout=180)
    assert res.returncode == 1
    line = _one_error_line(res)
    assert creds.password not in res.stderr + res.stdout
    assert '"password": "***"' in line or '"password":"***"' in line, line
    assert "password=***" in line

    hostile.api.clear()
    hostile.api.on("POST", "/resources/check", echo)
    res = hostile.cli(creds, "check", timeout=180)
    assert res.returncode == 1
    line = _one_error_line(res)
    token = re.search(r"Bearer (\S+)", hostile.api.requests("POST", "/resources/check")[0].headers["authorization"])
    assert token is not None and token.group(1) not in res.stderr
    assert "Bearer ***" in line and creds.password not in res.stderr


def test_users_ls_prints_one_row_of_four_fields_per_user_whatever_the_emails_hold(hostile):
    admin = hostile.account(RoleEnum.ApiAdmin)
    emails = [
        f"{TITLE}a@x",
        "b@x\tApiAdmin\tenabled\tnever\nforged@x",
        "c@x\r\x1b[2Kroot@x",
        "d\u202e@x",
        "plain@x",
    ]
    users = [{"id": str(i), "email": e, "role": 10, "isEnabled": True, "lastLogin": None}
             for i, e in enumerate(emails)]
    hostile.api.on("GET", "/users", json_reply(users))
    res = hostile.cli(admin, "users", "ls")
    assert res.returncode == 0, res.stderr
    rows = res.stdout.splitlines()
    assert len(rows) == len(emails), rows
    assert all(len(row.split("\t")) == 4 for row in rows), rows
    assert _unsafe(res.stdout) == [] and "\r" not in res.stdout
    assert rows[-1].split("\t")[0] == "plain@x"
    assert rows[0].split("\t")[0] == "\\x1b]0;pwned\\x07a@x"


def test_whoami_and_login_show_the_server_email_safely(hostile):
    creds = hostile.account(RoleEnum.Operator)
    record = {"id": "1", "email": f"{TITLE}me@x\tApiAdmin", "role": 10, "isEnabled": True}
    hostile.api.on("GET", "/users/current", json_reply(record))
    res = hostile.cli(creds, "whoami")
    assert res.returncode == 0, res.stderr
    assert _unsafe(res.stdout) == [] and len(res.stdout.splitlines()) == 1
    assert len(res.stdout.rstrip("\n").split("\t")) == 3, res.stdout  # email, role, enabled: no forged column


def test_s3_error_message_reaches_the_terminal_as_one_printable_line(hostile):
    """The CDN's own error XML (a 400 whose Code and Message hold a new line, a carriage return, a tab, a C1 CSI
    and a bidi override: what XML can carry): the last guard, the CLI's error line."""
    creds = hostile.account(RoleEnum.ResourceUploader)
    hostile.seed("hostile-text.bin", b"x" * 5000)
    xml = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>Invalid&#13;\nok: forged code</Code>'
           "<Message>bad&#13;\nok: downloaded models/x to /tmp/x (cdn)\t\u202etxt.exe\x9b31m</Message></Error>")
    hostile.s3.on("GET", "/models/hostile-text.bin.big", reply(400, xml.encode(), "application/xml"))
    out = hostile.tmp / "out.bin"
    res = hostile.cli(creds, "download", "hostile-text.bin", "--folder", "models", "-o", str(out), timeout=180)
    assert res.returncode == 1, res.stderr
    line = _one_error_line(res)
    assert "ok: forged code" in line and "\\u202etxt.exe\\x9b31m" in line, line
    assert not out.exists()


def test_core_errors_carry_safe_text_for_the_gui(hostile):
    """The GUI shows ``str(error)`` of core's errors: the same text, made safe where it entered the client."""
    import pytest

    from core.errors import HardwareMismatchError

    client = hostile.client(hostile.account(RoleEnum.Operator))
    hostile.api.on("POST", "/resources/check", json_reply({"ErrorCode": 30, "Message": HOSTILE}, 409))
    with pytest.raises(HardwareMismatchError) as info:
        client.check_resource()
    text = str(info.value)
    assert _unsafe(text) == [] and "\n" not in text and "\t" not in text and "\\x1b]0;pwned" in text


def test_cdn_errors_carry_safe_text_for_the_gui(hostile):
    """The CDN's error Code and Message reach core's error (what the GUI shows) made safe, not only the CLI's
    last guard: no line break, tab, C1 or bidi character left as is."""
    import pytest

    from core.errors import AzaionError

    creds = hostile.account(RoleEnum.ResourceUploader)
    hostile.seed("hostile-gui.bin", b"y" * 5000)
    xml = ('<?xml version="1.0" encoding="UTF-8"?><Error><Code>Invalid&#13;\nok: forged code</Code>'
           "<Message>bad&#13;\nok: done\t\u202etxt.exe\x9b31m</Message></Error>")
    hostile.s3.on("GET", "/models/hostile-gui.bin.big", reply(400, xml.encode(), "application/xml"))
    client = hostile.client(creds)
    with pytest.raises(AzaionError) as info:
        client.download_big_small_resource("hostile-gui.bin", "models", hostile.tmp / "gui-out.bin")
    text = str(info.value)
    assert "ok: done" in text and _unsafe(text) == [] and "\n" not in text and "\t" not in text, text
    assert "\\u202etxt.exe" in text
