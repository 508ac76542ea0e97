"""Notifications when long work ends, against a REAL notification server on the test's D-Bus session bus
(tests/gui/fake_notifications.py: a separate process owning ``org.freedesktop.Notifications``, which refuses a
call whose signature is not the specification's, as GNOME Shell, KDE and dunst do). Only while the window is not
the active one; the status bar says it in any case; server text arrives printable and, for a daemon that renders
markup, escaped; one notification per batch of transfers; a missing daemon falls back to the tray, or to the
status bar alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from core.models import RoleEnum
from gui.workers.jobs import JobState
from tests.gui.conftest import queue_uploads, wait_jobs, write_random

ROOT = Path(__file__).resolve().parents[2]


class NotificationServer:
    def __init__(self, record: Path, caps: str) -> None:
        self.record = record
        env = {**os.environ, "FAKE_NOTIFY_CAPS": caps}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.gui.fake_notifications", str(record)],
                                     cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip() if self.proc.stdout else ""
        if line != "ready":
            self.stop()
            pytest.fail(f"the fake notification server did not start: {line!r}")

    def calls(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text(encoding="utf-8").splitlines() if line]

    def wait_calls(self, qtbot, count: int, timeout: int = 10000) -> list[dict]:
        qtbot.waitUntil(lambda: len(self.calls()) >= count, timeout=timeout)
        return self.calls()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _server(tmp_path, caps: str):
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        if os.environ.get("AZAION_REQUIRE_KEYRING"):
            pytest.fail("no D-Bus session bus inside scripts/with-keyring.sh")
        pytest.skip("no D-Bus session bus (run under scripts/with-keyring.sh)")
    server = NotificationServer(tmp_path / f"calls-{uuid.uuid4().hex[:6]}.jsonl", caps)
    yield server
    server.stop()


@pytest.fixture
def notifications(tmp_path):
    """A notification daemon that shows plain text (capability ``body`` only)."""
    yield from _server(tmp_path, "body")


@pytest.fixture
def markup_notifications(tmp_path):
    """A daemon that renders markup in the body (``body-markup``), as GNOME Shell and KDE do."""
    yield from _server(tmp_path, "body,body-markup")


def _look_elsewhere(qtbot, window) -> QWidget:
    """Another window becomes the active one (the user switched away)."""
    other = QWidget()
    other.setWindowTitle("elsewhere")
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5000)
    return other


def _look_at(qtbot, window) -> None:
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)


def test_a_finished_batch_is_one_desktop_notification_when_the_window_is_not_active(
        qtbot, logged_in, new_folder, notifications, tmp_path):
    """Three uploads and a failing download while the user looks at another window: one Notify call (not four),
    with the count, the names and why one failed; the status bar says it too."""
    from gui.workers.jobs import download_job

    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    assert window.notifier.channel == "freedesktop"
    window.finished_work.long_seconds = 0  # the batch is short here; the rule is "at least N seconds"
    _look_elsewhere(qtbot, window)
    folder = new_folder("notify")
    window.upload_panel.set_folder(folder)
    sources = [write_random(tmp_path / f"file-{i}.bin", 32 * 1024) for i in range(3)]
    hold = window.queue.hold("test: start the batch together")  # all four are queued before any runs
    jobs = queue_uploads(qtbot, window, sources)
    jobs.append(window.queue.add(download_job(window.client, folder, "no-such-file.bin", tmp_path / "dl")))
    window.queue.release(hold)
    wait_jobs(qtbot, jobs)
    assert [j.state for j in jobs] == [JobState.DONE] * 3 + [JobState.FAILED]
    (call,) = notifications.wait_calls(qtbot, 1)
    qtbot.wait(500)
    assert len(notifications.calls()) == 1  # one for the batch
    assert "refused" not in call, call  # the signature is the specification's: susssasa{sv}i
    assert call["app"] == "Azaion Admin" and call["replaces"] == 0 and call["timeout"] == -1
    assert call["summary"] == "1 of 4 transfers failed"
    assert "no-such-file.bin — " in call["body"] and jobs[3].message in call["body"]
    assert {"urgency", "category", "desktop-entry"} <= set(call["hints"])
    assert window.statusBar().currentMessage().startswith("1 of 4 transfers failed: no-such-file.bin")
    assert window.notifier.sent[-1][2] == "freedesktop"


def test_while_the_user_looks_at_the_window_only_the_status_bar_says_it(qtbot, logged_in, new_folder,
                                                                          notifications, tmp_path):
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    window.finished_work.long_seconds = 0
    _look_at(qtbot, window)
    window.upload_panel.set_folder(new_folder("notify"))
    jobs = queue_uploads(qtbot, window, [write_random(tmp_path / "seen.bin", 16 * 1024)])
    wait_jobs(qtbot, jobs)
    qtbot.waitUntil(lambda: "Upload finished" in window.statusBar().currentMessage(), timeout=5000)
    assert window.statusBar().currentMessage() == "Upload finished: seen.bin"
    qtbot.wait(1000)
    assert notifications.calls() == [] and window.notifier.sent == []


def test_short_work_is_not_announced_on_the_desktop(qtbot, logged_in, new_folder, notifications, tmp_path):
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    assert window.finished_work.long_seconds == 10.0
    _look_elsewhere(qtbot, window)
    window.upload_panel.set_folder(new_folder("notify"))
    jobs = queue_uploads(qtbot, window, [write_random(tmp_path / "quick.bin", 16 * 1024)])
    wait_jobs(qtbot, jobs)
    qtbot.wait(1000)
    assert notifications.calls() == []


def test_server_text_reaches_the_daemon_printable_and_escaped(qtbot, logged_in, markup_notifications):
    """A name or message from the server with terminal escapes, a bidi override and tags: no control character
    reaches the daemon, and a daemon that renders markup gets the tags escaped (no bold, no link)."""
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    _look_elsewhere(qtbot, window)
    hostile = "evil\x1b]0;owned\x07name\u202egpj.exe <a href='https://x.example/'>click</a>\nforged line"
    assert window.notifier.notify("Download finished\r\nfake", hostile) == "freedesktop"
    (call,) = markup_notifications.wait_calls(qtbot, 1)
    for text in (call["summary"], call["body"]):
        assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u2028" for c in text), repr(text)
    assert call["summary"] == "Download finished fake"
    assert "\\x1b]0;owned\\x07name\\u202egpj.exe" in call["body"]
    assert "&lt;a href='https://x.example/'&gt;click&lt;/a&gt; forged line" in call["body"]
    assert "<a" not in call["body"]


def test_in_ukrainian_the_notification_is_translated(qtbot, logged_in, notifications, tmp_path):
    from gui.workers.jobs import download_job

    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    window.change_language("uk")
    try:
        window.finished_work.long_seconds = 0
        _look_elsewhere(qtbot, window)
        job = window.queue.add(download_job(window.client, "models", "absent.bin", tmp_path))
        wait_jobs(qtbot, [job])
        (call,) = notifications.wait_calls(qtbot, 1)
        assert call["summary"] == "Завантаження не вдалося", call
        assert call["body"].startswith("absent.bin — ")
    finally:
        from gui.theme import set_language

        set_language("en")


def test_no_daemon_falls_back_to_the_tray_or_the_status_bar(qtbot, logged_in, monkeypatch):
    """Nobody owns org.freedesktop.Notifications on this bus: the call fails quickly; the tray shows it where
    one exists (availability injected: offscreen has no tray), else the status bar alone says it."""
    import gui.tray

    monkeypatch.setattr(gui.tray, "tray_available", lambda: True)
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    _look_elsewhere(qtbot, window)
    notifier = window.notifier
    outcomes: list[tuple[str, bool]] = []
    notifier.delivered.connect(lambda channel, ok: outcomes.append((channel, ok)))
    started = time.monotonic()
    notifier.notify("Download finished", "nobody-listens.bin")
    qtbot.waitUntil(lambda: ("freedesktop", False) in outcomes, timeout=10000)
    assert time.monotonic() - started < 8  # no hang on a bus without a daemon (slack for this loaded machine)
    assert ("tray", True) in outcomes
    assert window.statusBar().currentMessage() == "Download finished: nobody-listens.bin"

    notifier.set_tray(None)
    notifier.channel = "status bar"
    assert notifier.notify("Upload finished", "x.bin") == "status bar"
    assert window.statusBar().currentMessage() == "Upload finished: x.bin"
