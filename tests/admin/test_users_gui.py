"""The Users panel through the GUI against the session sandbox: every admin action and its effect on the server's
state, refusals shown with the server's Message, search, multi-select, the look of disabled users."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from core.models import RoleEnum
from gui.dialogs.users import ChangeRoleDialog, CreateUserDialog
from gui.panels.users_model import UsersTableModel
from sandbox.api import MSG_APIADMIN, MSG_EXISTS, MSG_SELF
from tests.conftest import USED_SECRETS

USED_SECRETS.update({"pw-secret-1", "pw-secret-2", "pw-whatever"})

HW = "CPU: Intel(R) Xeon(R) W-2245 CPU @ 3.90GHz. GPU: NVIDIA RTX A4000. Memory: 65536000. DriveSerial: WD-123"


def open_users(qtbot, logged_in, role=RoleEnum.Admin):
    controller, creds = logged_in(role)
    window = controller.window
    assert window.show_panel("users")
    panel = window.users_panel
    qtbot.waitUntil(lambda: panel.loaded and not panel.loading, timeout=20000)
    return window, panel, creds


def search(qtbot, panel, text: str) -> None:
    panel.search_edit.clear()
    qtbot.keyClicks(panel.search_edit, text)
    runner = panel.session.runner
    seq = runner.calls("users-listing")
    qtbot.waitUntil(lambda: runner.calls("users-listing") > seq and panel.loaded and not panel.loading, timeout=20000)


def wait_message(qtbot, panel, predicate) -> None:
    qtbot.waitUntil(lambda: predicate(panel.last_message), timeout=20000)
    qtbot.waitUntil(lambda: not panel.loading, timeout=20000)


def status(window) -> str:
    return window.statusBar().currentMessage()


def test_table_search_and_look(qtbot, logged_in, add_users, sandbox):
    domain, emails = add_users([HW, None, "legacy-free-text-hardware"])
    sandbox.state.set_enabled(emails[1], False)
    window, panel, creds = open_users(qtbot, logged_in)
    assert panel.me_label.text().startswith(f"Signed in as {creds.email} (Administrator)")
    total = panel.model.rowCount()
    assert total >= 8

    # The local filter answers at once, then the server's search replaces the rows.
    panel.search_edit.setText(domain[:6])
    assert all(domain[:6] in panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount()))
    search(qtbot, panel, domain)
    assert sorted(r.email for r in panel.model.rows()) == emails
    assert panel.count_label.text() == "3 users"

    row = panel.model.find(emails[0])
    cells = [panel.model.index(row, c).data() for c in range(UsersTableModel.COLUMNS)]
    assert cells[:3] == [emails[0], "Operator", "yes"] and cells[3] == "never"
    assert cells[4:] == ["Intel(R) Xeon(R) W-2245 CPU @ 3.90GHz", "NVIDIA RTX A4000", "63 GB", "WD-123"]
    unbound = panel.model.find(emails[1])
    assert panel.model.index(unbound, UsersTableModel.CPU).data() == "not bound"
    legacy = panel.model.find(emails[2])
    assert panel.model.index(legacy, UsersTableModel.CPU).data() == "legacy-free-text-hardware"

    # Disabled users look disabled: the palette's disabled text colour, italic.
    disabled = panel.model.index(unbound, UsersTableModel.EMAIL)
    brush = disabled.data(Qt.ItemDataRole.ForegroundRole)
    assert brush.color() == QApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert disabled.data(Qt.ItemDataRole.FontRole).italic()
    assert panel.model.index(unbound, UsersTableModel.ENABLED).data() == "no"

    # Sorting by memory is numeric, by the parsed GB.
    panel.table.sortByColumn(UsersTableModel.MEMORY, Qt.SortOrder.DescendingOrder)
    assert panel.proxy.index(0, 0).data() == emails[0]


def test_create_user_through_the_dialog(qtbot, logged_in, sandbox):
    window, panel, _ = open_users(qtbot, logged_in)
    panel.new_action.trigger()
    dialog = panel.findChildren(CreateUserDialog)[-1]
    qtbot.waitUntil(dialog.isVisible)
    assert not dialog.create_button.isEnabled()
    email = f"new-{uuid.uuid4().hex[:8]}@gui.test"
    qtbot.keyClicks(dialog.email_edit, "not-an-email")
    assert not dialog.create_button.isEnabled() and "not an email address" in dialog.hint.text()
    dialog.email_edit.setText(email)
    qtbot.keyClicks(dialog.password_edit, "pw-secret-1")
    qtbot.keyClicks(dialog.repeat_edit, "pw-secret-2")
    assert not dialog.create_button.isEnabled() and dialog.hint.text() == "The passwords do not match."
    dialog.repeat_edit.setText("pw-secret-1")
    assert dialog.create_button.isEnabled()
    dialog.role_combo.setCurrentIndex(dialog.role_combo.findData(int(RoleEnum.Validator)))
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: sandbox.state.get_user(email) is not None, timeout=20000)
    qtbot.waitUntil(lambda: not dialog.isVisible() and panel.model.find(email) >= 0, timeout=20000)
    assert sandbox.state.get_user(email).role == RoleEnum.Validator
    assert sandbox.state.check_password(email, "pw-secret-1") is not None
    assert panel.selected_emails() == [email]
    assert status(window) == f"Created {email} (Validator)"


def test_create_refused_keeps_the_dialog_open_with_the_message(qtbot, logged_in):
    window, panel, _ = open_users(qtbot, logged_in)
    dialog = panel.open_create_dialog()
    dialog.email_edit.setText("operator@sandbox.local")
    dialog.password_edit.setText("pw-whatever")
    dialog.repeat_edit.setText("pw-whatever")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20000)
    assert dialog.error.text() == MSG_EXISTS and dialog.isVisible()
    assert panel.last_error == MSG_EXISTS and status(window) == MSG_EXISTS
    # An Admin may not grant ApiAdmin: the role is listed but disabled.
    combo = dialog.role_combo
    api = combo.findData(int(RoleEnum.ApiAdmin))
    assert api >= 0 and not combo.model().item(api).isEnabled()
    dialog.reject()


def test_disable_and_enable_several_users(qtbot, logged_in, add_users, sandbox):
    domain, emails = add_users([None, None, None])
    window, panel, _ = open_users(qtbot, logged_in)
    search(qtbot, panel, domain)
    assert panel.select_emails(emails) == 3
    assert panel.disable_action.isEnabled() and not panel.enable_action.isEnabled()
    assert not panel.delete_action.isEnabled()  # one user at a time
    asked = []
    panel.confirm = lambda title, text: asked.append(text) or True
    panel.disable_action.trigger()
    assert asked == ["Disable 3 users? They cannot log in until enabled again."]  # confirmed first
    wait_message(qtbot, panel, lambda m: m.startswith("Disabled"))
    assert panel.last_message == "Disabled 3 users" and status(window) == "Disabled 3 users"
    assert [sandbox.state.get_user(e).is_enabled for e in emails] == [False, False, False]
    qtbot.waitUntil(lambda: all(not r.user.is_enabled for r in panel.model.rows()), timeout=20000)

    panel.select_emails(emails[:2])
    assert panel.enable_action.isEnabled() and not panel.disable_action.isEnabled()
    panel.enable_action.trigger()
    wait_message(qtbot, panel, lambda m: m.startswith("Enabled"))
    assert panel.last_message == "Enabled 2 users"
    assert [sandbox.state.get_user(e).is_enabled for e in emails] == [True, True, False]

    panel.select_emails(emails[2:])
    panel.enable_action.trigger()
    wait_message(qtbot, panel, lambda m: m == f"Enabled {emails[2]}")
    assert sandbox.state.get_user(emails[2]).is_enabled


def test_change_role_by_dialog_and_in_the_table(qtbot, logged_in, add_users, sandbox):
    domain, (email,) = add_users([None])
    window, panel, _ = open_users(qtbot, logged_in)
    search(qtbot, panel, domain)
    panel.select_emails([email])
    panel.role_action.trigger()
    dialog = panel.findChildren(ChangeRoleDialog)[-1]
    dialog.combo.setCurrentIndex(dialog.combo.findData(int(RoleEnum.ResourceUploader)))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: sandbox.state.get_user(email).role == RoleEnum.ResourceUploader, timeout=20000)
    wait_message(qtbot, panel, lambda m: m == f"{email} is now Resource uploader")
    qtbot.waitUntil(lambda: panel.model.index(panel.model.find(email), UsersTableModel.ROLE).data()
                    == "Resource uploader", timeout=20000)

    # The Role column edits with a combo box (delegate) and runs the same action.
    index = panel.proxy.index(panel.table.currentIndex().row(), UsersTableModel.ROLE)
    assert panel.proxy.flags(index) & Qt.ItemFlag.ItemIsEditable
    panel.proxy.setData(index, int(RoleEnum.Validator), Qt.ItemDataRole.EditRole)
    qtbot.waitUntil(lambda: sandbox.state.get_user(email).role == RoleEnum.Validator, timeout=20000)
    wait_message(qtbot, panel, lambda m: m == f"{email} is now Validator")


def test_reset_hardware_and_delete_ask_first_naming_the_user(qtbot, logged_in, add_users, sandbox):
    domain, (email,) = add_users([HW])
    window, panel, _ = open_users(qtbot, logged_in)
    search(qtbot, panel, domain)
    panel.select_emails([email])
    asked: list[tuple[str, str]] = []
    answer = [False]
    panel.confirm = lambda title, text: asked.append((title, text)) or answer[0]

    panel.reset_action.trigger()
    assert asked[-1][0] == "Reset hardware" and f"“{email}”" in asked[-1][1]
    assert sandbox.state.get_user(email).hardware == HW  # declined: nothing sent
    answer[0] = True
    panel.reset_action.trigger()
    qtbot.waitUntil(lambda: sandbox.state.get_user(email).hardware is None, timeout=20000)
    wait_message(qtbot, panel, lambda m: m == f"Reset the hardware binding of {email}")
    qtbot.waitUntil(lambda: panel.model.index(panel.model.find(email), UsersTableModel.CPU).data() == "not bound",
                    timeout=20000)
    assert not panel.reset_action.isEnabled()  # nothing left to reset

    answer[0] = False
    panel.delete_action.trigger()
    assert asked[-1] == ("Delete user", f"Delete the user “{email}”?\n\nThis cannot be undone.")
    assert sandbox.state.get_user(email) is not None
    answer[0] = True
    panel.delete_action.trigger()
    qtbot.waitUntil(lambda: sandbox.state.get_user(email) is None, timeout=20000)
    wait_message(qtbot, panel, lambda m: m == f"Deleted {email}")
    qtbot.waitUntil(lambda: panel.model.find(email) < 0, timeout=20000)
    assert status(window) == f"Deleted {email}"


def test_refusals_show_the_servers_message(qtbot, logged_in, sandbox):
    window, panel, creds = open_users(qtbot, logged_in)
    panel.confirm = lambda _t, _x: True
    search(qtbot, panel, creds.email)
    panel.select_emails([creds.email])
    # Your own account: the actions the server would refuse are disabled and say why ...
    assert not panel.delete_action.isEnabled() and not panel.disable_action.isEnabled()
    assert not panel.role_action.isEnabled() and MSG_SELF in panel.delete_action.toolTip()
    # ... and if a call is made anyway (a race, another client), the server's refusal is shown.
    panel.delete_user(creds.email)
    wait_message(qtbot, panel, lambda m: m == MSG_SELF)
    assert panel.message_label.text() == MSG_SELF and panel.message_label.property("error") is True
    assert status(window) == MSG_SELF
    assert sandbox.state.get_user(creds.email) is not None

    panel.change_role("apiadmin@sandbox.local", RoleEnum.Operator)
    wait_message(qtbot, panel, lambda m: m == MSG_APIADMIN)
    assert sandbox.state.get_user("apiadmin@sandbox.local").role == RoleEnum.ApiAdmin


def test_an_account_demoted_meanwhile_is_refused(qtbot, logged_in, add_users, sandbox):
    domain, (email,) = add_users([None])
    window, panel, creds = open_users(qtbot, logged_in)
    sandbox.state.set_role(creds.email, RoleEnum.Operator)  # another admin demoted us
    panel.set_enabled([email], False)
    wait_message(qtbot, panel, lambda m: "may not manage users" in m)
    assert panel.last_error == "Your role (Operator) may not manage users."
    assert sandbox.state.get_user(email).is_enabled


@pytest.mark.parametrize("role", [RoleEnum.Operator, RoleEnum.ResourceUploader])
def test_non_admins_have_no_users_or_hardware_panel(qtbot, logged_in, role):
    controller, _ = logged_in(role)
    window = controller.window
    keys = [p.key for p in window.panels]
    assert "users" not in keys and "hardware" not in keys and "suites" in keys
    assert window.users_panel is None and not window.show_panel("users")
    box = window.suites_panel.production
    assert box.upload_button.isEnabled() == role.can_upload()


def test_context_menu_offers_the_actions(qtbot, logged_in):
    window, panel, creds = open_users(qtbot, logged_in)
    menu = panel.context_menu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["&Enable", "&Disable", "Change &role…", "Reset &hardware…", "De&lete…", "&New user…",
                     "Re&fresh"]
    menu.deleteLater()


def test_actions_follow_the_protocol_rules(qtbot, logged_in, add_users, sandbox):
    """Disable, Change role and Delete were enabled on your own account and, for an Admin, on an ApiAdmin, and
    only the server refused after the click (docs/protocol.md: 409/60, 409/70). Disable asks first."""
    domain, (email,) = add_users([None])
    window, panel, creds = open_users(qtbot, logged_in)
    qtbot.waitUntil(lambda: panel.model.find("apiadmin@sandbox.local") >= 0, timeout=20000)
    for target, allowed in ((creds.email, False), ("apiadmin@sandbox.local", False), (email, True)):
        assert panel.select_emails([target]) == 1
        for action in (panel.disable_action, panel.role_action, panel.delete_action):
            assert action.isEnabled() is allowed, (target, action.text())
        if not allowed:
            assert "—" in panel.delete_action.toolTip()  # says why
    panel.select_emails([email])
    panel.confirm = lambda _title, _text: False  # the confirmation is declined: nothing happens
    panel.disable_action.trigger()
    qtbot.wait(300)
    assert sandbox.state.get_user(email).is_enabled
