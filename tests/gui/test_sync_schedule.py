""""Keep up to date" in the GUI (gui/sync_schedule.py): a schedule set from the dialog is stored in the settings,
runs as a job in the transfer queue, says when something new arrived, runs again when due, and comes back after
a restart; malformed stored entries are never run."""

from __future__ import annotations

import os
import time

from PySide6.QtWidgets import QWidget

from core.settings import load_settings
from gui import schedules
from gui.schedules import Schedule
from gui.sync_schedule import edit_schedule
from gui.workers.jobs import JobState


def _accept_with(target, minutes):
    def hook(dialog) -> bool:
        dialog.dir_edit.setText(str(target))
        dialog.period_spin.setValue(minutes)
        return True

    return hook


def _sync_jobs(window):
    return [j for j in window.queue.jobs if j.title.startswith("Keep up to date")]


def test_keep_up_to_date_runs_in_the_queue_notifies_and_comes_back_after_a_restart(
        qtbot, logged_in, new_folder, tmp_path):
    controller, creds = logged_in()
    window = controller.window
    folder = new_folder("keep")
    window.client.upload_big_small_resource(os.urandom(50_000), "first.bin", folder)
    target = tmp_path / "mirror"
    assert window.keep_up_to_date_action.text()  # in the Actions menu
    window.resources_panel.set_folder(folder)
    other = QWidget()  # the user works in another window: what arrives is also a desktop notification
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5000)

    schedule = edit_schedule(window, folder, dialog_hook=_accept_with(target, 30))
    assert schedule is not None and schedule.period_s == 30 * 60
    qtbot.waitUntil(lambda: bool(_sync_jobs(window)) and _sync_jobs(window)[-1].state.finished, timeout=60000)
    job = _sync_jobs(window)[-1]
    assert job.state is JobState.DONE, job.message
    assert (target / "first.bin").stat().st_size == 50_000
    assert "1 new; next sync at" in job.message
    assert f"New in {folder}: first.bin" in [body for _summary, body, _channel in window.notifier.sent]
    stored = load_settings().extra["sync_schedules"]
    assert {"api_url": window.client.api_url, "folder": folder, "dir": str(target), "period_s": 1800} in stored

    scheduler = window.sync_scheduler
    key = (folder, str(target))
    assert scheduler.due[key] > time.monotonic() + 25 * 60  # the next round waits for its period
    scheduler.tick()
    assert len(_sync_jobs(window)) == 1
    window.client.upload_big_small_resource(b"second", "second.txt", folder)
    scheduler.due[key] = 0.0  # as if the period had passed
    qtbot.waitUntil(lambda: len(_sync_jobs(window)) == 2 and _sync_jobs(window)[-1].state.finished, timeout=60000)
    assert (target / "second.txt").read_bytes() == b"second"
    assert _sync_jobs(window)[-1].message.startswith("1 new;")

    window.close()
    controller.shutdown()
    window.client.upload_big_small_resource(b"third", "third.txt", folder)
    again, _ = logged_in(creds=creds)
    window = again.window
    assert [s.folder for s in window.sync_scheduler.schedules] == [folder]  # resumed after the restart
    qtbot.waitUntil(lambda: bool(_sync_jobs(window)) and _sync_jobs(window)[-1].state.finished, timeout=60000)
    assert (target / "third.txt").read_bytes() == b"third"

    edit_schedule(window, folder, dialog_hook=lambda d: (d.enabled_box.setChecked(False), True)[1])
    assert window.sync_scheduler.schedules == []
    assert load_settings().extra["sync_schedules"] == []


def test_malformed_stored_schedules_are_not_run(tmp_path):
    good = {"api_url": "http://127.0.0.1:1", "folder": "models", "dir": str(tmp_path), "period_s": 900}
    assert Schedule.from_json(good) == Schedule("http://127.0.0.1:1", "models", str(tmp_path), 900)
    for bad in (
        {**good, "folder": "../etc"},
        {**good, "dir": "relative/path"},
        {**good, "period_s": 1},  # below a minute: would hammer the server
        {**good, "period_s": "900"},
        {**good, "extra": 1},
        [good],
        None,
    ):
        assert Schedule.from_json(bad) is None, bad

    class FakeSettings:
        extra = {"sync_schedules": [good, {**good, "folder": "a/b"}]}

    assert [s.folder for s in schedules.load_schedules(FakeSettings())] == ["models"]


def test_closing_the_window_pauses_a_round_and_the_next_start_resumes_it(
        qtbot, logged_in, new_folder, make_client, gate_probe, monkeypatch, tmp_path):
    import threading

    controller, creds = logged_in()
    window = controller.window
    folder = new_folder("keepmid")
    data = os.urandom(4 << 20)
    make_client().upload_big_small_resource(data, "model.bin", folder)  # another machine's upload: not cached here
    target = tmp_path / "mirror"
    edit_schedule(window, folder, dialog_hook=_accept_with(target, 60))
    qtbot.waitUntil(lambda: bool(gate_probe) and gate_probe[0].reached.is_set(), timeout=60000)  # half way
    part = next(window.client.cache.root.rglob("model.bin.big.part"))
    threading.Timer(1.0, gate_probe[0].release.set).start()  # let the worker see the pause
    window.close()
    controller.shutdown()
    assert part.exists() and part.stat().st_size > 0  # paused, not cancelled: kept for the next round
    assert not (target / "model.bin").exists() and list(target.glob(".azaion-*.tmp")) == []
    for probe in gate_probe:
        probe.release.set()
    import gui.workers.jobs as jobs
    from gui.workers.progress import ProgressProbe

    monkeypatch.setattr(jobs, "ProgressProbe", ProgressProbe)  # real progress probes from here on

    again, _ = logged_in(creds=creds)
    window = again.window
    qtbot.waitUntil(lambda: bool(_sync_jobs(window)) and _sync_jobs(window)[-1].state.finished, timeout=60000)
    job = _sync_jobs(window)[-1]
    assert job.state is JobState.DONE, job.message
    assert (target / "model.bin").read_bytes() == data
