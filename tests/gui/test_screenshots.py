"""Screenshots of the login dialog and every panel with real sandbox data (and a transfer in progress), written
to $AZAION_SCREENSHOT_DIR when it is set (else into the suite's session folder, removed after the run)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication

from core.models import RoleEnum
from sandbox.images import SAMPLE_VERSION, sample_archive
from tests.conftest import SESSION_DIR
from tests.gui.conftest import queue_uploads, type_login, write_random

# Rendered on every run (the non-blank checks always apply); kept for a reviewer when the variable names a folder.
SHOT_DIR = os.environ.get("AZAION_SCREENSHOT_DIR") or str(SESSION_DIR / "screenshots")


def _save(widget, name: str) -> Path:
    QApplication.processEvents()
    image = widget.grab().toImage()
    path = Path(SHOT_DIR) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(path)), path
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 1, f"{path} is blank"
    return path


def test_screenshots(qtbot, app_factory, make_account, gate_probe, new_folder, store, tmp_path):
    creds = make_account(RoleEnum.Admin)
    controller = app_factory()
    dialog = controller.login_dialog
    dialog.email_edit.setText(creds.email)
    dialog.password_edit.setText(creds.password)
    _save(dialog, "login")
    dialog.password_edit.setText("wrong")
    dialog.start_login()
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20000)
    _save(dialog, "login-error")
    type_login(qtbot, dialog, creds.email, creds.password)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=20000)
    window = controller.window
    window.confirm_close = lambda _n: True
    qtbot.addWidget(window)

    folder = new_folder("shots")
    window.upload_panel.set_folder(folder)
    files = [write_random(tmp_path / f"model-v{i}.bin", 50_000 * (i + 1)) for i in range(5)]
    jobs = queue_uploads(qtbot, window, files)
    for probe in gate_probe:
        probe.release.set()
    qtbot.waitUntil(lambda: all(j.state.finished for j in jobs), timeout=30000)

    panel = window.resources_panel
    window.show_panel("resources")
    panel.set_folder(folder)
    panel.refresh()
    qtbot.waitUntil(lambda: panel.loaded_folder == folder and not panel.loading, timeout=20000)
    panel.select_name("model-v2.bin")
    _save(window, "panel-resources")

    window.show_panel("upload")
    _save(window, "panel-upload")
    # The sandbox's sample archive, really unlocked with podman (isolated store; `make test` installs podman).
    window.show_panel("unlock")
    unlock = window.unlock_panel
    archive = tmp_path / f"azaion-images-{SAMPLE_VERSION}.tar.enc"
    archive.write_bytes(sample_archive())
    unlock.set_archive(archive)
    window.ctx.settings.docker_command = store.docker
    window.settings_applied(language_before=window.ctx.settings.language)
    qtbot.waitUntil(lambda: unlock.docker_info is not None and unlock.docker_info.path == store.docker,
                    timeout=20000)
    unlock.log_toggle.setChecked(True)
    job = unlock.start_unlock()
    assert job is not None
    job.probe.release.set()  # gate_probe is active in this test: do not hold the unlock half-way
    qtbot.waitUntil(lambda: job.state.finished, timeout=120000)
    assert job.state.value == "done", job.message
    marks = [unlock.services.item(r, 2).text() for r in range(unlock.services.rowCount())]
    assert marks == ["✓"] * len(marks)
    qtbot.wait(200)
    _save(window, "panel-unlock")

    # A transfer held at half-way while the Transfers panel is rendered.
    big = write_random(tmp_path / "weights-large.bin", 16 << 20)
    gate_probe.clear()
    (job,) = queue_uploads(qtbot, window, [big])
    qtbot.waitUntil(lambda: gate_probe and gate_probe[0].reached.is_set(), timeout=30000)
    qtbot.wait(450)  # a few 10 Hz ticks so speed and ETA have values
    window.show_panel("transfers")
    _save(window, "panel-transfers")
    gate_probe[0].release.set()
    qtbot.waitUntil(lambda: job.state.finished, timeout=30000)

    window.show_panel("log")
    _save(window, "panel-log")

    from gui.dialogs.settings import SettingsDialog

    settings = SettingsDialog(window.ctx, window.client, window)
    qtbot.addWidget(settings)
    settings.show()
    _save(settings, "settings")
    settings.tabs.setCurrentIndex(1)
    _save(settings, "settings-general")
    settings.close()
