"""Right-click menus (issue 13, desktop conventions): Resources, Transfers and each Suites box offer the actions
their buttons have, enabled as the buttons are, doing what a click does; Delete cancels selected transfers.
(The Users panel's menu: tests/admin/test_users_gui.py test_context_menu_offers_the_actions.)"""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.models import RoleEnum
from gui.workers.jobs import JobState
from tests.gui.conftest import queue_uploads, wait_jobs, write_random


def _items(menu) -> list[tuple[str, bool]]:
    return [(a.text(), a.isEnabled()) for a in menu.actions() if not a.isSeparator()]


def _buttons(*buttons) -> list[tuple[str, bool]]:
    return [(b.text(), b.isEnabled()) for b in buttons]


def test_resources_menu_holds_the_panels_actions(qtbot, logged_in, new_folder):
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    panel = window.resources_panel
    folder = new_folder("menu")
    window.show_panel("resources")
    panel.set_folder(folder)
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.loading and panel.loaded_folder == folder, timeout=20000)
    menu = panel.context_menu()
    assert _items(menu) == _buttons(panel.download_button, panel.refresh_button, panel.clear_button)
    assert dict(_items(menu))[panel.clear_button.text()] is False  # an operator may not clear folders
    refresh = next(a for a in menu.actions() if a.text() == panel.refresh_button.text())
    refresh.trigger()  # does what the button does
    assert panel.loading
    qtbot.waitUntil(lambda: not panel.loading, timeout=20000)


def test_transfers_menu_follows_the_selection_and_delete_cancels(qtbot, logged_in, new_folder, gate_probe,
                                                                tmp_path):
    controller, _ = logged_in(RoleEnum.ResourceUploader)
    window = controller.window
    window.upload_panel.set_folder(new_folder("menu"))
    (job,) = queue_uploads(qtbot, window, [write_random(tmp_path / "held.bin", 400_000)])
    qtbot.waitUntil(lambda: gate_probe and gate_probe[0].reached.is_set(), timeout=30000)
    window.show_panel("transfers")
    panel = window.transfers_panel
    buttons = (panel.pause_button, panel.resume_button, panel.cancel_button, panel.discard_button,
               panel.show_button, panel.retry_button, panel.clear_button)
    panel.table.clearSelection()
    nothing = _items(panel.context_menu())
    assert nothing == _buttons(*buttons)
    assert not any(enabled for text, enabled in nothing[:5])  # nothing selected: nothing to act on
    panel.table.selectRow(window.queue.row_of(job))
    selected = _items(panel.context_menu())
    assert selected == _buttons(*buttons)
    assert dict(selected)[panel.pause_button.text()] and dict(selected)[panel.cancel_button.text()]
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    wait_jobs(qtbot, [job])
    assert job.state is JobState.CANCELLED


def test_suites_menus_hold_each_boxs_actions(qtbot, logged_in):
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    for box in window.suites_panel.boxes():
        items = _items(box.context_menu())
        assert items == _buttons(box.download_button, box.upload_button, box.refresh_button, box.installer_button,
                                 box.clear_button)
        assert dict(items)[box.upload_button.text()] is False  # as the buttons: an operator may not change them
