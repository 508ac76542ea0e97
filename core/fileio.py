"""Atomic, private file writes: write to a 0600 temp file beside the target and rename it into place, so a
crash, cancel or full disk never leaves a half-written file under the real name."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from core.errors import LocalIOError

log = logging.getLogger("azaion.fileio")

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there anyway
    fcntl = None  # type: ignore[assignment]

TEMP_PREFIX = ".azaion-"
TEMP_SUFFIX = ".tmp"
NAME_SPAN = 40  # characters of the target's name in its temp file's name (UTF-8: at most 160 bytes of 255)
LOCKED_MIN_AGE_S = 5.0
"""With advisory locks (POSIX), a temp file nobody holds a lock on is a dead process's leftover; this much age only
covers the moment between its creation and its lock."""
RANDOM_PART = "[a-z0-9_]" * 8
"""Glob of the random part ``tempfile.mkstemp`` puts in a name (8 of ``a-z0-9_``): our temp names have exactly it."""
LOCK_FAILED_MODE = 0o700
"""Mode given to a file this process could not lock (``lock_shared``): still private and writable, but a cleanup
(which removes only 0600 temp files and never a 0700 one) leaves it alone, live or not."""
UNLOCKED_MIN_AGE_S = 15 * 60.0
"""Without them (Windows), only files untouched this long count as leftovers: a live transfer writes its temp file
continuously and its retries wait ~5 minutes at most (and Windows refuses to delete a file that is open)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def describe_os_error(exc: OSError, path: Path | str) -> LocalIOError:
    if exc.errno == errno.ENOSPC or exc.errno == errno.EFBIG:
        return LocalIOError(f"disk full (or file too large) while writing {path}")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return LocalIOError(f"permission denied: {path}")
    if exc.errno == errno.ENOENT:
        return LocalIOError(f"no such file or folder: {path}")
    return LocalIOError(f"{exc.strerror or exc} ({path})")


@contextlib.contextmanager
def atomic_write(path: Path | str, *, private: bool = False) -> Iterator[BinaryIO]:
    """Yield an unbuffered binary file; on clean exit it replaces ``path``, on any exception it is removed.

    ``private`` keeps the final file 0600 (cache, secrets-adjacent data); otherwise it gets the usual
    umask-derived mode of a new file.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise describe_os_error(exc, target) from exc
    tmp_path = Path(tmp)
    lock_shared(fd)
    try:
        with os.fdopen(fd, "wb", buffering=0) as fh:
            try:
                yield fh
            except OSError as exc:
                raise describe_os_error(exc, target) from exc
        os.chmod(tmp_path, 0o600 if private else 0o666 & ~_umask())  # also undoes a LOCK_FAILED_MODE
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def temp_prefix(target: Path) -> str:
    """``.azaion-{name}-``: a leftover of an interrupted write of ``target`` can be recognised by name."""
    return f"{TEMP_PREFIX}{target.name[:NAME_SPAN]}-"


def temp_glob(prefix: str) -> str:
    """Glob of the temp names ``mkstemp(prefix=..., suffix=TEMP_SUFFIX)`` makes (``prefix`` already escaped)."""
    return prefix + RANDOM_PART + TEMP_SUFFIX


def lock_shared(fd: int) -> bool:
    """Mark an open file as in use by this process (POSIX advisory lock, released when the process dies).

    If the lock cannot be taken (ENOLCK, a file system without locks), a cleanup could not tell the file is in
    use, so the file gets ``LOCK_FAILED_MODE`` instead, which every cleanup here leaves alone (the safe side: a
    dead process's file of that mode stays until the user removes it). Returns whether the lock was taken."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        log.warning("could not lock a temp file (%s); it will not be cleaned up automatically", exc)
        with contextlib.suppress(OSError):
            os.fchmod(fd, LOCK_FAILED_MODE)
        return False
    return True


def hold(path: Path | str) -> int | None:
    """Open (creating, 0600) and lock ``path`` to mark it in use until ``release``; nothing where there are no
    advisory locks (Windows: an open handle there would also block the rename/delete that ends an upload)."""
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o600)
    except OSError as exc:
        raise describe_os_error(exc, path) from None
    lock_shared(fd)
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            if os.fstat(fd).st_mode & 0o777 == LOCK_FAILED_MODE:
                os.fchmod(fd, 0o600)  # the file lives on (e.g. renamed into the cache): private as usual
        with contextlib.suppress(OSError):
            os.close(fd)


def in_use(path: Path) -> bool:
    """True when a live process holds ``lock_shared`` on ``path`` (always False without advisory locks)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def is_leftover(path: Path, now: float | None = None) -> bool:
    """Whether one of our temp/staged files is safe to remove: unlocked, a few seconds old and not marked as
    unlockable (``LOCK_FAILED_MODE``) (POSIX), or untouched for ``UNLOCKED_MIN_AGE_S`` where there are no
    advisory locks."""
    try:
        st = path.stat()
    except OSError:
        return False
    age = (time.time() if now is None else now) - st.st_mtime
    if fcntl is None:
        return age >= UNLOCKED_MIN_AGE_S
    return age >= LOCKED_MIN_AGE_S and st.st_mode & 0o777 != LOCK_FAILED_MODE and not in_use(path)


def _ours(path: Path) -> bool:
    """A temp file this user's process made: a regular file (not a link) owned by us, mode 0600 (POSIX)."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    if fcntl is None:
        return True
    return st.st_uid == os.getuid() and st.st_mode & 0o777 == 0o600


def remove_leftovers(directory: Path, pattern: str, now: float | None = None) -> list[Path]:
    """Remove the files in ``directory`` matching ``pattern`` (one of OUR temp-name patterns, ``temp_glob``) that
    look like ours (owned by this user, 0600) and that ``is_leftover`` says were left by a dead process; returns
    what was removed."""
    removed = []
    try:
        candidates = list(directory.glob(pattern))
    except OSError:
        return []
    for path in candidates:
        if _ours(path) and is_leftover(path, now):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def private_temp_file(directory: Path | str | None = None, suffix: str = TEMP_SUFFIX) -> Path:
    """Create an empty 0600 temp file and return its path; the caller removes it (use try/finally)."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=directory)
    os.close(fd)
    return Path(tmp)


def write_bytes_atomic(path: Path | str, data: bytes, *, private: bool = False) -> None:
    with atomic_write(path, private=private) as fh:
        fh.write(data)
