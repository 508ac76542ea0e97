"""Desktop conventions the first-time walk-through found broken: shortcuts fixed per action, plurals, the
language-change message, the custom profile's name, headers that fit their text, a dismissable banner."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from core.models import RoleEnum


def _panel_keys(window) -> dict[str, str]:
    return {panel.key: action.shortcut().toString() for panel, action in zip(window.panels, window.panel_actions,
                                                                             strict=True)}


def test_panel_shortcuts_are_the_same_for_every_role(qtbot, logged_in):
    """Ctrl+5 was Transfers for an operator but Users for an administrator (numbered by position)."""
    operator, _ = logged_in(RoleEnum.Operator)
    keys = _panel_keys(operator.window)
    operator.window.close()
    admin, _ = logged_in(RoleEnum.Admin)
    admin_keys = _panel_keys(admin.window)
    assert keys["transfers"] == admin_keys["transfers"] == "Ctrl+5"
    assert all(admin_keys[k] == v for k, v in keys.items())
    assert len(set(admin_keys.values())) == len(admin_keys)


def test_ctrl_r_reloads_and_change_role_has_another_key(qtbot, logged_in):
    controller, _ = logged_in(RoleEnum.Admin)
    window = controller.window
    assert QKeySequence("Ctrl+R") in window.refresh_action.shortcuts()
    assert window.users_panel.role_action.shortcut() != QKeySequence("Ctrl+R")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    window.show_panel("users")
    panel = window.users_panel
    qtbot.waitUntil(lambda: panel.loaded and not panel.loading, timeout=20000)
    panel.table.setFocus()
    seq = window.runner.calls("users-listing")
    qtbot.keyClick(panel.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert window.runner.calls("users-listing") == seq + 1


def test_counts_use_plural_forms(qtbot, logged_in):
    """"models: 1 items": counts go through Qt's %n forms."""
    controller, _ = logged_in(RoleEnum.Operator)
    panel = controller.window.resources_panel
    qtbot.waitUntil(lambda: "item" in panel.status_label.text(), timeout=20000)
    panel.set_rows([panel.model.row_at(0)], "models")
    panel._update_status()
    assert panel.status_label.text() == "models: 1 item"
    panel.set_rows([], "models")
    panel._update_status()
    assert panel.status_label.text() == "models: 0 items"


def test_language_change_message_goes_once_the_language_has_changed(qtbot, logged_in):
    """The status bar said the change waits for running work after the window had already been rebuilt."""
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    window.runner.run(lambda: time.sleep(0.6), name="busy")
    window.change_language("uk")
    try:
        assert window.statusBar().currentMessage()  # it waits for the running call: said so
        qtbot.waitUntil(lambda: not window._retranslate_pending, timeout=10000)
        assert window.statusBar().currentMessage() == ""
    finally:
        window.change_language("en")
        qtbot.waitUntil(lambda: not window._retranslate_pending, timeout=10000)


def test_custom_profile_name_is_translated(qtbot, app_factory):
    from gui.profile_names import profile_display_name
    from gui.theme import set_language

    controller = app_factory(start=False)
    settings = controller.ctx.settings
    settings.add_or_update_profile("custom", name="Custom", api_url="https://example.invalid")
    set_language("uk")
    try:
        assert profile_display_name(settings.profile("custom")) not in ("Custom", "")
    finally:
        set_language("en")


def test_headers_fit_their_text_in_ukrainian(qtbot, logged_in):
    from gui.theme import set_language

    set_language("uk")
    try:
        controller, _ = logged_in(RoleEnum.Operator)
        window = controller.window
        for table in (window.resources_panel.table, window.transfers_panel.table):
            header = table.horizontalHeader()
            for col in range(header.count()):
                if header.sectionResizeMode(col) == header.ResizeMode.Interactive:
                    assert header.sectionSize(col) >= header.sectionSizeHint(col), (
                        table.objectName(), table.model().headerData(col, Qt.Orientation.Horizontal))
    finally:
        set_language("en")


def test_banner_can_be_dismissed(qtbot, logged_in):
    controller, _ = logged_in(RoleEnum.Operator)
    window = controller.window
    window.show_banner("No usable system keyring: the password is kept in memory for this session only")
    assert not window.banner_row.isHidden()
    qtbot.mouseClick(window.banner_close, Qt.MouseButton.LeftButton)
    assert window.banner_row.isHidden()
