"""Settings → Clear cache: size measured in a worker, clearing asks first (naming the size and the paused transfers
that lose their partial data), runs in a worker, is refused while a transfer is running, and holds new uploads and
downloads until it is done (also when the dialog is closed meanwhile)."""

from __future__ import annotations

import threading

from core.models import RoleEnum
from core.progress import human_bytes
from gui.models import TransfersModel
from gui.workers.jobs import JobState
from tests.gui.conftest import queue_uploads, wait_jobs, write_random


class GatedClears:
    """Stands in for settings_dialog.clear_cache_folders: each call (in its worker) waits for its own ``go``, then
    clears for real, or raises ``fail`` when that is set; ``done`` is set once it has returned or raised."""

    class Call:
        def __init__(self) -> None:
            self.go, self.done = threading.Event(), threading.Event()
            self.fail: BaseException | None = None

    def __init__(self, real) -> None:
        self.real = real
        self.calls: list[GatedClears.Call] = []

    def __call__(self, client, cdn_root) -> None:
        call = GatedClears.Call()
        self.calls.append(call)
        try:
            assert call.go.wait(30)
            if call.fail is not None:
                raise call.fail
            self.real(client, cdn_root)
        finally:
            call.done.set()

    def wait_started(self, qtbot, count: int) -> list[GatedClears.Call]:
        qtbot.waitUntil(lambda: len(self.calls) == count, timeout=10000)
        return self.calls


def _measured_dialog(qtbot, window, parent=None):
    """A Settings dialog of ``window`` (or of ``parent``) whose cache size is known and whose answer is yes."""
    from gui.dialogs.settings import SettingsDialog

    dialog = SettingsDialog(window.ctx, window.client, parent or window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.cache_bytes is not None, timeout=10000)
    dialog.confirm_clear = lambda _question: True
    return dialog


def test_clear_cache_asks_refuses_while_transferring_and_clears_in_a_worker(
    qtbot, logged_in, gate_probe, new_folder, tmp_path
):
    from gui.dialogs.settings import SettingsDialog

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
    (job,) = queue_uploads(qtbot, window, [write_random(tmp_path / "up.bin", 2 << 20)])
    qtbot.waitUntil(lambda: gate_probe and gate_probe[0].reached.is_set(), timeout=30000)
    assert not dialog.clear_cache()
    assert "1 transfer is running" in dialog.error.text()
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
    import gui.dialogs.settings as settings_dialog
    from gui.dialogs.settings import SettingsDialog

    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    queue = window.queue
    folder = new_folder("hold")
    window.upload_panel.set_folder(folder)
    # an upload paused half way: its staged (encrypted) copy is in the cache
    (paused,) = queue_uploads(qtbot, window, [write_random(tmp_path / "paused.bin", 12 << 20)])
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
    clears = GatedClears(settings_dialog.clear_cache_folders)
    monkeypatch.setattr(settings_dialog, "clear_cache_folders", clears)
    assert dialog.clear_cache()
    assert "1 paused or failed transfer keeps" in asked[0] and "start again from the beginning" in asked[0]
    (clearing,) = clears.wait_started(qtbot, 1)
    assert queue.held

    # a new upload queued meanwhile waits, and says why; closing the dialog does not let it start
    (new,) = queue_uploads(qtbot, window, [write_random(tmp_path / "new.bin", 300_000)])
    gate_probe[-1].release.set()
    dialog.reject()
    qtbot.wait(500)  # several scheduling rounds and queue ticks
    assert new.state is JobState.QUEUED and new.message == "waiting for the cache to be cleared"
    model = window.transfers_panel.model
    state = model.data(model.index(queue.row_of(new), TransfersModel.STATE))
    assert state == "Queued: waiting for the cache to be cleared"
    assert window.client.cache.staged()  # nothing deleted yet

    clearing.go.set()  # clearing ends: the hold is released although the dialog is gone, and the upload runs
    wait_jobs(qtbot, [new], timeout=60000)
    assert new.state is JobState.DONE, new.message
    assert not queue.held and new.message == ""
    assert [p.name for p in window.client.cache.staged()] == []  # the paused upload's staged copy went

    # the paused upload still resumes: from the beginning, as the question said
    queue.resume(paused)
    gate_probe[-1].release.set()
    wait_jobs(qtbot, [paused], timeout=60000)
    assert paused.state is JobState.DONE, paused.message


def test_overlapping_clears_hold_transfers_until_the_last_one_ends(qtbot, logged_in, new_folder, tmp_path, monkeypatch):
    """Dialog 1 is closed while it clears, dialog 2 clears too: the first clear to end does not let uploads write
    into the folder the second is still deleting. A clear that fails ends its hold as well."""
    import gui.dialogs.settings as settings_dialog

    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    queue = window.queue
    window.upload_panel.set_folder(new_folder("holds"))
    blob = write_random(window.ctx.cache_root() / "cdn" / "test-server" / "cached.bin", 300_000)
    clears = GatedClears(settings_dialog.clear_cache_folders)
    monkeypatch.setattr(settings_dialog, "clear_cache_folders", clears)

    first = _measured_dialog(qtbot, window)
    assert first.clear_cache()
    clears.wait_started(qtbot, 1)
    first.reject()
    second = _measured_dialog(qtbot, window)
    assert second.clear_cache()
    one, two = clears.wait_started(qtbot, 2)
    (new,) = queue_uploads(qtbot, window, [write_random(tmp_path / "new.bin", 300_000)])
    assert queue.held and new.state is JobState.QUEUED

    one.go.set()  # the first clear ends (its dialog is gone); the second still runs
    qtbot.waitUntil(one.done.is_set, timeout=10000)
    qtbot.wait(500)  # its release, several scheduling rounds and queue ticks
    assert queue.held
    assert new.state is JobState.QUEUED and new.message == "waiting for the cache to be cleared"
    assert second.clearing

    two.go.set()  # the last clear ends: the upload runs
    wait_jobs(qtbot, [new], timeout=60000)
    assert new.state is JobState.DONE, new.message
    assert not queue.held and new.message == "" and not blob.exists()
    qtbot.waitUntil(lambda: not second.clearing, timeout=10000)
    assert second.error.text() == ""

    # a clear that fails: its reason is shown, its hold ends, nothing else was deleted
    kept = write_random(window.ctx.cache_root() / "cdn" / "test-server" / "kept.bin", 300_000)
    second.update_cache_size()
    qtbot.waitUntil(lambda: second.cache_bytes is not None, timeout=10000)
    assert second.clear_cache()
    (*_, failing) = clears.wait_started(qtbot, 3)
    assert queue.held
    failing.fail = PermissionError(13, "Permission denied (simulated)", str(kept))
    failing.go.set()
    qtbot.waitUntil(lambda: not second.clearing, timeout=10000)
    assert not queue.held
    assert second.error.text().startswith("Could not clear the cache"), second.error.text()
    assert kept.exists() and second.clear_button.isEnabled()
    (later,) = queue_uploads(qtbot, window, [write_random(tmp_path / "later.bin", 300_000)])
    wait_jobs(qtbot, [later], timeout=60000)
    assert later.state is JobState.DONE, later.message
    second.reject()


def test_hold_ends_when_the_dialog_runner_drops_its_callbacks(qtbot, logged_in, new_folder, tmp_path, monkeypatch):
    """A parent with the queue but no TaskRunner: the dialog runs the clear in its own runner, whose shutdown on
    close drops the callbacks. The hold still ends when the clear does (released by the work itself)."""
    from PySide6.QtWidgets import QWidget

    import gui.dialogs.settings as settings_dialog

    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    queue = window.queue
    window.upload_panel.set_folder(new_folder("ownrunner"))
    clears = GatedClears(settings_dialog.clear_cache_folders)
    monkeypatch.setattr(settings_dialog, "clear_cache_folders", clears)
    holder = QWidget()
    qtbot.addWidget(holder)
    holder.queue = queue
    dialog = _measured_dialog(qtbot, window, holder)
    assert dialog._own_runner and dialog.runner is not getattr(window, "runner", None)
    assert dialog.clear_cache()
    (clearing,) = clears.wait_started(qtbot, 1)
    (new,) = queue_uploads(qtbot, window, [write_random(tmp_path / "new.bin", 300_000)])
    assert queue.held and new.state is JobState.QUEUED

    threading.Timer(0.3, clearing.go.set).start()  # closing joins the clearing worker in the GUI thread
    dialog.reject()  # its runner's shutdown: the clear's callbacks are dropped
    assert clearing.done.is_set() and dialog.clearing  # no callback ran
    wait_jobs(qtbot, [new], timeout=60000)
    assert new.state is JobState.DONE, new.message
    assert not queue.held and new.message == ""


def test_turning_the_cache_off_keeps_nothing_from_the_next_transfers_on(qtbot, logged_in, new_folder, tmp_path):
    """Settings → General → "Keep downloaded resources in the cache", unticked: saved, applied to the logged-in
    client at once (no new login), and the next upload and download through the queue leave no file in the cache
    folder; ticked again, the next download keeps its copy."""
    from core.settings import load_settings
    from gui.dialogs.settings import SettingsDialog
    from gui.workers.jobs import download_job

    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    dialog = SettingsDialog(window.ctx, window.client, window)
    qtbot.addWidget(dialog)
    box = dialog.findChild(type(dialog.cache_downloads), "cacheDownloads")
    assert box is dialog.cache_downloads and box.isChecked()
    box.setChecked(False)
    dialog.accept()
    assert load_settings().cache_downloads is False
    assert window.client.transfers.keep_cache is False

    folder = new_folder("nocache")
    window.upload_panel.set_folder(folder)
    source = write_random(tmp_path / "kept-out.bin", 3 << 20)
    (up,) = queue_uploads(qtbot, window, [source])
    wait_jobs(qtbot, [up])
    out = tmp_path / "out"
    out.mkdir()
    down = window.queue.add(download_job(window.client, folder, "kept-out.bin", out))
    wait_jobs(qtbot, [down])
    assert up.state is JobState.DONE and down.state is JobState.DONE, (up.message, down.message)
    assert (out / "kept-out.bin").read_bytes() == source.read_bytes()
    root = window.ctx.cache_root()
    assert [p for p in root.rglob("*.big*") if p.is_file()] == []

    again = SettingsDialog(window.ctx, window.client, window)
    qtbot.addWidget(again)
    assert not again.cache_downloads.isChecked()  # as saved
    again.cache_downloads.setChecked(True)
    again.accept()
    (out / "kept-out.bin").unlink()
    down = window.queue.add(download_job(window.client, folder, "kept-out.bin", out))
    wait_jobs(qtbot, [down])
    assert down.state is JobState.DONE, down.message
    assert window.client.cache.lookup(folder, "kept-out.bin") is not None


def test_the_cache_size_line_is_never_clipped_by_a_long_folder(qtbot, logged_in, tmp_path):
    """A cache folder with a long path: the size line is drawn whole, not cut at its top and bottom (wrapped, it
    needed three lines in a one-line form row), and the size itself is what shows first."""
    from PySide6.QtCore import Qt

    from gui.dialogs.settings import SettingsDialog

    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 6))
    window.ctx.settings.cache_dir = str(deep)
    dialog = SettingsDialog(window.ctx, window.client, window)
    qtbot.addWidget(dialog)
    dialog.tabs.setCurrentIndex(1)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.cache_bytes is not None, timeout=10000)
    label = dialog.cache_size
    assert str(deep) in label.text()
    assert label.heightForWidth(label.width()) <= label.height(), "the text needs more lines than the row gives"
    drawn = label.fontMetrics().elidedText(label.shown_text(), Qt.TextElideMode.ElideRight,
                                          label.contentsRect().width())
    assert drawn.startswith(human_bytes(dialog.cache_bytes))
    assert label.toolTip() and str(deep) in label.toolTip()
    dialog.reject()
