"""Bounded memory: every API answer has a size cap enforced WHILE reading (docs/protocol.md, "Limits"): an endless
body (chunked, no Content-Length), a body longer than its declared length, or a declared length over the cap ends
at once with a clear ProtocolError instead of growing memory until MemoryError. Error bodies are read up to 64 KiB
and cut, redirect bodies are not read at all."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
import time

import pytest

from core.errors import ProtocolError, ServerError
from core.models import RoleEnum
from tests.hostile.server import endless

CALLS = {
    "login (token)": ("POST", "/login", lambda c: c.login()),
    "small part": ("POST", "/resources/get/models", lambda c: c.load_bytes("r.bin.small", "models")),
    "cdn.yaml": ("POST", "/resources/get/config", lambda c: c.cdn),
    "listing": ("GET", "/resources/list/models", lambda c: c.list_files("models")),
    "current user": ("GET", "/users/current", lambda c: c.get_user()),
    "users list": ("GET", "/users", lambda c: __import__("core.users", fromlist=["x"]).list_users(c)),
    "key fragment": ("GET", "/binary-split/key-fragment/*",
                     lambda c: __import__("core.images.fragments", fromlist=["x"]).fetch_key_fragment(c, "1.0.0")),
}
ERROR_CAP = 64 << 10  # core.http_limits (literal here so the test also runs against a client without it)
JSON_CAP = 4 << 20
BOUND_S = 20  # "ends at once": an endless body at loopback speed would fill gigabytes in this time


def _admin_client(hostile):
    client = hostile.client(hostile.account(RoleEnum.Admin))
    hostile.api.clear()
    return client


# "lying length": declares 1000 bytes fewer than the JSON cap, then never stops: the client must read no more than
# it declared (the JSON calls then get 4 MiB nested 16k deep: a ProtocolError, not a RecursionError), and the small
# part's cap (64 KiB) is below the declared length (refused before reading). cdn.yaml's cap is 4 MiB: its lying
# case is the small part's.
SHAPES = [(call, "chunked") for call in CALLS] + [(call, "lying length") for call in CALLS if call != "cdn.yaml"]


@pytest.mark.parametrize(("call", "shape"), SHAPES)
def test_endless_answer_is_refused_at_the_cap(hostile, call, shape):
    method, pattern, run = CALLS[call]
    client = _admin_client(hostile)
    length = None if shape == "chunked" else JSON_CAP - 1000
    hostile.api.on(method, pattern, endless(b'["aaaaaaaa", ' * 4096, content_length=length))
    started = time.monotonic()
    with pytest.raises(ProtocolError) as err:
        run(client)
    assert time.monotonic() - started < BOUND_S
    if shape == "chunked":
        assert "larger than" in str(err.value)


@pytest.mark.parametrize("call", ["small part", "listing", "login (token)"])
def test_declared_length_over_the_cap_is_refused_before_reading(hostile, call):
    method, pattern, run = CALLS[call]
    client = _admin_client(hostile)
    hostile.api.on(method, pattern, endless(b"x" * 65536, content_length=10 << 30))
    with pytest.raises(ProtocolError, match=r"10737418240 bytes, more than the \d+ allowed"):
        run(client)


def test_small_part_cap_is_64_kib(hostile):
    client = _admin_client(hostile)
    hostile.api.on("POST", "/resources/get/models", endless(b"\0" * 4096))
    with pytest.raises(ProtocolError, match="larger than the 65536 bytes"):
        client.load_bytes("r.bin.small", "models")


def test_endless_error_body_is_cut(hostile):
    client = _admin_client(hostile)
    hostile.api.on("GET", "/resources/list/models", endless(b"E" * 65536, status=500, content_type="text/plain"))
    started = time.monotonic()
    with pytest.raises(ServerError) as err:
        client.list_files("models")
    assert time.monotonic() - started < BOUND_S
    assert len(str(err.value)) < ERROR_CAP


def test_endless_redirect_body_is_not_read(hostile):
    client = _admin_client(hostile)
    hostile.api.on("GET", "/users/current",
                   endless(b"R" * 65536, status=307, headers=[("Location", hostile.elsewhere.url + "/x")]))
    with pytest.raises(ProtocolError, match="another origin"):
        client.get_user()
    assert hostile.elsewhere.seen == []


CHILD = textwrap.dedent("""
    import json, sys
    from cli.main import main
    try:
        code = main(sys.argv[2:])
    finally:  # VmHWM: this process's peak RSS (ru_maxrss would count the forked test process before exec)
        with open("/proc/self/status") as st:
            hwm = next(int(line.split()[1]) for line in st if line.startswith("VmHWM:"))
        with open(sys.argv[1], "w") as fh:
            json.dump({"maxrss_kib": hwm}, fh)
    sys.exit(code)
""")


def _limit_memory() -> None:  # the old client would eat all memory: the child gets 2 GiB at most
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.parametrize(("cmd", "method", "pattern"), [
    (("ls", "models"), "GET", "/resources/list/models"),
    (("users", "ls"), "GET", "/users"),
    (("whoami",), "GET", "/users/current"),
    (("download", "r.bin", "--folder", "models", "-o", "OUT"), "POST", "/resources/get/models"),
])
def test_cli_memory_stays_bounded(hostile, tmp_path, cmd, method, pattern):
    """The real CLI against an endless answer: a clear error, and the process's peak RSS stays far below what
    reading the body would take (it ends at the cap; the answer would be gigabytes)."""
    creds = hostile.account(RoleEnum.Admin)
    hostile.api.on(method, pattern, endless(b'"x", ' * 16384))
    stats = tmp_path / "rss.json"
    args = [a.replace("OUT", str(tmp_path / "out.bin")) for a in cmd]
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(stats), "--api", hostile.api.url, *args], env=hostile.cli_env(creds),
        capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "larger than" in proc.stderr and proc.stderr.startswith("error:"), proc.stderr
    rss_mib = json.loads(stats.read_text())["maxrss_kib"] / 1024
    assert rss_mib < 200, f"peak RSS {rss_mib:.0f} MiB"
    assert elapsed < 60
    assert not (tmp_path / "out.bin").exists() and list(tmp_path.glob(".azaion-*")) == []
    print(f"{' '.join(cmd)}: peak RSS {rss_mib:.0f} MiB, {elapsed:.1f} s")
    assert os.path.exists(stats)
