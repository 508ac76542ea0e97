"""A docker/podman call we stop (cancel, stall, a tampered archive) takes the processes it started along, and its
private TMPDIR goes with them: podman's helpers outlived it and wrote into the folder after it was removed."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from core.errors import DockerError
from core.images.docker_cli import DockerProcess, private_tmpdir
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process sessions are POSIX")


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie nobody reaped yet is dead


def test_an_aborted_tool_takes_its_children_and_their_temp_files_along(tmp_path):
    tool = tmp_path / "tool.sh"
    pidfile = tmp_path / "helper.pid"
    # the tool starts a helper that keeps spooling into TMPDIR, then reads its input (like podman load)
    tool.write_text('#!/bin/sh\n(exec >/dev/null 2>&1; while :; do echo x >> "$TMPDIR/spool"; sleep 0.01; done) &\n'
                    'echo $! > "$PIDFILE"\ncat > /dev/null\n')
    tool.chmod(0o755)
    parent = tmp_path / "tmp"
    parent.mkdir()
    with private_tmpdir(parent) as tmpdir:
        env = {"PATH": os.environ["PATH"], "TMPDIR": str(tmpdir), "PIDFILE": str(pidfile)}
        with DockerProcess([str(tool)], env=env, what="tool", stdin=True) as proc:
            assert wait_until(lambda: pidfile.exists() and pidfile.read_text().strip() and (tmpdir / "spool").exists())
            helper = int(pidfile.read_text())
            proc.abort("the archive was tampered with")
    try:
        assert wait_until(lambda: not _alive(helper), timeout=5), "the tool's helper outlived it"
    finally:
        if _alive(helper):
            os.kill(helper, 9)
    assert list(parent.iterdir()) == []  # the private TMPDIR is gone, spool and all


@pytest.mark.parametrize("own_group", [False, True], ids=["helper-in-the-tool-group", "helper-in-its-own-group"])
def test_a_tool_that_fails_by_itself_takes_its_helpers_and_their_temp_files_along(tmp_path, own_group):
    """podman exits on input that is not a tar, before we would abort it: its helpers must not go on spooling into
    the private TMPDIR (a CI run found the folder still there after a tampered archive). A helper that moved to a
    process group of its own is still of the tool's session."""
    tool = tmp_path / "tool.py"
    pidfile = tmp_path / "helper.pid"
    helper = (
        "import os, time\n"
        + ("os.setpgid(0, 0)\n" if own_group else "")
        + "open(os.environ['PIDFILE'], 'w').write(str(os.getpid()))\n"
        "while True:\n"
        "    open(os.path.join(os.environ['TMPDIR'], 'spool'), 'a').write('x')\n"
        "    time.sleep(0.01)\n"
    )
    tool.write_text(
        f"#!{sys.executable}\nimport subprocess, sys, time, os\n"
        f"subprocess.Popen([sys.executable, '-c', {helper!r}], stdin=subprocess.DEVNULL,\n"
        "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "while not (os.path.exists(os.environ['PIDFILE']) and open(os.environ['PIDFILE']).read()):\n"
        "    time.sleep(0.01)\n"
        "sys.stderr.write('Error: payload does not match any of the supported image formats\\n')\n"
        "sys.exit(125)\n"
    )
    tool.chmod(0o755)
    parent = tmp_path / "tmp"
    parent.mkdir()
    with pytest.raises(DockerError, match=r"exit 125"):
        with private_tmpdir(parent) as tmpdir:
            env = {"PATH": os.environ["PATH"], "TMPDIR": str(tmpdir), "PIDFILE": str(pidfile)}
            with DockerProcess([str(tool)], env=env, what="tool", stdin=True) as proc:
                try:
                    proc.finish()
                except DockerError:
                    proc.abort("load failed")  # as core/images/archive.py does; the tool is gone already
                    raise
    helper_pid = int(pidfile.read_text())
    try:
        assert not _alive(helper_pid), "the tool's helper outlived the failed call"
    finally:
        if _alive(helper_pid):
            os.kill(helper_pid, 9)
    assert list(parent.iterdir()) == []  # the private TMPDIR is gone, spool and all


def _folder(parent: Path, name: str, *, age_s: float, mode: int = 0o700) -> Path:
    path = parent / f"azaion-docker-{name}"
    path.mkdir()
    (path / "spool").write_bytes(b"plaintext tar")
    path.chmod(mode)
    old = time.time() - age_s
    os.utime(path, (old, old))
    return path


def test_temp_folders_left_by_earlier_calls_are_swept_and_a_live_calls_is_kept(tmp_path):
    """What an earlier call could not remove (its process killed, a helper still writing) holds podman's spool of
    the plaintext tar: the next call removes it, but not the folder of a call running in another process, one
    made a moment ago (a call between making its folder and locking it), or what is not ours."""
    parent = tmp_path / "tmp"
    parent.mkdir()
    live = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom core.images.docker_cli import private_tmpdir\n"
         f"with private_tmpdir({str(parent)!r}) as p:\n    print(p, flush=True)\n    time.sleep(60)\n"],
        cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True,
    )
    try:
        assert live.stdout is not None
        live_dir = Path(live.stdout.readline().strip())
        assert live_dir.parent == parent, "the live call did not start"
        (live_dir / "spool").write_bytes(b"plaintext tar")
        old = time.time() - 3600
        os.utime(live_dir, (old, old))  # old, but locked by the live call
        killed = _folder(parent, "killed", age_s=60)  # its process died: nobody holds it
        just_made = _folder(parent, "new", age_s=0)
        other_mode = _folder(parent, "shared", age_s=60, mode=0o755)  # not a private folder of ours
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "keep").write_bytes(b"not ours to remove")
        (parent / "azaion-docker-link").symlink_to(elsewhere)
        with private_tmpdir(parent) as mine:
            assert mine.is_dir()
            left = sorted(p.name for p in parent.iterdir())
        assert not killed.exists()
        assert left == sorted([live_dir.name, just_made.name, other_mode.name, "azaion-docker-link", mine.name])
        assert (live_dir / "spool").exists() and (elsewhere / "keep").exists()
        assert not mine.exists()
    finally:
        live.kill()
        live.wait()


def test_a_folder_swept_before_its_call_locked_it_is_replaced(tmp_path, monkeypatch):
    """Another process's sweep may remove a new folder if this process stalls for seconds between making and
    locking it: the call then makes another instead of handing the tool a folder that is gone. (The stall is
    simulated: the first folder is removed right after it is made.)"""
    import core.images.docker_cli as docker_cli

    real = tempfile.mkdtemp
    made: list[str] = []

    def mkdtemp_then_swept(*args, **kwargs):
        path = real(*args, **kwargs)
        made.append(path)
        if len(made) == 1:
            os.rmdir(path)
        return path

    monkeypatch.setattr(docker_cli.tempfile, "mkdtemp", mkdtemp_then_swept)
    parent = tmp_path / "tmp"
    parent.mkdir()
    with private_tmpdir(parent) as tmpdir:
        assert len(made) == 2 and str(tmpdir) == made[1] and tmpdir.is_dir()
    assert list(parent.iterdir()) == []
