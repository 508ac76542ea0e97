"""Atomic, private file writes: write to a 0600 temp file beside the target and rename it into place, so a
crash, cancel or full disk never leaves a half-written file under the real name."""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from core import oslock
from core.errors import LocalIOError
from core.names import MAX_NAME_BYTES, name_bytes

log = logging.getLogger("azaion.fileio")

TEMP_PREFIX = ".azaion-"
TEMP_SUFFIX = ".tmp"
NAME_SPAN = 40  # characters of the target's name in its temp file's name (UTF-8: at most 160 bytes of 255)
LOCKED_MIN_AGE_S = 5.0
"""With locks (core/oslock.py: flock on POSIX, msvcrt on Windows), a temp file nobody holds a lock on is a dead
process's leftover; this much age only covers the moment between its creation and its lock."""
RANDOM_PART = "[a-z0-9_]" * 8
"""Glob of the random part ``tempfile.mkstemp`` puts in a name (8 of ``a-z0-9_``): our temp names have exactly it."""
LOCK_FAILED_MODE = 0o700
"""Mode given to a file this process could not lock (``lock_shared``): still private and writable, but a cleanup
(which removes only 0600 temp files and never a 0700 one) leaves it alone, live or not."""
UNLOCKED_MIN_AGE_S = 15 * 60.0
"""Without them (no lock backend at all), only files untouched this long count as leftovers: a live transfer
writes its temp file continuously and its retries wait ~5 minutes at most."""
REPLACE_ATTEMPTS = 10
REPLACE_DELAY_S = 0.2
"""``replace_file``: how often, and how far apart, a rename refused because the target is open elsewhere is tried
(Windows: 10 × 0.2 s, long enough for an antivirus scan or the other app process to let go)."""
_IN_USE_WINERRORS = (5, 32)  # ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION


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


class OutputExistsError(LocalIOError):
    """The output already exists and the caller did not allow replacing it (the CLI's ``--force``)."""


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def lstat_or_none(path: Path) -> os.stat_result | None:
    """The name's own status (a link is not followed), None when nothing has the name; any other failure is a
    LocalIOError saying what the system refused."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise describe_os_error(exc, path) from None


def check_output(path: Path | str, *, replace: bool = True) -> Path:
    """Where a user-named output may be written, checked before anything is downloaded.

    Only a new name or an existing regular file (when ``replace``) may be replaced by the rename that ends an
    ``atomic_write``: a device (``/dev/full``), a FIFO, a socket or a folder is refused, as is a symbolic link
    to one of them or to nothing (``/proc/self/fd/1``, a dangling link: writing through it would create a file
    where the user did not say). A link to a regular file stands for that file: the file it points to is the
    one replaced (the link stays). Returns that path; LocalIOError (OutputExistsError) says why not."""
    target = Path(path)
    if name_bytes(target.name) > MAX_NAME_BYTES:
        raise LocalIOError(
            f"the output file name {target.name[:40]!r}... is {name_bytes(target.name)} bytes long; "
            f"file systems allow at most {MAX_NAME_BYTES} bytes"
        )
    st = lstat_or_none(target)
    if st is None:
        return target
    if stat.S_ISLNK(st.st_mode):
        try:
            real = Path(os.path.realpath(target, strict=True))
            st = os.lstat(real)
        except OSError:
            raise LocalIOError(
                f"refusing to write to {target}: it is a symbolic link to nothing (or to a loop); "
                "give a regular file or a new name"
            ) from None
        if not stat.S_ISREG(st.st_mode):
            raise LocalIOError(
                f"refusing to write to {target}: it is a symbolic link to {real}, which is {_kind(st.st_mode)}, "
                "not a regular file"
            )
        target = real
    elif not stat.S_ISREG(st.st_mode):
        raise LocalIOError(
            f"refusing to write to {target}: it is {_kind(st.st_mode)}, not a regular file "
            "(only a regular file or a new name can be replaced)"
        )
    if not replace:
        raise OutputExistsError(f"{target} already exists")
    return target


def require_file(path: Path | str, what: str = "file") -> Path:
    """``path`` if it is (or links to) a regular file the user gave as input; else LocalIOError saying what it is
    (``Path.is_file`` raises on a name too long to look up, which reached the CLI as "unexpected OSError")."""
    target = Path(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        raise LocalIOError(f"no such {what}: {target}") from None
    except OSError as exc:
        raise describe_os_error(exc, target) from None
    if not stat.S_ISREG(st.st_mode):
        raise LocalIOError(f"{target} is {_kind(st.st_mode)}, not a regular file")
    return target


def is_folder_target(output: Path | str) -> bool:
    """``output`` names a folder to save into: an existing one (or a link to one), or a path written with a
    trailing separator. Never raises (a name too long to look up is no folder; ``check_output`` says why)."""
    text = os.fspath(output)
    return text.endswith(("/", os.sep)) or os.path.isdir(text)


def output_target(output: Path | str, name: str, *, replace: bool = True) -> Path:
    """The file a download into ``output`` writes: ``output/name`` for a folder (``is_folder_target``), else
    ``output`` itself; checked by ``check_output`` (``name`` must already be validated)."""
    target = Path(output) / name if is_folder_target(output) else Path(output)
    return check_output(target, replace=replace)


def _recheck_output(target: Path, replace: bool) -> int | None:
    """Right before the rename: the name must still be absent or a regular file (lstat: a link, device or FIFO
    swapped in since ``check_output`` is refused). Returns the permission bits of the file being replaced."""
    st = lstat_or_none(target)
    if st is None:
        return None
    if not stat.S_ISREG(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else _kind(st.st_mode)
        raise LocalIOError(f"refusing to replace {target}: it became {kind} during the download")
    if not replace:
        raise OutputExistsError(f"{target} already exists (it appeared during the download)")
    return st.st_mode & 0o777


class _TargetFile(io.FileIO):
    """The temp file of an ``atomic_write``: every ``write`` writes all of its bytes (a short write, as on a
    nearly full disk, is continued instead of silently dropping the rest) and an OSError names the TARGET (a
    caller that also writes other files, as the cache's ``.big.part``, cannot mistake whose disk is full)."""

    target: Path

    def close(self) -> None:
        if not self.closed:
            oslock.unlock(self.fileno(), offset=oslock.DATA_MARK_BYTE)  # Windows asks for it before the close
        super().close()

    def write(self, data) -> int:  # bytes-like
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                written = super().write(view[done:])
                if not written:
                    raise OSError(errno.EIO, "the write made no progress")
                done += written
        except OSError as exc:
            raise describe_os_error(exc, self.target) from exc
        return done


@contextlib.contextmanager
def atomic_write(
    path: Path | str, *, private: bool = False, output: bool = False, replace: bool = True
) -> Iterator[BinaryIO]:
    """Yield an unbuffered binary file (0600 while it is written); on clean exit it replaces ``path``, on any
    exception it is removed. A failed write raises LocalIOError naming ``path``.

    ``private`` keeps the final file 0600 (cache, secrets-adjacent data); otherwise it gets the usual
    umask-derived mode of a new file. ``output`` marks a path the USER named (a download's ``-o``): it is
    checked by ``check_output`` before anything is written and again (lstat) right before the rename, and an
    existing file replaced keeps its permission bits. With ``replace=False`` an existing output is refused, also
    one that appears meanwhile (the final step links the temp file to the name, which fails if it exists).
    """
    target = check_output(path, replace=replace) if output else Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target), suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise describe_os_error(exc, target) from exc
    tmp_path = Path(tmp)
    lock_shared(fd)
    try:
        fh = _TargetFile(fd, "wb", closefd=True)
        fh.target = target
        with fh:
            try:
                yield fh
            except OSError as exc:
                raise describe_os_error(exc, target) from exc
        mode = 0o600 if private else 0o666 & ~_umask()
        if output:
            kept = _recheck_output(target, replace)
            mode = kept if kept is not None and not private else mode
        os.chmod(tmp_path, mode)  # also undoes a LOCK_FAILED_MODE
        if output and not replace:
            _link_into_place(tmp_path, target)
        else:
            replace_file(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def _in_use_elsewhere(exc: OSError) -> bool:
    """A rename refused because another process has the target (or the source) open: Windows' sharing
    violation (WinError 32) or access denied (WinError 5, also given for a file pending deletion)."""
    return isinstance(exc, PermissionError) and getattr(exc, "winerror", None) in _IN_USE_WINERRORS


def replace_file(source: Path | str, target: Path | str) -> None:
    """``os.replace(source, target)``, retried ``REPLACE_ATTEMPTS`` times ``REPLACE_DELAY_S`` apart while Windows
    refuses it because another process holds ``target`` open; then LocalIOError naming ``target`` as in use (the
    caller removes ``source``). Other errors are described at once (``describe_os_error``). On POSIX a rename onto
    an open file succeeds, so the loop never runs there."""
    for attempt in range(1, REPLACE_ATTEMPTS + 1):
        try:
            os.replace(source, target)
            return
        except OSError as exc:
            if not _in_use_elsewhere(exc):
                raise describe_os_error(exc, target) from exc
            if attempt == REPLACE_ATTEMPTS:
                raise LocalIOError(
                    f"cannot replace {target}: the file is in use by another process "
                    f"(still after {REPLACE_ATTEMPTS} tries in {REPLACE_ATTEMPTS * REPLACE_DELAY_S:.0f} s); "
                    "close the program that has it open and try again"
                ) from exc
            log.info("%s is in use by another process; trying again (%d/%d)", target, attempt, REPLACE_ATTEMPTS)
            time.sleep(REPLACE_DELAY_S)


def _link_into_place(tmp_path: Path, target: Path) -> None:
    """Give the finished temp file the target's name only if that name is still free (link(2) never replaces);
    where hard links are not supported, the lstat recheck just made is all there is."""
    try:
        os.link(tmp_path, target)
    except FileExistsError:
        raise OutputExistsError(f"{target} already exists (it appeared during the download)") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise describe_os_error(exc, target) from None
        replace_file(tmp_path, target)
        return
    with contextlib.suppress(OSError):
        tmp_path.unlink()


def write_stream(write, what: str):  # a file's write method; a sink
    """A sink for a stream that is not a file we rename (``-o -``: standard output): writes everything, and an
    OSError (a closed pipe, a full disk behind a redirect) becomes LocalIOError naming ``what``."""

    def sink(data) -> None:
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                written = write(view[done:])
                done += len(view) - done if written is None else written
        except OSError as exc:
            raise LocalIOError(f"cannot write to {what}: {exc.strerror or exc}") from exc

    return sink


def temp_prefix(target: Path) -> str:
    """``.azaion-{name}-``: a leftover of an interrupted write of ``target`` can be recognised by name."""
    return f"{TEMP_PREFIX}{target.name[:NAME_SPAN]}-"


def temp_glob(prefix: str) -> str:
    """Glob of the temp names ``mkstemp(prefix=..., suffix=TEMP_SUFFIX)`` makes (``prefix`` already escaped)."""
    return prefix + RANDOM_PART + TEMP_SUFFIX


def lock_shared(fd: int) -> bool:
    """Mark an open file as in use by this process (core/oslock.py: a shared ``flock`` on POSIX, a lock of the
    byte ``DATA_MARK_BYTE`` past the data on Windows; released when the process dies). Undo it with ``unmark``
    before closing the file where the close is ours to make (``atomic_write`` does).

    If the lock cannot be taken (ENOLCK, a file system without locks), a cleanup could not tell the file is in
    use, so the file gets ``LOCK_FAILED_MODE`` instead, which every cleanup here leaves alone (the safe side: a
    dead process's file of that mode stays until the user removes it). Returns whether the lock was taken."""
    try:
        if oslock.try_lock(fd, shared=True, offset=oslock.DATA_MARK_BYTE):
            return True
        exc: OSError = OSError(errno.EAGAIN, "another process holds it")
    except OSError as failed:
        exc = failed
    log.warning("could not lock a temp file (%s); it will not be cleaned up automatically", exc)
    with contextlib.suppress(OSError, AttributeError):  # no os.fchmod on Windows before Python 3.13
        os.fchmod(fd, LOCK_FAILED_MODE)
    return False


def unmark(fd: int) -> None:
    """Undo ``lock_shared`` (Windows asks for locks to be undone before the handle is closed)."""
    oslock.unlock(fd, offset=oslock.DATA_MARK_BYTE)


def hold(path: Path | str) -> int | None:
    """Open (creating, 0600) and lock ``path`` to mark it in use until ``release``; nothing where there are no
    locks. On Windows the open handle also keeps the file from being renamed or deleted until ``release``."""
    if not oslock.available():
        return None
    try:
        fd = os.open(path, oslock.probe_flags() | os.O_CREAT, 0o600)
    except OSError as exc:
        raise describe_os_error(exc, path) from None
    lock_shared(fd)
    return fd


def release(fd: int | None) -> None:
    if fd is not None:
        unmark(fd)
        with contextlib.suppress(OSError, AttributeError):
            if os.fstat(fd).st_mode & 0o777 == LOCK_FAILED_MODE:
                os.fchmod(fd, 0o600)  # the file lives on (e.g. renamed into the cache): private as usual
        with contextlib.suppress(OSError):
            os.close(fd)


def in_use(path: Path) -> bool:
    """True when a live process holds ``lock_shared`` on ``path`` (always False without locks)."""
    if not oslock.available():
        return False
    try:
        fd = os.open(path, oslock.probe_flags())
    except OSError:
        return False
    try:
        if not oslock.try_lock(fd, offset=oslock.DATA_MARK_BYTE):
            return True
        oslock.unlock(fd, offset=oslock.DATA_MARK_BYTE)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def is_leftover(path: Path, now: float | None = None) -> bool:
    """Whether one of our temp/staged files is safe to remove: unlocked, a few seconds old and not marked as
    unlockable (``LOCK_FAILED_MODE``), or untouched for ``UNLOCKED_MIN_AGE_S`` where there are no locks."""
    try:
        st = path.stat()
    except OSError:
        return False
    age = (time.time() if now is None else now) - st.st_mtime
    if not oslock.available():
        return age >= UNLOCKED_MIN_AGE_S
    return age >= LOCKED_MIN_AGE_S and st.st_mode & 0o777 != LOCK_FAILED_MODE and not in_use(path)


def _ours(path: Path) -> bool:
    """A temp file this user's process made: a regular file (not a link) owned by us, mode 0600 (POSIX; Windows
    has no owner ids or modes to compare: the per-user folder's ACL is what keeps others out there)."""
    try:
        st = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False
    if not hasattr(os, "getuid"):
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
