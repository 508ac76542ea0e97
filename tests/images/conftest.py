"""Fixtures for image unlock/lock. The isolated podman store (``podman``, ``store``, ``Store``, ``encrypt_file``) lives
in tests/podman_store.py, shared with the GUI tests; it is imported here so these tests see the fixtures."""

from __future__ import annotations

import os
import sys
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

import psutil
import pytest

from core.images.names import normalize
from sandbox.tarball import ImageSpec, service_images
from tests.podman_store import Store, encrypt_file, podman, store  # noqa: F401 - shared with tests/gui

SERVICES = ("annotations", "detections", "loader", "gps-denied")
PREFIX = "azaion/"


def new_version() -> str:
    return f"9.0.{uuid.uuid4().hex[:10]}"


def expected(version: str, services: Sequence[str] = SERVICES, prefix: str = PREFIX) -> set[str]:
    return {normalize(f"{prefix}{s}:{version}") for s in services}


@pytest.fixture
def publish(sandbox):
    """Make an archive of ``specs`` (default: every service of ``version``) and publish its fragment."""

    def make(path: Path, version: str, specs: Sequence[ImageSpec] | bytes | None = None,
             fragment: bytes | None = None) -> tuple[bytes, str]:
        fragment = fragment or os.urandom(32)
        if specs is None:
            specs = service_images(SERVICES, PREFIX, version)
        digest = encrypt_file(specs, path, fragment)
        sandbox.state.put_fragment(version, fragment, digest)
        return fragment, digest

    return make


def podman_children() -> list[psutil.Process]:
    """Live (or zombie) podman processes started by this test process."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "podman" in child.name() or any("podman" in part for part in child.cmdline()[:1]):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


class DirWatch:
    """Polls folders every few ms while the code under test runs and remembers every file it ever saw, with
    whether it started like a plaintext tar (``ustar`` magic at offset 257, or a valid tar header)."""

    def __init__(self, *folders: Path) -> None:
        self.folders = folders
        self.seen: dict[Path, bool] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from core.images.archive import is_tar_header

        while not self._stop.is_set():
            for folder in self.folders:
                for dirpath, _dirs, names in os.walk(folder):
                    for name in names:
                        p = Path(dirpath) / name
                        try:
                            with open(p, "rb") as fh:
                                head = fh.read(512)
                        except OSError:
                            continue
                        plain = len(head) == 512 and (head[257:262] == b"ustar" or is_tar_header(head))
                        self.seen[p] = self.seen.get(p, False) or plain
            self._stop.wait(0.005)

    def __enter__(self) -> DirWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


class WriteAudit:
    """Records every file this Python process opens for writing (audit event ``open``) while armed."""

    _installed = False
    _active: list[WriteAudit] = []

    def __init__(self) -> None:
        self.opened: list[str] = []
        if not WriteAudit._installed:
            sys.addaudithook(WriteAudit._hook)
            WriteAudit._installed = True

    @staticmethod
    def _hook(event: str, args: tuple) -> None:
        if event != "open" or not WriteAudit._active:
            return
        path, mode, flags = (tuple(args) + (None, None, None))[:3]
        if isinstance(path, int) or path is None:
            return  # pipes and fds wrapped by subprocess
        writing = False
        if isinstance(mode, str):
            writing = any(c in mode for c in "wax+")
        if isinstance(flags, int):
            writing = writing or bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing:
            for audit in WriteAudit._active:
                audit.opened.append(os.fsdecode(path))

    def __enter__(self) -> WriteAudit:
        WriteAudit._active.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        WriteAudit._active.remove(self)
