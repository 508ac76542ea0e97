"""The one place that knows how this platform locks a file: ``flock`` on POSIX, ``msvcrt.locking`` on Windows.

core/locks.py (exclusive locks on ``.lock`` files: journals, cache entries, upload names) and core/fileio.py
(marks on temp and staged files that tell a cleanup they are in use) both lock through here, so the two
platforms differ in this module only.

Windows' locks differ from ``flock`` in ways the callers must respect:

- there is no shared lock: a "shared" mark is an exclusive lock of one byte, which is enough, since each temp or
  staged file is marked by the one process that writes it and probed (``probe``) by cleanups only;
- the lock is mandatory: a locked byte cannot be read or written through another handle. A ``.lock`` file is
  empty, so its byte 0 is locked (``LOCK_FILE_BYTE``); a data file's mark is a byte far past any real data
  (``DATA_MARK_BYTE``, locking past the end of a file is allowed), so readers of the data are never blocked;
- the lock is per handle and should be undone before the handle is closed (``unlock``), as Microsoft's
  documentation asks; Windows drops it anyway when the process dies;
- an open file cannot be deleted: a ``.lock`` file is removed after it is unlocked and closed (core/locks.py).

The backend is chosen at import (``BACKEND``); tests run the Windows branch here with a stand-in ``msvcrt``
(tests/core_platform/test_windows_locks.py).
"""

from __future__ import annotations

import errno
import os

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:  # POSIX
    msvcrt = None  # type: ignore[assignment]

BACKEND = "flock" if fcntl is not None else "msvcrt" if msvcrt is not None else "none"
"""``flock``, ``msvcrt`` or ``none`` (no locks at all: cleanups fall back to the age rule)."""
LOCK_FILE_BYTE = 0
DATA_MARK_BYTE = 1 << 40
"""The byte a data file's mark locks on Windows: 1 TiB, past the end of any file we write (no reader blocked)."""
_HELD = (errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK, getattr(errno, "EDEADLOCK", errno.EDEADLK))


def available() -> bool:
    """Whether files can be locked here at all (False: the 15-minute age rule of core/fileio.py applies)."""
    return BACKEND != "none"


def _locking(fd: int, mode: int, offset: int) -> None:
    """``msvcrt.locking`` of the one byte at ``offset`` (it locks from the file position, which is kept)."""
    here = os.lseek(fd, 0, os.SEEK_CUR)
    os.lseek(fd, offset, os.SEEK_SET)
    try:
        msvcrt.locking(fd, mode, 1)  # type: ignore[attr-defined]  # typeshed declares msvcrt for win32 only
    finally:
        os.lseek(fd, here, os.SEEK_SET)


def try_lock(fd: int, *, shared: bool = False, offset: int = LOCK_FILE_BYTE) -> bool:
    """Lock ``fd`` without waiting; False if another holds it. Any other failure (no locks on this file system)
    raises OSError. ``shared`` is a ``flock`` shared lock on POSIX and an exclusive one on Windows (see above);
    ``offset`` is the byte locked on Windows (``LOCK_FILE_BYTE`` or ``DATA_MARK_BYTE``)."""
    try:
        if BACKEND == "flock":
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        elif BACKEND == "msvcrt":
            _locking(fd, msvcrt.LK_NBLCK, offset)  # type: ignore[attr-defined]  # win32-only stub
    except OSError as exc:
        if exc.errno in _HELD:
            return False
        raise
    return True


def unlock(fd: int, *, offset: int = LOCK_FILE_BYTE) -> None:
    """Undo ``try_lock`` before ``fd`` is closed (closing also releases it on POSIX; never raises)."""
    try:
        if BACKEND == "flock":
            fcntl.flock(fd, fcntl.LOCK_UN)
        elif BACKEND == "msvcrt":
            _locking(fd, msvcrt.LK_UNLCK, offset)  # type: ignore[attr-defined]  # win32-only stub
    except OSError:
        pass


def probe_flags() -> int:
    """How a file is opened to test whether another holds its lock: read-only suffices for ``flock``; Windows
    opens it for writing too (a locked region is tested through a handle that could write it)."""
    return os.O_RDWR if BACKEND == "msvcrt" else os.O_RDONLY
