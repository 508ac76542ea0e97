"""Writes go only where the user said, never over something without asking, and every bad output or name ends in a
clear error: the real `azaion` CLI (subprocess) against the sandbox, plus the core call the GUI makes."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core.models import RoleEnum

MiB = 1 << 20


def azaion(sandbox, *args, creds=None, env=None, cwd=None, timeout=120, text=True):
    full_env = dict(os.environ)
    if creds is not None:
        full_env["AZAION_EMAIL"] = creds.email
        full_env["AZAION_PASSWORD"] = creds.password
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "--api", sandbox.api_url, *args],
        capture_output=True, text=text, env=full_env, cwd=cwd, timeout=timeout,
    )


@pytest.fixture
def published(make_client):
    """(folder, name, plaintext): a fresh resource uploaded by another account (the CLI binds its own machine)."""
    folder = "models"
    name = f"r-{uuid.uuid4().hex[:8]}.bin"
    data = os.urandom(300_000)
    make_client().upload_big_small_resource(data, name, folder)
    return folder, name, data


@pytest.fixture
def reader(make_account):
    return make_account(RoleEnum.Operator)


def _leftovers(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob(".azaion-*")]


def _cache_files(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


# ---- only a regular file or a new name is replaced ---------------------------------------------------------------


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _char_device(path: Path) -> None:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # a private twin of /dev/null
    except PermissionError:
        pytest.skip("mknod needs root (CAP_MKNOD)")


def _link_to_stdout(path: Path) -> None:
    path.symlink_to("/proc/self/fd/1")


def _link_to_fifo(path: Path) -> None:
    os.mkfifo(path.with_name("fifo"))
    path.symlink_to(path.with_name("fifo"))


def _dangling_link(path: Path) -> None:
    path.symlink_to(path.with_name("nothing-here"))


@pytest.mark.parametrize("make_node", [_fifo, _char_device, _link_to_stdout, _link_to_fifo, _dangling_link])
def test_download_refuses_a_node_that_is_not_a_regular_file(sandbox, published, reader, tmp_path, make_node):
    """Each ended as a regular 0644 file of plaintext in its place (as root, /dev/full was replaced). Now: a clear
    error before anything is downloaded (the cache stays empty), and the node is untouched."""
    folder, name, _ = published
    target = tmp_path / "out" / "target"
    target.parent.mkdir()
    make_node(target)
    before = os.lstat(target)
    cache = tmp_path / "cache"
    res = azaion(sandbox, "download", name, "--folder", folder, "-o", str(target), creds=reader,
                 env={"XDG_CACHE_HOME": str(cache)})
    assert res.returncode == 1, res.stderr
    assert res.stderr.startswith("error: refusing to write to "), res.stderr
    assert "not a regular file" in res.stderr or "symbolic link to nothing" in res.stderr, res.stderr
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert _cache_files(cache) == [] and _leftovers(target.parent) == []


def test_download_refuses_a_socket(sandbox, published, reader, tmp_path):
    folder, name, _ = published
    target = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(target))
        res = azaion(sandbox, "download", name, "--folder", folder, "-o", str(target), creds=reader)
    assert res.returncode == 1 and "it is a socket, not a regular file" in res.stderr, res.stderr
    assert stat.S_ISSOCK(os.lstat(target).st_mode)


def test_existing_output_needs_force_and_keeps_its_mode(sandbox, published, reader, tmp_path):
    folder, name, data = published
    out = tmp_path / "model.bin"
    out.write_bytes(b"the user's own file")
    out.chmod(0o640)
    refused = azaion(sandbox, "download", name, "--folder", folder, "-o", str(out), creds=reader)
    assert refused.returncode == 1
    assert refused.stderr == f"error: {out} already exists; use --force to replace it\n"
    assert out.read_bytes() == b"the user's own file"

    forced = azaion(sandbox, "download", name, "--folder", folder, "-o", str(out), "--force", creds=reader)
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes() == data
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the user's choice of mode is kept

    # A folder saves under NAME (a new file: the usual mode, 0666 minus the umask); then the same rule applies.
    old_umask = os.umask(0o027)
    try:
        again = azaion(sandbox, "download", name, "--folder", folder, "-o", str(tmp_path), creds=reader)
    finally:
        os.umask(old_umask)
    assert again.returncode == 0, again.stderr
    assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640
    twice = azaion(sandbox, "download", name, "--folder", folder, "-o", str(tmp_path), creds=reader)
    assert twice.returncode == 1 and "already exists; use --force" in twice.stderr
    assert (tmp_path / name).read_bytes() == data
    assert _leftovers(tmp_path) == []


def test_a_symlink_to_a_regular_file_replaces_that_file(sandbox, published, reader, tmp_path):
    folder, name, data = published
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    res = azaion(sandbox, "download", name, "--folder", folder, "-o", str(link), "--force", creds=reader)
    assert res.returncode == 0, res.stderr
    assert link.is_symlink() and real.read_bytes() == data


def test_dash_streams_to_stdout(sandbox, published, reader, tmp_path):
    """`-o -` is standard output (for a pipe): the plaintext only; the final line and progress go to stderr."""
    folder, name, data = published
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    res = azaion(sandbox, "download", name, "--folder", folder, "-o", "-", creds=reader, cwd=cwd, text=False)
    assert res.returncode == 0, res.stderr
    assert res.stdout == data
    assert b"to standard output" in res.stderr
    assert list(cwd.iterdir()) == []  # no file named '-'


def test_dash_into_a_closed_pipe_is_a_clear_error(sandbox, published, reader, tmp_path):
    folder, name, _ = published
    env = dict(os.environ, AZAION_EMAIL=reader.email, AZAION_PASSWORD=reader.password)
    cmd = [sys.executable, "-m", "cli.main", "--api", sandbox.api_url, "download", name, "--folder", folder,
           "-o", "-"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        proc.stdout.read(10)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert code == 1, err
    assert "error: cannot write to standard output" in err and "unexpected" not in err
    assert "Exception ignored" not in err and "Traceback" not in err


def test_output_swapped_for_a_fifo_during_the_download_is_refused(published, make_client, tmp_path):
    """The GUI's call (core): the target is checked again (lstat) right before the rename, so a FIFO or link put
    in its place while the download ran is not replaced."""
    from core.errors import LocalIOError

    folder, name, _ = published
    client = make_client()
    out = tmp_path / "out.bin"
    swapped = []

    def progress(done: int, total: int | None) -> None:
        if done and not swapped:
            os.mkfifo(out)
            swapped.append(True)

    with pytest.raises(LocalIOError, match="became a FIFO"):
        client.download_big_small_resource(name, folder, out, progress=progress)
    assert stat.S_ISFIFO(os.lstat(out).st_mode)
    assert _leftovers(tmp_path) == []


def test_temp_file_is_private_while_written(tmp_path):
    from core.fileio import atomic_write

    old = os.umask(0)
    try:
        with atomic_write(tmp_path / "x", output=True) as fh:
            fh.write(b"partial")
            assert stat.S_IMODE(os.fstat(fh.fileno()).st_mode) == 0o600
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x").stat().st_mode) == 0o666


# ---- names and paths too long for the file system ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["a" * 245, "ж" * 125, "b" * 240])
def test_resource_names_are_limited_in_bytes_before_upload(sandbox, make_account, tmp_path, name):
    """245 ASCII / 125 Cyrillic characters landed on the server and then crashed the cache (exit 3); no
    download of them could ever succeed. Now a clear error before anything is sent; the longest allowed name
    (239 bytes) goes both ways, through an empty cache too (``{name}.big.part.json``)."""
    creds = make_account()
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(5000))
    res = azaion(sandbox, "upload", str(src), "--folder", "models", "--name", name, creds=creds)
    assert res.returncode == 1, res.stderr
    assert "bytes long (UTF-8); at most 239 bytes are allowed" in res.stderr
    assert sandbox.state.get_file("models", f"{name}.small") is None
    down = azaion(sandbox, "download", name, "--folder", "models", "-o", str(tmp_path / "x"), creds=creds)
    assert down.returncode == 1 and "at most 239 bytes" in down.stderr

    longest = name[: 239 // len(name[0].encode())] + "z" * (239 % len(name[0].encode()))
    assert len(longest.encode()) == 239
    up = azaion(sandbox, "upload", str(src), "--folder", "models", "--name", longest, creds=creds)
    assert up.returncode == 0, up.stderr
    down = azaion(sandbox, "download", longest, "--folder", "models", "-o", str(tmp_path / "got.bin"), creds=creds,
                  env={"XDG_CACHE_HOME": str(tmp_path / "empty-cache")})
    assert down.returncode == 0, down.stderr
    assert (tmp_path / "got.bin").read_bytes() == src.read_bytes()


def test_overlong_output_name_is_a_clear_error(sandbox, published, reader, tmp_path):
    folder, name, _ = published
    where = tmp_path / "out"
    where.mkdir()
    res = azaion(sandbox, "download", name, "--folder", folder, "-o", str(where / ("o" * 300)), creds=reader)
    assert res.returncode == 1, res.stderr
    assert "is 300 bytes long; file systems allow at most 255 bytes" in res.stderr
    res = azaion(sandbox, "download", name, "--folder", folder, "-o", str(where / ("d" * 300) / "x"),
                 creds=reader)
    assert res.returncode == 1 and "unexpected" not in res.stderr, res.stderr
    assert list(where.iterdir()) == []


# ---- disk full: the message names the file that could not be written ----------------------------------------------


@contextlib.contextmanager
def _small_fs(path: Path):
    path.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)], capture_output=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {res.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.parametrize("full", ["output", "cache"])
def test_disk_full_names_the_file_that_could_not_be_written(sandbox, make_client, reader, tmp_path, full):
    """A full OUTPUT file system was reported as 'disk full ... .big.part' (the cache's file)."""
    folder, name = "models", f"big-{uuid.uuid4().hex[:8]}.bin"
    make_client().upload_big_small_resource(os.urandom(3 * MiB), name, folder)
    with _small_fs(tmp_path / "small") as small:
        out_dir = small if full == "output" else tmp_path / "out"
        cache = tmp_path / "cache" if full == "output" else small / "cache"
        out = out_dir / "got.bin"
        res = azaion(sandbox, "download", name, "--folder", folder, "-o", str(out), creds=reader,
                     env={"XDG_CACHE_HOME": str(cache)})
        assert res.returncode == 1, res.stderr
        assert res.stderr.startswith("error: disk full"), res.stderr
        if full == "output":
            assert f"while writing {out}" in res.stderr and ".big.part" not in res.stderr
        else:
            assert ".big.part" in res.stderr and str(out) not in res.stderr
        assert not out.exists() and _leftovers(out_dir) == []


@pytest.mark.parametrize("kind", ["fifo", "link-to-fifo", "device-link"])
def test_the_guis_plain_file_download_never_writes_over_a_device_or_fifo(make_client, tmp_path, kind):
    """The GUI's plain API file download (gui.workers.jobs.download_job, plain=True) follows the same output rules
    as the CLI: a FIFO, a link to one, or a link to a device in the target folder stays as it was."""
    from core.cancel import CancelToken
    from core.errors import LocalIOError
    from gui.workers.jobs import download_job
    from gui.workers.progress import ProgressProbe

    client = make_client()
    name = f"plain-{uuid.uuid4().hex[:8]}.txt"
    client.upload_file(name, b"plaintext of a plain file", "models")
    target_dir = tmp_path / "downloads"
    target_dir.mkdir()
    target = target_dir / name
    if kind == "fifo":
        _fifo(target)
    elif kind == "link-to-fifo":
        _fifo(tmp_path / "elsewhere")
        target.symlink_to(tmp_path / "elsewhere")
    else:
        target.symlink_to("/dev/null")
    before = os.lstat(target)
    job = download_job(client, "models", name, target_dir, plain=True)
    with pytest.raises(LocalIOError, match="refusing to write"):
        job.work(CancelToken(), ProgressProbe())
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert _leftovers(target_dir) == []
