"""Coordination between processes on this machine, and the private folders they share.

Two downloads of one resource, two uploads of one name, or the GUI and the CLI resuming one journal, would
otherwise write the same ``.big.part``, staged file or journal at once. Each of those is guarded by an exclusive
lock on a small lock file (``flock`` on POSIX, ``msvcrt.locking`` of its byte 0 on Windows: core/oslock.py, the
one platform branch, shared with core/fileio.py; either way the OS drops it when its process dies, so a killed
process never leaves a lock held). The second comer waits, cancellably, or is told the thing is in use.

A lock file is removed by the process that releases it. On POSIX that happens while the lock is still held; one
who opened the file before that, and got the lock after, sees that the name no longer points at its file and
starts again, so two processes never hold "the" lock through two different files. On Windows an open file cannot
be deleted, so the lock is undone and the file closed first and then removed if nobody else has it open (a
refused removal is fine: the file stays for the next taker, and a removed one had no other holder).

Everything here opens files without following symbolic links and inside folders checked to be ours: a link
planted in the cache must never make us write (or delete) someone else's file. Windows has no ``O_NOFOLLOW``
and no owner ids: there a name is checked with ``lstat`` (symbolic link or other reparse point, such as a
junction) before it is opened and compared with the opened file after, and the owner checks pass (the per-user
``%LOCALAPPDATA%`` ACL is what keeps other users out; not checked here).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from core import oslock
from core.cancel import NEVER, CancelToken
from core.errors import AzaionError, LocalIOError
from core.fileio import LOCKED_MIN_AGE_S, describe_os_error, lstat_or_none

log = logging.getLogger("azaion.locks")

POLL_S = 0.05
"""How often a waiter tries the lock again (and looks at its cancel token): cancel takes effect within this."""
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
CLOEXEC = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)  # O_BINARY: no newline translation (Windows)
LOCK_SUFFIX = ".lock"


class InUseError(AzaionError):
    """Another process holds the lock (for callers that do not wait)."""


def is_link(st: os.stat_result) -> bool:
    """A symbolic link, or on Windows any reparse point (junction, mount point, cloud placeholder ...): a name
    that may lead elsewhere."""
    reparse = getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0x400)
    return stat.S_ISLNK(st.st_mode) or bool(getattr(st, "st_file_attributes", 0) & reparse)


def owned(st: os.stat_result) -> bool:
    """Whether the file of ``st`` belongs to this user (always, where there are no owners)."""
    return not hasattr(os, "geteuid") or st.st_uid == os.geteuid()


def check_private_dir(path: Path) -> Path:
    """Raise LocalIOError unless ``path`` is a real folder (not a symbolic link) owned by this user and not
    writable by the group or others: a folder someone else can write into lets them plant links or swap files."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise describe_os_error(exc, path) from None
    if is_link(st):
        raise LocalIOError(f"refusing to use {path}: it is a symbolic link, not a folder of this user")
    if not stat.S_ISDIR(st.st_mode):
        raise LocalIOError(f"refusing to use {path}: it is not a folder")
    if not owned(st):
        raise LocalIOError(f"refusing to use {path}: the folder belongs to another user (uid {st.st_uid})")
    if os.name == "posix" and st.st_mode & 0o002:
        raise LocalIOError(
            f"refusing to use {path}: the folder is writable by other users (mode {stat.S_IMODE(st.st_mode):o}); "
            "make it private (chmod 700) or choose another folder"
        )
    if os.name == "posix" and st.st_mode & 0o020:
        _make_private(path, st)
    return path


def _make_private(path: Path, st: os.stat_result) -> None:
    """Our own folder, writable by our group: earlier versions created the cache's and the journals' parents
    with the umask's mode (0775 under the umask 002 of many desktops), so refusing them would break every upgrade
    there. Made 0700 through a descriptor opened without following links (the folder checked above, not whatever
    a link swapped in meanwhile points at)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | NOFOLLOW)
    except OSError as exc:
        raise describe_os_error(exc, path) from None
    try:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) or not owned(now):
            raise LocalIOError(f"refusing to use {path}: the folder changed while it was checked")
        os.fchmod(fd, stat.S_IMODE(now.st_mode) & 0o700)
    except OSError as exc:
        raise describe_os_error(exc, path) from None
    finally:
        os.close(fd)
    log.warning("Made %s private (mode 700): it was writable by the group (mode %o)", path, stat.S_IMODE(st.st_mode))


def private_dir(path: Path | str, *, below: Path | None = None) -> Path:
    """Create ``path`` (mode 0700) if missing and check it is ours (``check_private_dir``). With ``below``, every
    folder from ``below`` down to ``path`` is created and checked the same way (``below`` itself included)."""
    target = Path(path)
    chain = [target]
    if below is not None:
        below = Path(below)
        chain = [below, *(p for p in reversed(target.parents) if below in p.parents), target]
        chain = list(dict.fromkeys(chain))
    for folder in chain:
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except FileNotFoundError:
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise describe_os_error(exc, folder) from None
        except OSError as exc:
            raise describe_os_error(exc, folder) from None
        check_private_dir(folder)
    return target


def open_nofollow(path: Path | str, flags: int, mode: int = 0o600) -> int:
    """``os.open`` that refuses a symbolic link as the last component (ELOOP becomes a clear LocalIOError) and
    anything that is not a regular file of ours. Returns the descriptor. A missing file (or folder) raises
    FileNotFoundError as it is, so a caller can tell "not there" from "not to be trusted".

    Without ``O_NOFOLLOW`` (Windows) the name is looked at (``lstat``) before and after the open: a link or
    reparse point is refused, and so is a name that no longer leads to the file opened. A link swapped in
    between the look and the open is still followed for that one open (a narrow race only another process of
    this user, or a writer of this user's folder, could use)."""
    if not NOFOLLOW:
        _refuse_link(path)
    try:
        fd = os.open(path, flags | NOFOLLOW | CLOEXEC, mode)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno == errno.EMLINK and NOFOLLOW):
            raise LocalIOError(f"refusing to open {path}: it is a symbolic link") from None
        raise describe_os_error(exc, path) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise LocalIOError(f"refusing to open {path}: it is not a regular file")
        if not owned(st):
            raise LocalIOError(f"refusing to open {path}: it belongs to another user (uid {st.st_uid})")
        if not NOFOLLOW:
            now = _refuse_link(path)
            if now is None or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                raise LocalIOError(f"refusing to open {path}: the name changed while it was opened")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _refuse_link(path: Path | str) -> os.stat_result | None:
    """``lstat`` of ``path`` (None if missing); LocalIOError if it is a link or reparse point (``is_link``)."""
    st = lstat_or_none(Path(path))
    if st is not None and is_link(st):
        raise LocalIOError(f"refusing to open {path}: it is a symbolic link")
    return st


def read_nofollow(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of a regular file of ours (``open_nofollow``), at most ``limit`` (more is a LocalIOError)."""
    fd = open_nofollow(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise LocalIOError(f"{path} is larger than expected ({limit} bytes at most)")
    return data


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False if another holds it (core/oslock.py)."""
    return oslock.try_lock(fd)


class FileLock:
    """An exclusive lock held on ``path`` (see ``acquire``); ``release`` (or leaving the ``with``) ends it."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """Remove the lock file while still holding it, then let go: a waiter that got the old file retries.
        Windows: let go first, then remove it (``_release_windows``)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if oslock.BACKEND == "msvcrt":
            self._release_windows(fd)
            return
        try:
            st = os.fstat(fd)
            now = os.lstat(self.path)
            if (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino):
                os.unlink(self.path)
        except OSError:
            pass
        finally:
            os.close(fd)

    def _release_windows(self, fd: int) -> None:
        """Unlock, close, then remove the file unless another process has it open (PermissionError: it stays,
        harmless; whoever has it open takes the lock through it). A removal that succeeds removes a file nobody
        had open, so nobody can hold the lock through it."""
        try:
            st = os.fstat(fd)
        except OSError:
            st = None
        oslock.unlock(fd)
        os.close(fd)
        try:
            now = os.lstat(self.path)
            if st is not None and (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino):
                os.unlink(self.path)
        except OSError:  # PermissionError: open elsewhere; FileNotFoundError: gone already
            pass

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def acquire(
    path: Path | str,
    *,
    wait: bool = True,
    cancel: CancelToken = NEVER,
    on_wait: Callable[[], None] | None = None,
    busy_message: str | None = None,
) -> FileLock:
    """Take the exclusive lock ``path`` (a 0600 file, created if missing; its folder must exist and be ours).

    Busy: with ``wait``, ``on_wait()`` is called once and the lock is tried again every ``POLL_S`` until it is
    free or ``cancel`` fires (CancelledError/PausedError); without, InUseError(``busy_message``)."""
    target = Path(path)
    told = False
    while True:
        try:
            fd = open_nofollow(target, os.O_RDWR | os.O_CREAT)
        except FileNotFoundError as exc:
            raise describe_os_error(exc, target) from None
        try:
            got = _try_lock(fd)
        except OSError as exc:
            os.close(fd)
            raise describe_os_error(exc, target) from None
        if got:
            try:
                mine, now = os.fstat(fd), os.lstat(target)
                if (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino):
                    return FileLock(target, fd)
            except FileNotFoundError:
                pass
            except OSError as exc:
                os.close(fd)
                raise describe_os_error(exc, target) from None
            oslock.unlock(fd)
            os.close(fd)  # its holder removed it before we got it: take the new one
            continue
        os.close(fd)
        if not wait:
            raise InUseError(busy_message or f"{target} is in use by another process")
        if not told and on_wait is not None:
            told = True
            on_wait()
        if cancel.wait(POLL_S):
            raise cancel.error()


def try_acquire(path: Path | str) -> FileLock | None:
    """The lock if it is free now, else None (cleanups: something in use is left alone)."""
    try:
        return acquire(path, wait=False)
    except InUseError:
        return None


@contextlib.contextmanager
def held(path: Path | str, **kwargs: object) -> Iterator[FileLock]:
    """``acquire`` as a context manager."""
    lock = acquire(path, **kwargs)  # type: ignore[arg-type]
    try:
        yield lock
    finally:
        lock.release()


def remove_stale_locks(directory: Path, pattern: str = f"*{LOCK_SUFFIX}", now: float | None = None) -> list[Path]:
    """Remove lock files in ``directory`` nobody holds (left by a killed process): regular files of ours only,
    a few seconds old (a young one is being taken right now: taking it here too would make that process wait)."""
    now = time.time() if now is None else now
    removed = []
    try:
        candidates = list(directory.glob(pattern))
    except OSError:
        return []
    for path in candidates:
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or not owned(st) or now - st.st_mtime < LOCKED_MIN_AGE_S:
            continue
        try:
            lock = try_acquire(path)
        except AzaionError:
            continue
        if lock is not None:
            lock.release()
            removed.append(path)
    return removed
