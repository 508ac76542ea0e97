"""Single instance (gui/single_instance.py): a later start's files reach the running app; a socket left by a
killed app is cleaned up; the name is per user and per data folder."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from gui.single_instance import InstanceServer, hand_over, server_name

ROOT = Path(__file__).resolve().parents[2]

STALE = """
import os, sys
from PySide6.QtCore import QCoreApplication
from PySide6.QtNetwork import QLocalServer
app = QCoreApplication([])
server = QLocalServer()
assert server.listen(sys.argv[1])
print(server.fullServerName(), flush=True)
os._exit(0)  # killed: the socket file stays behind
"""


LATER = """
import sys
from PySide6.QtCore import QCoreApplication
from gui.single_instance import hand_over
app = QCoreApplication([])
print(hand_over(sys.argv[1], sys.argv[2:]), flush=True)
"""


def test_names_are_per_user_and_data_folder(tmp_path):
    a, b = server_name(tmp_path / "a"), server_name(tmp_path / "b")
    assert a != b and a == server_name(tmp_path / "a")
    assert str(os.getuid()) in a


def test_a_stale_socket_is_removed_and_later_starts_reach_the_app(qtbot, tmp_path):
    name = f"azaion-test-{uuid.uuid4().hex[:12]}"
    out = subprocess.run([sys.executable, "-c", STALE, name], capture_output=True, text=True, timeout=60, check=True)
    path = out.stdout.strip()
    assert os.path.exists(path)  # what a killed app leaves
    assert not hand_over(name, [])  # nobody answers it: a start goes on
    server = InstanceServer(name)
    assert server.listen()
    got: list[list] = []
    server.activated.connect(got.append)
    later = subprocess.Popen([sys.executable, "-c", LATER, name, "relative.bin", "/abs/x.bin"],
                             stdout=subprocess.PIPE, text=True, cwd=tmp_path,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})  # a later start, its own process
    qtbot.waitUntil(lambda: bool(got) and later.poll() is not None, timeout=20000)
    assert later.stdout.read().strip() == "True"
    assert got == [[str(tmp_path / "relative.bin"), "/abs/x.bin"]]
    server.server.close()
