"""Cancel takes effect within a second in every stage, also while a socket read is blocked on a server that
trickles (default deadlines here: only the cancel can end the call). Bounds have slack for a loaded machine: the
behaviour is "within 1 s", the asserts say 3 s."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from core.cancel import CancelToken
from core.errors import CancelledError, PausedError
from tests.hostile.server import trickle

CANCEL_BOUND_S = 3.0


def _wait_for(predicate, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("the request never reached the server")


def cancel_while_blocked(fn, reached, token: CancelToken):
    """Start ``fn`` in a thread, wait until ``reached()`` (the server got the request), give the read a moment to
    block, cancel; returns (what fn raised or returned, seconds from cancel to its end)."""
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    _wait_for(reached)
    time.sleep(0.7)
    assert thread.is_alive(), f"ended before the cancel: {box}"
    cancelled = time.monotonic()
    token.cancel()
    thread.join(30)
    elapsed = time.monotonic() - cancelled
    assert not thread.is_alive(), "the cancel did not end the call within 30 s"
    return box.get("error", box.get("result")), elapsed


STAGES = {
    # stage: (which front, method, path of the request to trickle)
    "small part": ("api", "POST", "/resources/get/models"),
    "cdn.yaml": ("api", "POST", "/resources/get/config"),
    "CDN head": ("s3", "HEAD", "/models/{name}.big"),
    "CDN body": ("s3", "GET", "/models/{name}.big"),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_download_cancel_within_a_second_in_every_stage(hostile, tmp_path, stage):
    name = f"cancel-{stage.replace(' ', '').replace('.', '')}.bin"
    hostile.seed(name, os.urandom(300_000))
    client = hostile.client()
    front, method, path = STAGES[stage]
    server = getattr(hostile, front)
    path = path.format(name=name)
    if stage == "CDN head":
        server.on(method, path, trickle(every=0.5, in_head=True))
    else:
        server.on(method, path, trickle(from_upstream=True, every=0.5, nbytes=1 if stage != "CDN body" else 500))
    token = CancelToken()
    out = tmp_path / "out.bin"
    outcome, elapsed = cancel_while_blocked(
        lambda: client.download_big_small_resource(name, "models", out, cancel=token),
        lambda: server.requests(method, path), token)
    assert isinstance(outcome, CancelledError), outcome
    assert elapsed < CANCEL_BOUND_S, f"cancel took {elapsed:.1f} s"
    assert not out.exists() and list(tmp_path.glob(".azaion-*")) == []
    assert client.cache.partials() == [] and client.cache.lookup("models", name) is None


@pytest.mark.parametrize("call", ["listing", "users", "login"])
def test_api_call_cancel_through_the_current_token(hostile, call):
    from core import users
    from core.models import RoleEnum

    client = hostile.client(hostile.account(RoleEnum.Admin))
    method, path, run = {
        "listing": ("GET", "/resources/list/models", lambda: client.list_files("models")),
        "users": ("GET", "/users", lambda: users.list_users(client)),
        "login": ("POST", "/login", client.login),
    }[call]
    hostile.api.clear()
    hostile.api.on(method, path, trickle(every=0.5))
    token = CancelToken()

    def call_it():
        with token.active():
            return run()

    outcome, elapsed = cancel_while_blocked(call_it, lambda: hostile.api.requests(method, path), token)
    assert isinstance(outcome, CancelledError), outcome
    assert elapsed < CANCEL_BOUND_S


def test_installer_cancel_within_a_second(hostile, tmp_path):
    from core.installers import download_installer

    hostile.sandbox.state.set_installer("AzaionSuite-7.exe", b"I" * 300_000)
    client = hostile.client()
    hostile.api.on("GET", "/resources/get-installer", trickle(from_upstream=True, every=0.5, nbytes=100))
    token = CancelToken()
    outcome, elapsed = cancel_while_blocked(lambda: download_installer(client, tmp_path / "i.exe", cancel=token),
                                            lambda: hostile.api.requests("GET", "/resources/get-installer"), token)
    assert isinstance(outcome, CancelledError), outcome
    assert elapsed < CANCEL_BOUND_S
    assert not (tmp_path / "i.exe").exists() and list(tmp_path.glob(".azaion-*")) == []


def _cache_files(hostile) -> list:
    root = hostile.tmp / "cli" / "xdg_cache_home"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_download_signal_ends_cleanly(hostile, tmp_path, sig):
    """The real CLI mid-download (the big part trickling): the signal ends it within a second with no plaintext
    temp file and no output. SIGINT cancels (the partial part is dropped); SIGTERM pauses like closing the GUI (the
    ``.big.part`` stays), and the next run resumes and succeeds."""
    data = os.urandom(400_000)
    name = f"sig{int(sig)}.bin"
    hostile.seed(name, data)
    creds = hostile.account()
    hostile.s3.on("GET", f"/models/{name}.big", trickle(from_upstream=True, every=0.2, nbytes=8192), times=1)
    out = tmp_path / "out" / name
    out.parent.mkdir()
    proc = hostile.popen(creds, "download", name, "--folder", "models", "-o", str(out))
    try:
        _wait_for(lambda: any(p.name.endswith(".big.part") and p.stat().st_size > 20_000
                              for p in _cache_files(hostile)))
        _wait_for(lambda: list(out.parent.glob(".azaion-*")) != [])  # the plaintext temp file exists now
        sent = time.monotonic()
        proc.send_signal(sig)
        proc.wait(30)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read()
    assert proc.returncode == 130, stderr
    assert elapsed < CANCEL_BOUND_S, f"{elapsed:.1f} s"
    assert list(out.parent.iterdir()) == [], "plaintext (temp file or output) left behind"
    parts = [p for p in _cache_files(hostile) if p.name.endswith(".big.part")]
    if sig == signal.SIGTERM:
        assert "terminated (SIGTERM); run it again to resume" in stderr, stderr
        assert parts and parts[0].stat().st_size > 20_000, "the partial download was not kept for resume"
        again = hostile.cli(creds, "download", name, "--folder", "models", "-o", str(out), timeout=120)
        assert again.returncode == 0, again.stderr
        assert "resuming" in again.stderr
        assert out.read_bytes() == data
    else:
        assert "cancelled" in stderr and parts == []
    assert [p for p in _cache_files(hostile) if p.name.startswith(".azaion-")] == []


def test_pause_reason_is_the_error(hostile):
    token = CancelToken()
    token.pause("terminated (SIGTERM)")
    assert isinstance(token.error(), PausedError) and "SIGTERM" in str(token.error())


@pytest.mark.parametrize("size", [3 << 20, 20 << 20], ids=["one PUT", "multipart"])
def test_upload_cancel_within_a_second_while_the_cdn_does_not_answer(hostile, tmp_path, size):
    """The CDN takes the body but never finishes its answer (the status line trickles): cancel still ends the
    upload within a second, and nothing is left (cancel, not pause: the multipart upload is aborted)."""
    src = tmp_path / "up.bin"
    src.write_bytes(os.urandom(size))
    client = hostile.client()
    _ = client.cdn  # cdn.yaml fetched before the fronts misbehave
    method = "PUT"
    hostile.s3.on(method, "/models/up.bin.big", trickle(every=0.5, in_head=True))
    token = CancelToken()
    outcome, elapsed = cancel_while_blocked(
        lambda: client.upload_big_small_resource(src, "up.bin", "models", cancel=token),
        lambda: hostile.s3.requests(method, "/models/up.bin.big"), token)
    assert isinstance(outcome, CancelledError), outcome
    assert elapsed < CANCEL_BOUND_S, f"cancel took {elapsed:.1f} s"
    assert client.journals.all() == [] and client.cache.staged() == []


def test_cancel_while_finalizing_still_commits(hostile, tmp_path):
    """Once the big part is on the CDN the small part (the commit) is sent whatever the cancel says: a cancel
    during "finalizing" must not leave a big part without its small part (the transfer's token is current there
    for every other stage)."""
    src = tmp_path / "fin.bin"
    data = os.urandom(100_000)
    src.write_bytes(data)
    client = hostile.client()
    hostile.api.on("POST", "/resources/models", trickle(from_upstream=True, every=1.5, nbytes=1), times=1)
    token = CancelToken()
    outcome, _elapsed = cancel_while_blocked(
        lambda: client.upload_big_small_resource(src, "fin.bin", "models", cancel=token),
        lambda: hostile.api.requests("POST", "/resources/models"), token)
    assert not isinstance(outcome, BaseException), outcome
    assert hostile.client().load_big_small_resource("fin.bin", "models") == data


def test_gui_plain_file_download_cancel_within_a_second(hostile, tmp_path):
    """The GUI's plain API file download (gui.workers.jobs.download_job, plain=True): its Cancel ends the blocked
    small-answer read too, not only the next check after the 60 s deadline."""
    from core.models import RoleEnum
    from gui.workers.jobs import download_job
    from gui.workers.progress import ProgressProbe

    client = hostile.client(hostile.account(RoleEnum.ResourceUploader))
    client.upload_file("plain-cancel.txt", b"p" * 2000, "models")
    hostile.api.on("POST", "/resources/get/models", trickle(from_upstream=True, every=0.5, nbytes=1))
    token = CancelToken()
    job = download_job(client, "models", "plain-cancel.txt", tmp_path, plain=True)
    outcome, elapsed = cancel_while_blocked(lambda: job.work(token, ProgressProbe()),
                                            lambda: hostile.api.requests("POST", "/resources/get/models"), token)
    assert isinstance(outcome, CancelledError), outcome
    assert elapsed < CANCEL_BOUND_S
    assert not (tmp_path / "plain-cancel.txt").exists() and list(tmp_path.glob(".azaion-*")) == []
