"""The log file's handler: a daily rotating file that several processes write at once (core/logs.py sets it up;
this module is imported only when the log file opens, see ``core.logs.hold_records``)."""

from __future__ import annotations

import logging.handlers
import os
import time

ROTATE_RETRY_SECONDS = 60


class SharedTimedRotatingFileHandler(logging.handlers.TimedRotatingFileHandler):
    """A daily rotating file that several processes (the GUI and any number of CLI runs) write at once.

    The standard handler renames the file at midnight in every process: on Windows the rename fails while
    another process has the file open (WinError 32, a sharing violation), the record is lost and so is every
    later one (each retries the rename); on Linux the second process to rotate deletes the first one's
    rotated file and renames the new one over it. Here a process that finds the file already rotated by
    another (a different file under the name) just opens the new one; a rename that fails leaves the records
    going to the current file and is retried a minute later, named for the day it was due; an existing
    rotated file is never replaced (``.1``, ``.2`` ... are added), and an old one still open elsewhere is
    deleted at a later rotation."""

    def __init__(self, *args, **kwargs) -> None:
        self._identity: tuple[int, int] | None = None
        self._due: int | None = None  # the rollover time a deferred rotation was due at
        super().__init__(*args, **kwargs)

    def _open(self):
        stream = super()._open()
        try:
            st = os.fstat(stream.fileno())
            self._identity = (st.st_dev, st.st_ino)
        except OSError:
            self._identity = None
        return stream

    def _rotated_elsewhere(self) -> bool:
        try:
            st = os.stat(self.baseFilename)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return self._identity is not None and (st.st_dev, st.st_ino) != self._identity

    def _backup_name(self, due: int) -> str:
        stamp = time.strftime(self.suffix, time.gmtime(due - 1) if self.utc else time.localtime(due - 1))
        name = self.rotation_filename(f"{self.baseFilename}.{stamp}")
        candidate, n = name, 0
        while os.path.exists(candidate):  # POSIX rename would replace it silently
            n += 1
            candidate = f"{name}.{n}"
        return candidate

    def _next_rollover(self, now: int) -> int:
        rollover = self.computeRollover(now)
        while rollover <= now:
            rollover += self.interval
        if (self.when == "MIDNIGHT" or self.when.startswith("W")) and not self.utc:
            # a daylight-saving change before the next rollover moves local midnight by an hour (as the base class)
            dst_now, dst_then = time.localtime(now)[-1], time.localtime(rollover)[-1]
            if dst_now != dst_then:
                rollover += 3600 if dst_now else -3600
        return rollover

    def doRollover(self) -> None:
        if self.stream:
            self.stream.close()
            self.stream = None
        now = int(time.time())
        due = self._due if self._due is not None else self.rolloverAt
        note = None
        if self._rotated_elsewhere():
            done = True
        else:
            try:
                self.rotate(self.baseFilename, self._backup_name(due))
                done = True
            except FileNotFoundError:
                done = True
            except OSError as exc:  # Windows: another process has the file open
                done = False
                if self._due is None:
                    note = (f"{time.strftime('%Y-%m-%d %H:%M:%S')} WARNING azaion.logs: the log file is "
                            f"in use by another process, so it is not rotated yet ({type(exc).__name__}: {exc}); "
                            f"retrying every {ROTATE_RETRY_SECONDS} s\n")
        if done:
            self._due = None
            self.rolloverAt = self._next_rollover(now)
            if self.backupCount > 0:
                for old in self.getFilesToDelete():
                    try:
                        os.remove(old)
                    except OSError:  # still open in another process: a later rotation removes it
                        pass
        else:
            self._due = due
            self.rolloverAt = now + ROTATE_RETRY_SECONDS
        self.stream = self._open()
        if note:
            self.stream.write(note)
