"""Image unlock panel over core.images: version from the file name, services table, failures as messages."""

from __future__ import annotations

import os

from core.models import RoleEnum
from gui.workers.jobs import JobState
from tests.gui.conftest import wait_jobs


def test_unlock_panel_bad_archive_fails_cleanly(qtbot, logged_in, tmp_path):
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.unlock_panel
    window.show_panel("unlock")
    archive = tmp_path / "azaion-images-1.2.3.tar.enc"
    archive.write_bytes(os.urandom(64 * 1024))
    panel.set_archive(archive)
    assert panel.version_edit.text() == "1.2.3"
    settings = window.ctx.settings
    assert panel.services.rowCount() == len(settings.services)
    assert panel.services.item(0, 1).text() == f"{settings.image_prefix}{settings.services[0]}:1.2.3"
    assert not panel.lock_button.isEnabled()  # operators may not lock
    job = panel.start_unlock()
    assert job is not None
    wait_jobs(qtbot, [job], timeout=30000)
    assert job.state is JobState.FAILED
    assert job.message and "Traceback" not in job.message
    assert job.message in panel.availability.text()
    assert list(tmp_path.iterdir()) == [archive]  # nothing left beside the archive
