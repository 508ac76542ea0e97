"""The isolated podman store the image tests and the GUI tests share: REAL podman with a per-test store
(CONTAINERS_STORAGE_CONF pointing at a storage.conf whose graphroot/runroot live in the test's temp dir), so tests
never touch the machine's images. A missing podman is a failure, not a skip: `make test` installs it.

conftest files import the fixtures (``podman``, ``store``) from here."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.crypto import StreamEncryptor
from core.images.docker_cli import DockerCli
from core.keys import fragment_key
from sandbox.tarball import ImageSpec, docker_archive_bytes, write_docker_archive


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
    def __init__(self, update) -> None:
        self.write = update


