"""Journals of unfinished uploads, so an upload interrupted by a dropped link, a pause, or a killed app picks up
where it stopped instead of starting from zero.

Resuming must reuse the SAME encrypted bytes (the IV is random), so the encrypted big part is staged in a
private file beside the cache until the upload completes, and the small part beside it. Parts are sent while the
file is still being encrypted, so the journal also keeps the IV (``iv``) and each confirmed part's CRC32: a
process killed before the staging finished re-encrypts the source with the same IV (CBC is deterministic given
key, IV and plaintext), checks each re-made part the server already holds against its CRC32 and sends only the
others. The journal (JSON,
written atomically, 0600) lives in the data dir and records the multipart UploadId, the part size, the parts
the server confirmed, and the source file's size + mtime + fingerprint to detect a changed source.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import math
import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import cast

from core import locks
from core.cancel import NEVER, CancelToken
from core.errors import AzaionError, InvalidNameError
from core.fileio import LOCKED_MIN_AGE_S, remove_leftovers, temp_glob, temp_prefix, write_bytes_atomic
from core.names import validate_folder, validate_name
from core.protocol import big_key, small_name

log = logging.getLogger("azaion.journal")

MiB = 1 << 20
FINGERPRINT_SPAN = 1 * MiB
JOURNAL_MAX = 8 * MiB
"""A journal of 10,000 parts (ETag + checksum each) is about 1 MiB; a larger file is not one of ours."""
MAX_PART_SIZE = 5 << 30  # S3's largest part
MAX_PART_NUMBER = 10_000
INVALID_SUFFIX = ".invalid"
STAGING = ".staging"
"""The name of the folder (in a cache) that holds staged uploads; a journal's staged files must be in one."""
_JID = re.compile(r"[0-9a-z]{24}")
"""Ids are 24 hex digits (``upload_id``, or random for a bytes source); any 24 lower-case letters or digits are a
safe file name."""
_SHA256 = re.compile(r"[0-9a-f]{64}")
_IV = re.compile(r"[0-9a-f]{32}")


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
    """Set once the whole big part is staged (the staging may run while parts are sent)."""
    iv: str = ""
    """Hex of the upload's IV, for uploads whose parts are sent while they are encrypted ("" in older journals)."""
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
        """Both staged files are there, as regular files (never through a link), the big one of the journaled
        size."""
        try:
            big, small = os.lstat(self.staged_big), os.lstat(self.staged_small)
        except OSError:
            return False
        return (bool(self.staged_sha256) and stat.S_ISREG(big.st_mode) and big.st_size == self.staged_size
                and stat.S_ISREG(small.st_mode))


class InvalidJournalError(ValueError):
    """A journal file that is not one this client wrote: it is set aside, never trusted."""


def _is_int(value: object, low: int, high: int | None = None) -> bool:
    return type(value) is int and value >= low and (high is None or value <= high)


def _is_time(value: object) -> bool:
    if type(value) not in (int, float):  # exact types: a bool is not a time
        return False
    number = cast(float, value)
    return math.isfinite(number) and number >= 0


def _is_str_map(value: object, key_ok: Callable[[str], bool]) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and key_ok(k) and isinstance(v, str) and 0 < len(v) <= 1024 for k, v in value.items()
    )


def _part_number(key: str) -> bool:
    return key.isascii() and key.isdigit() and 1 <= int(key) <= MAX_PART_NUMBER


def parse_journal(jid: str, data: object) -> UploadJournal:
    """The journal ``data`` (decoded JSON) of the file ``{jid}.json``, checked field by field: types, ranges,
    names, and staged paths that are exactly ``{a .staging folder}/{jid}.big`` and ``.small`` (an upload may
    have been staged under another cache folder setting, so not necessarily this client's). A stale or foreign
    file must never make an upload read, send or delete another file, nor crash a listing. InvalidJournalError
    says what is wrong."""

    def bad(what: str) -> InvalidJournalError:
        return InvalidJournalError(f"journal {jid}: {what}")

    if not isinstance(data, dict):
        raise bad("not a JSON object")
    known = {f.name for f in fields(UploadJournal)}
    required = {f.name for f in fields(UploadJournal) if f.default is MISSING and f.default_factory is MISSING}
    if unknown := set(data) - known:
        raise bad(f"unknown fields {sorted(unknown)}")
    if missing := required - set(data):
        raise bad(f"missing fields {sorted(missing)}")
    d = data
    if d["id"] != jid or not _JID.fullmatch(jid):
        raise bad("its id is not its file name")
    for key in ("api_url", "source", "source_fingerprint", "staged_big", "staged_small"):
        if not isinstance(d[key], str) or len(d[key]) > 4096:
            raise bad(f"{key} is not text")
    try:
        validate_folder(d["folder"])
        validate_name(d["name"])
    except InvalidNameError as exc:
        raise bad(str(exc)) from None
    if not _is_int(d["source_size"], 0) or type(d["source_mtime_ns"]) is not int:
        raise bad("the source's size or time is not a number")
    if d["source_fingerprint"] and not _SHA256.fullmatch(d["source_fingerprint"]):
        raise bad("the source fingerprint is not a SHA-256")
    if not _is_int(d.get("staged_size", 0), 0):
        raise bad("staged_size is not a size")
    if not isinstance(d.get("staged_sha256", ""), str) or (
        d.get("staged_sha256") and not _SHA256.fullmatch(d["staged_sha256"])
    ):
        raise bad("staged_sha256 is not a SHA-256")
    if not isinstance(d.get("iv", ""), str) or (d.get("iv") and not _IV.fullmatch(d["iv"])):
        raise bad("iv is not 16 bytes of hex")
    upload_id = d.get("upload_id")
    if upload_id is not None and (not isinstance(upload_id, str) or not 0 < len(upload_id) <= 1024):
        raise bad("upload_id is not text")
    if not _is_int(d.get("part_size", 8 * MiB), 1, MAX_PART_SIZE):
        raise bad("part_size is out of range")
    if not _is_str_map(d.get("parts", {}), _part_number) or not _is_str_map(d.get("checksums", {}), _part_number):
        raise bad("parts or checksums are not part number -> text")
    if d.get("checksum_algorithm", "") not in ("", "CRC32"):
        raise bad("unknown checksum_algorithm")
    if not _is_time(d.get("created", 0)) or not _is_time(d.get("updated", 0)):
        raise bad("created/updated are not times")
    big, small = Path(d["staged_big"]), Path(d["staged_small"])
    if not big.is_absolute() or big.name != big_key(jid) or small != big.with_name(small_name(jid)) or (
        ".." in big.parts
    ):
        raise bad("its staged files are not this upload's")
    if big.parent.name != STAGING:
        raise bad(f"its staged files are outside a {STAGING} folder")
    return UploadJournal(**d)


class JournalStore:
    """``{root}/uploads/{id}.json``; ids are derived from server, folder, name and source path.

    Journals are checked on load (``parse_journal``): one that fails is renamed ``{id}.json.invalid`` with a
    warning (kept for a look, never read again) and the upload it described starts over. ``name_lock`` is held
    by the process that drives an upload of a (server, folder, name), so two never drive one journal (or send
    two big parts of one name that could end up paired with the other's small part)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.dir = self.root / "uploads"
        self.set_aside: list[Path] = []
        """Journals this store renamed ``.invalid`` (the caller may tell the user)."""

    @staticmethod
    def upload_id(api_url: str, folder: str, name: str, source: Path) -> str:
        key = "\n".join([api_url, folder, name, str(source.resolve())])
        return hashlib.sha256(key.encode()).hexdigest()[:24]

    def path(self, jid: str) -> Path:
        return self.dir / f"{jid}.json"

    def _folder(self) -> Path:
        return locks.private_dir(self.dir, below=self.root)

    def name_lock(
        self, api_url: str, folder: str, name: str, *, wait: bool = True, cancel: CancelToken = NEVER,
        on_wait: Callable[[], None] | None = None,
    ) -> locks.FileLock:
        """The lock of uploads of ``folder/name`` to ``api_url`` on this machine (``{dir}/{hash}.lock``):
        waited for cancellably, or InUseError without ``wait``."""
        key = hashlib.sha256("\n".join([api_url, folder, name]).encode()).hexdigest()[:24]
        return locks.acquire(self._folder() / f"{key}{locks.LOCK_SUFFIX}", wait=wait, cancel=cancel,
                             on_wait=on_wait,
                             busy_message=f"an upload of {folder}/{name} is running in another process (or window)")

    def load(self, jid: str) -> UploadJournal | None:
        """The journal ``jid``, or None if there is none or it is invalid (then set aside, see the class)."""
        if not _JID.fullmatch(jid):
            return None
        path = self.path(jid)
        try:
            raw = locks.read_nofollow(path, JOURNAL_MAX)
        except FileNotFoundError:
            return None
        except AzaionError as exc:  # a link, not ours, too large, unreadable
            self._set_aside(path, str(exc))
            return None
        try:
            return parse_journal(jid, json.loads(raw.decode("utf-8")))
        except (ValueError, RecursionError, TypeError) as exc:  # InvalidJournalError is a ValueError
            self._set_aside(path, str(exc))
            return None

    def _set_aside(self, path: Path, why: str) -> None:
        aside = path.with_name(path.name + INVALID_SUFFIX)
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("ignoring the invalid upload journal %s (%s); it could not be set aside: %s", path, why, exc)
            return
        log.warning("set aside the invalid upload journal %s as %s: %s", path, aside.name, why)
        self.set_aside.append(aside)

    def save(self, journal: UploadJournal) -> None:
        journal.updated = time.time()
        self._folder()
        write_bytes_atomic(self.path(journal.id), json.dumps(asdict(journal), indent=1).encode(), private=True)

    def delete(self, journal: UploadJournal) -> None:
        """Remove the journal and its staged files. Only a journal that passed ``parse_journal`` (or was made by
        this process) gets here, so its staged paths are its own ``.staging/{id}.*``; they are removed only from
        a staging folder of ours (core/locks.py check_private_dir); unlink never follows a link, and a folder by
        that name is left alone."""
        doomed = []
        try:
            locks.check_private_dir(Path(journal.staged_big).parent)
            doomed += [Path(journal.staged_big), Path(journal.staged_small)]
        except FileNotFoundError:
            pass
        except AzaionError as exc:
            log.warning("left the staged files of upload %s alone: %s", journal.id, exc)
        # The journal goes last: once it is gone, so is everything it named (a reader that sees no journal, or a
        # process killed in between, never finds staged files nobody records).
        doomed.append(self.path(journal.id))
        for p in doomed:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
                os.unlink(p)
        # A process killed while saving this journal left its temp file: only the process that owns this upload
        # deletes its journal, so any of its temp files nobody holds a lock on is dead, however young.
        pattern = temp_glob(glob.escape(temp_prefix(self.path(journal.id))))
        remove_leftovers(self.dir, pattern, now=time.time() + LOCKED_MIN_AGE_S)

    def all(self, *, api_url: str | None = None) -> list[UploadJournal]:
        """Every valid journal (invalid ones are set aside), or only ``api_url``'s. LocalIOError if the journal
        folder is not ours."""
        if not self.dir.exists():
            return []
        locks.check_private_dir(self.dir)
        found = []
        for p in sorted(self.dir.glob("*.json")):
            j = self.load(p.stem)
            if j is not None and (api_url is None or j.api_url == api_url):
                found.append(j)
        return found

    def stale(self, max_age_s: float, now: float | None = None, *, api_url: str | None = None) -> list[UploadJournal]:
        now = time.time() if now is None else now
        return [j for j in self.all(api_url=api_url) if now - j.updated > max_age_s]
