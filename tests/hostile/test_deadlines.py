"""Bounded time: a server that trickles (one byte every half second: never long enough for a socket read timeout)
or says nothing cannot keep any call running: every API call has an overall deadline and a streamed file a stall
rule ("less than stall_bytes in stall seconds"), docs/protocol.md "Limits". Deadlines here are small (set through
the same environment variables a user would use); bounds on elapsed time have wide slack for a loaded machine."""

from __future__ import annotations

import threading
import time

import pytest

from core.errors import AzaionError, UnreachableError
from core.models import RoleEnum
from core.retry import RetryPolicy
from tests.hostile.server import trickle

SHORT = {"AZAION_CONNECT_TIMEOUT": "2", "AZAION_STALL_TIMEOUT": "2", "AZAION_REQUEST_DEADLINE": "3"}
BOUND_S = 25  # old client: never ends (the trickle outlives the test); new: ~3 s per attempt
ONE_TRY = RetryPolicy(attempts=1)


@pytest.fixture
def short_deadlines(monkeypatch):
    for var, value in SHORT.items():
        monkeypatch.setenv(var, value)


def bounded(fn, limit: float = BOUND_S):
    """Run ``fn`` in a thread; (outcome, seconds). The test fails instead of hanging if it outlives ``limit``."""
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"still running after {limit} s"
    return box.get("error", box.get("result")), elapsed


API_CALLS = {
    "login": ("POST", "/login", lambda c: c.login()),
    "listing": ("GET", "/resources/list/models", lambda c: c.list_files("models")),
    "small part": ("POST", "/resources/get/models", lambda c: c.load_bytes("r.bin.small", "models")),
    "cdn.yaml": ("POST", "/resources/get/config", lambda c: c.cdn),
    "users list": ("GET", "/users", lambda c: __import__("core.users", fromlist=["x"]).list_users(c)),
}
MISBEHAVIOURS = {
    "trickled body": lambda: trickle(b'{"token": "' + b"a" * 200 + b'"}', every=0.5),
    "trickled endless body": lambda: trickle(every=0.5),  # no length: http.client drops conn.sock meanwhile
    "trickled status line": lambda: trickle(every=0.5, in_head=True),
}  # plain silence is not here: the socket read timeout always caught it, the old client too


@pytest.mark.parametrize("how", list(MISBEHAVIOURS))
@pytest.mark.parametrize("call", list(API_CALLS))
def test_api_call_has_a_deadline(hostile, short_deadlines, call, how):
    method, pattern, run = API_CALLS[call]
    client = hostile.client(hostile.account(RoleEnum.Admin), timeout=(2.0, 2.0))
    hostile.api.clear()
    hostile.api.on(method, pattern, MISBEHAVIOURS[how]())
    outcome, elapsed = bounded(lambda: run(client))
    assert isinstance(outcome, UnreachableError), outcome
    assert elapsed < 15
    assert "no complete answer within 3 s" in str(outcome)


def test_cdn_download_stall_is_detected_and_resumed(hostile, short_deadlines, tmp_path):
    """The big part trickles after its first bytes: the stall rule ends that GET and the retry resumes."""
    data = bytes(range(256)) * 2000
    hostile.seed("stall.bin", data)
    client = hostile.client(timeout=(2.0, 2.0), retry_policy=RetryPolicy(attempts=3, base=0.1, cap=0.2))
    hostile.s3.on("GET", "/models/stall.bin.big", trickle(from_upstream=True, every=0.5, nbytes=100), times=1)
    retries: list = []
    outcome, elapsed = bounded(lambda: client.download_big_small_resource(
        "stall.bin", "models", tmp_path / "out.bin", on_retry=lambda *a: retries.append(a)))
    assert not isinstance(outcome, BaseException), outcome
    assert (tmp_path / "out.bin").read_bytes() == data
    assert retries and "stalled" in str(retries[0][3])


def test_cdn_download_that_keeps_stalling_ends(hostile, short_deadlines, tmp_path):
    hostile.seed("stall2.bin", b"s" * 300_000)
    client = hostile.client(timeout=(2.0, 2.0), retry_policy=RetryPolicy(attempts=2, base=0.1, cap=0.2))
    hostile.s3.on("GET", "/models/stall2.bin.big", trickle(from_upstream=True, every=0.5, nbytes=100))
    outcome, elapsed = bounded(lambda: client.download_big_small_resource("stall2.bin", "models",
                                                                           tmp_path / "out.bin"))
    assert isinstance(outcome, UnreachableError) and "stalled" in str(outcome), outcome
    assert not (tmp_path / "out.bin").exists() and list(tmp_path.glob(".azaion-*")) == []


def test_cdn_head_has_a_deadline(hostile, short_deadlines, tmp_path):
    hostile.seed("head.bin", b"h" * 10_000)
    client = hostile.client(timeout=(2.0, 2.0), retry_policy=ONE_TRY,
                            cdn_options={"max_attempts": 0})
    hostile.s3.on("HEAD", "/models/head.bin.big", trickle(every=0.5, in_head=True))
    outcome, elapsed = bounded(lambda: client.download_big_small_resource("head.bin", "models", tmp_path / "o"))
    assert isinstance(outcome, AzaionError), outcome
    assert elapsed < 15


def test_installer_download_stall_ends(hostile, short_deadlines, tmp_path):
    from core.installers import download_installer

    hostile.sandbox.state.set_installer("AzaionSuite-9.exe", b"I" * 200_000)
    client = hostile.client(timeout=(2.0, 2.0))
    hostile.api.on("GET", "/resources/get-installer", trickle(from_upstream=True, every=0.5, nbytes=10))
    outcome, elapsed = bounded(lambda: download_installer(client, tmp_path / "inst.exe"))
    assert isinstance(outcome, UnreachableError) and "stalled" in str(outcome), outcome
    assert not (tmp_path / "inst.exe").exists() and list(tmp_path.glob(".azaion-*")) == []


@pytest.mark.parametrize(("cmd", "method", "pattern"), [
    (("ls", "models"), "GET", "/resources/list/models"),
    (("whoami",), "POST", "/login"),
    (("download", "r.bin", "--folder", "models", "-o", "OUT"), "POST", "/resources/get/models"),
])
def test_cli_ends_against_a_trickling_server(hostile, tmp_path, cmd, method, pattern):
    creds = hostile.account()
    hostile.api.on(method, pattern, trickle(every=0.5))
    args = [a.replace("OUT", str(tmp_path / "out.bin")) for a in cmd]
    started = time.monotonic()
    proc = hostile.cli(creds, *args, env=hostile.cli_env(creds, **SHORT), timeout=240)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    assert "no complete answer within 3 s" in proc.stderr, proc.stderr
    # The download retries the small part: 6 tries of 3 s and waits of at most 2+4+8+16+32 s (docs/protocol.md).
    assert elapsed < 6 * 3 + 62 + 30


def test_upload_part_never_answered_ends(hostile, short_deadlines, tmp_path):
    """The CDN takes a part but never finishes its answer: the part's stall rule ends it (no retry here)."""
    src = tmp_path / "upn.bin"
    src.write_bytes(bytes(20 << 20))
    client = hostile.client(timeout=(2.0, 2.0), retry_policy=ONE_TRY, cdn_options={"max_attempts": 0})
    _ = client.cdn
    hostile.s3.on("PUT", "/models/upn.bin.big", trickle(every=0.5, in_head=True))
    outcome, elapsed = bounded(lambda: client.upload_big_small_resource(src, "upn.bin", "models"))
    assert isinstance(outcome, UnreachableError) and "stalled" in str(outcome), outcome
