"""Build minimal ``docker save``-format archives in Python (no registry, no daemon): ``manifest.json``, one
config per image (with ``rootfs.diff_ids``) and one uncompressed layer tar per image.

Used by the sandbox (sample archives), the tests (images to lock and unlock) and the benchmark (one big
random layer). Output is deterministic for the same input (fixed mtimes, seeded random data), and is
written as a stream: a multi-GiB layer never sits in memory.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import random
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

BLOCK = 512
MTIME = 946684800  # 2000-01-01T00:00:00Z: fixed so archives are reproducible
CREATED = "2000-01-01T00:00:00Z"
_RANDOM_CHUNK = 1 << 20


@dataclass(frozen=True)
class ImageSpec:
    """One image: its ``RepoTag`` (``azaion/loader:1.0``), small files of its single layer, and optionally
    one file ``/data.bin`` of ``random_size`` seeded pseudo-random bytes (incompressible bulk for benchmarks)."""

    repo_tag: str
    files: dict[str, bytes] = field(default_factory=dict)
    random_size: int = 0
    seed: int = 0


def _arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)


def _header(name: str, size: int, *, mode: int = 0o644, kind: bytes = tarfile.REGTYPE) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = mode
    info.mtime = MTIME
    info.type = kind
    info.uname = info.gname = "root"
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _pad(size: int) -> int:
    return -size % BLOCK


def _random_chunks(size: int, seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    left = size
    while left > 0:
        n = min(_RANDOM_CHUNK, left)
        yield rng.randbytes(n)
        left -= n


class _Layer:
    """The layer tar of one image, produced in pieces; its size is known before any byte is made."""

    def __init__(self, spec: ImageSpec) -> None:
        self.spec = spec
        self.files = sorted(spec.files.items())
        size = 0
        for _, data in self.files:
            size += BLOCK + len(data) + _pad(len(data))
        if spec.random_size:
            size += BLOCK + spec.random_size + _pad(spec.random_size)
        self.size = size + 2 * BLOCK  # end-of-archive marker

    def pieces(self) -> Iterator[bytes]:
        for name, data in self.files:
            yield _header(name.lstrip("/"), len(data), mode=0o755 if name.endswith(".sh") else 0o644)
            yield data
            yield bytes(_pad(len(data)))
        if self.spec.random_size:
            yield _header("data.bin", self.spec.random_size)
            yield from _random_chunks(self.spec.random_size, self.spec.seed)
            yield bytes(_pad(self.spec.random_size))
        yield bytes(2 * BLOCK)

    def digest(self) -> str:
        h = hashlib.sha256()
        for piece in self.pieces():
            h.update(piece)
        return h.hexdigest()


def _config(diff_id: str, repo_tag: str) -> bytes:
    doc = {
        "architecture": _arch(),
        "os": "linux",
        "created": CREATED,
        "config": {"Cmd": ["/bin/true"], "Labels": {"com.azaion.image": repo_tag}},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff_id}"]},
        "history": [{"created": CREATED, "created_by": "azaion tarball builder"}],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def write_docker_archive(out: BinaryIO, images: Sequence[ImageSpec]) -> int:
    """Write a ``docker save`` (legacy ``manifest.json``) tar of ``images`` to ``out``; returns its size.

    A layer with random bulk is generated twice (once to hash it for ``diff_ids``, once to write it), which
    keeps memory flat whatever its size."""
    if not images:
        raise ValueError("an image archive needs at least one image")
    written = 0

    def put(data: bytes) -> None:
        nonlocal written
        if data:
            out.write(data)
            written += len(data)

    manifest = []
    done: set[str] = set()
    for spec in images:
        layer = _Layer(spec)
        diff_id = layer.digest()
        layer_path = f"{diff_id}/layer.tar"
        if diff_id not in done:
            done.add(diff_id)
            put(_header(f"{diff_id}/", 0, mode=0o755, kind=tarfile.DIRTYPE))
            put(_header(layer_path, layer.size))
            for piece in layer.pieces():
                put(piece)
            put(bytes(_pad(layer.size)))
        config = _config(diff_id, spec.repo_tag)
        config_name = f"{hashlib.sha256(config).hexdigest()}.json"
        if config_name not in done:
            done.add(config_name)
            put(_header(config_name, len(config)))
            put(config)
            put(bytes(_pad(len(config))))
        manifest.append({"Config": config_name, "RepoTags": [spec.repo_tag], "Layers": [layer_path]})
    body = json.dumps(manifest, separators=(",", ":")).encode()
    put(_header("manifest.json", len(body)))
    put(body)
    put(bytes(_pad(len(body))))
    put(bytes(2 * BLOCK))
    return written


def docker_archive_bytes(images: Sequence[ImageSpec]) -> bytes:
    """Small archives only (sandbox samples, tests)."""
    buf = io.BytesIO()
    write_docker_archive(buf, images)
    return buf.getvalue()


def service_images(services: Sequence[str], prefix: str, version: str) -> list[ImageSpec]:
    """One tiny image per service, named ``{prefix}{service}:{version}``, each with a distinct layer."""
    specs = []
    for service in services:
        text = f"Azaion sample image: service {service}, version {version}\n".encode()
        specs.append(ImageSpec(f"{prefix}{service}:{version}", files={"azaion/service.txt": text}))
    return specs
