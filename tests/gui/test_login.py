"""Login dialog and remembered credentials, through real typing and clicking against the sandbox."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.models import RoleEnum
from tests.gui.conftest import require_keyring_or_skip, type_login


def test_login_through_dialog_shows_main_window(qtbot, app_factory, make_account):
    creds = make_account(RoleEnum.ResourceUploader)
    controller = app_factory()
    dialog = controller.login_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle().startswith("Azaion Admin")
    type_login(qtbot, dialog, creds.email, creds.password)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=20000)
    window = controller.window
    assert window.windowTitle().startswith("Azaion Admin")
    assert "Test sandbox" in window.windowTitle()
    assert window.user_label.text() == creds.email
    assert window.role_label.text() == "Resource uploader"  # a human name, not the protocol's identifier
    assert "Test sandbox" in window.server_label.text()
    assert window.connection_label.text() == "Connected"
    assert not dialog.isVisible()


def test_wrong_password_shows_server_message(qtbot, app_factory, make_account):
    creds = make_account(RoleEnum.Operator)
    controller = app_factory()
    dialog = controller.login_dialog
    type_login(qtbot, dialog, creds.email, creds.password + "-wrong")
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20000)
    assert dialog.error_label.text() == "Wrong email or password."
    assert dialog.error_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse  # copyable
    assert dialog.isVisible() and controller.window is None
    assert dialog.login_button.isEnabled() and not dialog.busy.isVisible()


def test_disabled_account_message(qtbot, app_factory, make_account):
    creds = make_account(RoleEnum.Operator, enabled=False)
    controller = app_factory()
    dialog = controller.login_dialog
    type_login(qtbot, dialog, creds.email, creds.password)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20000)
    assert "disabled" in dialog.error_label.text()


def test_hardware_mismatch_message(qtbot, app_factory, make_account, sandbox):
    creds = make_account(RoleEnum.Operator)
    sandbox.state.set_hardware(creds.email, "CPU: Elsewhere. GPU: None. Memory: 1. DriveSerial: X")
    controller = app_factory()
    dialog = controller.login_dialog
    type_login(qtbot, dialog, creds.email, creds.password)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20000)
    assert "bound to another machine" in dialog.error_label.text()


def test_unreachable_server_message(qtbot, app_factory, make_account):
    creds = make_account(RoleEnum.Operator)
    controller = app_factory()
    dialog = controller.login_dialog
    dialog.select_profile("custom")
    dialog.url_edit.setText("http://127.0.0.1:9")
    type_login(qtbot, dialog, creds.email, creds.password)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=30000)
    # One sentence saying what happened and what to do; the technical text only behind Details (it was "Cannot
    # reach the server. cannot reach the server … HTTPConnectionPool(host=…) … NewConnectionError", cut off).
    text = dialog.error_label.text()
    assert text == ("Cannot reach the server. Check the server address and the network connection, then try "
                    "again."), text
    assert dialog.details_button.isVisibleTo(dialog)
    assert "127.0.0.1:9" in dialog.details_button.details and "UnreachableError" in dialog.details_button.details
    box = dialog.details_button.show_details()
    assert box.detailedText() == dialog.details_button.details
    box.close()


def test_sandbox_mode_prefills_and_marks_sandbox(qtbot, app_factory):
    controller = app_factory(sandbox_mode=True)
    dialog = controller.login_dialog
    assert "SANDBOX" in dialog.windowTitle()
    assert dialog.email_edit.text() == "admin@sandbox.local" and dialog.password_edit.text()
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=20000)
    window = controller.window
    window.confirm_close = lambda _n: True
    assert window.windowTitle().startswith("Azaion Admin") and "SANDBOX" in window.windowTitle()
    assert "SANDBOX" in window.server_label.text()
    assert window.role_label.text() == "Administrator"


def test_remember_me_keyring_and_logout(qtbot, app_factory, make_account):
    from core.credential_store import CredentialStore
    from core.settings import load_settings

    require_keyring_or_skip(CredentialStore())
    creds = make_account(RoleEnum.Operator)
    first = app_factory()
    type_login(qtbot, first.login_dialog, creds.email, creds.password, remember=True)
    qtbot.waitUntil(lambda: first.window is not None, timeout=20000)
    assert first.window.banner.isHidden(), first.window.banner.text()
    assert CredentialStore().load("test", creds.email) == creds.password
    settings_text = (load_settings().current().email, load_settings().current_profile)
    assert settings_text == (creds.email, "test")
    first.window.confirm_close = lambda _n: True
    first.shutdown()

    # The next start logs in without the dialog.
    second = app_factory()
    assert second.login_dialog is None
    qtbot.waitUntil(lambda: second.window is not None, timeout=20000)
    assert second.login_dialog is None
    assert second.window.user_label.text() == creds.email

    # Log out forgets the password and shows the dialog again.
    second.window.confirm_close = lambda _n: True
    second.window.request_logout()
    qtbot.waitUntil(lambda: second.login_dialog is not None and second.login_dialog.isVisible(), timeout=5000)
    assert CredentialStore().load("test", creds.email) is None
    third = app_factory()
    qtbot.waitUntil(lambda: third.login_dialog is not None, timeout=10000)
    assert third.window is None


def test_enter_after_failed_login_logs_in(qtbot, app_factory, make_account):
    """Defect: after "Wrong email or password." Cancel had become the default button, so retyping the password
    and pressing Enter closed the dialog (and the app). Log in stays the default, the password is focused with
    its text selected, and Enter logs in."""
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    creds = make_account(RoleEnum.Operator)
    controller = app_factory()
    dialog = controller.login_dialog
    dialog.activateWindow()
    type_login(qtbot, dialog, creds.email, creds.password + "-wrong")
    qtbot.waitUntil(lambda: dialog.error_label.isVisible(), timeout=20000)
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    assert dialog.login_button.isDefault() and not cancel.isDefault()
    assert not cancel.autoDefault()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password_edit, timeout=5000)
    assert dialog.password_edit.selectedText() == dialog.password_edit.text() != ""
    qtbot.keyClicks(dialog.password_edit, creds.password)  # replaces the selected text
    assert dialog.password_edit.text() == creds.password
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=20000)
    controller.window.confirm_close = lambda _n: True
    assert dialog.result() == dialog.DialogCode.Accepted


def test_every_dialog_keeps_its_primary_button_default(qtbot, app_factory):
    """The class of the defect above: in every dialog box of the app (login, settings, clear folder, new user,
    change role) only the primary button is auto-default, so Cancel can never become the default."""
    from PySide6.QtWidgets import QDialogButtonBox, QPushButton

    from gui.dialogs.clear_folder import ClearFolderDialog
    from gui.dialogs.settings import SettingsDialog
    from gui.dialogs.users import ChangeRoleDialog, CreateUserDialog
    from gui.panels.users_model import UserRow

    controller = app_factory(sandbox_mode=True)
    dialog = controller.login_dialog
    login_box = dialog.buttons
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=20000)
    window = controller.window
    window.confirm_close = lambda _n: True
    panel = window.users_panel
    row = UserRow(window.session.user, None)
    dialogs = [SettingsDialog(window.ctx, window.client, window), ClearFolderDialog("demo", window),
               CreateUserDialog(panel), ChangeRoleDialog(panel, row)]
    for box in [login_box, *(d.buttons for d in dialogs)]:
        primary = [b for b in box.buttons() if isinstance(b, QPushButton) and b.autoDefault()]
        assert len(primary) == 1, f"{box.window().windowTitle()}: auto-default buttons {[b.text() for b in primary]}"
        assert box.buttonRole(primary[0]) == QDialogButtonBox.ButtonRole.AcceptRole and primary[0].isDefault()
    for d in dialogs:
        d.deleteLater()


def test_after_log_out_the_password_has_the_focus(qtbot, app_factory, make_account):
    """After Log out the server and email are kept: the focus is on Password (it was on URL)."""
    from PySide6.QtWidgets import QApplication

    creds = make_account(RoleEnum.Operator)
    controller = app_factory()
    type_login(qtbot, controller.login_dialog, creds.email, creds.password)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=20000)
    controller.window.confirm_close = lambda _n: True
    controller.logout()
    dialog = controller.login_dialog
    assert dialog is not None and dialog.email_edit.text() == creds.email and dialog.url_edit.text()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.password_edit, timeout=5000)
