"""The lock module's Windows branch (core/oslock.py, ``msvcrt.locking``), run here on Linux.

There is no ``msvcrt`` on Linux, so these tests use a stand-in (``FakeMsvcrt``): a double for the Windows call,
which the project's rules allow where the real one cannot run. It keeps Windows' semantics over one real table
shared by every thread: a lock is one byte at the file position, per handle (a second handle, even in the same
process, is refused with EACCES), not re-entrant, undone only by its own handle (LK_UNLCK), and dropped when its
handle is closed. Everything else is real: files, folders, descriptors, threads, core/locks.py and core/fileio.py.
The same tests run through the real ``flock`` branch too, so both platforms are held to one behaviour.

Not verified here: the real msvcrt/LockFile calls, the mandatory blocking of reads of a locked byte, and
Windows' refusal to delete an open file (emulated by a refused ``os.unlink``).
"""

from __future__ import annotations

import errno
import os
import threading
import time
from types import SimpleNamespace

import pytest

from core import fileio, locks, oslock
from core.cache import ResourceCache
from core.errors import LocalIOError
from core.journal import JournalStore


class FakeMsvcrt:
    """Stand-in for Windows' ``msvcrt`` (locking only), see the module docstring."""

    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.table: dict[tuple[int, int, int], tuple[int, tuple[int, int]]] = {}
        self.calls: list[tuple[int, int]] = []

    @staticmethod
    def _key(fd: int) -> tuple[tuple[int, int], int]:
        st = os.fstat(fd)
        return (st.st_dev, st.st_ino), os.lseek(fd, 0, os.SEEK_CUR)

    @staticmethod
    def _alive(fd: int, ident: tuple[int, int]) -> bool:
        """The holder's handle is still open on that file (a closed handle's locks are gone)."""
        try:
            st = os.fstat(fd)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == ident

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1, "our code locks one byte"
        ident, offset = self._key(fd)
        key = (*ident, offset)
        with self.mutex:
            self.calls.append((mode, offset))
            holder = self.table.get(key)
            if holder is not None and not self._alive(holder[0], holder[1]):
                del self.table[key]
                holder = None
            if mode == self.LK_UNLCK:
                if holder is None or holder[0] != fd:
                    raise OSError(errno.EACCES, "Permission denied (not locked by this handle)")
                del self.table[key]
                return
            if mode != self.LK_NBLCK:
                raise AssertionError(f"unexpected mode {mode}")
            if holder is not None:
                raise OSError(errno.EACCES, "Permission denied (locked)")
            self.table[key] = (fd, ident)


@pytest.fixture(params=["flock", "msvcrt"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FakeMsvcrt | None:
    """Run the test through the real flock branch and through the Windows branch (FakeMsvcrt)."""
    if request.param == "flock":
        assert oslock.BACKEND == "flock"
        return None
    fake = FakeMsvcrt()
    monkeypatch.setattr(oslock, "msvcrt", fake)
    monkeypatch.setattr(oslock, "BACKEND", "msvcrt")
    return fake


def _in_thread(func):
    """Run ``func`` in another thread (its own handles, like another process) and return its result."""
    box: list = []
    thread = threading.Thread(target=lambda: box.append(func()))
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return box[0]


def test_journal_cache_entry_and_name_locks_exclude_each_other_the_same_on_both(backend, tmp_path):
    cache = ResourceCache(tmp_path / "cache")
    journals = JournalStore(tmp_path / "data")
    for take in (
        lambda wait=True: cache.entry_lock("folder", "model.bin", wait=wait),
        lambda wait=True: journals.name_lock("https://api", "folder", "model.bin", wait=wait),
    ):
        first = take()
        assert _in_thread(lambda take=take: _busy(take)) == "busy"
        first.release()
        assert not first.path.exists()  # nobody else had it open: removed on both
        second = _in_thread(lambda take=take: take(wait=False))
        second.release()
    if backend is not None:
        assert backend.table == {} and {offset for _, offset in backend.calls} == {oslock.LOCK_FILE_BYTE}


def _busy(take) -> str:
    try:
        lock = take(wait=False)
    except locks.InUseError:
        return "busy"
    lock.release()
    return "free"


def test_a_waiter_gets_the_lock_when_its_holder_lets_go(backend, tmp_path):
    path = tmp_path / "entry.lock"
    holder = locks.acquire(path)
    told = threading.Event()
    got: list[locks.FileLock] = []
    waiter = threading.Thread(target=lambda: got.append(locks.acquire(path, on_wait=told.set)))
    waiter.start()
    assert told.wait(5)
    assert not got
    holder.release()
    waiter.join(5)  # behaviour bound (POLL_S is 0.05 s), generous for this loaded machine
    assert got and not waiter.is_alive()
    assert locks.try_acquire(path) is None  # the waiter holds it now, through whichever file it took
    got[0].release()


def test_windows_release_keeps_a_lock_file_another_process_has_open(monkeypatch, tmp_path):
    """Windows refuses to delete a file another handle has open (emulated: os.unlink raises PermissionError);
    release lets go anyway and the file stays, usable by the next taker."""
    fake = FakeMsvcrt()
    monkeypatch.setattr(oslock, "msvcrt", fake)
    monkeypatch.setattr(oslock, "BACKEND", "msvcrt")
    path = tmp_path / "entry.lock"
    lock = locks.acquire(path)

    def refused(target, *args, **kwargs):
        exc = PermissionError(errno.EACCES, "The process cannot access the file", str(target))
        exc.winerror = 32
        raise exc

    with monkeypatch.context() as m:
        m.setattr(os, "unlink", refused)
        lock.release()
    assert path.exists() and fake.table == {}
    again = _in_thread(lambda: locks.acquire(path, wait=False))
    again.release()
    assert not path.exists()


def test_temp_file_marks_tell_cleanups_a_file_is_in_use_the_same_on_both(backend, tmp_path):
    target = tmp_path / "data.bin"
    pattern = fileio.temp_glob(fileio.temp_prefix(target))
    with fileio.atomic_write(target, private=True) as fh:
        fh.write(b"0123456789")
        (temp,) = tmp_path.glob(pattern)
        assert _in_thread(lambda: fileio.in_use(temp))
        later = time.time() + 3600  # old enough for any age rule: only the lock keeps it
        assert _in_thread(lambda: fileio.remove_leftovers(tmp_path, pattern, now=later)) == []
        if backend is not None:  # the mark is a byte past the data: the data's own bytes stay readable there
            assert list(backend.table)[0][2] == oslock.DATA_MARK_BYTE
            assert os.lseek(fh.fileno(), 0, os.SEEK_CUR) == 10
    assert target.read_bytes() == b"0123456789" and not temp.exists()
    if backend is not None:
        assert backend.table == {}  # undone before the close, as Windows asks

    leftover = tmp_path / pattern.replace("[a-z0-9_]", "x")
    leftover.write_bytes(b"x")
    os.chmod(leftover, 0o600)
    assert not fileio.in_use(leftover)
    assert fileio.remove_leftovers(tmp_path, pattern, now=time.time() + 3600) == [leftover]


def test_hold_marks_a_file_until_release_the_same_on_both(backend, tmp_path):
    path = tmp_path / "staged.big"
    fd = fileio.hold(path)
    assert fd is not None
    assert _in_thread(lambda: fileio.in_use(path))
    fileio.release(fd)
    assert not fileio.in_use(path)


def test_without_o_nofollow_a_link_is_refused_before_anything_is_created(monkeypatch, tmp_path):
    """Windows has no O_NOFOLLOW: open_nofollow looks at the name (lstat) before and after the open instead."""
    monkeypatch.setattr(locks, "NOFOLLOW", 0)
    victim = tmp_path / "victim"
    planted = tmp_path / "entry.lock"
    planted.symlink_to(victim)
    with pytest.raises(LocalIOError, match="symbolic link"):
        locks.acquire(planted, wait=False)
    assert not victim.exists()
    real = tmp_path / "real.lock"
    locks.acquire(real, wait=False).release()


def test_a_reparse_point_counts_as_a_link():
    """Junctions and other reparse points are not S_ISLNK on Windows; their attribute is what marks them."""
    junction = SimpleNamespace(st_mode=0o040700, st_file_attributes=0x400)
    plain = SimpleNamespace(st_mode=0o040700, st_file_attributes=0x10)
    assert locks.is_link(junction) and not locks.is_link(plain)
    assert not locks.is_link(os.lstat("."))
