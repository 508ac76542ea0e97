"""After switching the interface language (the window rebuilds its panels) the transfer queue still reports to
the new panels only: the old Transfers panel's lambda slots stayed connected to ``job_added``/``job_changed``, so
the next transfer raised "Internal C++ object already deleted" in the Qt event loop (pytest-qt fails the test on
such an exception)."""

from __future__ import annotations

from core.models import RoleEnum
from gui.models import TransfersModel
from tests.gui.conftest import wait_jobs


def test_a_transfer_after_a_language_switch_reaches_only_the_new_panels(qtbot, logged_in, tmp_path):
    from gui.theme import set_language
    from gui.workers.jobs import download_job

    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    old_panel = window.transfers_panel
    window.change_language("uk")
    try:
        # rebuilt once the background calls of the login (listings) are done: change_language waits for them
        qtbot.waitUntil(lambda: window.transfers_panel is not old_panel, timeout=20000)
        job = window.queue.add(download_job(window.client, "models", "absent.bin", tmp_path))
        wait_jobs(qtbot, [job])
        qtbot.wait(200)
        model = window.transfers_panel.model
        assert model.index(window.queue.row_of(job), TransfersModel.ITEM).data() == "absent.bin"
    finally:
        set_language("en")
