"""Journals of unfinished uploads, so an upload interrupted by a dropped link, a pause, or a killed app picks up
where it stopped instead of starting from zero.

Resuming must reuse the SAME encrypted bytes (the IV is random), so the encrypted big part is staged in a
private file beside the cache until the upload completes, and the small part beside it. The journal (JSON,
written atomically, 0600) lives in the data dir and records the multipart UploadId, the part size, the parts
the server confirmed, and the source file's size + mtime + fingerprint to detect a changed source.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.fileio import LOCKED_MIN_AGE_S, remove_leftovers, temp_glob, temp_prefix, write_bytes_atomic

MiB = 1 << 20
FINGERPRINT_SPAN = 1 * MiB


def source_fingerprint(path: Path, size: int) -> str:
    """Size + first and last MiB: cheap, and catches the common edits that keep size and mtime."""
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        h.update(fh.read(FINGERPRINT_SPAN))
        if size > FINGERPRINT_SPAN:
            fh.seek(max(FINGERPRINT_SPAN, size - FINGERPRINT_SPAN))
            h.update(fh.read(FINGERPRINT_SPAN))
    return h.hexdigest()


@dataclass
class UploadJournal:
    id: str
    api_url: str
    folder: str
    name: str
    source: str
    source_size: int
    source_mtime_ns: int
    source_fingerprint: str
    staged_big: str
    staged_small: str
    staged_size: int = 0
    staged_sha256: str = ""
    upload_id: str | None = None
    part_size: int = 8 * MiB
    parts: dict[str, str] = field(default_factory=dict)  # part number (as str, JSON keys) -> ETag
    checksum_algorithm: str = ""  # "CRC32" for uploads created with per-part checksums; "" in older journals
    checksums: dict[str, str] = field(default_factory=dict)  # part number -> base64 checksum the server confirmed
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    def matches_source(self, path: Path) -> bool:
        try:
            st = path.stat()
        except OSError:
            return False
        return (
            st.st_size == self.source_size
            and st.st_mtime_ns == self.source_mtime_ns
            and source_fingerprint(path, st.st_size) == self.source_fingerprint
        )

    def staged_complete(self) -> bool:
        try:
            return bool(self.staged_sha256) and Path(self.staged_big).stat().st_size == self.staged_size and Path(
                self.staged_small
            ).is_file()
        except OSError:
            return False


class JournalStore:
    """``{root}/uploads/{id}.json``; ids are derived from server, folder, name and source path."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.dir = self.root / "uploads"

    @staticmethod
    def upload_id(api_url: str, folder: str, name: str, source: Path) -> str:
        key = "\n".join([api_url, folder, name, str(source.resolve())])
        return hashlib.sha256(key.encode()).hexdigest()[:24]

    def path(self, jid: str) -> Path:
        return self.dir / f"{jid}.json"

    def load(self, jid: str) -> UploadJournal | None:
        try:
            data = json.loads(self.path(jid).read_text("utf-8"))
            return UploadJournal(**data)
        except (OSError, ValueError, TypeError):
            return None

    def save(self, journal: UploadJournal) -> None:
        journal.updated = time.time()
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_bytes_atomic(self.path(journal.id), json.dumps(asdict(journal), indent=1).encode(), private=True)

    def delete(self, journal: UploadJournal) -> None:
        for p in (journal.staged_big, journal.staged_small, self.path(journal.id)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p)
        # A process killed while saving this journal left its temp file: only the process that owns this upload
        # deletes its journal, so any of its temp files nobody holds a lock on is dead, however young.
        pattern = temp_glob(glob.escape(temp_prefix(self.path(journal.id))))
        remove_leftovers(self.dir, pattern, now=time.time() + LOCKED_MIN_AGE_S)

    def all(self) -> list[UploadJournal]:
        if not self.dir.is_dir():
            return []
        found = []
        for p in sorted(self.dir.glob("*.json")):
            j = self.load(p.stem)
            if j is not None:
                found.append(j)
        return found

    def stale(self, max_age_s: float, now: float | None = None) -> list[UploadJournal]:
        now = time.time() if now is None else now
        return [j for j in self.all() if now - j.updated > max_age_s]
