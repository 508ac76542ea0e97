"""Settings → Clear cache: size measured in a worker, clearing asks first (naming the size and the paused transfers
that lose their partial data), runs in a worker, is refused while a transfer is running, and holds new uploads and
downloads until it is done (also when the dialog is closed meanwhile)."""

from __future__ import annotations

import threading

from core.models import RoleEnum
from core.progress import human_bytes
from gui.models import TransfersModel
from gui.workers.jobs import JobState
from tests.gui.conftest import wait_jobs, write_random


def test_clear_cache_asks_refuses_while_transferring_and_clears_in_a_worker(
    qtbot, logged_in, gate_probe, new_folder, tmp_path
):
    from gui.settings_dialog import SettingsDialog

    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    root = window.ctx.cache_root()
    blob = write_random(root / "cdn" / "test-server" / "cached.bin", 300_000)

    dialog = SettingsDialog(window.ctx, window.client, window)
    qtbot.addWidget(dialog)
    # not measured in the GUI thread: the label says so until the worker answers
    assert dialog.cache_bytes is None and dialog.cache_size.text().startswith("Measuring")
    qtbot.waitUntil(lambda: dialog.cache_bytes is not None, timeout=10000)
    assert dialog.cache_bytes >= 300_000
    assert human_bytes(dialog.cache_bytes) in dialog.cache_size.text()

    asked: list[str] = []
    dialog.confirm_clear = lambda question: asked.append(question) or False

    # a running upload: refused with the reason, nothing asked, nothing removed
    window.upload_panel.set_folder(new_folder("cache"))
    (job,) = window.upload_panel.enqueue_paths([write_random(tmp_path / "up.bin", 2 << 20)])
    qtbot.waitUntil(lambda: gate_probe and gate_probe[0].reached.is_set(), timeout=30000)
    assert not dialog.clear_cache()
    assert "1 transfer(s) are running" in dialog.error.text()
    assert asked == [] and blob.exists()
    gate_probe[0].release.set()
    wait_jobs(qtbot, [job])
    assert job.state is JobState.DONE, job.message

    # the user says no: nothing removed
    assert not dialog.clear_cache()
    assert len(asked) == 1 and blob.exists()
    assert human_bytes(dialog.cache_bytes) in asked[0] and str(root) in asked[0]
    assert "paused" not in asked[0]

    # yes: cleared in a worker, then measured again
    dialog.confirm_clear = lambda question: True
    assert dialog.clear_cache()
    assert dialog.clearing and not dialog.clear_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.clearing and dialog.cache_bytes is not None, timeout=10000)
    assert not blob.exists()
    assert dialog.cache_bytes < 300_000 and dialog.clear_button.isEnabled()
    assert dialog.error.text() == ""
    dialog.reject()


def test_clearing_names_paused_transfers_and_holds_new_ones_until_done(
    qtbot, logged_in, gate_probe, new_folder, tmp_path, monkeypatch
):
    import gui.settings_dialog as settings_dialog
    from gui.settings_dialog import SettingsDialog

    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    queue = window.queue
    folder = new_folder("hold")
    window.upload_panel.set_folder(folder)
    # an upload paused half way: its staged (encrypted) copy is in the cache
    (paused,) = window.upload_panel.enqueue_paths([write_random(tmp_path / "paused.bin", 12 << 20)])
    qtbot.waitUntil(lambda: gate_probe and gate_probe[0].reached.is_set(), timeout=30000)
    queue.pause(paused)
    gate_probe[0].release.set()
    qtbot.waitUntil(lambda: paused.state is JobState.PAUSED, timeout=30000)
    assert window.client.cache.staged()  # what clearing will delete

    dialog = SettingsDialog(window.ctx, window.client, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.cache_bytes is not None, timeout=10000)
    asked: list[str] = []
    dialog.confirm_clear = lambda question: asked.append(question) or True

    # the clearing worker is held at its start, so the test acts while it runs
    started, go = threading.Event(), threading.Event()
    real_clear = settings_dialog.clear_cache_folders

    def slow_clear(client, cdn_root):  # noqa: ANN001, ANN202
        started.set()
        assert go.wait(30)
        real_clear(client, cdn_root)

    monkeypatch.setattr(settings_dialog, "clear_cache_folders", slow_clear)
    assert dialog.clear_cache()
    assert "1 paused or failed transfer(s)" in asked[0] and "start again from the beginning" in asked[0]
    qtbot.waitUntil(started.is_set, timeout=10000)
    assert queue.held

    # a new upload queued meanwhile waits, and says why; closing the dialog does not let it start
    (new,) = window.upload_panel.enqueue_paths([write_random(tmp_path / "new.bin", 300_000)])
    gate_probe[-1].release.set()
    dialog.reject()
    qtbot.wait(500)  # several scheduling rounds and queue ticks
    assert new.state is JobState.QUEUED and new.message == "waiting for the cache to be cleared"
    model = window.transfers_panel.model
    state = model.data(model.index(queue.row_of(new), TransfersModel.STATE))
    assert state == "Queued: waiting for the cache to be cleared"
    assert window.client.cache.staged()  # nothing deleted yet

    go.set()  # clearing ends: the hold is released although the dialog is gone, and the upload runs
    wait_jobs(qtbot, [new], timeout=60000)
    assert new.state is JobState.DONE, new.message
    assert not queue.held and new.message == ""
    assert [p.name for p in window.client.cache.staged()] == []  # the paused upload's staged copy went

    # the paused upload still resumes: from the beginning, as the question said
    queue.resume(paused)
    gate_probe[-1].release.set()
    wait_jobs(qtbot, [paused], timeout=60000)
    assert paused.state is JobState.DONE, paused.message
