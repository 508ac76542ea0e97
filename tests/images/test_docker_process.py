"""A docker/podman call we stop (cancel, stall, a tampered archive) takes the processes it started along, and its
private TMPDIR goes with them: podman's helpers outlived it and wrote into the folder after it was removed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
