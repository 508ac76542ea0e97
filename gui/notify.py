"""Telling the user that long work ended while they were looking elsewhere, as browsers do for a download.

Which channel (chosen once per window, :attr:`Notifier.channel`):

* Linux: a freedesktop notification (``org.freedesktop.Notifications.Notify`` on the session bus), which every
  desktop shows, with or without a system tray. The call needs ``replaces_id`` as a D-Bus ``u`` and the actions
  as ``as``; PySide6's QtDBus can only marshal a Python int as ``i``/``q`` and a list as ``av`` (GNOME Shell, KDE
  and dunst refuse such a call: wrong signature), so it is sent with ``jeepney``, the pure-Python D-Bus library
  that ``keyring`` already brings on Linux (Secret Service). It runs in a short-lived thread: a slow or absent
  bus never blocks the window. When the bus or the daemon is missing, the tray balloon is used if a tray exists.
* Windows and macOS: the tray icon's balloon (``QSystemTrayIcon.showMessage``), when a tray exists.
* Neither: only the status bar.

Only when the window is not the active one (hidden in the tray, minimised, another application in front): while
the user is looking at the window, the status bar line says it. Server-supplied text (names, messages) is made
printable first (``core.text.printable``: no control or bidi characters) and, when the daemon renders markup
(``body-markup``), escaped, so a name cannot style or link the notification.
"""

from __future__ import annotations

import html
import logging
import sys
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow, QSystemTrayIcon

from core.text import printable

log = logging.getLogger("azaion.gui.notify")

APP_NAME = "Azaion Admin"
DESKTOP_ENTRY = "azaion-admin"
SUMMARY_LIMIT = 120
BODY_LIMIT = 400
DBUS_TIMEOUT = 3.0
LONG_WORK_SECONDS = 10.0
"""Work that ran at least this long (or an image unlock/lock, however long) raises a notification when it ends
while the window is not active; shorter work only says so in the status bar."""

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"


def freedesktop_available() -> bool:
    """Linux with jeepney importable (it comes with keyring there); whether a bus and a daemon answer is only
    known when a notification is sent."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import jeepney  # noqa: F401
    except ImportError:
        return False
    return True


def send_freedesktop(summary: str, body: str, failed: bool = False, timeout: float = DBUS_TIMEOUT) -> int:
    """One ``Notify`` call on the session bus; returns the daemon's notification id. Blocking (a worker thread
    calls it); raises on a missing bus, no daemon or an error answer."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import unwrap_msg

    address = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)
    with open_dbus_connection(bus="SESSION") as conn:
        caps = unwrap_msg(conn.send_and_get_reply(new_method_call(address, "GetCapabilities"), timeout=timeout))
        if "body-markup" in (caps[0] if caps else ()):
            body = html.escape(body, quote=False)
        hints = {
            "urgency": ("y", 2 if failed else 1),
            "category": ("s", "transfer.error" if failed else "transfer.complete"),
            "desktop-entry": ("s", DESKTOP_ENTRY),
        }
        call = new_method_call(address, "Notify", "susssasa{sv}i",
                               (APP_NAME, 0, "", summary, body, [], hints, -1))
        reply = unwrap_msg(conn.send_and_get_reply(call, timeout=timeout))
    return int(reply[0])


class Notifier(QObject):
    """Notifications of a main window. ``sent`` keeps (summary, body, channel) of each, for tests and the log;
    ``channel`` is ``"freedesktop"``, ``"tray"`` or ``"status bar"``."""

    delivered = Signal(str, bool)  # channel, ok (from the sending thread, queued to the GUI thread)
    _fallback = Signal(str, str, bool)

    def __init__(self, window: QMainWindow, tray: QSystemTrayIcon | None = None,
                 freedesktop: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.tray = tray
        use_dbus = freedesktop_available() if freedesktop is None else freedesktop
        self.channel = "freedesktop" if use_dbus else ("tray" if tray is not None else "status bar")
        self.sent: list[tuple[str, str, str]] = []
        self.sender: Callable[[str, str, bool], int] = send_freedesktop
        self._threads: set[threading.Thread] = set()
        self._fallback.connect(self._tray_message)

    def set_tray(self, tray: QSystemTrayIcon | None) -> None:
        self.tray = tray
        if self.channel != "freedesktop":
            self.channel = "tray" if tray is not None else "status bar"

    def notify(self, summary: str, body: str = "", failed: bool = False) -> str:
        """Say it in the status bar; also on the desktop when the window is not active. Returns the channel used
        ("" when only the status bar said it because the user is looking at the window)."""
        summary = printable(summary, SUMMARY_LIMIT)
        body = printable(body, BODY_LIMIT)
        line = f"{summary}: {body}" if body else summary
        self.window.statusBar().showMessage(line, 15000)
        log.info("Finished work: %s", line)
        if self.window.isActiveWindow():
            return ""
        channel = self.channel
        self.sent.append((summary, body, channel))
        if channel == "freedesktop":
            thread = threading.Thread(target=self._send, args=(summary, body, failed), name="notify", daemon=True)
            self._threads.add(thread)
            thread.start()
        elif channel == "tray":
            self._tray_message(summary, body, failed)
        return channel

    def _send(self, summary: str, body: str, failed: bool) -> None:
        try:
            self.sender(summary, body, failed)
            ok = True
        except Exception as exc:  # no bus, no daemon, an error answer: the status bar already said it
            log.info("Desktop notification not shown (%s: %s)", type(exc).__name__, exc)
            ok = False
        finally:
            self._threads.discard(threading.current_thread())
        try:
            if not ok:
                self._fallback.emit(summary, body, failed)
            self.delivered.emit("freedesktop", ok)
        except RuntimeError:  # the window (and this object) went away meanwhile
            pass

    def _tray_message(self, summary: str, body: str, failed: bool) -> None:
        if self.tray is None:
            return
        kind = QSystemTrayIcon.MessageIcon.Warning if failed else QSystemTrayIcon.MessageIcon.Information
        self.tray.showMessage(summary, body, kind, 8000)
        self.delivered.emit("tray", True)

    def close(self, timeout: float = DBUS_TIMEOUT + 1) -> None:
        """Wait (briefly) for notifications being sent, so none is cut off at exit."""
        end = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, end - time.monotonic()))


class FinishedWork(QObject):
    """One notification per batch of queue work (what ran from the queue becoming busy until it is idle again),
    not one per file: fifty uploads end with "50 transfers finished", one download with "Download finished".
    Notified when the batch took at least :data:`LONG_WORK_SECONDS` or held an image unlock/lock; work the user
    cancelled or paused is not announced."""

    def __init__(self, notifier: Notifier, long_seconds: float = LONG_WORK_SECONDS) -> None:
        super().__init__(notifier)
        self.notifier = notifier
        self.long_seconds = long_seconds
        self.jobs: list = []  # gui.workers.jobs.Job (DONE or FAILED) of the current batch

    def job_finished(self, job) -> None:
        from gui.workers.jobs import JobState

        if job.state in (JobState.DONE, JobState.FAILED):
            self.jobs.append(job)

    def active_changed(self, active: int) -> None:
        if active or not self.jobs:
            return
        jobs, self.jobs = self.jobs, []
        from gui.workers.jobs import JobKind

        now = time.monotonic()  # the queue stamps jobs with time.monotonic()
        started = min((j.started_at or j.finished_at or now) for j in jobs)
        ended = max((j.finished_at or now) for j in jobs)
        images = any(j.kind in (JobKind.UNLOCK, JobKind.LOCK) for j in jobs)
        if ended - started < self.long_seconds and not images:
            return
        self.notifier.notify(*self.batch_texts(jobs))

    def batch_texts(self, jobs: list) -> tuple[str, str, bool]:
        """(summary, body, failed) for a finished batch: one job by its kind and name (and why it failed), several
        by their count and the first few names."""
        from gui.workers.jobs import JobState

        failed = [j for j in jobs if j.state is JobState.FAILED]
        if len(jobs) == 1:
            job = jobs[0]
            if failed:
                summary = self.tr("{0} failed").format(job.direction_text())
                return summary, f"{job.title} — {job.message}" if job.message else job.title, True
            summary = self.tr("{0} finished").format(job.direction_text())
            return summary, job.title, False
        if failed:
            summary = self.tr("%n of {0} transfers failed", "", len(failed)).format(len(jobs))
            names = [f"{j.title} — {j.message}" if j.message else j.title for j in failed]
        else:
            summary = self.tr("%n transfer(s) finished", "", len(jobs))
            names = [j.title for j in jobs]
        body = ", ".join(names[:3])
        if len(names) > 3:
            body += " " + self.tr("and %n more", "", len(names) - 3)
        return summary, body, bool(failed)
