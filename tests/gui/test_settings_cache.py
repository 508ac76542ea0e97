"""Settings → Clear cache: size measured in a worker, clearing asks first (naming the size), runs in a worker, and
is refused while a transfer is running."""

from __future__ import annotations

from core.models import RoleEnum
from core.progress import human_bytes
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

    asked: list[tuple[str, object]] = []
    dialog.confirm_clear = lambda size, where: asked.append((size, where)) or False

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
    assert asked == [(human_bytes(dialog.cache_bytes), root)] and blob.exists()

    # yes: cleared in a worker, then measured again
    dialog.confirm_clear = lambda size, where: True
    assert dialog.clear_cache()
    assert dialog.clearing and not dialog.clear_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.clearing and dialog.cache_bytes is not None, timeout=10000)
    assert not blob.exists()
    assert dialog.cache_bytes < 300_000 and dialog.clear_button.isEnabled()
    assert dialog.error.text() == ""
    dialog.reject()
