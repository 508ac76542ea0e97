"""Atomic, private file writes: write to a 0600 temp file beside the target and rename it into place, so a
crash, cancel or full disk never leaves a half-written file under the real name."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from core.errors import LocalIOError

TEMP_PREFIX = ".azaion-"
TEMP_SUFFIX = ".tmp"


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
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise describe_os_error(exc, target) from exc
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb", buffering=0) as fh:
            try:
                yield fh
            except OSError as exc:
                raise describe_os_error(exc, target) from exc
        if not private:
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def private_temp_file(directory: Path | str | None = None, suffix: str = TEMP_SUFFIX) -> Path:
    """Create an empty 0600 temp file and return its path; the caller removes it (use try/finally)."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=suffix, dir=directory)
    os.close(fd)
    return Path(tmp)


def write_bytes_atomic(path: Path | str, data: bytes, *, private: bool = False) -> None:
    with atomic_write(path, private=private) as fh:
        fh.write(data)
