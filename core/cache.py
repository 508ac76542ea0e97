"""Local cache of big parts: ``{root}/{folder}/{name}.big`` plus a ``.sha256`` sidecar (docs/protocol.md)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from core.fileio import TEMP_PREFIX, private_temp_file, write_bytes_atomic
from core.names import validate_folder, validate_name


@dataclass(frozen=True)
class CachedPart:
    path: Path
    sha256: str
    size: int
    small_sha256: str | None = None  # of the small part this big part belongs to, when known


class ResourceCache:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _dir(self, folder: str) -> Path:
        return self.root / validate_folder(folder)

    def paths(self, folder: str, name: str) -> tuple[Path, Path]:
        big = self._dir(folder) / f"{validate_name(name)}.big"
        return big, big.with_name(big.name + ".sha256")

    def lookup(self, folder: str, name: str) -> CachedPart | None:
        """A cache entry counts only with its sidecar (written last), so a crash mid-commit is a miss. The sidecar
        holds the big part's SHA-256, then (entries written since the parts are bound) the small part's."""
        big, sidecar = self.paths(folder, name)
        try:
            lines = sidecar.read_text("ascii").lower().split()
            size = big.stat().st_size
        except (OSError, UnicodeDecodeError):
            return None
        if not lines or len(lines[0]) != 64:
            return None
        small = lines[1] if len(lines) > 1 and len(lines[1]) == 64 else None
        return CachedPart(big, lines[0], size, small)

    def new_temp(self, folder: str) -> Path:
        directory = self._dir(folder)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return private_temp_file(directory, suffix=".big.part")

    def commit(
        self, folder: str, name: str, temp: Path, sha256: str, small_sha256: str | None = None
    ) -> CachedPart:
        big, sidecar = self.paths(folder, name)
        big.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            sidecar.unlink()
        os.replace(temp, big)
        record = sha256 + "\n" + (f"{small_sha256.lower()}\n" if small_sha256 else "")
        write_bytes_atomic(sidecar, record.encode("ascii"), private=True)
        return CachedPart(big, sha256, big.stat().st_size, small_sha256.lower() if small_sha256 else None)

    # ---- interrupted downloads: {name}.big.part + {name}.big.part.json (ETag, size, sha256 of the object) ----

    def partial_paths(self, folder: str, name: str) -> tuple[Path, Path]:
        big, _ = self.paths(folder, name)
        part = big.with_name(big.name + ".part")
        return part, part.with_name(part.name + ".json")

    def load_partial(self, folder: str, name: str) -> dict | None:
        try:
            data = json.loads(self.partial_paths(folder, name)[1].read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def save_partial(self, folder: str, name: str, meta: dict) -> None:
        part, meta_path = self.partial_paths(folder, name)
        part.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not part.exists():
            os.close(os.open(part, os.O_CREAT | os.O_WRONLY, 0o600))
        write_bytes_atomic(meta_path, json.dumps(meta).encode(), private=True)

    def discard_partial(self, folder: str, name: str) -> None:
        for path in self.partial_paths(folder, name):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def partials(self) -> list[Path]:
        return list(self.root.rglob("*.big.part")) if self.root.exists() else []

    # ---- staged uploads (encrypted once, reused by every resume) -------------------------------------------

    def staging_dir(self) -> Path:
        path = self.root / ".staging"
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def staged(self) -> list[Path]:
        path = self.root / ".staging"
        return list(path.iterdir()) if path.is_dir() else []

    def discard(self, folder: str, name: str) -> None:
        for path in self.paths(folder, name)[::-1]:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def is_cached(self, folder: str, name: str) -> bool:
        return self.lookup(folder, name) is not None

    def size(self) -> int:
        if not self.root.exists():
            return 0
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

    def clear(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)

    def leftovers(self) -> list[Path]:
        """Temp files that should never survive an operation (used by tests and the cache view)."""
        if not self.root.exists():
            return []
        return [p for p in self.root.rglob(f"{TEMP_PREFIX}*")]
