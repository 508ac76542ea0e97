"""Login dialog: server profile (production, stage, sandbox, custom URL), email, password, remember me.

Logging in runs in a worker; the dialog shows a busy state and the server's message on failure.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from core.errors import (
    ConfigError,
    HardwareMismatchError,
    UserDisabledError,
    WrongCredentialsError,
)
from core.settings import BUILTIN_PROFILE_IDS
from gui.assets import icon
from gui.details import DetailsButton
from gui.dialogs.buttons import set_primary
from gui.fit import StatusLabel
from gui.profile_names import CUSTOM_NAME, profile_display_name
from gui.session import CUSTOM_PROFILE, AppContext, LoginResult
from gui.theme import ensure_language
from gui.workers.task import TaskRunner

log = logging.getLogger("azaion.gui.login")


def login_error_text(exc: BaseException) -> str:
    """The text the dialog shows for a failed login."""
    from gui.errors_text import conflict_text, error_summary  # only on a failed login: not part of the start

    if isinstance(exc, HardwareMismatchError | UserDisabledError | WrongCredentialsError):
        return conflict_text(exc)  # the server's Message (translated when it is the documented one)
    return error_summary(exc)[0]  # one sentence; the technical text is behind Details


class LoginDialog(QDialog):
    logged_in = Signal(object)  # LoginResult

    @staticmethod
    def tr_static(text: str) -> str:

        return QCoreApplication.translate("LoginDialog", text)

    def __init__(self, ctx: AppContext, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.runner = runner
        self.result_value: LoginResult | None = None
        ensure_language(ctx.settings.language)
        title = self.tr("Azaion Admin — Log in")
        if ctx.is_sandbox:
            title += " — " + self.tr("SANDBOX")
        self.setWindowTitle(title)
        self.setWindowIcon(icon("app"))

        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("profile")
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("url")
        self.url_edit.setPlaceholderText("https://api.example.com")
        self.email_edit = QLineEdit()
        self.email_edit.setObjectName("email")
        self.email_edit.setPlaceholderText(self.tr("name@example.com"))
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember_box = QCheckBox(self.tr("Remember me on this computer"))
        self.remember_box.setObjectName("remember")
        self.remember_box.setToolTip(self.tr("Keep the password in the system keyring"))
        self.error_label = StatusLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.details_button = DetailsButton()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(self.fontMetrics().height() // 2 + 2)
        self.busy.hide()

        form = QFormLayout()
        form.addRow(self.tr("Server"), self.profile_combo)
        form.addRow(self.tr("URL"), self.url_edit)
        form.addRow(self.tr("Email"), self.email_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        form.addRow("", self.remember_box)

        # Built empty, then filled: the constructor that takes buttons makes PySide6 build the whole Qt namespace
        # (~15 ms of every start, before the dialog can appear).
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.login_button = self.buttons.addButton(self.tr("Log in"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.login_button.setObjectName("loginButton")
        self.buttons.accepted.connect(self.start_login)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        if ctx.is_sandbox:
            badge = QLabel(self.tr("SANDBOX — a local practice server; data is not kept"))
            badge.setObjectName("sandboxBadge")
            layout.addWidget(badge)
        layout.addLayout(form)
        error_row = QHBoxLayout()
        error_row.addWidget(self.error_label, 1)
        error_row.addWidget(self.details_button)
        layout.addLayout(error_row)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        set_primary(self.buttons, self.login_button)  # Enter logs in, also after a failed attempt

        self._fill_profiles()
        self.profile_combo.currentIndexChanged.connect(self._on_profile_changed)
        self._on_profile_changed()
        if ctx.is_sandbox:
            from sandbox.state import DEMO_ACCOUNTS, DEMO_PASSWORD

            if not self.email_edit.text():
                self.email_edit.setText(next(e for e, r in DEMO_ACCOUNTS if r.name == "Admin"))
            self.password_edit.setText(DEMO_PASSWORD)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        # The first field still to fill has the focus (Qt would give it to the first in the tab chain).
        if not self.url_edit.text() or self.url_edit.hasFocus():
            self.url_edit.setFocus()
        elif not self.email_edit.text():
            self.email_edit.setFocus()
        else:
            self.focus_password()

    # -- profiles -------------------------------------------------------------------------------------------

    def _fill_profiles(self) -> None:
        self.profile_combo.clear()
        for profile in self.ctx.settings.profiles:
            label = profile_display_name(profile)
            if profile.id == "sandbox" and not profile.api_url:
                label += " " + self.tr("(not running)")
            self.profile_combo.addItem(label, profile.id)
        if not any(p.id == CUSTOM_PROFILE for p in self.ctx.settings.profiles):
            self.profile_combo.addItem(self.tr("Custom URL…"), CUSTOM_PROFILE)
        index = self.profile_combo.findData(self.ctx.settings.current_profile)
        self.profile_combo.setCurrentIndex(max(0, index))

    def selected_profile_id(self) -> str:
        return self.profile_combo.currentData() or CUSTOM_PROFILE

    def select_profile(self, profile_id: str) -> None:
        index = self.profile_combo.findData(profile_id)
        if index >= 0:
            self.profile_combo.setCurrentIndex(index)

    def _on_profile_changed(self) -> None:
        profile_id = self.selected_profile_id()
        try:
            profile = self.ctx.settings.profile(profile_id)
            self.url_edit.setText(profile.api_url)
            self.email_edit.setText(profile.email or self.email_edit.text())
        except ConfigError:
            self.url_edit.clear()
        self.url_edit.setReadOnly(profile_id in BUILTIN_PROFILE_IDS)
        if profile_id == CUSTOM_PROFILE:
            self.url_edit.setFocus()

    # -- login ----------------------------------------------------------------------------------------------

    def show_error(self, text: str, details: str = "") -> None:
        self.details_button.set_details(text, details)
        if text:
            # Selectable so the message can be copied into a report. Set here, not in __init__: the first use of
            # the Qt namespace builds all of its enums (~15 ms), which would delay the dialog's first appearance.
            from PySide6.QtCore import Qt

            self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow (or shrink) to the height the contents need at the current width: the error line wraps instead
        of squashing the fields or widening the dialog."""
        layout = self.layout()
        layout.activate()
        need = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else layout.sizeHint().height()
        if need > 0 and need != self.height():
            self.resize(self.width(), max(need, layout.minimumSize().height()))

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.profile_combo, self.url_edit, self.email_edit, self.password_edit, self.remember_box):
            widget.setEnabled(not busy)
        self.login_button.setEnabled(not busy)

    def start_login(self) -> None:
        email = self.email_edit.text().strip()
        password = self.password_edit.text()
        url = self.url_edit.text().strip().rstrip("/")
        profile_id = self.selected_profile_id()
        if not url:
            self.show_error(self.tr("Enter the server URL (for the sandbox, start the app with --sandbox)."))
            return
        if "@" not in email:
            self.show_error(self.tr("Enter your email address."))
            return
        if not password:
            self.show_error(self.tr("Enter your password."))
            return
        if profile_id not in BUILTIN_PROFILE_IDS:
            exists = any(p.id == profile_id for p in self.ctx.settings.profiles)
            try:
                self.ctx.settings.add_or_update_profile(
                    profile_id, name=None if exists else CUSTOM_NAME, api_url=url  # shown translated
                )
            except ConfigError as exc:
                self.show_error(str(exc))
                return
        self.show_error("")
        self.set_busy(True)
        remember = self.remember_box.isChecked()
        log.info("Logging in to %s as %s", url, email)
        self.runner.run(
            lambda: self.ctx.login(profile_id, url, email, password, remember),
            self._on_success,
            self._on_failure,
            name="login",
        )

    def _on_success(self, result: LoginResult) -> None:
        self.set_busy(False)
        self.result_value = result
        self.password_edit.clear()
        self.logged_in.emit(result)
        self.accept()

    def _on_failure(self, exc: BaseException) -> None:
        self.set_busy(False)
        from gui.errors_text import technical_detail

        details = technical_detail(exc)
        log.warning("Login failed: %s", details.replace("\n", " | "))
        text = login_error_text(exc)
        self.show_error(text, "" if text == str(exc) else details)
        self.login_button.setDefault(True)
        self.password_edit.setFocus()
        self.password_edit.selectAll()

    def focus_password(self) -> None:
        """After log out: the server and email are kept, the password is what the user types next."""
        self.password_edit.setFocus()
        self.password_edit.selectAll()
