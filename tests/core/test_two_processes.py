"""Two processes at once lose nothing: real CLI processes, started together (a few ms apart), sharing one user's
cache and journals, 10 rounds each of two downloads of one resource, two uploads of one name from one file, and
an upload while a download of that name runs. No false error ("corrupt or tampered", "no such file"), every
output is one of the inputs, the pair left on the server downloads fine, and nothing is left behind (temp,
part, staged, lock or journal files)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.models import RoleEnum

MiB = 1 << 20
ROUNDS = 10
SIZE = 9 * MiB + 123  # over the CLI's 8 MiB multipart threshold: two parts, so the multipart path is exercised


@pytest.fixture
def cli(sandbox, tmp_path, make_account):
    """``start(*args)``: a CLI process of one user (this test's own XDG folders), not waited for."""
    creds = make_account(RoleEnum.ResourceUploader)
    xdg = {v: tmp_path / v.lower() for v in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")}
    env = {**os.environ, **{k: str(v) for k, v in xdg.items()},
           "AZAION_EMAIL": creds.email, "AZAION_PASSWORD": creds.password}

    def start(*args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    start.cache = xdg["XDG_CACHE_HOME"] / "azaion-admin"
    start.journals = xdg["XDG_DATA_HOME"] / "azaion-admin" / "transfers"
    return start


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


def ok(proc: subprocess.Popen) -> str:
    code, out, err = finish(proc)
    assert code == 0, f"exit {code}: {err}"
    for false_alarm in ("corrupt", "tampered", "no such file", "unexpected", "Traceback"):
        assert false_alarm not in err, err
    return out


def clear_cache_entries(cache: Path) -> None:
    """Forget the cached big parts, so the next download fetches from the CDN (the path two processes share)."""
    for p in cache.rglob("*.big*"):
        if p.is_file() and ".staging" not in p.parts:
            p.unlink()


def assert_nothing_left(cli, *out_dirs: Path) -> None:
    files = [p for p in cli.cache.rglob("*") if p.is_file() or p.is_symlink()]
    left = [p for p in files if p.name.startswith(".azaion-") or p.name.endswith((".part", ".part.json", ".lock"))
            or ".staging" in p.parts]
    assert left == [], f"left in the cache: {left}"
    journal_files = [p for p in cli.journals.rglob("*") if p.is_file()] if cli.journals.exists() else []
    assert journal_files == [], f"left in the journal folder: {journal_files}"
    for d in out_dirs:
        assert [p.name for p in d.iterdir() if p.name.startswith(".azaion-")] == []


@pytest.fixture
def folder(sandbox):
    name = f"two-{uuid.uuid4().hex[:8]}"
    sandbox.s3_client().create_bucket(Bucket=name)
    return name


def test_two_processes_at_once_lose_nothing(cli, folder, tmp_path, make_client):
    checker = make_client(cache_dir=tmp_path / "checker-cache")  # its own cache: it always asks the server

    def server_has(data: bytes, what: str) -> None:
        out = tmp_path / "check.bin"
        checker.cache.discard(folder, "r.bin")
        checker.download_big_small_resource("r.bin", folder, out)
        assert out.read_bytes() == data, f"the pair on the server after {what}"

    rng = random.Random(11)
    inputs = tmp_path / "in"
    outs = tmp_path / "out"
    inputs.mkdir()
    outs.mkdir()
    first = inputs / "r.bin"
    first.write_bytes(rng.randbytes(SIZE))
    ok(cli("upload", str(first), "--folder", folder, "--name", "r.bin"))
    current = first.read_bytes()

    for r in range(ROUNDS):
        # Two downloads of one resource at once (different outputs), from the CDN: they share one cache entry.
        clear_cache_entries(cli.cache)
        a, b = outs / f"a{r}.bin", outs / f"b{r}.bin"
        procs = [cli("download", "r.bin", "--folder", folder, "-o", str(o)) for o in (a, b)]
        for p in procs:
            ok(p)
        assert a.read_bytes() == current and b.read_bytes() == current, f"round {r}: two downloads"

        # Two uploads of one name from one file at once: both succeed (the second waits), the last one wins.
        src = inputs / f"u{r}.bin"
        src.write_bytes(rng.randbytes(SIZE))
        procs = [cli("upload", str(src), "--folder", folder, "--name", "r.bin") for _ in range(2)]
        for p in procs:
            ok(p)
        current = src.read_bytes()
        server_has(current, f"two uploads (round {r})")

        # An upload while a download of the same name runs: the download gets the old or the new content.
        clear_cache_entries(cli.cache)
        new = inputs / f"n{r}.bin"
        new.write_bytes(rng.randbytes(SIZE))
        d = outs / f"d{r}.bin"
        down = cli("download", "r.bin", "--folder", folder, "-o", str(d))
        up = cli("upload", str(new), "--folder", folder, "--name", "r.bin")
        ok(up)
        ok(down)
        assert d.read_bytes() in (current, new.read_bytes()), f"round {r}: download during an upload"
        current = new.read_bytes()
        server_has(current, f"an upload during a download (round {r})")
        for p in (a, b, d):
            p.unlink()

    assert_nothing_left(cli, outs)
    final = outs / "final.bin"
    ok(cli("download", "r.bin", "--folder", folder, "-o", str(final)))  # and the CLI's own cache serves it right
    assert final.read_bytes() == current


def test_a_download_waiting_for_another_is_told_and_cancels_quickly(make_client, tmp_path):
    """While another process holds a cache entry (here: its lock, taken the way a download takes it) a second
    download of it waits, says so, and a cancel ends the wait (bound 3 s on this loaded machine: the wait looks
    at its token every 50 ms); nothing is written and nothing is left."""
    import fcntl
    import threading
    import time

    from core.cancel import CancelToken
    from core.errors import CancelledError

    data = random.Random(3).randbytes(2 * MiB)
    client = make_client()
    client.upload_big_small_resource(data, "wait.bin", "models")
    client.cache.discard("models", "wait.bin")
    holder = os.open(client.cache.root / "models" / "wait.bin.big.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)  # the entry's lock, as another process's download holds it
    token, told, outcome = CancelToken(), threading.Event(), {}
    out = tmp_path / "wait.bin"

    def run() -> None:
        try:
            client.download_big_small_resource("wait.bin", "models", out, cancel=token,
                                               on_event=lambda m: "waiting" in m and told.set())
        except CancelledError as exc:
            outcome["error"] = exc
            outcome["at"] = time.monotonic()

    t = threading.Thread(target=run)
    try:
        t.start()
        assert told.wait(60), "the download neither waited nor said so"
        cancelled = time.monotonic()
        token.cancel()
        t.join(30)
    finally:
        os.close(holder)
    assert outcome["at"] - cancelled < 3
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".azaion-")] == []
    assert [p.name for p in (client.cache.root / "models").iterdir()] == ["wait.bin.big.lock"]  # the holder's
