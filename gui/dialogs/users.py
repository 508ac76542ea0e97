"""The Users panel's dialogs: a new user (email, password twice, role) and another role for one user. They ask
the panel (gui/panels/users.py) for the administrator's own role and hand the form to it; the panel runs the
request and tells the dialog how it went."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from core import users as users_api
from core.models import RoleEnum, User
from gui.dialogs.buttons import set_primary
from gui.fit import StatusLabel
from gui.panels.admin import combo_role, fill_role_combo, refusal_text

if TYPE_CHECKING:
    from gui.panels.users import UsersPanel
    from gui.panels.users_model import UserRow

MIN_SUGGESTED_PASSWORD = 8


class CreateUserDialog(QDialog):
    """Email, password (twice), role. Validates as the user types; creating runs in a worker and the dialog
    stays open with the server's message when it refuses (e.g. the email exists)."""

    def __init__(self, panel: UsersPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.created: User | None = None
        self.setWindowTitle(self.tr("Azaion Admin — New user"))
        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("newEmail")
        self.email_edit.setPlaceholderText(self.tr("name@example.com"))
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("newPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setObjectName("repeatPassword")
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_box = QCheckBox(self.tr("&Show password"))
        self.show_box.toggled.connect(self._toggle_echo)
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("newRole")
        fill_role_combo(self.role_combo, panel.actor_role(), RoleEnum.Operator)
        self.hint = StatusLabel()
        self.hint.setObjectName("createHint")
        self.hint.setWordWrap(True)
        self.error = StatusLabel()
        self.error.setObjectName("errorLabel")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()

        form = QFormLayout()
        email_label = QLabel(self.tr("&Email"))
        email_label.setBuddy(self.email_edit)
        password_label = QLabel(self.tr("&Password"))
        password_label.setBuddy(self.password_edit)
        repeat_label = QLabel(self.tr("R&epeat password"))
        repeat_label.setBuddy(self.repeat_edit)
        role_label = QLabel(self.tr("&Role"))
        role_label.setBuddy(self.role_combo)
        form.addRow(email_label, self.email_edit)
        form.addRow(password_label, self.password_edit)
        form.addRow(repeat_label, self.repeat_edit)
        form.addRow("", self.show_box)
        form.addRow(role_label, self.role_combo)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.addButton(self.tr("&Create"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("createButton")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        set_primary(self.buttons, self.create_button)
        for edit in (self.email_edit, self.password_edit, self.repeat_edit):
            edit.textChanged.connect(self.validate)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self.validate()

    def _toggle_echo(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.password_edit.setEchoMode(mode)
        self.repeat_edit.setEchoMode(mode)

    def problem(self) -> str:
        """The first thing that stops the form from being sent, or ""."""
        email = self.email_edit.text().strip()
        try:
            users_api.check_email(email)
        except users_api.UserInputError:
            return self.tr("Enter the new user's email address.") if not email else self.tr(
                "“{0}” is not an email address."
            ).format(email)
        if not self.password_edit.text():
            return self.tr("Enter a password for the new user.")
        if self.password_edit.text() != self.repeat_edit.text():
            return self.tr("The passwords do not match.")
        return ""

    def validate(self) -> bool:
        problem = self.problem()
        touched = bool(self.email_edit.text() or self.password_edit.text() or self.repeat_edit.text())
        text = problem if touched else ""
        if not problem and len(self.password_edit.text()) < MIN_SUGGESTED_PASSWORD:
            text = self.tr("A password of at least {0} characters is safer.").format(MIN_SUGGESTED_PASSWORD)
        self.hint.setText(text)
        self.hint.setVisible(bool(text))
        self.create_button.setEnabled(not problem)
        return not problem

    def set_busy(self, busy: bool) -> None:
        for widget in (self.email_edit, self.password_edit, self.repeat_edit, self.role_combo, self.show_box):
            widget.setEnabled(not busy)
        self.create_button.setEnabled(not busy and not self.problem())

    def submit(self) -> None:
        if not self.validate():
            return
        email = self.email_edit.text().strip()
        password = self.password_edit.text()
        role = combo_role(self.role_combo)
        self.error.hide()
        self.set_busy(True)
        self.panel.create_user(email, password, role, dialog=self)

    def failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        self.error.setText(refusal_text(exc))
        self.error.show()

    def succeeded(self, user: User) -> None:
        self.created = user
        self.set_busy(False)
        self.password_edit.clear()
        self.repeat_edit.clear()
        self.accept()


class ChangeRoleDialog(QDialog):
    def __init__(self, panel: UsersPanel, row: UserRow) -> None:
        super().__init__(panel)
        self.row = row
        self.setWindowTitle(self.tr("Azaion Admin — Change role"))
        self.combo = QComboBox()
        self.combo.setObjectName("roleCombo")
        fill_role_combo(self.combo, panel.actor_role(), row.user.role)
        label = QLabel(self.tr("New &role for {0}:").format(row.email))
        label.setBuddy(self.combo)
        label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Change role"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        layout.addWidget(buttons)
        set_primary(buttons)
        self.buttons = buttons
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 50)

    def role(self) -> RoleEnum:
        return combo_role(self.combo)
