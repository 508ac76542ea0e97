"""Local cache of big parts: ``{root}/{folder}/{name}.big`` plus a ``.sha256`` sidecar (docs/protocol.md).

Every folder here is created 0700 and checked to be ours (core/locks.py ``private_dir``: not a symbolic link, our
owner, not writable by others) before a file in it is opened, and files are opened without following links: a
link planted in the cache never makes a download grow, truncate or delete another file. One entry is written by
one process at a time: ``entry_lock`` (``{name}.big.lock``) is held from the cache lookup to the commit."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from core import locks
from core.cancel import NEVER, CancelToken
from core.fileio import TEMP_PREFIX, replace_file, write_bytes_atomic
from core.names import validate_folder, validate_name
from core.protocol import big_key

log = logging.getLogger("azaion.cache")

SIDECAR_MAX = 256
"""A sidecar holds two SHA-256 hex lines (130 bytes): anything much larger is not one."""
PARTIAL_META_MAX = 4096
PART_SUFFIX = ".part"
"""An interrupted download's bytes: ``{name}.big`` + this, beside the cache entry it becomes."""
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class CachedPart:
    path: Path
    sha256: str
    size: int
    small_sha256: str | None = None  # of the small part this big part belongs to, when known


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class ResourceCache:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _dir(self, folder: str) -> Path:
        return self.root / validate_folder(folder)

    def folder_dir(self, folder: str) -> Path:
        """``{root}/{folder}``, created 0700 and checked to be ours (as is the root): LocalIOError if not."""
        return locks.private_dir(self._dir(folder), below=self.root)

    def paths(self, folder: str, name: str) -> tuple[Path, Path]:
        big = self._dir(folder) / big_key(validate_name(name))
        return big, big.with_name(big.name + ".sha256")

    def entry_lock(
        self, folder: str, name: str, *, cancel: CancelToken = NEVER, on_wait=None, wait: bool = True
    ) -> locks.FileLock:
        """The lock one process holds while it reads, fetches, commits or discards this entry (and its
        ``.big.part``). Waits (cancellably) while another process holds it; ``on_wait()`` says so once."""
        big, _ = self.paths(folder, name)
        self.folder_dir(folder)
        return locks.acquire(big.with_name(big.name + locks.LOCK_SUFFIX), wait=wait, cancel=cancel, on_wait=on_wait,
                             busy_message=f"{folder}/{name} is being downloaded by another process")

    def lookup(self, folder: str, name: str) -> CachedPart | None:
        """A cache entry counts only with its sidecar (written last), so a crash mid-commit is a miss. The sidecar
        holds the big part's SHA-256, then (entries written since the parts are bound) the small part's. A sidecar
        that is not that (or a link, or not ours) is a miss, with a warning: never trusted."""
        big, sidecar = self.paths(folder, name)
        try:
            text = locks.read_nofollow(sidecar, SIDECAR_MAX).decode("ascii")
            fd = locks.open_nofollow(big, os.O_RDONLY)
            try:
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, locks.AzaionError) as exc:
            if sidecar.exists() or big.exists():
                log.warning("ignoring the cache entry %s: %s", big, exc)
            return None
        lines = text.lower().split()
        if not lines or not _SHA256.fullmatch(lines[0]) or len(lines) > 2 or (
            len(lines) == 2 and not _SHA256.fullmatch(lines[1])
        ):
            log.warning("ignoring the cache entry %s: its sidecar is not two SHA-256 lines", big)
            return None
        return CachedPart(big, lines[0], size, lines[1] if len(lines) == 2 else None)

    def commit(
        self, folder: str, name: str, temp: Path, sha256: str, small_sha256: str | None = None
    ) -> CachedPart:
        """Rename ``temp`` into place, then write the sidecar. The caller holds ``entry_lock``."""
        big, sidecar = self.paths(folder, name)
        self.folder_dir(folder)
        _unlink(sidecar)
        replace_file(temp, big)  # Windows: retried while another process has the old big part open
        record = sha256 + "\n" + (f"{small_sha256.lower()}\n" if small_sha256 else "")
        write_bytes_atomic(sidecar, record.encode("ascii"), private=True)
        return CachedPart(big, sha256, os.lstat(big).st_size, small_sha256.lower() if small_sha256 else None)

    # ---- interrupted downloads: {name}.big.part + {name}.big.part.json (ETag, size, sha256 of the object) ----

    def partial_paths(self, folder: str, name: str) -> tuple[Path, Path]:
        big, _ = self.paths(folder, name)
        part = big.with_name(big.name + PART_SUFFIX)
        return part, part.with_name(part.name + ".json")

    def load_partial(self, folder: str, name: str) -> dict | None:
        """The record of an interrupted download, if it is one (``etag`` text, ``size`` >= 0, ``sha256`` hex or
        empty); anything else (a link, another shape) is None, with a warning, and the part starts over."""
        part, meta_path = self.partial_paths(folder, name)
        with contextlib.suppress(FileNotFoundError):
            st = os.lstat(part)
            if not stat.S_ISREG(st.st_mode) or not locks.owned(st):
                log.warning("ignoring the interrupted download %s: not a regular file of this user", part)
                return None
        try:
            data = json.loads(locks.read_nofollow(meta_path, PARTIAL_META_MAX).decode("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError, locks.AzaionError) as exc:
            log.warning("ignoring the record of an interrupted download %s: %s", meta_path, exc)
            return None
        ok = (
            isinstance(data, dict)
            and set(data) <= {"etag", "size", "sha256"}
            and isinstance(data.get("etag"), str)
            and type(data.get("size")) is int
            and data["size"] >= 0
            and (data.get("sha256") in (None, "") or (isinstance(data["sha256"], str)
                                                       and _SHA256.fullmatch(data["sha256"].lower())))
        )
        if not ok:
            log.warning("ignoring the record of an interrupted download %s: not the expected fields", meta_path)
            return None
        return data

    def save_partial(self, folder: str, name: str, meta: dict) -> None:
        part, meta_path = self.partial_paths(folder, name)
        self.folder_dir(folder)
        os.close(locks.open_nofollow(part, os.O_CREAT | os.O_WRONLY))
        write_bytes_atomic(meta_path, json.dumps(meta).encode(), private=True)

    def open_partial(self, folder: str, name: str) -> int:
        """The ``.big.part`` for appending (created 0600 if missing), never through a link. The caller holds
        ``entry_lock``."""
        part, _ = self.partial_paths(folder, name)
        self.folder_dir(folder)
        return locks.open_nofollow(part, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def discard_partial(self, folder: str, name: str) -> None:
        for path in self.partial_paths(folder, name):
            _unlink(path)

    def partials(self) -> list[Path]:
        return list(self.root.rglob(big_key("*") + PART_SUFFIX)) if self.root.exists() else []

    # ---- staged uploads (encrypted once, reused by every resume) -------------------------------------------

    def staging_path(self) -> Path:
        """Where staged uploads live (not created)."""
        return self.root / ".staging"

    def staging_dir(self) -> Path:
        return locks.private_dir(self.staging_path(), below=self.root)

    def staged(self) -> list[Path]:
        path = self.staging_path()
        return list(path.iterdir()) if path.is_dir() and not path.is_symlink() else []

    def discard(self, folder: str, name: str) -> None:
        for path in self.paths(folder, name)[::-1]:
            _unlink(path)

    def is_cached(self, folder: str, name: str) -> bool:
        return self.lookup(folder, name) is not None

    def size(self) -> int:
        if not self.root.exists():
            return 0
        total = 0
        for p in self.root.rglob("*"):
            with contextlib.suppress(OSError):
                st = p.lstat()
                if not p.is_symlink() and p.is_file():
                    total += st.st_size
        return total

    def clear(self) -> None:
        if self.root.exists():
            shutil.rmtree(self.root)

    def leftovers(self) -> list[Path]:
        """Temp files that should never survive an operation (used by tests and the cache view)."""
        if not self.root.exists():
            return []
        return [p for p in self.root.rglob(f"{TEMP_PREFIX}*")]
