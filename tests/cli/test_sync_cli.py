"""``azaion sync`` as a user runs it: a real subprocess against a sandbox whose CDN is reached through a counting
(and, for the interrupted run, throttled) proxy, so the bytes a sync really fetched can be asserted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.models import RoleEnum
from tests.conftest import USED_SECRETS
from tests.faults.proxy import FaultProxy

MiB = 1 << 20
STATE = ".azaion-sync.json"


@pytest.fixture(scope="module")
def rig():
    from sandbox.server import Sandbox

    s3 = FaultProxy()
    sb = Sandbox(seed=False, cdn_url=s3.url).start()
    s3.target_port = urlsplit(sb.s3_url).port
    try:
        yield sb, s3
    finally:
        sb.stop()
        s3.stop()


@pytest.fixture
def env(rig, tmp_path):
    """An account, a fresh folder (API and bucket) and an uploader client; ``run`` runs the CLI as that account."""
    from core.api_client import ApiClient
    from core.models import Credentials

    sandbox, s3 = rig
    s3.clear()
    s3.reset_counters()
    email, password = f"s-{uuid.uuid4().hex[:8]}@test.local", "pw-" + uuid.uuid4().hex
    up_email = "up-" + email
    USED_SECRETS.add(password)
    sandbox.state.add_user(email, password, RoleEnum.Operator)  # the CLI's: syncing needs no upload rights
    sandbox.state.add_user(up_email, password, RoleEnum.ResourceUploader)
    folder = f"sync-{uuid.uuid4().hex[:8]}"
    sandbox.s3_client().create_bucket(Bucket=folder)
    client = ApiClient(sandbox.api_url, cache_dir=tmp_path / "up-cache", journal_dir=tmp_path / "up-journal",
                       hardware="CPU: Up. GPU: None. Memory: 1. DriveSerial: U")
    client.set_credentials(Credentials(up_email, password))
    USED_SECRETS.add(client.login().raw)

    class Env:
        pass

    e = Env()
    e.sandbox, e.s3, e.folder, e.client, e.dir = sandbox, s3, folder, client, tmp_path / "mirror"
    e.cache = tmp_path / "cli-cache"

    def command(*args: str, cache: Path | None = None) -> tuple[list[str], dict]:
        # Each CLI process collects this machine's hardware string afresh, and on a loaded machine a collector
        # may time out (a field becomes "Unknown"): unbind first, so a run is never refused as "another machine".
        sandbox.state.set_hardware(email, None)
        environ = {**os.environ, "AZAION_PASSWORD": password, "AZAION_EMAIL": email,
                   "XDG_CACHE_HOME": str(cache or e.cache)}
        return [sys.executable, "-m", "cli.main", "--api", sandbox.api_url, "sync", *args], environ

    def run(*args: str, cache: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
        argv, environ = command(*args, cache=cache)
        return subprocess.run(argv, capture_output=True, text=True, env=environ, timeout=timeout)

    e.command, e.run = command, run
    return e


def test_new_then_unchanged_moves_no_big_part(env, tmp_path):
    data = os.urandom(2 * MiB)
    env.client.upload_big_small_resource(data, "w.onnx", env.folder)
    res = env.run(env.folder, str(env.dir))
    assert res.returncode == 0, res.stderr
    assert "downloaded\tw.onnx" in res.stdout and (env.dir / "w.onnx").read_bytes() == data
    assert env.s3.bytes_down > 2 * MiB

    env.s3.reset_counters()
    # A fresh cache: had sync decided to download again, the big part would have to come through the proxy.
    res = env.run(env.folder, str(env.dir), cache=tmp_path / "other-cache")
    assert res.returncode == 0, res.stderr
    assert "0 downloaded, 0 deleted, 1 unchanged" in res.stdout
    assert env.s3.bytes_down < 64 * 1024  # the bucket's listing only


def test_changed_and_dry_run_json(env):
    env.client.upload_big_small_resource(b"one" * 1000, "a.cfg", env.folder)
    env.client.upload_big_small_resource(b"two" * 1000, "b.cfg", env.folder)
    plan = env.run(env.folder, str(env.dir), "--dry-run", "--json")
    assert plan.returncode == 0, plan.stderr
    doc = json.loads(plan.stdout)
    assert doc["download"] == [{"name": "a.cfg", "reason": "new"}, {"name": "b.cfg", "reason": "new"}]
    assert (doc["delete"], doc["conflicts"], doc["refused"], doc["unchanged"]) == ([], [], [], 0)
    assert not env.dir.exists()  # a dry run changes nothing, not even the folder

    assert env.run(env.folder, str(env.dir)).returncode == 0
    env.client.upload_big_small_resource(b"ONE" * 1000, "a.cfg", env.folder)
    state = (env.dir / STATE).read_bytes()
    plan = env.run(env.folder, str(env.dir), "--dry-run", "--json", "--delete")
    doc = json.loads(plan.stdout)
    assert doc["download"] == [{"name": "a.cfg", "reason": "changed"}] and doc["unchanged"] == 1
    assert (env.dir / STATE).read_bytes() == state and (env.dir / "a.cfg").read_bytes() == b"one" * 1000

    text = env.run(env.folder, str(env.dir), "--dry-run")
    assert text.stdout.splitlines() == ["download\ta.cfg\tchanged", "1 unchanged"]
    res = env.run(env.folder, str(env.dir), "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["downloaded"] == ["a.cfg"]
    assert (env.dir / "a.cfg").read_bytes() == b"ONE" * 1000


def test_local_edit_is_reported_with_exit_4_and_kept_until_force(env):
    env.client.upload_big_small_resource(b"server" * 100, "c.json", env.folder)
    assert env.run(env.folder, str(env.dir)).returncode == 0
    (env.dir / "c.json").write_bytes(b"mine")
    env.client.upload_big_small_resource(b"newer" * 100, "c.json", env.folder)
    res = env.run(env.folder, str(env.dir))
    assert res.returncode == 4, res.stderr
    assert "warning: not synced c.json: changed locally since it was synced (--force replaces it)" in res.stderr
    assert (env.dir / "c.json").read_bytes() == b"mine"
    res = env.run(env.folder, str(env.dir), "--force")
    assert res.returncode == 0, res.stderr
    assert (env.dir / "c.json").read_bytes() == b"newer" * 100


def test_delete_removes_only_what_sync_wrote(env):
    for name in ("stay.bin", "go.bin"):
        env.client.upload_big_small_resource(os.urandom(1000), name, env.folder)
    assert env.run(env.folder, str(env.dir)).returncode == 0
    (env.dir / "own.txt").write_text("mine")
    with env.sandbox.state._lock:  # the sandbox has no API to remove one file
        del env.sandbox.state._folders[env.folder]["go.bin.small"]
    env.sandbox.s3_client().delete_object(Bucket=env.folder, Key="go.bin.big")
    res = env.run(env.folder, str(env.dir), "--delete")
    assert res.returncode == 0, res.stderr
    assert "deleted\tgo.bin" in res.stdout
    assert sorted(p.name for p in env.dir.iterdir()) == [STATE, "own.txt", "stay.bin"]


@pytest.mark.parametrize("period", ["0s", "15x", "", "m", "1.5h", "15 m", "-5m", "400d", "1h30"])
def test_bad_period_is_a_usage_error(env, period):
    res = env.run(env.folder, str(env.dir), f"--every={period}")
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("error: argument --every: "), res.stderr
    assert "write it like 30s, 15m, 1h or 1h30m" in res.stderr or "is outside 1s..366d" in res.stderr
    assert not env.dir.exists()


def test_good_periods_parse():
    from core.sync import parse_duration

    assert [parse_duration(p) for p in ("30s", "15m", "1h", "1h30m", "2d", " 90S ")] == [30, 900, 3600, 5400,
                                                                                       172800, 90]


@pytest.mark.parametrize("folder", ["../etc", "a/b", ".."])
def test_bad_folder_is_refused_before_anything(env, folder):
    res = env.run(folder, str(env.dir))
    assert res.returncode == 1 and "folder name" in res.stderr
    assert not env.dir.exists()


def test_dry_run_with_every_is_refused(env):
    res = env.run(env.folder, str(env.dir), "--dry-run", "--every", "1m")
    assert res.returncode == 1 and "--dry-run and --every" in res.stderr


def test_every_keeps_syncing_and_sigterm_stops_it_cleanly(env):
    env.client.upload_big_small_resource(b"first", "f1.txt", env.folder)
    argv, environ = env.command(env.folder, str(env.dir), "--every", "1s")
    proc = subprocess.Popen(argv, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (env.dir / "f1.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        env.client.upload_big_small_resource(b"second", "f2.txt", env.folder)
        while not (env.dir / "f2.txt").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (env.dir / "f2.txt").read_bytes() == b"second"  # a later round picked it up
        proc.send_signal(signal.SIGTERM)
        out, errs = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 130), errs
    assert [p.name for p in env.dir.iterdir() if p.name.startswith(".azaion-") and p.name != STATE] == []


def test_killed_sync_resumes_without_starting_over(env, tmp_path):
    size = 24 * MiB
    data = os.urandom(size)
    env.client.upload_big_small_resource(data, "big.bin", env.folder)
    env.s3.rate = 1 * MiB  # bytes per second: slow enough to kill it part-way, also on a loaded machine
    argv, environ = env.command(env.folder, str(env.dir))
    proc = subprocess.Popen(argv, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        parts: list[Path] = []
        while time.monotonic() < deadline:
            parts = list(env.cache.rglob("big.bin.big.part"))
            if parts and parts[0].stat().st_size >= 4 * MiB:
                break
            time.sleep(0.05)
        assert parts, "the download did not start"
        second = env.run(env.folder, str(env.dir))  # the same folder while the first syncs it: refused
        assert second.returncode == 1 and "another sync of" in second.stderr, second.stderr
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    kept = parts[0].stat().st_size
    assert 4 * MiB <= kept < size and not (env.dir / "big.bin").exists()
    for leftover in env.dir.glob(".azaion-*.tmp"):  # what the killed process was writing: older than core's
        os.utime(leftover, (time.time() - 60, time.time() - 60))  # 5 s grace by the time a user reruns
    env.s3.rate = None
    env.s3.reset_counters()
    res = env.run(env.folder, str(env.dir))
    assert res.returncode == 0, res.stderr
    assert "resuming the interrupted download of" in res.stderr
    assert (env.dir / "big.bin").read_bytes() == data
    print(f"\nkilled after {kept} bytes of {size}; the rerun fetched {env.s3.bytes_down} bytes from the CDN")
    assert env.s3.bytes_down < size - kept + MiB  # the rest only, not the whole object again
    assert sorted(p.name for p in env.dir.iterdir()) == [STATE, "big.bin"]  # no temp file left


def test_sigterm_between_rounds_exits_0(env):
    env.client.upload_big_small_resource(b"x", "x.txt", env.folder)
    argv, environ = env.command(env.folder, str(env.dir), "--every", "1h")
    proc = subprocess.Popen(argv, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not (lines and lines[-1].startswith("synced ")):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
        proc.send_signal(signal.SIGTERM)  # the round is over: nothing in flight
        _, errs = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "note: stopped" in errs, errs
    assert lines[0] == "downloaded\tx.txt\n"


def test_sigterm_mid_download_leaves_no_partial_file_and_keeps_the_part(env):
    size = 12 * MiB
    data = os.urandom(size)
    env.client.upload_big_small_resource(data, "mid.bin", env.folder)
    env.s3.rate = 1 * MiB
    argv, environ = env.command(env.folder, str(env.dir))
    proc = subprocess.Popen(argv, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            parts = list(env.cache.rglob("mid.bin.big.part"))
            if parts and parts[0].stat().st_size >= 2 * MiB:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, errs = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "terminated (SIGTERM)" in errs, errs
    assert [p.name for p in env.dir.iterdir()] in ([], [STATE])  # no partial file, no temp file, no lock
    kept = list(env.cache.rglob("mid.bin.big.part"))[0].stat().st_size
    assert 2 * MiB <= kept < size
    env.s3.rate = None
    env.s3.reset_counters()
    res = env.run(env.folder, str(env.dir))
    assert res.returncode == 0 and (env.dir / "mid.bin").read_bytes() == data, res.stderr
    assert env.s3.bytes_down < size - kept + MiB


@pytest.mark.parametrize("where", ["file", "file/sub"])
def test_dir_that_is_not_a_folder_is_a_clear_error(env, tmp_path, where):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"keep me")
    env.client.upload_big_small_resource(b"x", "x.txt", env.folder)
    for extra in ((), ("--dry-run",)):
        res = env.run(env.folder, str(tmp_path / where), *extra)
        assert res.returncode == 1, res.stderr
        assert res.stderr.startswith(f"error: cannot sync into {tmp_path / where}: it is not a folder"), res.stderr
    assert blocker.read_bytes() == b"keep me"
