"""The tray icon where the desktop has one: Show / Pause all / Quit, and closing the window with transfers running
offers to keep them running in the tray. The offscreen platform of this suite has no tray, so its availability is
injected (``gui.tray.tray_available``); without a tray the window asks, as before, whether to stop the work."""

from __future__ import annotations

import threading

import pytest

from core.models import RoleEnum
from gui.tray import CloseChoice
from gui.workers.jobs import JobState
from tests.gui.conftest import wait_jobs
from tests.gui.test_transfers import big_resource  # noqa: F401 - the module's 48 MiB resource fixture


@pytest.fixture
def with_tray(monkeypatch):
    import gui.tray

    monkeypatch.setattr(gui.tray, "tray_available", lambda: True)


def _running_download(qtbot, window, gate_probe, resource, target):
    from gui.workers.jobs import download_job

    folder, name, _sha = resource
    job = window.queue.add(download_job(window.client, folder, name, target))
    qtbot.waitUntil(lambda: bool(gate_probe) and gate_probe[0].reached.is_set(), timeout=30000)
    assert job.state is JobState.RUNNING
    return job


def test_tray_menu_and_keep_running_after_close(qtbot, logged_in, with_tray, gate_probe, big_resource, tmp_path):  # noqa: F811
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    tray = window.tray
    assert tray is not None and tray.icon.isVisible() and tray.icon.contextMenu() is tray.menu
    assert [a.text() for a in tray.menu.actions() if not a.isSeparator()] == [
        "&Show Azaion Admin", "&Pause all transfers", "&Quit"]
    assert not tray.pause_action.isEnabled()  # nothing running
    job = _running_download(qtbot, window, gate_probe, big_resource, tmp_path)
    assert tray.pause_action.isEnabled() and "1 transfer running" in tray.icon.toolTip()

    asked = []
    window.ask_keep_running = lambda parent, n: asked.append(n) or CloseChoice.CANCEL
    assert not window.close()
    assert asked == [1] and window.isVisible() and job.state is JobState.RUNNING

    window.ask_keep_running = lambda parent, n: asked.append(n) or CloseChoice.KEEP
    assert not window.close()  # the close is refused: the window hides, the work goes on
    assert asked == [1, 1] and not window.isVisible() and job.state is JobState.RUNNING
    assert not window._closed
    window.finished_work.long_seconds = 0
    gate_probe[0].release.set()
    wait_jobs(qtbot, [job])
    assert job.state is JobState.DONE
    assert (tmp_path / big_resource[1]).stat().st_size == 48 << 20
    # The user was not looking (the window is hidden): the end is announced on the desktop.
    qtbot.waitUntil(lambda: bool(window.notifier.sent), timeout=5000)
    assert window.notifier.sent[-1][:2] == ("Download finished", big_resource[1])

    tray.show_action.trigger()
    assert window.isVisible()


def test_pause_all_and_quit_from_the_tray(qtbot, logged_in, with_tray, gate_probe, big_resource, tmp_path):  # noqa: F811
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    job = _running_download(qtbot, window, gate_probe, big_resource, tmp_path)
    threading.Timer(0.3, gate_probe[0].release.set).start()
    window.tray.pause_action.trigger()
    qtbot.waitUntil(lambda: job.state is JobState.PAUSED, timeout=30000)
    assert window.statusBar().currentMessage() == "1 transfer paused"
    assert list(tmp_path.iterdir()) == []  # the partial download is kept in the cache, not in the folder

    gate_probe.clear()
    window.queue.resume(job)
    qtbot.waitUntil(lambda: bool(gate_probe) and gate_probe[0].reached.is_set(), timeout=30000)
    assert job.state is JobState.RUNNING
    quits, asked = [], []
    window.app_quit = lambda: quits.append(1)
    window.ask_keep_running = lambda parent, n: pytest.fail("Quit from the tray does not offer the tray")
    window.confirm_close = lambda n: asked.append(n) or False
    window.tray.quit_action.trigger()
    assert asked == [1] and quits == [] and not window._closed  # "Stop them?" → No: nothing ends
    window.confirm_close = lambda n: asked.append(n) or True
    threading.Timer(0.2, gate_probe[0].release.set).start()  # the close joins the worker in the GUI thread
    window.tray.quit_action.trigger()
    assert asked == [1, 1] and quits == [1] and window._closed
    assert job.state in (JobState.PAUSED, JobState.DONE)


def test_without_a_tray_closing_asks_to_stop_as_before(qtbot, logged_in, monkeypatch, gate_probe, big_resource,  # noqa: F811
                                                      tmp_path):
    import gui.tray

    monkeypatch.setattr(gui.tray, "tray_available", lambda: False)
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    assert window.tray is None and window.notifier.channel in ("freedesktop", "status bar")
    job = _running_download(qtbot, window, gate_probe, big_resource, tmp_path)
    asked = []
    window.ask_keep_running = lambda parent, n: pytest.fail("no tray: nothing to keep running in")
    window.confirm_close = lambda n: asked.append(n) or False
    assert not window.close()
    assert asked == [1] and window.isVisible() and job.state is JobState.RUNNING
    window.confirm_close = lambda n: asked.append(n) or True
    threading.Timer(0.2, gate_probe[0].release.set).start()
    assert window.close()
    assert job.state is JobState.PAUSED and not window.isVisible()
