"""Fixtures for image unlock/lock: REAL podman with a per-test isolated store (CONTAINERS_STORAGE_CONF pointing
at a storage.conf whose graphroot/runroot live in the test's temp dir), so tests never touch the machine's
images. A missing podman is a failure, not a skip: `make test` installs it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from core.crypto import StreamEncryptor
from core.images.docker_cli import DockerCli
from core.images.names import normalize
from core.images.tarball import ImageSpec, docker_archive_bytes, service_images, write_docker_archive
from core.keys import fragment_key

SERVICES = ("annotations", "detections", "loader", "gps-denied")
PREFIX = "azaion/"


@pytest.fixture(scope="session")
def podman() -> str:
    path = shutil.which("podman")
    if path is None:
        pytest.fail(
            "podman is not installed: the image tests run real podman. `make test` installs it "
            "(Debian: apt-get install podman)",
            pytrace=False,
        )
    res = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    if res.returncode != 0 or "podman" not in res.stdout.lower():
        pytest.fail(f"`podman --version` does not work here: {res.stdout} {res.stderr}", pytrace=False)
    return path


@dataclass
class Store:
    """One isolated podman image store; ``tmp`` is the TMPDIR of the test process (and so of the app)."""

    conf: Path
    root: Path
    tmp: Path
    cli: DockerCli

    @property
    def docker(self) -> str:
        return self.cli.path

    def images(self) -> set[str]:
        return self.cli.normalized_images()

    def load(self, specs: Sequence[ImageSpec]) -> None:
        tar = self.root / f"load-{uuid.uuid4().hex}.tar"
        tar.write_bytes(docker_archive_bytes(specs))
        try:
            self.cli.load_file(tar)
        finally:
            tar.unlink()

    def clear(self) -> None:
        names = self.cli.list_images()
        if names:
            self.cli.remove_images(names)
        assert self.images() == set()


@pytest.fixture
def store(tmp_path, monkeypatch, podman) -> Iterator[Store]:
    root = tmp_path / "containers"
    (root / "graph").mkdir(parents=True)
    (root / "run").mkdir()
    conf = root / "storage.conf"
    conf.write_text(
        '[storage]\ndriver = "vfs"\n'
        f'graphroot = "{root / "graph"}"\nrunroot = "{root / "run"}"\n'
    )
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("CONTAINERS_STORAGE_CONF", str(conf))
    monkeypatch.setenv("TMPDIR", str(tmp))  # the app's private docker TMPDIR goes under here: watched by tests
    s = Store(conf, root, tmp, DockerCli(podman))
    assert s.images() == set(), "a fresh isolated store must be empty"
    yield s


def new_version() -> str:
    return f"9.0.{uuid.uuid4().hex[:10]}"


def expected(version: str, services: Sequence[str] = SERVICES, prefix: str = PREFIX) -> set[str]:
    return {normalize(f"{prefix}{s}:{version}") for s in services}


def encrypt_file(plain: bytes | Sequence[ImageSpec], path: Path, fragment: bytes) -> str:
    """Write IV + AES-CBC(SHA-256(fragment)) of ``plain`` (bytes, or a tar of images made on the fly) to
    ``path``; returns the archive's hex SHA-256."""
    hasher = hashlib.sha256()
    with open(path, "wb") as fh:

        def sink(data: memoryview) -> None:
            hasher.update(data)
            fh.write(data)

        enc = StreamEncryptor(fragment_key(fragment), sink)
        if isinstance(plain, bytes | bytearray):
            enc.update(plain)
        else:
            write_docker_archive(_Feed(enc.update), plain)
        enc.finalize()
    return hasher.hexdigest()


class _Feed:
    def __init__(self, update) -> None:  # noqa: ANN001
        self.write = update


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
