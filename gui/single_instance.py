"""One running app per user and data folder: a second start hands its command line (files to upload, e.g. one
dropped on the launcher) to the running app, which comes to the front, and exits 0, instead of a second app
writing the same transfer queue file.

The running app listens on a local socket (a Unix socket in the runtime folder, a named pipe on Windows) whose
name holds the user's id and a hash of the data folder, so two users, or two data folders (tests, portable
installs), never meet; only the user may connect (``UserAccessOption``). A socket left by an app that was killed
answers nobody: the next start removes it and listens in its place."""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger("azaion.gui.instance")

CONNECT_MS = 1000
MAX_MESSAGE = 64 * 1024
"""A start's command line: a few paths. A larger message is not from us and is dropped."""


def server_name(data_dir: Path) -> str:
    """Per user (uid where there is one) and per data folder."""
    user = str(os.getuid()) if hasattr(os, "getuid") else getpass.getuser()
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"azaion-admin-{user}-{digest}"


def hand_over(name: str, files: list[str]) -> bool:
    """Send ``files`` to a running app listening on ``name``; False if none answers (this start goes on)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_MS):
        return False
    message = json.dumps({"activate": True, "files": [str(Path(f).absolute()) for f in files]}).encode()
    socket.write(message + b"\n")
    socket.flush()  # (waitForBytesWritten is False when flush already wrote everything)
    answered = socket.waitForReadyRead(CONNECT_MS * 5) and bytes(socket.readAll()).startswith(b"ok")
    socket.disconnectFromServer()
    if not answered:
        log.warning("A running app took the connection on %s but did not answer; starting anyway", name)
    return answered


class InstanceServer(QObject):
    """Listens for later starts; ``activated(files)`` is emitted in the GUI thread for each."""

    activated = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)  # stale: left by an app that did not end cleanly (nobody answered)
        if self.server.listen(self.name):
            log.info("Removed a stale instance socket %s", self.name)
            return True
        log.warning("Could not listen for later starts on %s: %s", self.name, self.server.errorString())
        return False

    def _on_connection(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            buffer = bytearray()

            def read(socket: QLocalSocket = socket, buffer: bytearray = buffer) -> None:
                buffer.extend(bytes(socket.readAll()))
                if len(buffer) > MAX_MESSAGE:
                    socket.abort()
                    return
                if b"\n" in buffer:
                    socket.write(b"ok\n")
                    socket.flush()
                    self._handle(bytes(buffer).split(b"\n", 1)[0])
                    socket.disconnectFromServer()

            socket.readyRead.connect(read)
            socket.disconnected.connect(socket.deleteLater)

    def _handle(self, line: bytes) -> None:
        try:
            message = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError):
            log.warning("Ignored an unreadable message from a later start")
            return
        files = message.get("files") if isinstance(message, dict) else None
        if not isinstance(files, list) or not all(isinstance(f, str) and "\x00" not in f for f in files):
            files = []
        log.info("A later start asked to come to the front (%d file(s))", len(files))
        self.activated.emit(files)


def bring_to_front(widget) -> None:
    """Show, un-minimise, raise and activate a top-level window."""
    from PySide6.QtCore import Qt

    widget.show()
    widget.setWindowState((widget.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    widget.raise_()
    widget.activateWindow()


def on_activated(controller) -> Callable[[list], None]:
    """What the running app does for a later start: the main window (or the login dialog) to the front, and
    files to upload queued through the Upload panel (which asks about names that exist)."""

    def handle(files: list) -> None:
        window = controller.window
        target = window if window is not None else controller.login_dialog
        if target is not None:
            bring_to_front(target)
        if window is not None and files:
            window.show_panel("upload")
            window.upload_panel.enqueue_paths([Path(f) for f in files])

    return handle
